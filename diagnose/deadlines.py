"""Deadlines: the dates a platform's rules derive from a case, counted against today.

The rules live in ``knowledge/deadlines.yaml``: a number of days or months after one of the
case's dates (the notice, the appeal, the infraction, the latest invoice), or the next
monthly evaluation day. Month arithmetic keeps to the calendar: one month after 31 January is
the last day of February (29 February in a leap year).
"""
from __future__ import annotations

import calendar
import datetime as _dt
from typing import Optional, Tuple

import msgspec

from .knowledge import Deadline, KnowledgeBase
from .ranking import Diagnosis, situation
from .vocabulary import Text



class DueDate(msgspec.Struct, frozen=True):
    """One deadline of a case: its date, how many days are left (negative once passed)."""

    id: str
    label: Text
    date: str
    days_left: int
    sources: Tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.days_left < 0


def add_months(day: _dt.date, months: int) -> _dt.date:
    """``day`` moved by whole months, kept within the target month (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return _dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def next_day_of_month(today: _dt.date, day: int) -> _dt.date:
    """The first ``day`` of a month strictly after ``today`` (a missing 31st is the month's last day)."""
    for months in (0, 1):
        first = add_months(today.replace(day=1), months)
        candidate = first.replace(day=min(day, calendar.monthrange(first.year, first.month)[1]))
        if candidate > today:
            return candidate
    raise AssertionError("unreachable: next month's day always lies after today")


def due_date(deadline: Deadline, facts: dict, today: _dt.date) -> Optional[_dt.date]:
    """The date ``deadline`` gives for ``facts``, or None when the case lacks its starting date."""
    if deadline.day_of_month is not None:
        return next_day_of_month(today, deadline.day_of_month)
    if deadline.since not in facts:
        return None
    start = _dt.date.fromisoformat(str(facts[deadline.since]))
    return add_months(start, deadline.months) + _dt.timedelta(days=deadline.days)


def due_dates(kb: KnowledgeBase, diagnosis: Diagnosis, today: _dt.date) -> Tuple[DueDate, ...]:
    """Every deadline that applies to the case (its platform, facts and situation), by date."""
    now = situation(diagnosis.causes, diagnosis.metrics)
    found = []
    for deadline in kb.deadlines.values():
        fit = deadline.fit
        if fit.conflicts(diagnosis.facts, diagnosis.platform) or not fit.confirmed(diagnosis.facts):
            continue
        if deadline.situations and now not in deadline.situations:
            continue
        date = due_date(deadline, diagnosis.facts, today)
        if date is not None:
            found.append(DueDate(deadline.id, deadline.label, date.isoformat(), (date - today).days, deadline.sources))
    return tuple(sorted(found, key=lambda d: (d.date, d.id)))

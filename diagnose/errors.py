"""One exception tree for everything a user can get wrong or the engine can break.

Every error carries a message and, where known, the location (file, line, column, field),
so the CLI can print one line like ``facts.yaml:3:1: cancel_rate: ...`` and exit cleanly.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

import msgspec


def printable(name: str) -> str:
    """A file or field name as is, or quoted with escapes if it would break the one-line message."""
    return name if name and name.isprintable() and name.strip() == name else repr(name)


class Location(msgspec.Struct, frozen=True):
    """Where a problem sits: a file, an optional 1-based line and column, an optional field."""

    path: str
    line: Optional[int] = None
    column: Optional[int] = None
    field: Optional[str] = None

    def __str__(self) -> str:
        text = printable(self.path)
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


def locate(location: Optional[Location], message: str, field: Optional[str] = None) -> str:
    """``message`` after ``location``, if any; ``field`` names the field in Chinese output (a
    fact's label), then a full-width colon follows it. The file, line and column stay as the
    English gives them, for tools that read them."""
    if location is None:
        return message
    prefix = str(location)
    if field is not None and location.field is not None:
        return f"{prefix}: {field}：{message}"
    if location.field is not None:
        return f"{prefix}: {printable(location.field)}: {message}"
    return f"{prefix}: {message}"


class Said(msgspec.Struct, frozen=True):
    """A problem or note to show later, in the reader's language: its English ``message``, where
    it is, and the message catalogue's entry (``code``, ``values``) saying it in other languages.
    ``shop`` names the shop of a report line it is about. A value may itself be a Said (told in
    the same language)."""

    message: str
    location: Optional[Location] = None
    code: Optional[str] = None
    values: Dict[str, Any] = {}
    shop: Optional[str] = None

    def located(self, message: str, field: Optional[str] = None) -> str:
        """``message`` (this one's, or its translation) after the location (see :func:`locate`)."""
        return locate(self.location, message, field)

    def __str__(self) -> str:
        text = self.located(self.message)
        return text if self.shop is None else f"{text} (in {self.shop})"


class DiagnoseError(Exception):
    """Root of every error seller-diagnose raises on purpose.

    ``code`` names the message catalogue's entry saying the same in other languages, ``values``
    fills its placeholders (see :meth:`located`).
    """

    exit_code = 1

    def __init__(self, message: str, location: Optional[Location] = None, code: Optional[str] = None,
                 values: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.code = code
        self.values = values or {}

    def located(self, message: str, field: Optional[str] = None) -> str:
        """``message`` (this error's, or its translation) after the location (see :func:`locate`)."""
        return locate(self.location, message, field)

    def said(self, location: Optional[Location] = None, shop: Optional[str] = None) -> Said:
        """This error as a :class:`Said`, at ``location`` if given, else at its own."""
        return Said(self.message, location or self.location, self.code, self.values, shop)

    def __str__(self) -> str:
        return self.located(self.message)


class InputError(DiagnoseError):
    """The seller's facts (a file, a CLI option, an answer, a CSV row) are not acceptable."""

    exit_code = 2


class KnowledgeBaseError(DiagnoseError):
    """The knowledge base cannot be loaded; ``findings`` lists every problem found."""

    exit_code = 1

    def __init__(self, message: str, findings: Sequence[Any] = (), location: Optional[Location] = None) -> None:
        super().__init__(message, location)
        self.findings = list(findings)


class InferenceError(DiagnoseError):
    """The engine failed while reasoning: never report a partial diagnosis."""

    exit_code = 1

    def __init__(self, message: str, rule_id: Optional[str] = None) -> None:
        super().__init__(message)
        self.rule_id = rule_id

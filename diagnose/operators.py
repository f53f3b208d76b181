"""The operators of rule conditions, defined once: how each is written, tested and compiled.

A condition such as ``{fact: cancel_rate, above: 2.5%}`` names its operator by key. The loader,
the compiler, the reference evaluator, the interview, lint and the thresholds all read this table.
The words shown to users for an operator are knowledge: the message ``operator.<name>`` (see
``knowledge/operators.yaml``); a knowledge base without it shows the name itself (``at most``).
"""
from __future__ import annotations

import operator
from typing import Any, Callable, Dict, NamedTuple, Optional


class Operator(NamedTuple):
    """One condition operator."""

    name: str  # the key in a rule condition: "at_most"
    symbol: str  # as a formula writes it: "≤"
    test: Callable[[Any, Any], bool]  # test(fact value, condition value)
    engine: Optional[str]  # durable-rules' operator; None where the compiler builds the pattern itself
    opposite: Optional[str] = None  # numeric operators: the one that holds exactly when this one does not

    @property
    def numeric(self) -> bool:
        """Whether the operator compares numbers (``above``, ``at_least``, ``below``, ``at_most``)."""
        return self.opposite is not None

    @property
    def message(self) -> str:
        """The id of the message holding the operator's words."""
        return f"operator.{self.name}"

    def words(self, messages: Dict[str, Any], lang: str) -> str:
        """The operator in ``lang`` from ``messages`` (id → item with a ``text``), else its name in words."""
        item = messages.get(self.message)
        if item is None:
            return self.name.replace("_", " ")
        return item.text.get(lang) or item.text["en"]


def _in(value: Any, choices: Any) -> bool:
    return value in choices


def _known(value: Any, _: Any) -> bool:
    return True


TABLE: Dict[str, Operator] = {op.name: op for op in (
    Operator("is", "=", operator.eq, None),
    Operator("is_not", "≠", operator.ne, "$neq"),
    Operator("in", "∈", _in, None),
    Operator("known", "∃", _known, None),
    Operator("above", ">", operator.gt, "$gt", opposite="at_most"),
    Operator("at_least", "≥", operator.ge, "$gte", opposite="below"),
    Operator("below", "<", operator.lt, "$lt", opposite="at_least"),
    Operator("at_most", "≤", operator.le, "$lte", opposite="above"),
)}
OPERATORS = tuple(TABLE)
NUMERIC_OPS = tuple(name for name, op in TABLE.items() if op.numeric)


def holds(op: str, value: Any, target: Any) -> bool:
    """Whether ``value`` meets ``op target`` (the positive form of a fact condition). A tuple is
    the several choices of one fact, each on its own: the condition holds when one of them meets it."""
    if isinstance(value, tuple):
        return any(TABLE[op].test(one, target) for one in value)
    return TABLE[op].test(value, target)


def condition_key(match: str) -> str:
    """The YAML key of a rule's conditions: ``when`` when all must hold (``match`` "all"), else ``when_any``."""
    return "when" if match == "all" else "when_any"

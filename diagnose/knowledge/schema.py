"""JSON Schema checks of knowledge and rule files, and their errors as findings at the offending field."""
from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Tuple

from ..yamlsafe import Mapping, mark_of
from .files import default_root
from .model import Finding, suggest

if TYPE_CHECKING:  # jsonschema is imported when the cache misses
    from jsonschema import ValidationError

_SCHEMAS: Dict[str, Any] = {}


def schema_validator(kind: str) -> Any:
    """The JSON Schema validator for ``knowledge``, ``rules``, ``lint`` or ``scenario`` files (knowledge/schemas)."""
    if kind not in _SCHEMAS:
        import jsonschema  # imported lazily: only needed when the cache misses

        # Always the shipped schemas: they are the program's contract, not editable knowledge.
        schema_path = default_root() / "knowledge" / "schemas" / f"{kind}.schema.json"
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        _SCHEMAS[kind] = jsonschema.Draft202012Validator(schema)
    return _SCHEMAS[kind]


def schema_finding(path: str, document: Any, error: ValidationError) -> Finding:
    """A JSON Schema error as a finding at the offending field of a loaded document."""
    error = _most_specific(error)
    container, key = document, None
    trail = list(error.absolute_path)
    for step in trail[:-1]:
        container = container[step]
    if trail:
        key = trail[-1]
    line, column = mark_of(container, key) if key is not None else (getattr(document, "line", 1), 1)
    extra = _extra_fields(error)
    if extra and isinstance(error.instance, Mapping):
        line, column = error.instance.mark_of(extra[0])  # the unknown field itself
    field_path = ".".join(str(step) for step in trail) or "(top level)"
    return Finding(path, line, column, "error", f"{field_path}: {_schema_message(error)}", "schema")


def _non_finite(node: Any) -> Iterator[Tuple[Any, Any]]:
    """(container, key) of every NaN or infinite number in a loaded document (JSON Schema allows them)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        if isinstance(value, float) and not math.isfinite(value):
            yield node, key
        else:
            yield from _non_finite(value)


def _most_specific(error: ValidationError) -> ValidationError:
    """For oneOf/anyOf failures, the sub-error that went deepest into the document."""
    while error.context:
        error = max(error.context, key=lambda e: (len(e.absolute_path), -len(e.schema_path)))
    return error


def _extra_fields(error: ValidationError) -> List[str]:
    """The fields an ``additionalProperties`` error complains about, sorted."""
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return []
    return sorted(set(error.instance) - set(error.schema.get("properties", {})))


def _schema_message(error: ValidationError) -> str:
    if error.validator == "additionalProperties":
        extra = _extra_fields(error)
        allowed = sorted(error.schema.get("properties", {}))
        name = extra[0] if extra else "?"
        return f"unknown field '{name}'{suggest(name, allowed)}"
    if error.validator == "required":
        return error.message.replace(" is a required property", " is required")
    return error.message

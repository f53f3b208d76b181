"""Safe, bounded YAML loading that keeps line numbers.

Every YAML file (seller facts, knowledge, rules) goes through :func:`load_yaml`:
only the safe loader, a size limit checked before parsing, limits on aliases and
nesting depth (so "billion laughs" and deep documents fail fast), duplicate keys
rejected, and mappings returned as :class:`Mapping` objects that remember where
each key stood. Keys are always strings as written (``yes:`` stays ``"yes"``, ``3:`` stays
``"3"``); numbers are decimal only (no YAML 1.1 octal, hex or ``1:30`` base-60 surprises);
escapes may not produce characters a file could not hold (NUL, controls, surrogates); a tag
with an impossible value (``!!int abc``, ``2020-02-30``) is a YAML error, not a crash.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, Iterable, List, Never, Optional, Tuple

import yaml

from .errors import DiagnoseError, Location
from .fileio import FileProblem, read_regular

# libyaml parses and composes (fast); construction stays in Python so marks are kept and
# every value is checked. The alias, depth and expansion limits are enforced on libyaml's
# event stream before anything is composed (see _check_limits).
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_ALIASES = 100
MAX_DEPTH = 64
MAX_EXPANDED_NODES = 200_000
MAX_INT_DIGITS = 100  # far beyond any count or limit; Python refuses to read ints of 4,300+ digits
_NON_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")
_INT = re.compile(r"^[-+]?[0-9][0-9_]*$")
_FLOAT = re.compile(r"^(?:[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?"
                    r"|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


class Mapping(dict):
    """A dict that remembers the 1-based (line, column) of itself and of each key."""

    __slots__ = ("line", "column", "key_marks")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = None
        self.column = None
        self.key_marks = {}

    def __reduce__(self) -> Tuple[Callable[..., "Mapping"], tuple]:  # pickle as a plain dict plus marks
        return (_rebuild_mapping, (dict(self), self.line, self.column, self.key_marks))

    def mark_of(self, key: Any) -> tuple:
        """(line, column) of ``key``, or of the mapping itself when the key is absent."""
        return self.key_marks.get(key, (self.line, self.column))


def _rebuild_mapping(items: Dict[str, Any], line: Optional[int], column: Optional[int],
                     key_marks: Dict[str, Tuple[int, int]]) -> Mapping:
    mapping = Mapping(items)
    mapping.line, mapping.column, mapping.key_marks = line, column, key_marks
    return mapping


class Sequence(list):
    """A list that remembers the 1-based (line, column) of each item."""

    __slots__ = ("line", "column", "item_marks")

    def __init__(self, *args: Iterable[Any]) -> None:
        super().__init__(*args)
        self.line = None
        self.column = None
        self.item_marks = []

    def __reduce__(self) -> Tuple[Callable[..., "Sequence"], tuple]:
        return (_rebuild_sequence, (list(self), self.line, self.column, self.item_marks))


def _rebuild_sequence(items: List[Any], line: Optional[int], column: Optional[int],
                      item_marks: List[Tuple[int, int]]) -> Sequence:
    sequence = Sequence(items)
    sequence.line, sequence.column, sequence.item_marks = line, column, item_marks
    return sequence


class YamlError(DiagnoseError):
    """A file that is not acceptable YAML (syntax, size, aliases, depth, duplicate keys)."""


def _mark(node: yaml.Node) -> Tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Loader(_BaseLoader):
    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers
                if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()}

    def __init__(self, stream: str, path: str) -> None:
        super().__init__(stream)
        self._path = path

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            value = super().construct_object(node, deep=deep)
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            tag = node.tag.replace('tag:yaml.org,2002:', '!!')
            raise YamlError(f"not a valid {tag} value: {exc}", Location(self._path, *_mark(node)),
                            "error.yaml_value", {"tag": tag, "problem": str(exc)}) from None
        if isinstance(value, str) and _NON_PRINTABLE.search(value):
            raise YamlError("a string holds a control character or an invalid code point",
                            Location(self._path, *_mark(node)), "error.yaml_control_string")
        return value

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Mapping:
        mapping = Mapping()
        mapping.line, mapping.column = _mark(node)
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlError("mapping keys must be plain scalars",
                                Location(self._path, *_mark(key_node)), "error.yaml_complex_key")
            self.construct_object(key_node, deep=True)  # checks the tag and the characters
            key = key_node.value
            if key in mapping:
                first = mapping.key_marks[key][0]
                raise YamlError(f"duplicate key (first given on line {first})",
                                Location(self._path, *_mark(key_node), field=str(key)), "error.duplicate_key",
                                {"first": first})
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_marks[key] = _mark(key_node)
        return mapping

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> Sequence:
        sequence = Sequence(self.construct_object(child, deep=True) for child in node.value)
        sequence.line, sequence.column = _mark(node)
        sequence.item_marks = [_mark(child) for child in node.value]
        return sequence


def _construct_decimal_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    digits = loader.construct_scalar(node).replace("_", "")
    count = len(digits.lstrip("+-"))
    if count > MAX_INT_DIGITS:
        raise YamlError(f"an integer of {count:,} digits; at most {MAX_INT_DIGITS} are accepted",
                        Location(loader._path, *_mark(node)), "error.yaml_long_int",
                        {"digits": f"{count:,}", "limit": MAX_INT_DIGITS})
    return int(digits, 10)


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    if not loader.timestamp_regexp.match(loader.construct_scalar(node)):
        raise YamlError("not a valid date or time: write a date as YYYY-MM-DD (a four-digit year)",
                        Location(loader._path, *_mark(node)), "error.yaml_date")
    return loader.construct_yaml_timestamp(node)


def _unsupported_tag(loader: _Loader, node: yaml.Node) -> Never:
    tag = node.tag.replace('tag:yaml.org,2002:', '!!')
    raise YamlError(f"the {tag} tag is not supported here", Location(loader._path, *_mark(node)), "error.yaml_tag",
                    {"tag": tag})


def _construct_mapping_node(loader: _Loader, node: yaml.MappingNode) -> Mapping:
    return loader.construct_mapping(node)


def _construct_sequence_node(loader: _Loader, node: yaml.SequenceNode) -> Sequence:
    return loader.construct_sequence(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping_node)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence_node)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_decimal_int)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
for _tag in ("binary", "set", "omap", "pairs"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _unsupported_tag)
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


def read_text(path: str, max_bytes: int) -> str:
    """Read a UTF-8 text file, refusing directories, special, oversized and binary files."""
    try:
        data = read_regular(path, max_bytes)
    except FileProblem as exc:
        raise YamlError(exc.message, exc.location, exc.code, exc.values) from None
    return decode_text(data, path)


def decode_text(data: bytes, path: str) -> str:
    """A file's bytes as text, refusing UTF-16 and binary data and bytes that are not UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlError("file is UTF-16 text: save it as UTF-8", Location(path), "error.utf16")
    if b"\x00" in data:
        raise YamlError("binary file (contains NUL bytes)", Location(path), "error.binary")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlError("file is not UTF-8 text", Location(path, line), "error.not_utf8") from None


def _check_limits(text: str, path: str) -> None:
    """Refuse too many aliases, too deep nesting and alias expansion past the limit, reading
    only the parser's events: nothing is composed or expanded before this passes."""
    anchors = {}  # anchor -> number of values it stands for once expanded
    open_collections = [[None, 0, None]]  # [anchor, values inside so far, start event] per open collection
    aliases = 0

    def refuse(message: str, event: yaml.Event, code: str, limit: int) -> Never:
        raise YamlError(message, Location(path, event.start_mark.line + 1, event.start_mark.column + 1), code,
                        {"limit": f"{limit:,}"})

    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(open_collections) > MAX_DEPTH:
                refuse(f"nested more than {MAX_DEPTH} levels deep", event, "error.yaml_depth", MAX_DEPTH)
            open_collections.append([event.anchor, 0, event])
            continue
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            anchor, inside, _ = open_collections.pop()
            weight = 1 + inside
        elif isinstance(event, yaml.ScalarEvent):
            anchor, weight = event.anchor, 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                refuse(f"more than {MAX_ALIASES} YAML aliases; refusing to expand them", event, "error.yaml_aliases",
                       MAX_ALIASES)
            anchor, weight = None, anchors.get(event.anchor, 1)
        else:
            continue
        if anchor is not None:
            anchors[anchor] = weight
        open_collections[-1][1] += weight
        if open_collections[-1][1] > MAX_EXPANDED_NODES:  # point at the collection that grew too big
            what, code = ("aliases expand to", "error.yaml_expands") if aliases else ("the document holds",
                                                                                      "error.yaml_values")
            refuse(f"{what} more than {MAX_EXPANDED_NODES:,} values", open_collections[-1][2] or event, code,
                   MAX_EXPANDED_NODES)


def parse_yaml(text: str, path: str) -> Any:
    """Parse one YAML document from ``text``; errors name ``path`` with line and column."""
    loader = None
    try:
        _check_limits(text, path)
        loader = _Loader(text, path)
        document = loader.get_single_node()
        return loader.construct_document(document) if document is not None else None
    except YamlError:
        raise
    except yaml.reader.ReaderError as exc:  # a control character, found before parsing starts
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        code = f"{exc.character:04x}"
        raise YamlError(f"control character #x{code} is not allowed", Location(path, line), "error.yaml_control_char",
                        {"code": code}) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problem = exc.problem or exc.context or "invalid YAML"
        if problem.startswith("but ") and exc.context:  # "but found another document" needs its context
            problem = f"{exc.context}, {problem}"
        raise YamlError(f"invalid YAML: {problem}", Location(path, line, column), "error.yaml_syntax",
                        {"problem": problem}) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", Location(path), "error.yaml_syntax", {"problem": str(exc)}) from None
    except RecursionError:
        raise YamlError("nested too deeply", Location(path), "error.yaml_nested") from None
    finally:
        if loader is not None:
            loader.dispose()


def load_yaml(path: str, max_bytes: int = 1_000_000) -> Any:
    """Read and parse a YAML (or JSON) file safely; see the module docstring."""
    return parse_yaml(read_text(path, max_bytes), path)


def mark_of(container: Any, key: Any) -> tuple:
    """(line, column) of ``key`` in a loaded mapping or sequence, (None, None) if unknown."""
    if isinstance(container, Mapping):
        return container.mark_of(key)
    if isinstance(container, Sequence) and isinstance(key, int) and key < len(container.item_marks):
        return container.item_marks[key]
    return (getattr(container, "line", None), getattr(container, "column", None))

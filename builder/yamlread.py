"""Safe YAML reading that keeps every value's position.

Built on the parser's event stream rather than its node tree: libyaml's composer recurses once
per nesting level (a file of 40,000 '[' crashes the interpreter) and expands nothing lazily,
so we build plain data ourselves with an explicit stack, a depth limit and a value budget
that bounds alias expansion. Only plain values are produced: no tag is ever constructed into
an object, so `!!python/...` can never execute anything.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import ScalarNode

from .errors import Marks, Path_, Problem, YamlError

try:  # libyaml's C parser is many times faster; the pure-Python one is the fallback.
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader  # type: ignore[assignment]

# Characters YAML 1.1 forbids (all but tab, newlines, printable text, NEL and the BMP/astral
# ranges it allows). Checked here so the message is ours, not the parser's of the day.
_FORBIDDEN = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

MAX_VALUES = 100_000
"""Most values one YAML file may expand to; bounds alias ('billion laughs') expansion."""
MAX_DEPTH = 40
"""Deepest nesting accepted; the schema needs five levels."""

_TEXT_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp", "!"}
# Dates stay text (the schema checks ISO dates itself); these become Python scalars:
_VALUE_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
               "tag:yaml.org,2002:null"}
_CONTAINER_TAGS = {None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_NO_TAG = "remove the tag; only plain values are allowed"


class _Frame:
    """An open mapping or sequence on the builder's stack."""

    __slots__ = ("anchor", "key", "path", "start", "value")

    def __init__(self, value: dict[str, Any] | list[Any], path: Path_, anchor: str | None,
                 start: int) -> None:
        self.value = value
        self.path = path
        self.anchor = anchor  # the container's anchor, to record what it expands to
        self.start = start  # the value count when it opened
        self.key: str | None = None  # a mapping's pending key, awaiting its value


class _Reader:
    """Consumes parser events into plain data, recording each value's position."""

    def __init__(self, loader: Any, shown: str, first_line: int, marks: bool) -> None:
        self.loader = loader
        self.shown = shown
        self.offset = first_line
        self.count = 0
        self.keep = marks  # record every position (slower), or only detect problems
        self.marks: Marks = {}
        self.key_marks: Marks = {}
        self.anchors: dict[str, tuple[Any, int]] = {}  # anchor -> (value, values inside)

    def fail(self, event: Any, message: str, hint: str) -> YamlError:
        line, col = self.pos(event)
        return YamlError(Problem(self.shown, line, col, "", message, hint))

    def pos(self, event: Any) -> tuple[int, int]:
        return event.start_mark.line + self.offset, event.start_mark.column + 1

    def read(self) -> Any:
        stack: list[_Frame] = []
        root: list[Any] = []
        documents = 0
        get = self.loader.get_event
        while (event := get()) is not None:
            kind = type(event)  # most frequent first: this loop runs once per value
            if kind is ScalarEvent or kind is AliasEvent:
                self.leaf(event, stack, root)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                self.open(event, stack, root)
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                frame = stack.pop()
                if frame.anchor:
                    self.anchors[frame.anchor] = (frame.value, self.count - frame.start + 1)
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise self.fail(event, "more than one YAML document in the file",
                                    "remove the second '---' and what follows, or split files")
        return root[0] if root else None

    def place(self, event: Any, value: Any, stack: list[_Frame], root: list[Any]) -> Path_:
        """Put a finished value where it belongs; return its path."""
        self.count += 1
        if self.count > MAX_VALUES:
            raise self.fail(event, f"file expands to more than {MAX_VALUES:,} values",
                            "remove YAML anchors and aliases (&, *); write values out")
        top = stack[-1] if stack else None
        # Paths are only worth building when positions are kept (a third of the parse time).
        if top is None:
            root.append(value)
            path: Path_ = ()
        elif isinstance(top.value, list):
            path = (*top.path, len(top.value)) if self.keep else ()
            top.value.append(value)
        else:
            assert top.key is not None
            path = (*top.path, top.key) if self.keep else ()
            top.value[top.key] = value
            top.key = None
        if self.keep:
            self.marks.setdefault(path, self.pos(event))
        return path

    def open(self, event: Any, stack: list[_Frame], root: list[Any]) -> None:
        if stack and isinstance(stack[-1].value, dict) and stack[-1].key is None:
            raise self.fail(event, "a mapping key must be plain text",
                            "use a simple name before the colon")
        if len(stack) >= MAX_DEPTH:
            raise self.fail(event, "YAML nested too deeply", f"keep nesting under {MAX_DEPTH} "
                            "levels")
        if event.tag not in _CONTAINER_TAGS:
            raise self.fail(event, f"unsupported YAML tag {event.tag!r}", _NO_TAG)
        value: dict[str, Any] | list[Any] = (
            {} if isinstance(event, MappingStartEvent) else [])
        path = self.place(event, value, stack, root)
        stack.append(_Frame(value, path, event.anchor, self.count))

    def leaf(self, event: Any, stack: list[_Frame], root: list[Any]) -> None:
        top = stack[-1] if stack else None
        if isinstance(event, AliasEvent):
            if event.anchor not in self.anchors:
                raise self.fail(event, f"unknown alias '*{event.anchor}'",
                                "define the anchor (&name) before using it")
            value, size = self.anchors[event.anchor]
            self.count += size - 1  # an alias costs what it expands to
        else:
            value = self.scalar(event)
            if event.anchor:
                self.anchors[event.anchor] = (value, 1)
        if top is not None and isinstance(top.value, dict) and top.key is None:
            self.key(event, value, top)
            return
        self.place(event, value, stack, root)

    def key(self, event: Any, value: Any, top: _Frame) -> None:
        if isinstance(event, AliasEvent) or not isinstance(value, (str, int, float, bool)):
            raise self.fail(event, "a mapping key must be plain text",
                            "use a simple name before the colon")
        key = str(value)
        if key == "<<" and event.tag != "tag:yaml.org,2002:str":
            raise self.fail(event, "YAML merge keys (<<) are not supported",
                            "write the fields out")
        if key in top.value:
            if not self.keep:
                raise _NeedPositions  # the message names the first key's line
            first = self.key_marks[(*top.path, key)]
            raise self.fail(event, f"duplicate key '{key}' (first at line {first[0]})",
                            "remove one of the two")
        if self.keep:
            self.key_marks[(*top.path, key)] = self.pos(event)
        top.key = key

    def scalar(self, event: ScalarEvent) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            plain = event.implicit[0] and tag is None
            if plain and event.value[:1] not in _RESOLVED_FIRST:
                return _short(event.value)  # no implicit type starts with it: text
            tag = self.loader.resolve(ScalarNode, event.value, (plain, False)) if plain else (
                "tag:yaml.org,2002:str")
        if tag in _TEXT_TAGS:
            return _short(event.value)
        if tag == "tag:yaml.org,2002:merge":
            return "<<"
        if tag not in _VALUE_TAGS:
            raise self.fail(event, f"unsupported YAML tag {tag!r}", _NO_TAG)
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark)
        try:
            return yaml.SafeLoader.yaml_constructors[tag](_CONSTRUCTOR, node)
        except ValueError:
            raise self.fail(event, f"cannot read {event.value[:20]!r} as a number",
                            "put the value in quotes, or shorten it") from None


_CONSTRUCTOR = yaml.SafeLoader("")  # only its scalar constructors are used
SHARED_UP_TO = 40
"""Texts up to this length are shared (interned): ids, value names and labels recur across
thousands of records (a tenth of a big site's memory went to such copies)."""


def _short(text: str) -> str:
    return sys.intern(text) if len(text) <= SHARED_UP_TO else text

# First characters for which the resolver tries an implicit type (numbers, booleans, null,
# dates...); a plain scalar starting otherwise is text, with no regular expression run. The
# empty string is included (it resolves to null), and a resolver for any character would
# disable the shortcut.
_RESOLVED_FIRST = frozenset(SafeLoader.yaml_implicit_resolvers) | {""}
assert None not in _RESOLVED_FIRST and not SafeLoader.yaml_path_resolvers


class _NeedPositions(Exception):
    """Raised by a reader not keeping positions when its error message needs them."""


def read_yaml(text: str, shown: str, first_line: int = 1, marks: bool = True
              ) -> tuple[Any, Marks, Marks]:
    """Parse YAML text into (data, value marks, key marks); raise YamlError if unacceptable.

    With `marks=False` the position maps stay empty and parsing is faster; errors are the same.
    """
    if bad := _FORBIDDEN.search(text):
        line = text.count("\n", 0, bad.start()) + first_line
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise YamlError(Problem(shown, line, col, "",
                                f"file contains the control character U+{ord(bad.group()):04X}",
                                "remove it; save the file as UTF-8 text"))
    try:
        return _read(SafeLoader(text), text, shown, first_line, marks)
    except YamlError as parser:
        if SafeLoader is yaml.SafeLoader:
            raise
        # The parser may enforce limits of its own (libyaml 0.2.5+ refuses flow nesting past
        # 1,000 levels while it scans ahead, before it hands over the first event), with its
        # own wording and position. The pure-Python parser streams the same events without
        # such limits, so reading again with it lets the builder's checks (depth, value
        # budget) speak first whenever they apply; otherwise the parser's error stands.
        # Checked with PyYAML 6.0.2 (no limit in libyaml) and 6.0.4 (limit): same message.
        try:
            _read(yaml.SafeLoader(text), text, shown, first_line, marks=False)
        except YamlError as ours:
            if not ours.problem.message.startswith(_PARSER_PREFIXES):
                raise ours from None
        raise parser from None


def _odd_indent(lines: list[str], at: int) -> tuple[int, int, int] | None:
    """(line index, indent, a neighbour's indent) of the line at or just before `at` whose
    indentation no other line of the file uses, if there is one."""
    def indent(text: str) -> int | None:
        stripped = text.lstrip(" ")
        return None if not stripped or stripped.startswith("#") else len(text) - len(stripped)

    widths = [indent(text) for text in lines]
    for i in range(min(at, len(lines) - 1), max(-1, at - 3), -1):
        width = widths[i]
        if width is not None and width > 0 and widths.count(width) == 1:
            # Its siblings most likely follow it; the line above may be its parent.
            usual = next((w for w in widths[i + 1:] if w is not None), None)
            if usual is None:
                usual = next((w for w in widths[i - 1::-1] if w is not None), 0) if i else 0
            return i, width, usual
    return None


_PARSER_PREFIXES = ("YAML syntax error", "YAML error")


def _read(loader: Any, text: str, shown: str, first_line: int, marks: bool
          ) -> tuple[Any, Marks, Marks]:
    reader = _Reader(loader, shown, first_line, marks)
    try:
        data = reader.read()
    except _NeedPositions:
        loader.dispose()
        return _read(type(loader)(text), text, shown, first_line, marks=True)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + first_line) if mark else None
        col = (mark.column + 1) if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        hint = "check the indentation, colons and quotes here"
        lines = text.split("\n")
        if mark and mark.line < len(lines) and lines[mark.line][mark.column:][:1] == "\t":
            # The parser's words ("cannot start any token") do not say what the author did.
            what, hint = "a tab character", "indent with spaces; YAML does not allow tabs"
        elif mark and (odd := _odd_indent(lines, mark.line)) is not None:
            # Likewise "did not find expected key" for a line one space out of step.
            at, width, usual = odd
            line, col = at + first_line, width + 1
            what = f"this line is indented {width} spaces, unlike any other line of the file"
            hint = f"indent it like the lines around it (perhaps {usual} spaces)"
        raise YamlError(Problem(shown, line, col, "", f"YAML syntax error: {what}",
                                hint)) from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0]
        raise YamlError(Problem(shown, None, None, "", f"YAML error: {first}",
                                "remove control characters; save the file as UTF-8 text")
                        ) from None
    finally:
        loader.dispose()
    return data, reader.marks, reader.key_marks

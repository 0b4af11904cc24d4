"""Schema stage: turn parsed documents into typed records, locating every problem.

msgspec does the validation; it stops at the first error, so when a document fails we walk it
once more field by field (still asking msgspec about each value) to report every problem with
its line and column. The walk only runs on invalid input, so valid builds pay nothing for it.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, TypeVar, Union, get_args, get_origin

import msgspec

from .document import Document
from .errors import Path_, Problem

T = TypeVar("T")

Located = list[tuple[Any, Document, Path_]]
"""Typed records of one kind, each with its document and its path inside it."""

_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_STEP = re.compile(r"\.(\w+)|\[(\d+)\]")


def convert(doc: Document, cls: type[T], data: Any = None, base: Path_ = ()) -> tuple[
        T | None, list[Problem]]:
    """Convert `data` (default: the whole document) to `cls`, or return its problems."""
    data = doc.data if data is None and not base else data
    try:
        return msgspec.convert(data, cls), []
    except msgspec.ValidationError:
        problems = list(_walk(doc, data, cls, base))
        if not problems:  # the walk mirrors msgspec; if it finds nothing, report msgspec's words
            try:
                msgspec.convert(data, cls)
            except msgspec.ValidationError as exc:
                problems = [_from_msgspec(doc, base, str(exc))]
        return None, problems


def field_path(path: Path_) -> str:
    """Render ('statements', 2, 'source') as 'statements[2].source'."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def locate(doc: Document, path: Path_, *, key: bool = False) -> tuple[int | None, int | None]:
    """Line and column of the value at `path`, or of its nearest located ancestor."""
    if key and path in doc.key_marks:
        return doc.key_marks[path]
    while path:
        if path in doc.marks:
            return doc.marks[path]
        path = path[:-1]
    return doc.marks.get((), (None, None))


def problem(doc: Document, path: Path_, message: str, hint: str = "", *,
            key: bool = False) -> Problem:
    """A Problem at `path` inside `doc`."""
    line, col = locate(doc, path, key=key)
    return Problem(doc.path, line, col, field_path(path), message, hint)


def strip_annotated(tp: Any) -> Any:
    """Remove Annotated[...] wrappers."""
    while hasattr(tp, "__metadata__"):
        tp = tp.__origin__
    return tp


def _walk(doc: Document, data: Any, tp: Any, path: Path_):
    tp = strip_annotated(tp)
    origin = get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct) and isinstance(data, dict):
        yield from _walk_struct(doc, data, tp, path)
    elif origin in (list, tuple) and isinstance(data, list):
        item_type, *rest = get_args(tp)  # list[X] or tuple[X, ...]
        assert rest in ([], [Ellipsis]), f"a fixed-length tuple is walked as no list: {tp}"
        for i, item in enumerate(data):
            yield from _walk(doc, item, item_type, (*path, i))
    elif origin is dict and isinstance(data, dict):
        _, value_type = get_args(tp)
        for k, v in data.items():
            yield from _walk(doc, v, value_type, (*path, k))
    else:
        try:
            msgspec.convert(data, tp)
        except msgspec.ValidationError as exc:
            yield _from_msgspec(doc, path, str(exc), expected=tp, got=data)


def _walk_struct(doc: Document, data: dict[str, Any], cls: type[msgspec.Struct], path: Path_):
    fields = {f.encode_name: f for f in msgspec.structs.fields(cls)}
    for key in data:
        if key not in fields:
            near = difflib.get_close_matches(key, list(fields), n=1)
            hint = f"did you mean '{near[0]}'?" if near else (
                "allowed fields: " + ", ".join(fields))
            yield problem(doc, (*path, key), f"unknown field '{key}'", hint, key=True)
    for name, info in fields.items():
        if name in data:
            yield from _walk(doc, data[name], info.type, (*path, name))
        elif info.required:
            yield problem(doc, path, f"missing required field '{name}'",
                          f"add '{name}:' to this {cls.__name__.lower()}")


def _from_msgspec(doc: Document, base: Path_, text: str, expected: Any = None,
                  got: Any = None) -> Problem:
    """Reword a msgspec message and attach its position."""
    match = _AT.search(text)
    path = base
    if match:
        text = text[: match.start()]
        for name, index in _STEP.findall(match.group("path")):
            path = (*path, name if name else int(index))
    return problem(doc, path, *_reword(text, expected, got))


def _reword(text: str, expected: Any, got: Any) -> tuple[str, str]:
    if "matching regex" in text and "a-z0-9" in text:
        return ("not a valid id", "use lowercase letters, digits and single hyphens, "
                "e.g. 'devon-and-cornwall'")
    if "matching regex" in text:
        return (text.replace("Expected `str` matching regex", "expected text matching"),
                "see content/README.md for the format")
    if text.startswith("Expected `str`, got `int`") or text.startswith(
            "Expected `str`, got `float`"):
        return ("expected text, got a number", "put the value in quotes")
    if "Invalid enum value" in text:
        allowed = (", ".join(repr(a) for a in get_args(strip_annotated(expected)))
                   if expected else "")
        return (f"{got!r} is not an allowed value", f"use one of {allowed}" if allowed else "")
    if "length >=" in text:
        return (text.replace("Expected `str` of length", "expected text of length")
                .replace("Expected `array` of length", "expected a list of length"),
                "fill it in")
    if strip_annotated(expected) is float and isinstance(got, str):
        return number_hint(got)
    hint = _type_hint(expected) or ("fill it in" if got is None else "")
    text = _TYPES.sub(lambda m: " or ".join(_WORDS.get(t, t) for t in m.group(1).split(" | ")),
                      text)  # msgspec's `str | array` read as "text or a list"
    return text.replace("Expected", "expected"), hint


_TYPES = re.compile(r"`([a-z]+(?: \| [a-z]+)*)`")
_WORDS = {"float": "a number", "int": "a whole number", "bool": "true or false",
          "array": "a list", "object": "a mapping", "str": "text", "null": "nothing"}
"""msgspec's type names in the words authors read."""


_QUALIFIED = re.compile(r"(?i)^(?:(?P<about>about|around|approximately|roughly|some|nearly)"
                        r"|(?P<more>more than|over)|(?P<up>up to))?\s*"
                        r"(?P<number>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<decimals>\d+))?$")


def number_hint(got: str) -> tuple[str, str]:
    """The message for text where a figure's number belongs, with the fix spelt out: the
    words 'about', 'more than' and 'up to' go in `qualifier`, commas go."""
    match = _QUALIFIED.match(got.strip())
    if match is None:
        return f"expected a number, got text '{got}'", "write a number without quotes or commas"
    number = match.group("number").replace(",", "")
    if match.group("decimals"):
        number += "." + match.group("decimals")
    qualifier = ("about" if match.group("about") else "more-than" if match.group("more")
                 else "up-to" if match.group("up") else None)
    if qualifier is None:
        return (f"expected a number, got text '{got}'",
                f"write 'value: {number}', without commas or quotes")
    return (f"expected a number, got text '{got}'",
            f"write 'value: {number}' and 'qualifier: {qualifier}'")


def _type_hint(expected: Any) -> str:
    tp = strip_annotated(expected)
    if tp is None:
        return ""
    if get_origin(tp) in (list, tuple):  # a record's sequences are tuples
        return "write a list, one '- item' per line"
    if get_origin(tp) is Union:
        return "see content/README.md for the forms this field takes"
    if tp is bool:
        return "write true or false"
    if tp is float or tp is int:
        return "write a number without quotes or commas"
    return ""

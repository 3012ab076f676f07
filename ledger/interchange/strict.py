"""The strict JSON reader of lines and documents: what it refuses, and why, is in the package's
docstring (too long, not JSON, too many digits, too deep, a repeated key, an unstorable
character). Every refusal is an `InvalidField`."""

from __future__ import annotations

import json
import math
import re
from typing import Any, NoReturn

from ..domain.errors import InvalidField
from ..domain.values import MAX_DEPTH, MAX_NUMBER_DIGITS, UNSTORABLE, describe_character, path_key, shown

#: The longest line accepted, in bytes of UTF-8 (its line ending not counted).
MAX_LINE_BYTES = 1024 * 1024
#: The most digits of a number's exponent (a float's own range ends at 308).
MAX_EXPONENT_DIGITS = 3

_SUSPECT = re.compile(r"\\u0000|\\u[dD][89abcdefABCDEF]|[\x00\ud800-\udfff]")


# The decoder's hooks refuse hostile input by raising `InvalidField` from inside `json.loads`
# (which lets their exceptions through unchanged).


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_NUMBER_DIGITS:
        raise InvalidField(
            code="number_too_many_digits", params={"digits": digits, "limit": MAX_NUMBER_DIGITS, "number": _head(text)}
        )
    return int(text)


def _float(text: str) -> float:
    mantissa, _, exponent = text.lower().partition("e")
    digits = sum(c.isdigit() for c in mantissa)
    if digits > MAX_NUMBER_DIGITS:
        raise InvalidField(
            code="number_too_many_digits", params={"digits": digits, "limit": MAX_NUMBER_DIGITS, "number": _head(text)}
        )
    if len(exponent.lstrip("+-")) > MAX_EXPONENT_DIGITS:
        raise InvalidField(code="number_out_of_range", params={"number": _head(text)})
    value = float(text)
    if not math.isfinite(value):
        raise InvalidField(code="number_out_of_range", params={"number": _head(text)})
    return value


def _constant(text: str) -> NoReturn:
    raise InvalidField(code="not_json_constant", params={"constant": text})


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise InvalidField(code="duplicate_key", params={"key": shown(key)})
            seen.add(key)
    return obj


#: One decoder for every line (`json.loads` with hooks would build one per call).
_DECODER = json.JSONDecoder(parse_int=_int, parse_float=_float, parse_constant=_constant, object_pairs_hook=_pairs)


def _head(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else f"{text[:limit]}…"


def _problem(obj: Any) -> InvalidField | None:
    """Why a parsed line cannot be taken (the refusal to raise): too deep, or a string no store can hold."""
    stack: list[tuple[Any, str, int]] = [(obj, "", 1)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            found = UNSTORABLE.search(item)
            if found is not None:
                return InvalidField(
                    code="unstorable_in_field" if where else "unstorable_in_line",
                    params={"name": where, "character": describe_character(found.group()), "position": found.start() + 1},
                )
        elif isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                return InvalidField(code="json_too_deep", params={"limit": MAX_DEPTH})
            if isinstance(item, dict):
                for key, inner in item.items():
                    found = UNSTORABLE.search(key)
                    if found is not None:
                        return InvalidField(
                            code="unstorable_in_key",
                            params={"character": describe_character(found.group()), "key": shown(key),
                                    "name": where},
                        )
                    step = path_key(key)
                    stack.append((inner, f"{where}.{step}" if where else step, depth + 1))
            else:
                stack.extend((inner, f"{where}[{i}]", depth + 1) for i, inner in enumerate(item))
    return None


def _decode(text: str, *, document: bool) -> Any:
    """The strict decoder, its every failure an `InvalidField` (a syntax error placed by its
    column in a line, by its line and column in a `document`)."""
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as error:
        raise InvalidField(
            code="json_syntax_in_document" if document else "json_syntax_in_line",
            params={"reason": error.msg, "line": error.lineno, "column": error.colno},
        ) from None
    except RecursionError:
        raise InvalidField(code="json_too_deep", params={"limit": MAX_DEPTH}) from None
    except ValueError as error:  # any other number the json module cannot read
        raise InvalidField(code="json_unreadable", params={"reason": shown(str(error))}) from None


def parse_line(text: str) -> Any:
    """One line's JSON object, or raise `InvalidField` saying why it cannot be read (see the
    module's docstring for what is refused)."""
    body = text.rstrip("\r\n")
    if len(body) * 4 > MAX_LINE_BYTES:  # only then can it be too long; count exactly
        size = len(body.encode("utf-8", errors="surrogatepass"))
        if size > MAX_LINE_BYTES:
            raise InvalidField(code="line_too_long", params={"size": size, "limit": MAX_LINE_BYTES})
    obj = _decode(body, document=False)
    if not isinstance(obj, dict):
        raise InvalidField(code="line_not_object", params={})
    # Walk the object only when the text could hide a problem: enough brackets to nest too deep,
    # or a NUL or a surrogate, raw or escaped (a valid escaped pair also sends it to the walk).
    if body.count("[") + body.count("{") > MAX_DEPTH or _SUSPECT.search(body):
        problem = _problem(obj)
        if problem is not None:
            raise problem
    return obj


def parse_document(text: str) -> Any:
    """A whole JSON document (a proof, a report), read as strictly as a line: no duplicate keys,
    no NaN, bounded numbers and depth, no unstorable strings; raises `InvalidField`."""
    obj = _decode(text, document=True)
    problem = _problem(obj)
    if problem is not None:
        raise problem
    return obj


def refused_element(text: str) -> tuple[int, InvalidField] | None:
    """In a document that is an array, the first element the strict reader refuses, with its index
    (a request of many events says which one is wrong). Elements are delimited by Python's lenient
    reader, then each is read strictly; None when the text is no array, or is malformed as a whole."""
    lenient = json.JSONDecoder()
    start = len(text) - len(text.lstrip())
    if not text.startswith("[", start):
        return None
    position, index = start + 1, 0
    while True:
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if position >= len(text) or text[position] == "]":
            return None
        try:
            _obj, end = lenient.raw_decode(text, position)
        except (ValueError, RecursionError):
            return None
        try:
            parse_document(text[position:end])
        except InvalidField as refusal:
            if not refusal.params.get("name") and isinstance(_obj, dict):
                refusal.params["name"] = _field_of(_obj)  # a number or a constant: find its field
            return index, refusal
        position = end
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if position < len(text) and text[position] == ",":
            position += 1
        index += 1


def _field_of(obj: dict[str, Any]) -> str | None:
    """The first field of a leniently read object that the strict reader refuses on its own."""
    for key, value in obj.items():
        try:
            parse_document(json.dumps({key: value}))
        except (InvalidField, ValueError):
            return key
    return None

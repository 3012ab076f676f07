"""JSON Lines in and out (SPEC §8).

Reading yields each non-blank line's number and object, or the reason it is not a JSON object;
writing turns an `EventRecord` back into a line in the §8 field names, plus the ledger's own
`recorded`, `position`, `source` and `event`.

One clash in the SPEC is settled here: `ConsultationAnswered` has a field of its own named
`position` (agree, disagree, …), which the export's log `position` must not overwrite. Every
export line therefore also carries the log position as `log_position`; on a
`ConsultationAnswered` line `position` stays the answer's position and only `log_position`
gives the place in the log. Readers that want the log position use `log_position` everywhere.

Hostile input. A line is refused, with its number and a reason, rather than crash the import or
break the store, when it

* is longer than `MAX_LINE_BYTES` (1 MiB, counted in UTF-8);
* is not JSON: `NaN`, `Infinity` and `-Infinity` included (Python's `json` reads them; JSON has
  no such numbers), and numbers that overflow to infinity;
* has a number of more than `MAX_NUMBER_DIGITS` (20) digits (Python refuses to read integers of
  more than 4300 digits with a `ValueError`, and no field needs more than a few);
* nests objects and arrays deeper than `MAX_DEPTH` (32) levels, the line's own object counting
  as level 1 (without a bound, 100,000 levels end in a `RecursionError`);
* repeats a key in one object (`{"title": "a", "title": "b"}` means two things; JSON leaves the
  choice to the reader, an audit ledger does not choose);
* holds, in any key or string value, a lone surrogate (U+D800–U+DFFF, which cannot be stored as
  UTF-8) or NUL (which PostgreSQL's text columns cannot hold), in fields the ledger keeps or not,
  so a file gets the same answer on SQLite and on PostgreSQL.

The other control characters are the business of `ledger.domain.schema`: none in identifiers,
only tab and newlines in free text.

Bytes become lines with `decode_lines` (or `read_input_lines` for a path or `-`), which names
the first line and column that is not UTF-8 instead of a byte offset.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from .domain.errors import InvalidField
from .domain.records import EventRecord
from .domain.values import MAX_DEPTH, MAX_NUMBER_DIGITS, UNSTORABLE, describe_character, path_key, shown

#: The longest line accepted, in bytes of UTF-8 (its line ending not counted).
MAX_LINE_BYTES = 1024 * 1024
#: The most digits of a number's exponent (a float's own range ends at 308).
MAX_EXPONENT_DIGITS = 3

_UTF8_BOM = "\ufeff"
_BLANK = " \t\r\n"


class LineDecodeError(InvalidField):
    """Input bytes that are not UTF-8 text: `line` and `column` (both from 1; the column counts
    characters, the bad byte's own place in its line is `byte`) say where the first bad byte is.

    An `InvalidField`, hence a `Refused` and a `LedgerError`: the CLI's error handler turns it
    into `error: …` and exit 2 without further ado."""

    def __init__(self, line: int, column: int, byte: int, reason: str) -> None:
        super().__init__(code="line_not_utf8", params={"line": line, "column": column, "reason": reason})
        self.line = line
        self.column = column
        self.byte = byte
        self.reason = reason


def decode_lines(data: bytes) -> list[str]:
    r"""Split bytes into text lines, as a text file opened with universal newlines would be read:
    `\n`, `\r\n` and a lone `\r` end a line and each line ends with `\n` (the last one only if
    the data did). A UTF-8 byte order mark at the very start is dropped. Raise `LineDecodeError`
    naming the first line (and column) that is not UTF-8."""
    lines: list[str] = []
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        body = raw.rstrip(b"\r\n")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            column = len(body[: error.start].decode("utf-8", errors="replace")) + 1
            bad = body[error.start : error.end].hex(" ")
            raise LineDecodeError(number, column, error.start + 1, f"{error.reason}, byte(s) {bad}") from None
        if number == 1 and text.startswith(_UTF8_BOM):
            text = text[1:]
        lines.append(text + "\n" if len(body) != len(raw) else text)
    return lines


def read_input_lines(path: str) -> list[str]:
    """The lines of the file at `path`, or of standard input's bytes for `-` (see `decode_lines`).
    Raise `LineDecodeError` for bytes that are not UTF-8, `OSError` for a file that cannot be read."""
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        data = stream.read() if stream is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
    else:
        data = Path(path).read_bytes()
    return decode_lines(data)


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


@dataclass(frozen=True)
class Line:
    number: int
    obj: Any = None
    error: str | None = None


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


def read_lines(lines: Iterable[str]) -> Iterator[Line]:
    """Parse JSON Lines; blank lines are skipped, a bad line is reported with its number.

    Blank means JSON's own whitespace only (space, tab, CR, LF): a line of other "space", a
    form feed, U+0085, U+2028 or U+3000, is not silently skipped but refused as not JSON."""
    for number, text in enumerate(lines, start=1):
        if not text.strip(_BLANK):
            continue
        try:
            obj = parse_line(text)
        except InvalidField as error:
            yield Line(number, error=str(error))
            continue
        yield Line(number, obj)


def to_line(record: EventRecord, *, ledger_fields: bool = True) -> dict[str, Any]:
    """The §8 object for one event; with the ledger's fields when `ledger_fields`."""
    line: dict[str, Any] = {"type": record.type}
    if record.case is not None:
        line["case"] = record.case
    line.update(record.fields)
    if record.by is not None:
        line["by"] = record.by
    line["at"] = record.at.isoformat()
    if record.key is not None:
        line["id"] = record.key
    if record.note is not None:
        line["note"] = record.note
    if ledger_fields:
        line["recorded"] = record.recorded.isoformat()
        if record.type != "ConsultationAnswered":
            line["position"] = record.position
        line["log_position"] = record.position
        line["source"] = record.source
        line["event"] = record.event
    return line


#: Characters `json.dumps(ensure_ascii=False)` leaves raw that are no text to a reader: DEL and C1,
#: and U+2028 / U+2029, at which many readers (Python's `str.splitlines`, older JavaScript) end a line.
_ESCAPED_IN_OUTPUT = re.compile("[\x7f-\x9f\u2028\u2029]")


def dumps(obj: Any) -> str:
    """One line of JSON, Vietnamese kept readable; the characters above written as `\\uXXXX`
    escapes (they can only stand inside strings, so the JSON means the same)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return _ESCAPED_IN_OUTPUT.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

"""JSON Lines read (`read_lines`: each non-blank line's number and object, or the reason it is
refused) and written (`to_line`, `dumps`: an event in the §8 field names, plus the ledger's own)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..domain.errors import InvalidField
from ..domain.records import EventRecord
from .strict import parse_line

_BLANK = " \t\r\n"


@dataclass(frozen=True)
class Line:
    number: int
    obj: Any = None
    error: str | None = None


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


_LINE_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # made once, not per line


def dumps(obj: Any) -> str:
    """One line of JSON, Vietnamese kept readable; the characters above written as `\\uXXXX`
    escapes (they can only stand inside strings, so the JSON means the same)."""
    text = _LINE_JSON(obj)
    return _ESCAPED_IN_OUTPUT.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

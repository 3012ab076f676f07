"""JSON Lines in and out (SPEC §8).

Reading yields each non-blank line's number and object, or the reason it is not a JSON object;
writing turns an `EventRecord` back into a line in the §8 field names, plus the ledger's own
`recorded`, `position`, `source` and `event`.

One clash in the SPEC is settled here: `ConsultationAnswered` has a field of its own named
`position` (agree, disagree, …), which the export's log `position` must not overwrite. Every
export line therefore also carries the log position as `log_position`; on a
`ConsultationAnswered` line `position` stays the answer's position and only `log_position`
gives the place in the log. Readers that want the log position use `log_position` everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .domain.records import EventRecord


@dataclass(frozen=True)
class Line:
    number: int
    obj: Any = None
    error: str | None = None


def read_lines(lines: Iterable[str]) -> Iterator[Line]:
    """Parse JSON Lines; blank lines are skipped, a bad line is reported with its number."""
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as error:
            yield Line(number, error=f"not valid JSON ({error.msg} at column {error.colno})")
            continue
        if not isinstance(obj, dict):
            yield Line(number, error="a line must be one JSON object")
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


def dumps(obj: Any) -> str:
    """One line of JSON, Vietnamese kept readable."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

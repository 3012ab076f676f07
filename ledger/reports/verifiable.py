"""Verifiable reports: each exported report names the signed checkpoint it was computed at and the
rulebook and calendar versions, so anyone with the ledger can recompute it row for row.

A report is computed from exactly the first `size` events of the log (the checkpoint's), filtered
by its as-of and known-at, with the pure rules; `verify-report` does the same from the stored
events and compares. JSON reports are one object {"report", "parameters", "checkpoint",
"rulebook", "calendar", "rows"}; CSV reports start with one `# procedure-ledger report {…}` line
holding the same metadata, then the CSV.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from itertools import islice
from typing import TYPE_CHECKING

from ..calendar import WorkingCalendar
from ..domain.records import EventRecord, filter_records
from .formats import REPORTS, to_csv
from ..rules import judge, rulebook_version, scoring, visible
from ..rules.engine import registry_from
from ..integrity.checkpoint import Checkpoint
from ..integrity.trust import describe
from ..integrity.merkle import raw_leaf, root_of
from .parameters import PARAMETERS, REPORT_FIELDS, parameters_problem
from .parameters import YEARS as YEARS

if TYPE_CHECKING:
    from ..eventlog import EventLog

CSV_MARK = "# procedure-ledger report "
BOM = "\ufeff"
KINDS = ("violations", "delays", "scorecard")


def calendar_version_of(records: Iterable[EventRecord]) -> str:
    registry = registry_from(r for r in records if r.case is None)
    return WorkingCalendar(registry.calendar_overrides()).version


def compute_rows(kind: str, records: list[EventRecord], parameters: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's rows from these records (log order), as the CLI shows them."""
    known_at = datetime.fromisoformat(parameters["known_at"]) if parameters.get("known_at") else None
    if kind == "scorecard":
        start, end = date.fromisoformat(parameters["from"]), date.fromisoformat(parameters["to"])
        return scoring.scorecard_from_records(
            filter_records(records, end, known_at), start, end, by_official=parameters["by"] == "official"
        )
    as_of = date.fromisoformat(parameters["as_of"])
    found = judge(filter_records(records, as_of, known_at), as_of)
    if kind == "delays":
        return scoring.delays(visible(found), by_official=parameters["by"] == "official")
    shown = visible(found, include_dismissed=bool(parameters.get("include_dismissed")))
    rules, agencies = parameters.get("rules") or [], parameters.get("agencies") or []
    return [v.as_dict() for v in shown if (not rules or v.rule in rules) and (not agencies or v.agency in agencies)]


def shaped_rows(kind: str, rows: list[dict[str, Any]], fmt: str) -> list[dict[str, Any]]:
    """Rows as a format shows them: JSON delay rows leave the cases out (SPEC §7)."""
    return scoring.delay_json(rows) if kind == "delays" and fmt == "json" else rows


def verify_report(log: EventLog, text: str, trusted: dict[str, str]) -> tuple[bool, list[str]]:
    """Check a report's signed checkpoint (by one of the `trusted` keys) against the log's events
    and recompute every row."""
    try:
        meta, fmt = parse_report(text)
        checkpoint = Checkpoint.from_dict(meta["checkpoint"])
        kind, parameters = meta["report"], meta["parameters"]
    except (ValueError, KeyError, TypeError) as error:
        return False, [f"not a verifiable report: {error}"]
    lines: list[str] = []
    try:
        _check_fields(meta, fmt, kind, parameters)
        lines.append(_check_signature(checkpoint, trusted))
        _check_events(log, checkpoint)
        lines.append("the checkpoint matches this ledger's events")
        records, calendar = _check_versions(log, meta, checkpoint)
        _check_filters(kind, parameters, records)
        rows = _check_rows(meta, fmt, kind, parameters, checkpoint, calendar, records)
    except _Unverified as failure:
        return False, [*lines, failure.line]
    return True, [*lines, f"all {len(rows)} rows recomputed and confirmed"]


class _Unverified(Exception):
    """Why a report is not verified (the last line of `verify_report`'s answer)."""

    def __init__(self, line: str) -> None:
        super().__init__(line)
        self.line = line


def _check_fields(meta: dict[str, Any], fmt: str, kind: Any, parameters: Any) -> None:
    """Nothing in the report that verification does not prove, parameters as the ledger writes them."""
    allowed = REPORT_FIELDS - {"rows"} | {"csv_body"} if fmt == "csv" else REPORT_FIELDS
    unproved = sorted(set(meta) - allowed)
    if not isinstance(parameters, dict):
        unproved.append("parameters")
    else:
        unproved += [f"parameters.{name}" for name in sorted(set(parameters) - PARAMETERS.get(str(kind), set()))]
    if unproved:
        raise _Unverified(f"the report carries field(s) it does not prove: {', '.join(unproved)}")
    malformed = parameters_problem(str(kind), parameters)
    if malformed:
        raise _Unverified(f"the report's parameters are malformed (not as the ledger writes them): {malformed}")


def _check_signature(checkpoint: Checkpoint, trusted: dict[str, str]) -> str:
    """The checkpoint's signature valid and by a trusted key: the line saying so."""
    if not checkpoint.signature_ok():
        raise _Unverified(f"checkpoint at size {checkpoint.size}: INVALID signature")
    if checkpoint.public_key not in trusted:
        raise _Unverified(f"checkpoint at size {checkpoint.size} is signed by key {checkpoint.key_id}, which is not"
                          f" trusted (trusted: {describe(trusted)}): the report is not verified")
    return (f"checkpoint at size {checkpoint.size}: valid signature by key {checkpoint.key_id}"
            f" ({trusted[checkpoint.public_key]})")


def _check_events(log: EventLog, checkpoint: Checkpoint) -> None:
    """The checkpoint is the root of this ledger's first `size` events."""
    leaves = [raw_leaf(raw) for raw in log.recorder.raw_events()]
    if len(leaves) < checkpoint.size or root_of(leaves[: checkpoint.size]).hex() != checkpoint.root:
        raise _Unverified("the checkpoint does not match this ledger's events")


def _check_versions(log: EventLog, meta: dict[str, Any], checkpoint: Checkpoint) -> tuple[list[EventRecord], str]:
    """The rulebook this ledger runs and the calendar of the checkpoint's events are the report's;
    returns those events and that calendar's version."""
    if meta.get("rulebook") != rulebook_version():
        raise _Unverified(f"computed with rulebook {meta.get('rulebook')}; this ledger runs {rulebook_version()}")
    records = list(islice(log.records(), checkpoint.size))
    calendar = calendar_version_of(records)
    if meta.get("calendar") != calendar:
        raise _Unverified(f"computed with calendar {meta.get('calendar')}, not {calendar}")
    return records, calendar


def _check_filters(kind: Any, parameters: dict[str, Any], records: list[EventRecord]) -> None:
    """A kind of report the ledger makes, filtering on agencies it knew at the checkpoint."""
    if kind not in KINDS:
        raise _Unverified(f"unknown report kind {kind!r}")
    registered = registry_from(r for r in records if r.case is None).agencies
    strangers = [code for code in parameters.get("agencies") or [] if code not in registered]
    if strangers:  # the ledger refuses to make a report for an agency it does not know
        raise _Unverified(f"the report filters on agencies the ledger did not know at its checkpoint:"
                          f" {json.dumps(strangers, ensure_ascii=False)}")


def _check_rows(meta: dict[str, Any], fmt: str, kind: str, parameters: dict[str, Any], checkpoint: Checkpoint,
                calendar: str, records: list[EventRecord]) -> list[dict[str, Any]]:
    """Every row recomputed and equal to the report's (JSON: row by row; CSV: line by line)."""
    try:
        rows = compute_rows(kind, records, parameters)
    except (KeyError, ValueError, TypeError) as error:
        raise _Unverified(f"the report's parameters are malformed: {error!r}") from None
    if fmt == "json":
        given, mine = meta["rows"], shaped_rows(kind, rows, "json")
        if not isinstance(given, list):
            raise _Unverified("the report's rows are not a list")
        differing = next((i for i, (a, b) in enumerate(zip(mine, given, strict=False)) if not _same(a, b)), None)
        if differing is not None:
            raise _Unverified(f"row {differing + 1} differs from the recomputed report")
        if len(mine) != len(given):
            raise _Unverified(f"the report has {len(given)} rows; recomputed: {len(mine)}")
    else:
        body = render_report(envelope(kind, parameters, checkpoint, calendar, rows), "csv").partition("\n")[2]
        theirs = str(meta["csv_body"])
        if body != theirs:
            # The first differing line, found without splitting either text into lists (an upload
            # of millions of short lines must not cost a list of millions of strings).
            same = len(os.path.commonprefix([body, theirs]))
            raise _Unverified(f"CSV line {body.count(chr(10), 0, same) + 2} differs from the recomputed report")
    return rows


def report_name(kind: str, parameters: dict[str, Any]) -> str:
    return f"{kind}_by_official" if parameters.get("by") == "official" else kind


def envelope(kind: str, parameters: dict[str, Any], checkpoint: Checkpoint, calendar: str,
             rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "report": kind,
        "parameters": parameters,
        "checkpoint": checkpoint.as_dict(),
        "rulebook": rulebook_version(),
        "calendar": calendar,
        "rows": rows,
    }


def render_report(data: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    meta = {k: v for k, v in data.items() if k != "rows"}
    name = report_name(data["report"], data["parameters"])
    columns = REPORTS.get(f"{name}_csv", REPORTS[name])
    return CSV_MARK + json.dumps(meta, ensure_ascii=False, sort_keys=True) + "\n" + to_csv(data["rows"], columns)


def _strict(text: str) -> Any:
    """JSON read as strictly as an import line (duplicate keys would let a file show one value
    and be checked on another)."""
    from ..domain.errors import InvalidField
    from ..interchange import parse_document

    try:
        return parse_document(text)
    except InvalidField as error:
        raise ValueError(str(error)) from None


def _same(a: Any, b: Any) -> bool:
    """Equal in JSON, types included (Python's True == 1 must not confirm a row)."""
    return json.dumps(a, sort_keys=True, ensure_ascii=False) == json.dumps(b, sort_keys=True, ensure_ascii=False)


def parse_report(text: str) -> tuple[dict[str, Any], str]:
    """(metadata with rows for JSON, format); raises ValueError when it is no report of ours.
    A byte order mark before it is dropped: the CSV the web exports starts with one, so that
    Excel reads its Vietnamese, and so does any file an editor saved as "UTF-8 with BOM"."""
    text = text.removeprefix(BOM)
    if text.startswith(CSV_MARK):
        first, _, body = text.partition("\n")
        meta = _strict(first[len(CSV_MARK):])
        if not isinstance(meta, dict):
            raise ValueError("the report's header is not an object")
        meta["csv_body"] = body
        return meta, "csv"
    data = _strict(text)
    if not isinstance(data, dict) or "checkpoint" not in data or "rows" not in data:
        raise ValueError("not a verifiable report (no checkpoint); export one with -o FILE")
    return data, "json"

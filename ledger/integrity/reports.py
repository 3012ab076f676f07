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
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from ..calendar import WorkingCalendar
from ..domain.casefile import fold_case
from ..domain.records import EventRecord, filter_records
from ..reports.formats import REPORTS, to_csv
from ..rules import judge, rulebook_version, scoring, visible
from ..rules.engine import judgement_for, registry_from
from .checkpoint import Checkpoint

CSV_MARK = "# procedure-ledger report "
KINDS = ("violations", "delays", "scorecard")


def calendar_version_of(records: Iterable[EventRecord]) -> str:
    registry = registry_from(r for r in records if r.case is None)
    return WorkingCalendar(registry.calendar_overrides()).version


def compute_rows(kind: str, records: list[EventRecord], parameters: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's rows from these records (log order), as the CLI shows them."""
    known_at = datetime.fromisoformat(parameters["known_at"]) if parameters.get("known_at") else None
    if kind == "scorecard":
        start, end = date.fromisoformat(parameters["from"]), date.fromisoformat(parameters["to"])
        visible_records = filter_records(records, end, known_at)
        judgement = judgement_for([r for r in visible_records if r.case is None], end)
        by_case: dict[str, list[EventRecord]] = defaultdict(list)
        for record in visible_records:
            if record.case is not None:
                by_case[record.case].append(record)
        cases = [fold_case(rs, judgement.registry, judgement.calendar) for rs in by_case.values()]
        violations = list(visible(judge(visible_records, end)))
        return scoring.scorecard(cases, violations, judgement, start, end, by_official=parameters["by"] == "official")
    as_of = date.fromisoformat(parameters["as_of"])
    found = judge(filter_records(records, as_of, known_at), as_of)
    if kind == "delays":
        return scoring.delays(visible(found), by_official=parameters["by"] == "official")
    shown = visible(found, include_dismissed=bool(parameters.get("include_dismissed")))
    rules, agencies = parameters.get("rules") or [], parameters.get("agencies") or []
    return [v.as_dict() for v in shown if (not rules or v.rule in rules) and (not agencies or v.agency in agencies)]


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


def parse_report(text: str) -> tuple[dict[str, Any], str]:
    """(metadata with rows for JSON, format); raises ValueError when it is no report of ours."""
    if text.startswith(CSV_MARK):
        first, _, body = text.partition("\n")
        meta = json.loads(first[len(CSV_MARK):])
        meta["csv_body"] = body
        return meta, "csv"
    data = json.loads(text)
    if not isinstance(data, dict) or "checkpoint" not in data or "rows" not in data:
        raise ValueError("not a verifiable report (no checkpoint); export one with -o FILE")
    return data, "json"

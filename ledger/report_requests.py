"""A report asked for: its filters checked, its verifiable parameters, its table, its file.

The CLI (and any other caller) describes the report it wants as a `ReportRequest`; this module
refuses what the ledger would not answer (an unknown rule or agency, a period that ends before it
starts), writes the parameters of a verifiable report in the one form `Ledger.report` and
`ledger verify-report` expect, renders the table of the same rows, and writes a report of any
format (JSON, CSV, XLSX, PDF) to a file whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from .domain.errors import InvalidField, UnknownReference
from .reports.verifiable import render_report
from .outputs import write_file
from .reports import render
from .reports.export import BINARY_FORMATS, export_report
from .rules import RULEBOOK, Violation, rulebook_version
from .rules.scoring import delay_json

if TYPE_CHECKING:
    from .application import Ledger

__all__ = [
    "REPORT_KINDS",
    "ReportRequest",
    "check_agencies",
    "check_period",
    "check_request",
    "check_rules",
    "report_body",
    "report_parameters",
    "report_table",
    "versions_footer",
    "write_report",
]

REPORT_KINDS = ("violations", "delays", "scorecard")


@dataclass(frozen=True)
class ReportRequest:
    """What a report is asked for: `violations` use as-of, known-at, rules, agencies and
    include-dismissed; `delays` as-of and by; `scorecard` start, end and by."""

    kind: str
    as_of: date | None = None
    known_at: datetime | None = None
    rules: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    include_dismissed: bool = False
    start: date | None = None
    end: date | None = None
    by: str = "agency"

    def __post_init__(self) -> None:
        if self.kind not in REPORT_KINDS:
            raise ValueError(f"unknown report kind {self.kind!r} (one of {', '.join(REPORT_KINDS)})")

    @property
    def by_official(self) -> bool:
        return self.by == "official"

    def period(self) -> tuple[date, date]:
        """A scorecard's first and last day (both required)."""
        if self.start is None:
            raise InvalidField(code="missing_field", params={"name": "from"}, field="from")
        if self.end is None:
            raise InvalidField(code="missing_field", params={"name": "to"}, field="to")
        return self.start, self.end


def check_rules(rules: Iterable[str]) -> None:
    """Refuse a rule the rulebook does not have, all of them named (no store is needed to know)."""
    unknown = [r for r in rules if r not in RULEBOOK]
    if unknown:
        raise UnknownReference(code="unknown_rule", params={"rules": ", ".join(unknown)},
                               field="rule")


def check_agencies(ledger: Ledger, agencies: Iterable[str]) -> None:
    """Refuse an agency the registry does not have (`unknown_agency`, all of them named); the
    registry is read even when no agency is named."""
    known = set(ledger.registry_as_of().agencies)
    strangers = [a for a in agencies if a not in known]
    if strangers:
        raise UnknownReference(code="unknown_agency", params={"agency": ", ".join(strangers)}, field="agency")


def check_period(start: date, end: date) -> None:
    if end < start:
        raise InvalidField(code="period_reversed", params={}, field="to")


def check_request(ledger: Ledger, request: ReportRequest) -> None:
    """Refuse the filters the ledger would not answer: an unknown rule or agency (a violations
    report reads the registry even when it names no agency)."""
    if request.kind == "violations":
        check_rules(request.rules)
        check_agencies(ledger, request.agencies)


def report_parameters(ledger: Ledger, request: ReportRequest) -> dict[str, Any]:
    """The parameters of the verifiable report `request` asks for, checked (`check_request`, and
    a scorecard's period), in the one form the ledger writes and verifies them (an as-of left out
    is today)."""
    if request.kind == "scorecard":
        first, last = request.period()
        check_period(first, last)
        return {"from": first.isoformat(), "to": last.isoformat(), "by": request.by, "known_at": None}
    check_request(ledger, request)
    as_of = (request.as_of or ledger.today()).isoformat()
    if request.kind == "delays":
        return {"as_of": as_of, "by": request.by}
    known_at = request.known_at.isoformat() if request.known_at else None
    return {"as_of": as_of, "known_at": known_at, "rules": list(request.rules),
            "agencies": list(request.agencies), "include_dismissed": request.include_dismissed}


def versions_footer(ledger: Ledger) -> list[str]:
    """The rulebook and calendar versions a table was computed with."""
    return [f"rulebook {rulebook_version()} · calendar {ledger.calendar_version()}"]


def _violation_rows(found: Sequence[Violation], rules: Sequence[str], agencies: Sequence[str]) -> list[dict[str, Any]]:
    return [v.as_dict() for v in found if (not rules or v.rule in rules) and (not agencies or v.agency in agencies)]


def report_table(ledger: Ledger, request: ReportRequest, fmt: str) -> str:
    """The rows `request` asks for, as of now, as a table, JSON or CSV (`ledger.reports.render`),
    with the versions they were computed with under a table. Not a verifiable report; its filters
    are checked by `check_request`, not here."""
    json_rows = None
    if request.kind == "violations":
        found = ledger.violations(as_of=request.as_of, known_at=request.known_at,
                                  include_dismissed=request.include_dismissed)
        rows = _violation_rows(found, request.rules, request.agencies)
        name = "violations"
    elif request.kind == "delays":
        rows = ledger.delays(as_of=request.as_of, by_official=request.by_official)
        json_rows = delay_json(rows)
        name = "delays_by_official" if request.by_official else "delays"
    else:
        first, last = request.period()
        rows = ledger.scorecard(first, last, by_official=request.by_official)
        name = "scorecard_by_official" if request.by_official else "scorecard"
    return render(rows, fmt, name, json_rows=json_rows, footer=versions_footer(ledger))


def report_body(data: dict[str, Any], fmt: str) -> str | bytes:
    """A verifiable report (`Ledger.report`'s envelope) as a file's content: text for JSON and CSV
    (ending with a newline), bytes for XLSX and PDF."""
    if fmt in BINARY_FORMATS:
        return export_report(data, fmt)
    text = render_report(data, fmt)
    return text if text.endswith("\n") else text + "\n"


def write_report(ledger: Ledger, kind: str, parameters: dict[str, Any], fmt: str, path: str) -> dict[str, Any]:
    """Compute a verifiable report under a checkpoint signed now and write it to `path` in `fmt`,
    whole or not at all (`ledger.outputs`); returns the report. A path that cannot be written
    raises `OutputUnwritable`."""
    data = ledger.report(kind, parameters, fmt)
    write_file(path, report_body(data, fmt))
    return data

"""Rows of the read models: an event as a `facts` row and back, a case as its rows in
`case_files`, `consultation_files`, `violation_rows` and `registry_reads`. Pure conversions, no
session."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table

from ..domain.casefile import fold_case
from ..domain.records import EventRecord
from ..rules.engine import judge_case_file
from ..rules.reads import ReadCalendar, ReadRegistry, Reads
from ..rules.scoring import lead_answering
from ..rules.violation import Judgement, Violation
from .tables import CASE_TABLES, case_files, consultation_files, registry_reads, violation_rows


def utc_text(moment: datetime) -> str:
    """A fixed-width UTC timestamp: string order is time order, in SQLite and PostgreSQL alike."""
    # `%Y-%m-%dT%H:%M:%S.%fZ`, by isoformat (a third the cost of strftime; years are 2000–2099).
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def fact_row(record: EventRecord) -> dict[str, Any]:
    return {
        "position": record.position,
        "event": record.event,
        "type": record.type,
        "case_ref": record.case,
        "at": record.at.isoformat(),
        "at_date": record.claimed_date,
        "recorded": record.recorded.isoformat(),
        "recorded_utc": utc_text(record.recorded),
        "by_official": record.by,
        "actor_agency": record.actor_agency,
        "source": record.source,
        "idem_key": record.key,
        "note": record.note,
        "fields": json.dumps(record.fields, ensure_ascii=False, sort_keys=True),
    }


def record_from_row(row: Any) -> EventRecord:
    return EventRecord(
        position=row.position,
        event=row.event,
        type=row.type,
        case=row.case_ref,
        at=datetime.fromisoformat(row.at),
        recorded=datetime.fromisoformat(row.recorded),
        by=row.by_official,
        actor_agency=row.actor_agency,
        source=row.source,
        key=row.idem_key,
        note=row.note,
        fields=json.loads(row.fields),
    )


def violation_row(v: Violation) -> dict[str, Any]:
    return {
        "case_ref": v.case,
        "rule": v.rule,
        "consultation": v.consultation,
        "agency": v.agency,
        "official": v.official,
        "due": v.due,
        "late_after": v.late_after,
        "days_late": v.days_late if v.status == "closed" else None,
        "status": v.status,
        "deemed_consent": v.deemed_consent,
        "finding": v.finding,
        "evidence": json.dumps(list(v.evidence)),
        "act_on": v.act_on,
        "details": json.dumps(v.details, ensure_ascii=False, sort_keys=True),
    }


def violation_from_row(row: Any) -> Violation:
    return Violation(
        rule=row.rule,
        case=row.case_ref,
        consultation=row.consultation,
        agency=row.agency,
        official=row.official,
        due=row.due,
        days_late=row.days_late,
        status=row.status,
        evidence=tuple(json.loads(row.evidence)),
        act_on=row.act_on,
        deemed_consent=bool(row.deemed_consent),
        finding=row.finding,
        details=json.loads(row.details),
        trigger=row.late_after if row.late_after != row.due else None,
    )


def case_table_rows(cases: Iterable[tuple[str, list[EventRecord]]], judgement: Judgement) -> dict[Table, list[dict[str, Any]]]:
    """The rows of `CASE_TABLES` of these cases."""
    rows: dict[Table, list[dict[str, Any]]] = {table: [] for table in CASE_TABLES}
    for ref, records in cases:
        for table, table_rows in case_rows(ref, records, judgement).items():
            rows[table].extend(table_rows)
    return rows


def case_rows(ref: str, records: list[EventRecord], judgement: Judgement) -> dict[Table, list[dict[str, Any]]]:
    """One case's rows in each of `CASE_TABLES` (none for a case never opened), from one fold of
    its records (log order), judged through `ReadRegistry`/`ReadCalendar` so that its rows also
    say what of the registry and calendar they depend on."""
    reads = Reads()
    judgement = Judgement(judgement.as_of, ReadRegistry(judgement.registry, reads),
                          ReadCalendar(judgement.calendar, reads))
    case = fold_case(records, judgement.registry, judgement.calendar)
    if case.opened is None:
        return {}
    answering = lead_answering(case)
    consultations = [
        {
            "case_ref": ref,
            "consultation": c.consultation,
            "to_agency": c.to,
            "requested_on": c.requested_on,
            "due": c.due,
            "status": c.status,
            "handler": c.handler,
            "answered_by": c.answered_by,
            "answered_on": c.answered_on,
            "withdrawn_on": c.withdrawn_on,
            "position": None if c.position is None else json.dumps(c.position, ensure_ascii=False),
        }
        for c in case.consultations.values()
    ]
    violations = [violation_row(v) for v in judge_case_file(case, records, judgement)]
    row = {
        "case_ref": ref,
        "procedure": case.procedure,
        "title": case.title,
        "opened_on": case.opened_on,
        "opener_agency": case.opener_agency,
        "lead_agency": case.lead.agency if case.lead else None,
        "lead_official": case.lead.official if case.lead else None,
        "status": case.status(),
        "initial_due": case.initial_due,
        "resolved_on": case.resolved_on,
        "outcome": case.resolved.outcome if case.resolved else None,
        "last_position": records[-1].position,
        # What the scorecard counts of the case on any day after its last event (`ledger.projections.scores`);
        # an open pause moves the due date day by day, so a paused case's is not stored.
        "score_lead_agency": answering[0] if answering else None,
        "score_lead_official": answering[1] if answering else None,
        "due_now": None if case.status() == "paused" else case.due(None),
        # Last: every read of the calendar above is inside this span.
        "calendar_from": reads.first_day,
        "calendar_to": reads.last_day,
    }
    return {
        case_files: [row],
        consultation_files: consultations,
        violation_rows: violations,
        registry_reads: [{"case_ref": ref, "read": key} for key in sorted(reads.keys)],
    }

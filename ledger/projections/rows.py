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
from .tables import CASE_TABLES, case_files, consultation_files, facts, registry_reads, violation_rows


def utc_text(moment: datetime) -> str:
    """A fixed-width UTC timestamp: string order is time order, in SQLite and PostgreSQL alike."""
    # `%Y-%m-%dT%H:%M:%S.%fZ`, by isoformat (a third the cost of strftime; years are 2000–2099).
    # Recorded times are stored in UTC already: converted only when they are not.
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


#: The facts' `fields` column (and a violation's details): canonical JSON. Encoders made once
#: (`json.dumps` with options makes a new encoder on every call).
_FIELDS_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
_TEXT_JSON = json.JSONEncoder(ensure_ascii=False).encode


def fact_values(record: EventRecord) -> tuple[Any, ...]:
    """An event as a `facts` row: its values in FACT_COLUMNS order."""
    return (record.position, record.event, record.type, record.case, record.at.isoformat(), record.claimed_date,
            record.recorded.isoformat(), utc_text(record.recorded), record.by, record.actor_agency, record.source,
            record.key, record.note, _FIELDS_JSON(record.fields))


#: The columns of `facts`, in the order `select(facts)` returns them (`record_from_row` unpacks it).
FACT_COLUMNS = ("position", "event", "type", "case_ref", "at", "at_date", "recorded", "recorded_utc",
                "by_official", "actor_agency", "source", "idem_key", "note", "fields")
assert tuple(c.name for c in facts.columns) == FACT_COLUMNS, "record_from_row unpacks facts in column order"


def record_from_row(row: Any) -> EventRecord:
    """A `select(facts)` row as a record. Unpacked by position: a SQLAlchemy row's attributes cost
    0.7 µs each, two thirds of the whole conversion (every as-of report, rebuild and catch-up reads
    facts back this way)."""
    position, event, kind, case, at, _, recorded, _, by, agency, source, key, note, fields = row
    return EventRecord(position, event, kind, case, datetime.fromisoformat(at), datetime.fromisoformat(recorded),
                       by, agency, source, key, note, json.loads(fields))


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
        "details": _FIELDS_JSON(v.details),
    }


#: The columns of `violation_rows`, in the order `select(violation_rows)` returns them.
VIOLATION_COLUMNS = ("id", "case_ref", "rule", "consultation", "agency", "official", "due", "late_after",
                     "days_late", "status", "deemed_consent", "finding", "evidence", "act_on", "details")
assert tuple(c.name for c in violation_rows.columns) == VIOLATION_COLUMNS, "violation_from_row unpacks in order"


def violation_from_row(row: Any) -> Violation:
    """A `select(violation_rows)` row as a violation, unpacked by position (see `record_from_row`)."""
    (_, case, rule, consultation, agency, official, due, late_after, days_late, status, deemed_consent, finding,
     evidence, act_on, details) = row
    return Violation(
        rule=rule,
        case=case,
        consultation=consultation,
        agency=agency,
        official=official,
        due=due,
        days_late=days_late,
        status=status,
        evidence=tuple(json.loads(evidence)),
        act_on=act_on,
        deemed_consent=bool(deemed_consent),
        finding=finding,
        details=json.loads(details),
        trigger=late_after if late_after != due else None,
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
            "position": None if c.position is None else _TEXT_JSON(c.position),
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

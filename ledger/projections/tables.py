"""The read models: SQL tables rebuilt from the events alone. Text columns throughout: lengths
are the schema's business (it refuses over-long identifiers), never a database's surprise.

- `facts`: every event as a row, with its claimed time, local claimed date and recorded time, so
  an as-of / known-at question is a WHERE clause over stored facts, not a replay of the log.
- `case_files` and `consultation_files`: each case and consultation as it stands now.
- `violation_rows`: each case's violations judged with every open obligation left open; an open
  row is late on day A when `wd(late_after, A] >= 1`, so the default report computes open-item
  lateness from stored due dates.
- `registry_reads`: each registry entry a case's judgement read (`ledger.rules.reads`), and in
  `case_files` the span of days its working-day arithmetic covered: a registry event re-judges
  only the cases that read what it changes.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Integer, MetaData, Table, Text

metadata = MetaData()

facts = Table(
    "facts",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("event", Text, nullable=False),
    Column("type", Text, nullable=False, index=True),
    Column("case_ref", Text, index=True),
    Column("at", Text, nullable=False),
    Column("at_date", Date, nullable=False, index=True),
    Column("recorded", Text, nullable=False),
    Column("recorded_utc", Text, nullable=False, index=True),
    Column("by_official", Text),
    Column("actor_agency", Text),
    Column("source", Text, nullable=False),
    Column("idem_key", Text),
    Column("note", Text),
    Column("fields", Text, nullable=False),
)

case_files = Table(
    "case_files",
    metadata,
    Column("case_ref", Text, primary_key=True),
    Column("procedure", Text),
    Column("title", Text),
    Column("opened_on", Date),
    Column("opener_agency", Text),
    Column("lead_agency", Text, index=True),
    Column("lead_official", Text),
    Column("status", Text),
    Column("initial_due", Date),
    Column("resolved_on", Date),
    Column("outcome", Text),
    Column("last_position", Integer),
    # The scorecard's view of the case on any day after its last event (rows.case_rows).
    Column("score_lead_agency", Text),
    Column("score_lead_official", Text),
    Column("due_now", Date),
    # The days the case's working-day arithmetic covered (a declared calendar day inside re-judges it).
    Column("calendar_from", Date),
    Column("calendar_to", Date),
)

consultation_files = Table(
    "consultation_files",
    metadata,
    Column("case_ref", Text, primary_key=True),
    Column("consultation", Text, primary_key=True),
    Column("to_agency", Text, index=True),
    Column("requested_on", Date),
    Column("due", Date),
    Column("status", Text),
    Column("handler", Text),
    Column("answered_by", Text),
    Column("answered_on", Date),
    Column("withdrawn_on", Date),
    Column("position", Text),
)

violation_rows = Table(
    "violation_rows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_ref", Text, index=True),
    Column("rule", Text, nullable=False),
    Column("consultation", Text),
    Column("agency", Text, nullable=False, index=True),
    Column("official", Text),
    Column("due", Date),
    Column("late_after", Date),
    Column("days_late", Integer),
    Column("status", Text, nullable=False),
    Column("deemed_consent", Boolean, nullable=False),
    Column("finding", Text),
    Column("evidence", Text, nullable=False),
    Column("act_on", Date, nullable=False),
    Column("details", Text, nullable=False),
)

registry_reads = Table(
    "registry_reads",
    metadata,
    Column("case_ref", Text, primary_key=True),
    Column("read", Text, primary_key=True, index=True),  # `agency:SXD`, `official:sxd.nva`, `procedure:P`
)

#: The rows that belong to a case, redone together whenever the case is.
CASE_TABLES = (case_files, consultation_files, violation_rows, registry_reads)
VIEW_TABLES = (facts, *CASE_TABLES)

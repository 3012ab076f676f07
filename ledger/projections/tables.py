"""The read models: SQL tables rebuilt from the events alone.

- `facts`: every event as a row, with its claimed time, local claimed date and recorded time, so
  an as-of / known-at question is a WHERE clause over stored facts, not a replay of the log.
- `case_files` and `consultation_files`: each case and consultation as it stands now.
- `violation_rows`: each case's violations judged with every open obligation left open; an open
  row is late on day A when `wd(late_after, A] >= 1`, so the default report computes open-item
  lateness from stored due dates.
- `merkle_leaves` and `merkle_state`: the integrity tree as consumed (see `ledger.integrity`).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Integer, MetaData, String, Table, Text

metadata = MetaData()

facts = Table(
    "facts",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("event", String(36), nullable=False),
    Column("type", String(40), nullable=False),
    Column("case_ref", String(200), index=True),
    Column("at", String(40), nullable=False),
    Column("at_date", Date, nullable=False, index=True),
    Column("recorded", String(40), nullable=False),
    Column("recorded_utc", String(32), nullable=False, index=True),
    Column("by_official", String(100)),
    Column("actor_agency", String(40)),
    Column("source", String(10), nullable=False),
    Column("idem_key", String(200)),
    Column("note", Text),
    Column("fields", Text, nullable=False),
)

case_files = Table(
    "case_files",
    metadata,
    Column("case_ref", String(200), primary_key=True),
    Column("procedure", String(60)),
    Column("title", Text),
    Column("opened_on", Date),
    Column("opener_agency", String(40)),
    Column("lead_agency", String(40), index=True),
    Column("lead_official", String(100)),
    Column("status", String(10)),
    Column("initial_due", Date),
    Column("resolved_on", Date),
    Column("outcome", String(20)),
    Column("last_position", Integer),
)

consultation_files = Table(
    "consultation_files",
    metadata,
    Column("case_ref", String(200), primary_key=True),
    Column("consultation", String(100), primary_key=True),
    Column("to_agency", String(40), index=True),
    Column("requested_on", Date),
    Column("due", Date),
    Column("status", String(10)),
    Column("handler", String(100)),
    Column("answered_by", String(100)),
    Column("answered_on", Date),
    Column("position", Text),
)

violation_rows = Table(
    "violation_rows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_ref", String(200), index=True),
    Column("rule", String(40), nullable=False),
    Column("consultation", String(100)),
    Column("agency", String(40), nullable=False, index=True),
    Column("official", String(100)),
    Column("due", Date),
    Column("late_after", Date),
    Column("days_late", Integer),
    Column("status", String(10), nullable=False),
    Column("deemed_consent", Boolean, nullable=False),
    Column("finding", String(10)),
    Column("evidence", Text, nullable=False),
    Column("act_on", Date, nullable=False),
    Column("details", Text, nullable=False),
)

# The Merkle tree over the log as this view consumed it: one leaf hash per event, and the frontier
# (the perfect subtrees) with the root at the view's position. `ledger verify` recomputes both.
merkle_leaves = Table(
    "merkle_leaves",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("leaf_index", Integer, nullable=False, unique=True),
    Column("leaf_hash", String(64), nullable=False),
)

merkle_state = Table(
    "merkle_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("frontier", Text, nullable=False),
    Column("root", String(64), nullable=False),
)

VIEW_TABLES = (facts, case_files, consultation_files, violation_rows, merkle_leaves, merkle_state)

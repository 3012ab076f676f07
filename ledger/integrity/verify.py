"""`ledger verify`: recompute everything from the stored events and compare.

1. Each stored event's canonical bytes give its leaf; the leaves, in log order, must be the ones
   the read models recorded as they consumed the log (an altered, deleted or reordered event
   shows at the first position where they differ).
2. Every signed checkpoint must carry a valid signature and the root of the first `size` leaves.
3. The read models must have consumed exactly the log they claim: their tracked position, the
   tree size and root at that position, and one fact per event up to it.
4. With `full`, every read-model row is recomputed from the facts and compared.
"""

from __future__ import annotations

from collections import defaultdict
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import select

from ..calendar import WorkingCalendar
from ..domain.records import EventRecord
from ..projections.runner import case_rows, fact_row
from ..projections.tables import case_files, consultation_files, facts, violation_rows
from ..rules.engine import registry_from
from ..rules.violation import Judgement
from .merkle import Frontier, raw_leaf

if TYPE_CHECKING:
    from ..application import Ledger


@dataclass(frozen=True)
class Problem:
    position: int | None
    what: str

    def __str__(self) -> str:
        where = f"position {self.position}" if self.position is not None else "ledger"
        return f"{where}: {self.what}"


@dataclass
class Verification:
    events: int = 0
    checkpoints: int = 0
    tracked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        located = [p for p in self.problems if p.position is not None]
        if located:
            return min(located, key=lambda p: p.position or 0)
        return self.problems[0] if self.problems else None


#: Recorded times may step back this much along the log (appends prepared on several hosts at once);
#: more means a row was written into the log by hand, outside the ledger, with a backdated time.
RECORDED_TIME_SLACK = timedelta(hours=1)


def recompute_leaves(ledger: Ledger, result: Verification) -> list[tuple[int, bytes]]:
    leaves = []
    latest: datetime | None = None
    for raw in ledger.recorder.raw_events():
        try:
            UUID(raw.originator_id)
        except ValueError:
            result.problems.append(Problem(raw.position, "the stored aggregate id is not a valid id (altered?)"))
        leaves.append((raw.position, raw_leaf(raw)))
        recorded = _recorded_time(raw.state)
        if recorded is not None:
            if latest is not None and recorded < latest - RECORDED_TIME_SLACK:
                result.problems.append(Problem(
                    raw.position, f"recorded at {recorded.isoformat()}, long before the event before it"
                    f" ({latest.isoformat()}): written into the log out of order?",
                ))
            latest = recorded if latest is None else max(latest, recorded)
    return leaves


def _recorded_time(state: bytes) -> datetime | None:
    try:
        return datetime.fromisoformat(json.loads(state)["timestamp"]["_data_"])
    except (ValueError, KeyError, TypeError):
        return None  # an unreadable state is reported through its leaf


def verify(ledger: Ledger, *, full: bool = False, trusted_keys: Iterable[str] = ()) -> Verification:
    result = Verification()
    leaves = recompute_leaves(ledger, result)
    result.events = len(leaves)
    stored, state = ledger.projections.merkle()
    _compare_leaves(leaves, stored, result)
    _check_checkpoints(ledger, leaves, result, ledger.trusted_keys(trusted_keys))
    _check_consumption(ledger, leaves, state, result)
    if full and result.ok:
        _check_read_models(ledger, result)
    return result


def _compare_leaves(leaves: list[tuple[int, bytes]], stored: list[tuple[int, str]], result: Verification) -> None:
    for index, (position, leaf_hex) in enumerate(stored):
        if index >= len(leaves):
            result.problems.append(Problem(position, "the event recorded here is missing from the log (deleted?)"))
            return
        actual_position, actual = leaves[index]
        if actual_position != position:
            first = min(actual_position, position)
            result.problems.append(Problem(first, "the log's order or contents changed here (deleted or inserted?)"))
            return
        if actual.hex() != leaf_hex:
            result.problems.append(Problem(position, "the stored event's bytes differ from what was recorded"))
            return


def _check_checkpoints(
    ledger: Ledger, leaves: list[tuple[int, bytes]], result: Verification, trusted: dict[str, str]
) -> None:
    checkpoints = ledger.projections.checkpoints()
    result.checkpoints = len(checkpoints)
    sizes = {c.size for c in checkpoints}
    every = ledger.checkpoint_every
    for size in range(every, min(len(leaves), ledger.projections.position_size()) + 1, every or 1):
        if every and size not in sizes:
            result.problems.append(Problem(
                leaves[size - 1][0], f"no signed checkpoint at size {size} (deleted? or never signed: run"
                " `ledger worker --once` where the key is)",
            ))
    wanted = defaultdict(list)
    for checkpoint in checkpoints:
        if not checkpoint.signature_ok():
            result.problems.append(Problem(None, f"checkpoint at size {checkpoint.size} has an invalid signature"))
        elif checkpoint.public_key not in trusted:
            result.problems.append(Problem(
                None, f"checkpoint at size {checkpoint.size} is signed by key {checkpoint.key_id}, which is not trusted",
            ))
        if checkpoint.size > len(leaves):
            result.problems.append(Problem(
                leaves[-1][0] if leaves else None,
                f"checkpoint at size {checkpoint.size} covers events no longer in the log ({len(leaves)} left)",
            ))
            continue
        wanted[checkpoint.size].append(checkpoint)
    frontier = Frontier()
    for checkpoint in wanted.get(0, []):
        if checkpoint.root != frontier.root().hex():
            result.problems.append(Problem(None, "the empty checkpoint has a wrong root"))
    for index, (position, leaf) in enumerate(leaves):
        frontier.append(leaf)
        for checkpoint in wanted.get(index + 1, []):
            if checkpoint.root != frontier.root().hex():
                result.problems.append(Problem(
                    position, f"the events up to here do not match the signed checkpoint at size {checkpoint.size}"
                ))


def _check_consumption(
    ledger: Ledger, leaves: list[tuple[int, bytes]], state: dict[str, Any] | None, result: Verification
) -> None:
    tracked = ledger.projections.position()
    result.tracked = tracked
    consumed = [leaf for leaf in leaves if leaf[0] <= tracked]
    if tracked and (not leaves or tracked > leaves[-1][0] or tracked not in {p for p, _ in leaves}):
        result.problems.append(Problem(tracked, "the read models claim a position the log does not have"))
        return
    if state is None:
        if tracked:
            result.problems.append(Problem(tracked, "the read models claim events but hold no tree for them"))
        return
    if state["position"] != tracked or state["size"] != len(consumed):
        result.problems.append(Problem(
            tracked, f"the read models' tracking says {tracked}, their tree covers {state['size']} events"
            f" up to {state['position']} (an event skipped?)",
        ))
        return
    frontier = Frontier()
    for _, leaf in consumed:
        frontier.append(leaf)
    if frontier.root().hex() != state["root"]:
        result.problems.append(Problem(tracked, "the read models' root differs from the log's at their position"))
    with ledger.projections.view.transaction(commit=False) as session:
        positions = [row[0] for row in session.execute(select(facts.c.position).order_by(facts.c.position))]
    expected = [p for p, _ in consumed]
    if positions != expected:
        missing = sorted(set(expected) - set(positions)) or sorted(set(positions) - set(expected))
        result.problems.append(Problem(missing[0] if missing else None, "the facts table does not match the log"))


def _check_read_models(ledger: Ledger, result: Verification) -> None:
    """Recompute every read-model row from the events and compare, table by table."""
    records = list(ledger.records())
    expected_facts = sorted((tuple(fact_row(r).values()) for r in records), key=repr)
    registry = registry_from(r for r in records if r.case is None)
    judgement = Judgement(None, registry, WorkingCalendar(registry.calendar_overrides()))
    by_case: dict[str, list[EventRecord]] = defaultdict(list)
    for record in records:
        if record.case is not None:
            by_case[record.case].append(record)
    expected: dict[str, list[dict[str, Any]]] = {"case_files": [], "consultation_files": [], "violation_rows": []}
    for ref, case_records in by_case.items():
        case, consultations, violations = case_rows(ref, case_records, judgement)
        if case is not None:
            expected["case_files"].append(case)
            expected["consultation_files"].extend(consultations)
            expected["violation_rows"].extend(violations)
    stored = ledger.projections.table_rows()
    if sorted(stored["facts"], key=repr) != expected_facts:
        result.problems.append(Problem(None, "the facts table differs from the events (rows changed?)"))
    for table in (case_files, consultation_files, violation_rows):
        columns = [c.name for c in table.columns if c.name != "id"]
        rows = sorted((tuple(row[c] for c in columns) for row in expected[table.name]), key=repr)
        if rows != stored[table.name]:
            result.problems.append(Problem(None, f"the {table.name} table differs from the events (rows changed?)"))

"""Hostile tests of the stream guard (`ledger.stream_guard`), the tracking record's plain
statements (`LedgerView.record_tracking`), `fact_values` and the import's FEED_LIMIT, on both stores.

Attacks: events re-attributed to other aggregate ids outside the ledger (into a stream, out of
its middle or end, the registry's, an agency-year's, ids re-spelt), then appends, imports and
previews into those aggregates; legitimate flows that must not be refused (read models behind the
log, rebuilds, two processes, long imports); the tracking row tampered with; concurrent appends."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import delete, insert, select

from ledger import ConcurrentAppend, CorruptEvent, Ledger, StoreError
from ledger.domain.case import case_id
from ledger.domain.programme import agency_year_id
from ledger.domain.registry import REGISTRY_ID
from tests.conftest import EXAMPLES, FakeClock
from tests.integration.test_hostile_leaves_rows import stored_id, versions_from
from tests.integration.test_integrity import raw_sql

WORKED = (EXAMPLES / "national-day-2024.jsonl").read_text(encoding="utf-8").splitlines()
CASE = "HCM-2024-0901"  # positions 11..18; the registry is 1..10
OTHER = "HCM-2024-0902"
RESOLVED = WORKED[17]  # the case's last event (CaseResolved, version 8)
PROGRAMME = {"type": "WorkProgrammeAdopted", "agency": "SXD", "year": 2024, "by": "sxd.head",
             "at": "2024-09-20T09:00:00+07:00"}
OFFICIAL = {"type": "OfficialAppointed", "official": "sxd.new", "name": "N", "agency": "SXD",
            "role": "specialist", "at": "2024-08-02T08:00:00+07:00", "id": "new-official"}


def line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)


def of_case(index: int, case: str, key: str) -> dict[str, Any]:
    """Line `index` of the worked example, for another case, under another id."""
    return json.loads(WORKED[index]) | {"case": case, "id": key}


def tracked(ledger: Ledger) -> int:
    return ledger.projections.position()


def set_tracking(ledger: Ledger, position: int | None, name: str | None = None) -> None:
    """Set (None: delete) the read models' tracking row, as an attacker or a crash would leave it."""
    view = ledger.projections.view
    table = view.tracking_table
    name = name or ledger.projections.application_name
    with view.transaction(commit=True) as session:
        session.execute(delete(table).where(table.c.application_name == name))
        if position is not None:
            session.execute(insert(table).values(application_name=name, notification_id=position))


def reattribute(ledger: Ledger, position: int, to: Any, version: int | None = None) -> None:
    with raw_sql(ledger) as sql:
        if version is None:
            sql("UPDATE {table} SET originator_id = %s WHERE {position} = %s", to, position)
        else:
            sql("UPDATE {table} SET originator_id = %s, originator_version = %s WHERE {position} = %s",
                to, version, position)


def elsewhere(ledger: Ledger) -> Any:
    return stored_id(ledger, uuid.uuid4())


def refused_at(attempt: Callable[[], Any], positions: set[int]) -> CorruptEvent:
    with pytest.raises(CorruptEvent) as caught:
        attempt()
    assert caught.value.position in positions, caught.value
    return caught.value


def damage_named(ledger: Ledger, positions: set[int]) -> None:
    result = ledger.verify(full=True)
    assert not result.ok, "verify --full says intact"
    named = {p.position for p in result.problems}
    assert named & positions, [str(p) for p in result.problems]


# --- 1. re-attribution variants ---------------------------------------------------------------------

def _attempts(ledger: Ledger, obj: dict[str, Any]) -> list[Callable[[], Any]]:
    return [lambda: ledger.import_lines([line(obj)]),
            lambda: ledger.append(obj, source="api"),
            lambda: ledger.preview(obj, source="web"),
            lambda: ledger.import_lines([line(obj)], dry_run=True)]


def test_an_event_moved_into_a_case_from_another_case_is_refused(store_url: str, clock: FakeClock) -> None:
    """Case B's LeadAssigned (position 19) re-attributed to case A as its version 8: A's stream
    is longer, with an event the read models took in under B."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines([*WORKED[:17], line(of_case(10, OTHER, "b1")),
                                    line(of_case(11, OTHER, "b2"))]).refused == []
        reattribute(ledger, 19, stored_id(ledger, case_id(CASE)), 8)
        count = ledger.event_count()
        for attempt in _attempts(ledger, json.loads(RESOLVED)):
            refused_at(attempt, {19})
        assert ledger.event_count() == count and versions_from(ledger, 17) == [7, 1, 8]
        damage_named(ledger, {19})


def test_an_event_moved_into_a_new_case_is_refused(store_url: str, clock: FakeClock) -> None:
    """Case A's last event re-attributed to a case with no stream: B "exists" with one foreign
    event, version 1; B's own opening must not be taken as a second version 1 beside it... nor
    may B's real opening be refused silently as something else."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        reattribute(ledger, 18, stored_id(ledger, case_id(OTHER)), 1)
        count = ledger.event_count()
        opened = of_case(10, OTHER, "b-open")
        for attempt in _attempts(ledger, opened):
            refused_at(attempt, {18})
        assert ledger.event_count() == count
        damage_named(ledger, {18})


@pytest.mark.parametrize("position", [14, 11])
def test_a_cases_middle_or_first_event_moved_away_refuses_every_write(store_url: str, clock: FakeClock,
                                                                      position: int) -> None:
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:17]).refused == []
        reattribute(ledger, position, elsewhere(ledger))
        for attempt in _attempts(ledger, json.loads(RESOLVED)):
            refused_at(attempt, {position, position + 1})
        assert ledger.event_count() == 17
        damage_named(ledger, {position})


@pytest.mark.parametrize("position", [5, 10, 1])
@pytest.mark.parametrize("process", ["same", "new"])
def test_a_registry_event_moved_away_refuses_every_write(store_url: str, clock: FakeClock, position: int,
                                                         process: str) -> None:
    """The registry's first/middle/last event moved out of its stream, seen by the process that
    has the registry cached (`EventLog.shared`) and by a new one."""
    with Ledger(store_url, clock=clock) as first:
        assert first.import_lines(WORKED[:10]).refused == []
        reattribute(first, position, elsewhere(first))
        if process == "same":
            attempts = _attempts(first, OFFICIAL) + _attempts(first, json.loads(WORKED[10]))
            for attempt in attempts:
                refused_at(attempt, {position, position + 1})
            assert first.event_count() == 10
            damage_named(first, {position})
            return
    with Ledger(store_url, clock=clock) as ledger:
        for attempt in _attempts(ledger, OFFICIAL) + _attempts(ledger, json.loads(WORKED[10])):
            refused_at(attempt, {position, position + 1})
        assert ledger.event_count() == 10
        damage_named(ledger, {position})


@pytest.mark.parametrize("process", ["same", "new"])
def test_a_registry_whose_only_event_moved_away_takes_no_new_event(store_url: str, clock: FakeClock,
                                                                   process: str) -> None:
    """The registry emptied outside the ledger (its one event re-attributed): `EventLog.shared`
    runs `on_load` only when the loaded registry has a version, so an empty registry is never
    compared with the read models, which took in its event. A second registry version 1 is taken."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:1]).refused == []
        assert ledger.registry_as_of().agencies
        reattribute(ledger, 1, elsewhere(ledger))
        if process == "new":
            ledger.close()
            ledger = Ledger(store_url, clock=clock)
        try:
            second = json.loads(WORKED[1])
            for attempt in _attempts(ledger, second):
                refused_at(attempt, {1})
            assert ledger.event_count() == 1
        finally:
            ledger.close()


@pytest.mark.parametrize("process", ["same", "new"])
def test_a_registry_emptied_of_all_its_events_takes_no_new_event(store_url: str, clock: FakeClock,
                                                                 process: str) -> None:
    """The same with the worked example's ten registry events all re-attributed (ten UPDATEs)."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:10]).refused == []
        other = elsewhere(ledger)
        for position in range(1, 11):
            reattribute(ledger, position, other)
        if process == "new":
            ledger.close()
            ledger = Ledger(store_url, clock=clock)
        try:
            again = json.loads(WORKED[0]) | {"id": "again-01"}
            for attempt in _attempts(ledger, again):
                refused_at(attempt, set(range(1, 11)))
            assert ledger.event_count() == 10
        finally:
            ledger.close()


def test_an_agency_years_event_moved_away_refuses_that_year(store_url: str, clock: FakeClock) -> None:
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines([*WORKED, line(PROGRAMME | {"id": "p-2024"})]).refused == []
        reattribute(ledger, 19, elsewhere(ledger))
        again = PROGRAMME | {"id": "p-again"}
        for attempt in [lambda: ledger.import_lines([line(again)]), lambda: ledger.append(again, source="api"),
                        lambda: ledger.import_lines([line(again)], dry_run=True)]:
            refused_at(attempt, {19})
        assert ledger.event_count() == 19
        damage_named(ledger, {19})


def test_an_agency_years_event_moved_into_another_year_refuses_both(store_url: str, clock: FakeClock) -> None:
    """2024's programme re-attributed to 2025's (empty) stream: 2025 looks opened, 2024 empty."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines([*WORKED, line(PROGRAMME | {"id": "p-2024"})]).refused == []
        reattribute(ledger, 19, stored_id(ledger, agency_year_id("SXD", 2025)))
        for year in (2024, 2025):
            obj = PROGRAMME | {"year": year, "id": f"p-{year}-b"}
            refused_at(lambda obj=obj: ledger.import_lines([line(obj)]), {19})
            refused_at(lambda obj=obj: ledger.append(obj, source="api"), {19})
        assert ledger.event_count() == 19


@pytest.mark.parametrize("spelling", ["upper", "dashed", "urn"])
@pytest.mark.parametrize("by", ["import", "append", "preview"])
def test_a_cases_last_event_respelt_takes_no_new_event(sqlite_url: str, clock: FakeClock, spelling: str,
                                                       by: str) -> None:
    """SQLite keeps ids as text: the last event's id spelt otherwise drops out of the stream."""
    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        with raw_sql(ledger) as sql:
            (text,) = sql("SELECT originator_id FROM {table} WHERE {position} = %s", 18)[0]
            same = uuid.UUID(text)
            value = {"upper": text.upper(), "dashed": str(same), "urn": same.urn}[spelling]
            sql("UPDATE {table} SET originator_id = %s WHERE {position} = %s", value, 18)
        again = json.loads(RESOLVED) | {"id": "again"}
        attempt = {"import": lambda: ledger.import_lines([line(again)]),
                   "append": lambda: ledger.append(again, source="api"),
                   "preview": lambda: ledger.preview(again, source="web")}[by]
        refused_at(attempt, {18})
        assert ledger.event_count() == 18 and versions_from(ledger, 17) == [7, 8]


@pytest.mark.parametrize("spelling", ["upper", "dashed"])
def test_a_cases_only_event_respelt_cannot_be_opened_again(sqlite_url: str, clock: FakeClock,
                                                           spelling: str) -> None:
    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:11]).refused == []
        with raw_sql(ledger) as sql:
            (text,) = sql("SELECT originator_id FROM {table} WHERE {position} = %s", 11)[0]
            value = text.upper() if spelling == "upper" else str(uuid.UUID(text))
            sql("UPDATE {table} SET originator_id = %s WHERE {position} = %s", value, 11)
        again = json.loads(WORKED[10]) | {"id": "opened-again"}
        for attempt in _attempts(ledger, again):
            refused_at(attempt, {11})
        assert ledger.event_count() == 11


def test_a_registry_event_respelt_refuses_every_write(sqlite_url: str, clock: FakeClock) -> None:
    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:10]).refused == []
        with raw_sql(ledger) as sql:
            (text,) = sql("SELECT originator_id FROM {table} WHERE {position} = %s", 10)[0]
            sql("UPDATE {table} SET originator_id = %s WHERE {position} = %s", text.upper(), 10)
        for attempt in _attempts(ledger, OFFICIAL):
            refused_at(attempt, {10})
        assert ledger.event_count() == 10


def test_a_move_hidden_behind_a_tracking_row_set_back_is_still_refused(store_url: str, clock: FakeClock) -> None:
    """The guard compares only up to the tracked position. The case's last event moved out AND the
    tracking row set back below it (one more UPDATE): the shortened case takes a second version 8."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        reattribute(ledger, 18, elsewhere(ledger))
        set_tracking(ledger, 17)
        again = json.loads(RESOLVED) | {"id": "again"}
        with pytest.raises((CorruptEvent, StoreError)):
            ledger.append(again, source="api")
        assert ledger.event_count() == 18 and versions_from(ledger, 17) == [7, 8]


def test_a_move_hidden_behind_a_deleted_tracking_row_is_still_refused(store_url: str, clock: FakeClock) -> None:
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        reattribute(ledger, 18, elsewhere(ledger))
        set_tracking(ledger, None)
        again = json.loads(RESOLVED) | {"id": "again"}
        with pytest.raises((CorruptEvent, StoreError)):
            ledger.import_lines([line(again)])
        assert ledger.event_count() == 18 and versions_from(ledger, 17) == [7, 8]


@pytest.mark.parametrize("moved", [[1], list(range(1, 11)), [10]], ids=["only-event", "all-ten", "last-of-ten"])
def test_a_registry_emptied_or_shortened_outside_the_ledger_is_refused_by_registry_as_of(store_url: str, clock: FakeClock,
                                                                            moved: list[int]) -> None:
    """Reads: the registry's whole stream re-attributed: `registry_as_of` (calendar page, dashboard,
    report parameters) must not show an empty (or a shorter) registry as the registry."""
    with Ledger(store_url, clock=clock) as ledger:
        count = 1 if moved == [1] else 10  # the registry's events: positions 1..count
        assert ledger.import_lines(WORKED[:count]).refused == []
        other = elsewhere(ledger)
        for position in moved:
            reattribute(ledger, position, other)
        refused_at(ledger.registry_as_of, set(moved))


# --- 2. false positives: legitimate flows are never refused ------------------------------------------

def rows_equal_a_rebuild(ledger: Ledger) -> None:
    before = ledger.projections.table_rows()
    ledger.rebuild()
    assert ledger.projections.table_rows() == before
    result = ledger.verify(full=True)
    assert result.ok, [str(p) for p in result.problems]


@pytest.mark.parametrize("how", ["no-catch-up", "tracking-deleted-and-rebuilt"])
def test_read_models_behind_the_log_after_a_crash_refuse_nothing(store_url: str, clock: FakeClock,
                                                                 monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """A crash between an import's commit and its catch-up: the read models lag the log. The next
    writes into the same case, the registry and a new case (this process and a new one) are taken."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:14]).refused == []
        with monkeypatch.context() as patched:
            patched.setattr(ledger.projections, "catch_up", lambda **kwargs: 0)
            patched.setattr(ledger.projections, "intake", lambda *args: None)  # the crash came before
            assert ledger.import_lines([*WORKED[14:16], line(OFFICIAL)]).refused == []
        assert tracked(ledger) == 14 and ledger.event_count() == 17
        if how == "tracking-deleted-and-rebuilt":
            ledger.rebuild()
        assert ledger.append(json.loads(WORKED[16]), source="api")[0].position == 18
    with Ledger(store_url, clock=clock) as ledger, monkeypatch.context() as patched:
        patched.setattr(ledger.projections, "catch_up", lambda **kwargs: 0)
        patched.setattr(ledger.projections, "intake", lambda *args: None)
        assert ledger.import_lines([WORKED[17], line(of_case(10, OTHER, "b1"))]).refused == []
        official = OFFICIAL | {"official": "sxd.other", "id": "o2"}
        assert ledger.append(official, source="api")[0].position == 21
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.preview(of_case(11, OTHER, "b2"), source="web") is not None
        assert ledger.import_lines([line(of_case(11, OTHER, "b2"))]).refused == []
        assert ledger.history(CASE)["state"]["status"] == "resolved"
        assert tracked(ledger) == ledger.event_count() == 22
        rows_equal_a_rebuild(ledger)


def test_two_processes_appending_alternately_to_one_case_and_the_registry(store_url: str, clock: FakeClock) -> None:
    with Ledger(store_url, clock=clock) as one, Ledger(store_url, clock=clock) as two:
        assert one.import_lines(WORKED[:12]).refused == []
        assert two.preview(json.loads(WORKED[12]), source="web") is not None
        writers = [one, two]
        for n, raw in enumerate(WORKED[12:]):
            writer = writers[n % 2]
            obj = json.loads(raw)
            if n % 3 == 0:
                assert writer.import_lines([raw]).refused == []
            else:
                assert writer.append(obj, source="api")
            official = OFFICIAL | {"official": f"sxd.o{n}", "id": f"o{n}"}
            assert writers[(n + 1) % 2].append(official, source="api")
        assert one.event_count() == two.event_count() == len(WORKED) + 6
        assert one.history(CASE)["state"]["status"] == "resolved"
        rows_equal_a_rebuild(two)


def test_a_rebuild_between_writes_refuses_nothing(store_url: str, clock: FakeClock) -> None:
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:15]).refused == []
        ledger.rebuild()
        assert ledger.append(json.loads(WORKED[15]), source="api")
        ledger.rebuild()
        assert ledger.import_lines(WORKED[16:]).refused == []
        assert ledger.import_lines([line(PROGRAMME | {"id": "p"})]).refused == []
        rows_equal_a_rebuild(ledger)


def many_cases(count: int, *, start: int = 0) -> list[str]:
    lines = []
    for n in range(start, start + count):
        ref = f"HCM-2024-{n:05d}"
        lines.append(line(of_case(10, ref, f"m{n}-open")))
        lines.append(line(of_case(11, ref, f"m{n}-lead")))
    return lines


def test_an_import_opening_and_continuing_cases_across_chunks_with_registry_events(
        store_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """CHUNK made small (40 lines): cases opened in one chunk are continued in later ones, registry
    events are interleaved, existing cases are continued; then a second import continues them."""
    from ledger import importing

    monkeypatch.setattr(importing, "CHUNK", 40)
    opened = many_cases(60)  # 120 lines: opened and led in chunks 1..3
    officials = [line(OFFICIAL | {"official": f"sxd.x{n}", "id": f"x{n}"}) for n in range(30)]
    asks = [line(of_case(12, f"HCM-2024-{n:05d}", f"m{n}-ask")) for n in range(60)]
    mixed = [x for pair in zip(officials, asks[:30], strict=True) for x in pair] + asks[30:]
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:12]).refused == []
        report = ledger.import_lines([*opened[:70], *WORKED[12:15], *opened[70:], *mixed])
        assert report.refused == [] and report.appended == 120 + 3 + 90
        report = ledger.import_lines([*WORKED[15:], *[line(of_case(13, f"HCM-2024-{n:05d}", f"m{n}-c2"))
                                                      for n in range(60)]])
        assert report.refused == [], report.refused[:3]
        assert tracked(ledger) == ledger.event_count()
        rows_equal_a_rebuild(ledger)


@pytest.mark.parametrize("feed", [0, 1, 7, 100])
def test_an_import_past_feed_limit_makes_the_rows_of_a_rebuild(store_url: str, clock: FakeClock,
                                                               monkeypatch: pytest.MonkeyPatch, feed: int) -> None:
    from ledger import importing

    monkeypatch.setattr(importing, "FEED_LIMIT", feed)
    monkeypatch.setattr(importing, "CHUNK", 25)
    with Ledger(store_url, clock=clock) as ledger:
        lines = [*WORKED, *many_cases(50), line(PROGRAMME | {"id": "p"}), *WORKED[:3]]
        report = ledger.import_lines(lines)
        assert report.refused == [] and report.appended == len(WORKED) + 101 and report.skipped == 3
        assert tracked(ledger) == ledger.event_count()
        rows_equal_a_rebuild(ledger)
        assert ledger.import_lines(many_cases(20, start=50)).refused == []
        rows_equal_a_rebuild(ledger)


def test_imports_and_appends_after_a_restore_are_taken(store_url: str, clock: FakeClock, tmp_path: Any) -> None:
    with Ledger(f"sqlite:///{tmp_path / 'source.db'}", clock=clock) as source:
        assert source.import_lines([*WORKED[:16], line(PROGRAMME | {"id": "p"})]).refused == []
        exported = list(source.export_lines())
        key = source.key_file_public
    with Ledger(store_url, clock=clock) as ledger:
        report = ledger.restore_lines(exported, trusted_key=key)
        assert report.refused == [], report.refused
        assert ledger.import_lines(WORKED[16:17]).refused == []
        assert ledger.append(json.loads(WORKED[17]), source="api")
        assert ledger.append(OFFICIAL, source="api")
        assert ledger.import_lines([line(PROGRAMME | {"year": 2025, "id": "p25"})]).refused == []
        refused = ledger.import_lines([line(PROGRAMME | {"id": "p-again"})]).refused  # a rule, not damage
        assert all("read models" not in message for _, message in refused)
        rows_equal_a_rebuild(ledger)


# --- 3. the tracking row -----------------------------------------------------------------------------

@pytest.mark.parametrize("position", [None, 0, 12, 17])
def test_a_tracking_row_deleted_or_set_back_fails_loudly_and_a_rebuild_recovers(
        store_url: str, clock: FakeClock, position: int | None) -> None:
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        rows = ledger.projections.table_rows()
        set_tracking(ledger, position)
        result = ledger.verify(full=True)
        assert not result.ok, "verify says intact with facts past the tracked position"
        with pytest.raises((StoreError, CorruptEvent)):
            ledger.violations()
        ledger.rebuild()
        assert ledger.projections.table_rows() == rows and tracked(ledger) == 18
        assert ledger.append(OFFICIAL, source="api")[0].position == 19
        assert ledger.verify(full=True).ok


@pytest.mark.parametrize("ahead", [1, 2, 1000])
def test_a_tracking_row_set_forwards_is_never_followed_silently(store_url: str, clock: FakeClock,
                                                                ahead: int) -> None:
    """The tracking row set past the end of the log: every event appended up to it would be skipped
    by the read models for good (the case lists, violations, scorecard never see them)."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        set_tracking(ledger, 18 + ahead)
        assert not ledger.verify(full=True).ok
        opened = of_case(10, OTHER, "b1")
        try:
            ledger.append(opened, source="api")
            ledger.append(OFFICIAL, source="api")
            ledger.append(OFFICIAL | {"official": "sxd.x", "id": "x"}, source="api")
        except (StoreError, CorruptEvent):
            return  # refused loudly (ahead >= 2: a later write names the skipped position): fine
        taken = {r.position for r in ledger.projections.facts()}
        assert {19, 20, 21} <= taken, f"read models skipped {sorted({19, 20, 21} - taken)} without a word"


def test_tracking_rows_of_other_applications_change_nothing(store_url: str, clock: FakeClock) -> None:
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:14]).refused == []
        set_tracking(ledger, 1000, name="Other")
        set_tracking(ledger, 1, name="ledger")  # another spelling of the name
        assert ledger.import_lines(WORKED[14:]).refused == []
        assert ledger.append(OFFICIAL, source="api")
        assert tracked(ledger) == 19
        rows_equal_a_rebuild(ledger)


# --- 4. concurrency ----------------------------------------------------------------------------------

def _run_writers(count: int, work: Callable[[int], None]) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return errors


@pytest.mark.parametrize("instances", ["two-processes", "one-process"])
def test_concurrent_appends_to_one_case_take_every_event_once(store_url: str, clock: FakeClock,
                                                              instances: str) -> None:
    with Ledger(store_url, clock=clock) as setup:
        assert setup.import_lines(WORKED[:12]).refused == []
    ledgers = [Ledger(store_url, clock=clock) for _ in range(2 if instances == "two-processes" else 1)]
    try:
        def work(n: int) -> None:
            writer = ledgers[n % len(ledgers)]
            for k in range(8):
                ask = json.loads(WORKED[12]) | {"consultation": f"K{n}-{k}", "id": f"k{n}-{k}"}
                if k % 2:
                    assert writer.import_lines([line(ask)]).refused == []
                else:
                    writer.append(ask, source="api")
                writer.append(OFFICIAL | {"official": f"sxd.c{n}{k}", "id": f"c{n}-{k}"}, source="api")

        errors = _run_writers(2, work)
        assert all(isinstance(e, ConcurrentAppend) for e in errors), [repr(e) for e in errors]
        ledger = ledgers[0]
        with raw_sql(ledger) as sql:
            rows = sql("SELECT originator_id, originator_version FROM {table}")
        assert len(rows) == len(set(rows))
        case_versions = versions_of(ledger, case_id(CASE))
        assert case_versions == list(range(1, len(case_versions) + 1))
        if not errors:
            assert len(case_versions) == 2 + 16
        ledger.projections.catch_up()
        assert tracked(ledger) == ledger.recorder.max_notification_id()  # PostgreSQL: gaps after conflicts
        rows_equal_a_rebuild(ledger)
    finally:
        for opened in ledgers:
            opened.close()


def versions_of(ledger: Ledger, aggregate: uuid.UUID) -> list[int]:
    return sorted(ledger.recorder.positions_of(aggregate))


def test_a_concurrent_import_and_appends_into_the_registry_and_new_cases(store_url: str, clock: FakeClock) -> None:
    with Ledger(store_url, clock=clock) as setup:
        assert setup.import_lines(WORKED[:10]).refused == []
    ledgers = [Ledger(store_url, clock=clock) for _ in range(2)]
    try:
        def work(n: int) -> None:
            writer = ledgers[n]
            if n == 0:
                assert writer.import_lines(many_cases(150)).refused == []
            else:
                for k in range(10):
                    writer.append(of_case(10, f"HCM-2024-{k:05d}", f"m{k}-open"), source="api")  # same ids

        errors = _run_writers(2, work)
        assert all(isinstance(e, ConcurrentAppend) for e in errors), [repr(e) for e in errors]
        ledger = ledgers[0]
        assert ledger.event_count() == 10 + 300
        rows_equal_a_rebuild(ledger)
    finally:
        for opened in ledgers:
            opened.close()


# --- 5. fact_values: recorded times in other zones ----------------------------------------------------

@pytest.mark.parametrize("zone", [timezone(timedelta(hours=7)), timezone(timedelta(0)), timezone(timedelta(0), "Z"),
                                  "zoneinfo-utc", timezone(timedelta(hours=-9, minutes=-30))],
                         ids=["plus7", "fixed-zero", "named-zero", "zoneinfo", "minus930"])
def test_recorded_times_in_other_zones_make_the_rows_of_a_rebuild(store_url: str, zone: Any) -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("UTC") if zone == "zoneinfo-utc" else zone
    clock = FakeClock(datetime(2024, 12, 2, 3, 0, tzinfo=UTC).astimezone(tz))
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:12]).refused == []
        clock.advance(minutes=5)
        for raw in WORKED[12:]:
            ledger.append(json.loads(raw), source="api")
            clock.advance(seconds=1)
        with ledger.projections.view.transaction(commit=False) as session:
            from ledger.projections.tables import facts
            utc = list(session.execute(select(facts.c.recorded_utc).order_by(facts.c.position)).scalars())
        assert all(u.endswith("Z") and len(u) == 27 for u in utc), utc[:3]
        assert utc == sorted(utc)
        rows_equal_a_rebuild(ledger)
        known = datetime(2024, 12, 2, 3, 2, tzinfo=UTC)
        assert ledger.violations(known_at=known) is not None


# --- 1b. more re-attribution variants -----------------------------------------------------------------

def test_a_case_event_moved_into_the_registry_refuses_every_write(store_url: str, clock: FakeClock) -> None:
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:12]).refused == []
        reattribute(ledger, 12, stored_id(ledger, REGISTRY_ID), 11)
    with Ledger(store_url, clock=clock) as ledger:
        for attempt in _attempts(ledger, OFFICIAL) + _attempts(ledger, json.loads(WORKED[12])):
            refused_at(attempt, {12})
        assert ledger.event_count() == 12
        damage_named(ledger, {12})


def test_two_cases_last_events_swapped_refuse_both(store_url: str, clock: FakeClock) -> None:
    """Cases A (11, 12) and B (13, 14): their version-2 events swap aggregate ids; both streams keep
    their length and versions, every leaf of its own row is intact."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines([*WORKED[:12], line(of_case(10, OTHER, "b1")),
                                    line(of_case(11, OTHER, "b2"))]).refused == []
        a, b = stored_id(ledger, case_id(CASE)), stored_id(ledger, case_id(OTHER))
        with raw_sql(ledger) as sql:
            sql("UPDATE {table} SET originator_version = %s WHERE {position} = %s", 99, 12)
            sql("UPDATE {table} SET originator_id = %s WHERE {position} = %s", a, 14)
            sql("UPDATE {table} SET originator_id = %s, originator_version = %s WHERE {position} = %s", b, 2, 12)
        for case, named in ((CASE, {12, 14}), (OTHER, {12, 14})):
            ask = json.loads(WORKED[12]) | {"case": case, "id": f"ask-{case}"}
            for attempt in _attempts(ledger, ask):
                refused_at(attempt, named)
        assert ledger.event_count() == 14
        damage_named(ledger, {12, 14})


@pytest.mark.parametrize("position", [10, 6])
def test_a_registry_event_moved_away_is_refused_by_the_case_page_and_current_registry(
        store_url: str, clock: FakeClock, position: int) -> None:
    """A case's history is judged against the registry folded from the log (`_registry_folded`),
    the API's look-ups against `current_registry` (`EventLog.shared` with no `on_load`): neither
    compares the registry's stream with the read models. The procedure (position 10) moved away:
    the case page must refuse, not show the case judged against a registry without its procedure."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        reattribute(ledger, position, elsewhere(ledger))
    with Ledger(store_url, clock=clock) as ledger:
        refused_at(lambda: ledger.history(CASE), {position, position + 1})
        refused_at(lambda: ledger._reader.current_registry(), {position, position + 1})


EVERY = (EXAMPLES / "every-type.jsonl").read_text(encoding="utf-8").splitlines()
EXPORT = (EXAMPLES / "every-type.export-1f122bc.jsonl").read_text(encoding="utf-8").splitlines()


def _more_of_every_type(ledger: Ledger) -> None:
    """Writes into every kind of stored aggregate of the every-type example: agency-years with a
    programme and with an agency-level finding, the registry, a case with a finding."""
    finding = json.loads(next(x for x in EVERY if '"WORK_PROGRAMME_LATE"' in x and '"case"' not in x))
    programme = json.loads(next(x for x in EVERY if "WorkProgrammeAdopted" in x))
    attempts = [finding | {"id": "finding-again", "decision": "confirmed"},
                programme | {"id": "programme-again"},
                programme | {"agency": finding["agency"], "by": programme["by"], "id": "programme-stnmt"},
                finding | {"id": "finding-2025", "year": 2025}]
    for obj in attempts:
        for run in (lambda obj=obj: ledger.import_lines([line(obj)]).refused,
                    lambda obj=obj: ledger.import_lines([line(obj)], dry_run=True).refused):
            messages = run()
            assert all("read models" not in m for _, m in messages), messages
        try:
            ledger.append(obj, source="api")
        except CorruptEvent:
            raise
        except Exception as error:  # noqa: BLE001 - a rule's refusal is fine; damage is not
            assert "read models" not in str(error)


def test_every_type_imported_twice_and_continued_refuses_nothing_as_damage(store_url: str, clock: FakeClock) -> None:
    clock.now = datetime(2026, 12, 8, tzinfo=UTC)
    with Ledger(store_url, clock=clock) as ledger:
        report = ledger.import_lines(EVERY)
        assert report.refused == [], report.refused
        count = ledger.event_count()
        again = ledger.import_lines(EVERY)  # lines without ids are refused by rules, never as damage
        assert all("read models" not in m for _, m in again.refused) and ledger.event_count() == count
        _more_of_every_type(ledger)
        rows_equal_a_rebuild(ledger)


def test_every_type_restored_then_continued_refuses_nothing_as_damage(store_url: str) -> None:
    clock = FakeClock(datetime(2026, 12, 8, tzinfo=UTC))
    key = json.loads(EXPORT[-1])["public_key"]
    with Ledger(store_url, clock=clock) as ledger:
        report = ledger.restore_lines(EXPORT, trusted_key=key)
        assert report.refused == [], report.refused
        count = ledger.event_count()
        again = ledger.import_lines(EVERY)
        assert all("read models" not in m for _, m in again.refused) and ledger.event_count() == count
        _more_of_every_type(ledger)
        rows_equal_a_rebuild(ledger)


def test_an_import_of_more_than_one_real_chunk_continues_cases_across_it(store_url: str, clock: FakeClock) -> None:
    """The real CHUNK (5000): cases opened in the first chunk are continued in the second, beside a
    registry event and the worked case (stored before the import)."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:14]).refused == []
        lines = [*many_cases(2500), line(OFFICIAL), *WORKED[14:],
                 *[line(of_case(12, f"HCM-2024-{n:05d}", f"m{n}-ask")) for n in range(0, 2500, 25)]]
        report = ledger.import_lines(lines)
        assert report.refused == [] and report.appended == len(lines)
        assert tracked(ledger) == ledger.event_count() == 14 + len(lines)
        rows_equal_a_rebuild(ledger)

"""Hostile tests of three recent changes, on both stores:

1. `EventLog.stream_records` checks a stream's events against the sealed leaves at the stream's own
   positions only (`stored_leaves_at`, chunked by 500): moved, swapped, re-versioned, re-attributed
   or deleted events and altered leaf rows must raise CorruptEvent, never read back quietly.
2. `verify` reads the recorded time off the front of a state (`_recorded_time`): it must give the
   time the library's own JSON decoding gives, so the out-of-order check stays as strict; rows
   whose aggregate id is odd must be reported, never said intact, never a traceback.
3. Read-model rows are unpacked by position: tables with the same columns in another order (an
   older version's, or ALTERed) must read back exactly as a store made by this version.

The attacker's connection is `raw_sql` (triggers on the events table dropped); leaf rows are
reached through `leaf_sql` (the leaves table's triggers dropped too)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import MetaData, Table, insert, select

from ledger import CorruptEvent, Ledger
from ledger.cli import main
from ledger.domain.registry import REGISTRY_ID
from ledger.projections.tables import VIEW_TABLES
from ledger.verification import _recorded_time
from tests.conftest import EXAMPLES, FakeClock
from tests.integration.test_integrity import raw_sql
from tests.integration.test_recorded_time import json_recorded_time

WORKED = (EXAMPLES / "national-day-2024.jsonl").read_text(encoding="utf-8").splitlines()
CASE = "HCM-2024-0901"  # positions 11..18 of the worked example; the registry is 1..10
LATER = datetime(2024, 12, 20, 3, 0, tzinfo=UTC)


@pytest.fixture
def worked(store_url: str, clock: FakeClock) -> Iterator[Ledger]:
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        yield ledger


@contextmanager
def leaf_sql(ledger: Ledger) -> Iterator[tuple[Callable[..., Any], str]]:
    """`raw_sql`, the leaves table's append-only triggers dropped too, and its qualified name."""
    with raw_sql(ledger) as sql:
        if ledger.config.kind == "sqlite":
            for name in ("ledger_leaves_no_update", "ledger_leaves_no_delete"):
                sql(f"DROP TRIGGER IF EXISTS {name}")
            yield sql, "ledger_leaves"
        else:
            table = f'"{ledger.config.schema}".ledger_leaves'
            sql(f"DROP TRIGGER IF EXISTS ledger_leaves_append_only ON {table}")
            yield sql, table


def move(sql: Callable[..., Any], moves: list[tuple[int, int]]) -> None:
    """Move events to other positions (through a free position first, so two can swap)."""
    for n, (source, _) in enumerate(moves):
        sql("UPDATE {table} SET {position} = %s WHERE {position} = %s", 100000 + n, source)
    for n, (_, target) in enumerate(moves):
        sql("UPDATE {table} SET {position} = %s WHERE {position} = %s", target, 100000 + n)


def refused(read: Callable[[], Any]) -> CorruptEvent:
    with pytest.raises(CorruptEvent) as caught:
        read()
    return caught.value


# --- 1. a stream read against its own leaves -----------------------------------------------------

def test_an_intact_stream_reads_back_whole(worked: Ledger) -> None:
    history = worked.history(CASE)
    assert [e["position"] for e in history["events"]] == list(range(11, 19))
    assert history["state"]["status"] == "resolved"
    assert [r.position for r in worked.log.stream_records(REGISTRY_ID)] == list(range(1, 11))


@pytest.mark.parametrize(("moves", "named"), [
    ([(14, 500)], {500}),  # an event moved to a position no leaf was sealed at
    ([(12, 15), (15, 12)], {12, 15}),  # two events of the stream swapped in the log
    ([(13, 5), (5, 13)], {5, 13}),  # positions swapped between the case and the registry
])
def test_an_event_moved_in_the_log_is_refused_where_it_now_is(worked: Ledger, moves: Any, named: set[int]) -> None:
    with raw_sql(worked) as sql:
        move(sql, moves)
    assert refused(lambda: worked.history(CASE)).position in named
    if any(5 in m for m in moves):
        assert refused(worked.registry_as_of).position in named


@pytest.mark.parametrize(("position", "version", "named"), [(14, 40, 15), (18, 9, 18), (18, 7, 18), (11, 0, 11)])
def test_an_events_version_changed_is_refused(worked: Ledger, position: int, version: int, named: int) -> None:
    with raw_sql(worked) as sql:
        if version == 7:  # the last event takes the place of the one before, which is deleted
            sql("DELETE FROM {table} WHERE {position} = %s", 17)
        sql("UPDATE {table} SET originator_version = %s WHERE {position} = %s", version, position)
    assert refused(lambda: worked.history(CASE)).position == named


@pytest.mark.parametrize("attack", ["delete", "change", "swap", "move"])
def test_an_altered_leaf_row_is_refused(worked: Ledger, attack: str) -> None:
    with leaf_sql(worked) as (sql, leaves):
        if attack == "delete":
            sql(f"DELETE FROM {leaves} WHERE position = %s", 15)
        elif attack == "change":
            sql(f"UPDATE {leaves} SET leaf_hash = %s WHERE position = %s", "00" * 32, 15)
        elif attack == "swap":
            hashes = dict(sql(f"SELECT position, leaf_hash FROM {leaves} WHERE position IN (12, 15)"))
            for target, source in ((12, 15), (15, 12)):
                sql(f"UPDATE {leaves} SET leaf_hash = %s WHERE position = %s", hashes[source], target)
        else:  # the leaf of 15 moved to a position no event holds
            sql(f"UPDATE {leaves} SET position = %s WHERE position = %s", 900, 15)
    assert refused(lambda: worked.history(CASE)).position in {12, 15}


def test_a_second_leaf_row_at_a_position_is_refused_by_the_database(worked: Ledger) -> None:
    with leaf_sql(worked) as (sql, leaves), pytest.raises(Exception, match="(?i)unique|duplicate"):
        sql(f"INSERT INTO {leaves} (position, leaf_index, leaf_hash) VALUES (%s, %s, %s)", 15, 999, "00" * 32)
    assert worked.history(CASE)["state"]["status"] == "resolved"


def test_the_last_event_of_a_case_deleted_is_refused(worked: Ledger) -> None:
    with raw_sql(worked) as sql:
        sql("DELETE FROM {table} WHERE {position} = %s", 18)
    refused(lambda: worked.history(CASE))


def test_the_last_registry_event_deleted_is_refused_by_registry_as_of(worked: Ledger) -> None:
    """Was a hole: `registry_as_of` (public calendar page, dashboard, report parameters) never asks
    whether events were deleted: the registry's last event gone leaves no gap in its stream."""
    assert "REAL_ESTATE_DIFFICULTY" in worked.registry_as_of().procedures
    with raw_sql(worked) as sql:
        sql("DELETE FROM {table} WHERE {position} = %s", 10)
    refused(worked.registry_as_of)


@pytest.fixture(params=["another-id", "same-id-respelled"])
def reattributed(request: pytest.FixtureRequest, worked: Ledger) -> Ledger:
    """The case's last event re-attributed: to another aggregate id, or (SQLite, which keeps ids as
    text) to the same id spelt `str(uuid)` for `uuid.hex`; PostgreSQL keeps a uuid, one spelling, so
    there the second is another id too."""
    spelling = request.param if worked.config.kind == "sqlite" else "another-id"
    _reattribute_last_event(worked, spelling)
    return worked


def _reattribute_last_event(ledger: Ledger, spelling: str) -> None:
    with raw_sql(ledger) as sql:
        (stored,) = sql("SELECT originator_id FROM {table} WHERE {position} = %s", 18)[0]
        other = str(uuid.UUID(str(stored))) if spelling == "same-id-respelled" else stored_id(ledger, uuid.uuid4())
        sql("UPDATE {table} SET originator_id = %s WHERE {position} = %s", other, 18)


def test_the_last_event_of_a_case_moved_to_another_stream_is_found_by_verify(reattributed: Ledger) -> None:
    result = reattributed.verify(full=True)
    assert result.first is not None and result.first.position == 18, result.problems


def test_the_last_event_of_a_case_moved_to_another_stream_is_refused_by_reads(reattributed: Ledger) -> None:
    """Nothing is deleted, the count holds and the case's stream has no gap; the read models took
    the event in under this case, so the case page and history refuse it (they showed it open)."""
    with pytest.raises(CorruptEvent, match="read models took in") as refused_at:
        reattributed.history(CASE)
    assert refused_at.value.position == 18


def stored_id(ledger: Ledger, value: uuid.UUID) -> Any:
    return value.hex if ledger.config.kind == "sqlite" else value


def test_a_stream_of_more_than_500_events_is_checked_in_every_chunk(store_url: str, clock: FakeClock) -> None:
    officials = [json.dumps({"type": "OfficialAppointed", "official": f"vp.o{n}", "name": f"O {n}", "agency": "VP",
                             "role": "specialist", "at": "2024-08-02T08:00:00+07:00"}) for n in range(600)]
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines([*WORKED[:10], *officials]).refused == []
        assert len(ledger.registry_as_of().officials) >= 600
        with raw_sql(ledger) as sql:
            (state,) = sql("SELECT state FROM {table} WHERE {position} = %s", 560)[0]
            sql("UPDATE {table} SET state = %s WHERE {position} = %s",
                bytes(state).replace(b"vp.o549", b"vp.o54X"), 560)
        assert refused(ledger.registry_as_of).position == 560
        with leaf_sql(ledger) as (sql, leaves):
            sql("UPDATE {table} SET state = %s WHERE {position} = %s", bytes(state), 560)
            assert ledger.registry_as_of().officials  # restored: reads again
            sql(f"DELETE FROM {leaves} WHERE position = %s", 601)
        assert refused(ledger.registry_as_of).position == 601


# --- 2. verify's recorded time and odd aggregate ids ----------------------------------------------

LIBRARY = (b'{"timestamp":{"_type_":"datetime_iso","_data_":"2024-12-20T03:00:00+00:00"},'
           b'"at":{"_type_":"datetime_iso","_data_":"2024-12-19T09:00:00+07:00"},"fields":{"x":1}}')
BACKDATED = b'{"_type_":"datetime_iso","_data_":"2024-12-02T03:00:00+00:00"}'


@pytest.mark.parametrize("state", [
    LIBRARY[:-1] + b',"timestamp" :' + BACKDATED + b"}",  # a second key, a space before its colon
    LIBRARY[:-1] + b',"timestamp"\n:' + BACKDATED + b"}",
    LIBRARY[:-1] + b',"timest\\u0061mp":' + BACKDATED + b"}",  # a second key, escaped
    LIBRARY.replace(b'+00:00"}', b'+00:00","_data_":"2024-12-02T03:00:00+00:00"}', 1),  # _data_ twice
    LIBRARY.replace(b'"_data_":"2024-12-20', b'"_data_":"\\u0032024-12-20', 1),  # an escaped digit
], ids=["space-colon", "newline-colon", "escaped-key", "data-twice", "escaped-digit"])
def test_the_fast_recorded_time_is_the_one_json_gives(state: bytes) -> None:
    """Was a hole: the fast path reads the first `_data_` whenever `"timestamp":` occurs once as bytes;
    JSON keys may be escaped or followed by a space, and the last duplicate wins."""
    assert _recorded_time(state) == json_recorded_time(state)


@pytest.mark.parametrize("crafted", [False, True], ids=["honest-clock", "duplicate-key"])
def test_a_sealed_and_signed_backdated_event_is_found_by_verify(store_url: str, clock: FakeClock,
                                                                crafted: bool) -> None:
    """An event sealed and signed by the writer (as one with the key and the store can) whose
    recorded time, as the ledger reads it back, is 18 days before the event before it."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:-2]).refused == []
        clock.now = LATER
        assert ledger.import_lines(WORKED[-2:-1]).refused == []
        transcoder = ledger.log.mapper.transcoder
        plain = transcoder.encode

        def encode(obj: Any) -> bytes:
            data = plain(obj)
            return data[:-1] + b',"timestamp" :' + BACKDATED + b"}" if "timestamp" in obj else data

        if crafted:
            transcoder.encode = encode
        else:
            clock.now = datetime(2024, 12, 2, 3, 0, tzinfo=UTC)
        try:
            assert ledger.import_lines(WORKED[-1:]).refused == []
        finally:
            transcoder.encode = plain
        events = ledger.history(CASE)["events"]
        assert [e["recorded"][:10] for e in events[-2:]] == ["2024-12-20", "2024-12-02"]
        result = ledger.verify()
        assert not result.ok and result.first is not None and result.first.position == 18
        assert "out of order" in str(result.first)


@pytest.mark.parametrize("odd", [None, 12345, "blob", "", " pad", "urn", "braces", "upper", "dashed"])
def test_an_odd_aggregate_id_is_reported_by_verify_and_refused_by_reads(sqlite_url: str, clock: FakeClock,
                                                                        odd: Any) -> None:
    """SQLite keeps the id as text. Was a hole for "urn", "braces", "upper", "dashed": the leaf was made
    of the id as `UUID()` parses it, so another spelling of the same id keeps its leaf, while a
    stream is selected by the exact text: the event drops out of its stream (a gap here, refused
    by the case page) and `verify --full` says intact."""
    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        with raw_sql(ledger) as sql:
            (text,) = sql("SELECT originator_id FROM {table} WHERE {position} = %s", 14)[0]
            same = uuid.UUID(text)
            value = {"blob": same.bytes, " pad": " " + text, "urn": same.urn, "braces": f"{{{same}}}",
                     "upper": text.upper(), "dashed": str(same)}.get(odd, odd)
            sql("UPDATE {table} SET originator_id = %s WHERE {position} = %s", value, 14)
        assert refused(lambda: ledger.history(CASE)).position == 15  # event 4 missing, where 5 is
        result = ledger.verify(full=True)  # no traceback, whatever the column holds
        assert not result.ok and result.first is not None and result.first.position == 14, result.problems


AGAIN = json.dumps(json.loads(WORKED[-1]) | {"id": "again", "at": "2024-09-25T10:00:00+07:00"})


def versions_from(ledger: Ledger, position: int) -> list[int]:
    with raw_sql(ledger) as sql:
        return [v for (v,) in sql("SELECT originator_version FROM {table} WHERE {position} >= %s", position)]


@pytest.mark.parametrize("by", ["import", "append"])
def test_a_case_whose_last_event_moved_to_another_stream_takes_no_new_event(reattributed: Ledger, by: str) -> None:
    """Was a hole (pinned as a strict xfail): the case loaded from its shortened stream, at version
    7, and took a second version 8. Now the next append or import into the case is refused,
    naming the moved event's position, and nothing is written."""
    with pytest.raises(CorruptEvent, match="read models took in") as refused_at:
        if by == "import":
            reattributed.import_lines([AGAIN])
        else:
            reattributed.append(json.loads(AGAIN), source="api")
    assert refused_at.value.position == 18
    assert versions_from(reattributed, 17) == [7, 8]
    result = reattributed.verify(full=True)
    assert not result.ok and result.first is not None and result.first.position == 18, result.problems


def test_other_cases_still_take_events_beside_a_damaged_one(reattributed: Ledger) -> None:
    """Only the case whose stream is not the one taken in is refused: a new case opens."""
    opened = json.loads(WORKED[10]) | {"case": "HCM-2024-09999", "id": "other-case"}
    report = reattributed.import_lines([json.dumps(opened)])
    assert report.refused == [] and report.appended == 1


@pytest.mark.parametrize("full", [False, True])
def test_a_fractional_version_is_reported_by_ledger_verify(sqlite_url: str, clock: FakeClock, full: bool) -> None:
    """SQLite keeps 8.5 in an INTEGER column; the leaf was made of `int(8.5)` = 8, the sealed one, so
    `ledger verify` said intact while the case page refused the case ("event 8 missing")."""
    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        with raw_sql(ledger) as sql:
            sql("UPDATE {table} SET originator_version = %s WHERE {position} = %s", 8.5, 18)
        assert refused(lambda: ledger.history(CASE)).position == 18
        run = CliRunner().invoke(main, ["--db", ledger.config.url, "verify", *(["--full"] if full else [])],
                                 catch_exceptions=False)
        assert run.exit_code == 1 and "position 18" in run.output and "ledger intact" not in run.output, run.output


# --- 3. read-model rows unpacked by position ------------------------------------------------------

def reorder_read_models(ledger: Ledger, tables: tuple[Table, ...]) -> None:
    """Make each table again with its columns in reverse order, its rows kept (as an older
    version, or one that ALTERed columns in, may have left them)."""
    metadata = MetaData()
    with ledger.engine.begin() as connection:
        for table in tables:
            rows = [dict(row._mapping) for row in connection.execute(select(table))]
            table.drop(connection)
            reversed_table = Table(table.name, metadata, *[c._copy() for c in reversed(table.columns)])
            reversed_table.create(connection)
            if rows:
                connection.execute(insert(reversed_table), rows)


def physical_columns(ledger: Ledger, name: str) -> list[str]:
    from sqlalchemy import inspect

    return [c["name"] for c in inspect(ledger.engine).get_columns(name)]


def outputs(ledger: Ledger) -> dict[str, Any]:
    end = ledger.today()
    return {
        "violations": ledger.violations(), "as_of": ledger.violations(as_of=datetime(2024, 9, 10).date()),
        "scorecard": ledger.scorecard(datetime(2024, 8, 1).date(), end),
        "delays": ledger.delays(), "rows": ledger.projections.table_rows(),
        "history": ledger.history(CASE),
    }


@pytest.mark.parametrize("when", ["before-first-open", "after-filled"])
def test_read_models_with_columns_in_another_order_read_back_the_same(store_url: str, clock: FakeClock,
                                                                      tmp_path: Any, when: str) -> None:
    with Ledger(f"sqlite:///{tmp_path / 'reference.db'}", clock=clock) as reference:
        assert reference.import_lines(WORKED).refused == []
        expected = outputs(reference)
    with Ledger(store_url, clock=clock) as ledger:
        if when == "after-filled":
            assert ledger.import_lines(WORKED[:14]).refused == []
        reorder_read_models(ledger, VIEW_TABLES)
    with Ledger(store_url, clock=clock) as ledger:
        assert physical_columns(ledger, "facts")[0] == "fields"  # not dropped and rebuilt: kept as found
        assert physical_columns(ledger, "violation_rows")[0] == "details"
        assert ledger.import_lines(WORKED if when == "before-first-open" else WORKED[14:]).refused == []
        assert outputs(ledger) == expected
        result = ledger.verify(full=True)
        assert result.ok, [str(p) for p in result.problems]
        ledger.rebuild()
        assert outputs(ledger) == expected


def _move_to_another_stream(ledger: Ledger, position: int) -> None:
    with raw_sql(ledger) as sql:
        sql("UPDATE {table} SET originator_id = %s WHERE {position} = %s", stored_id(ledger, uuid.uuid4()), position)


def test_a_registry_whose_last_event_moved_to_another_stream_validates_nothing(store_url: str,
                                                                              clock: FakeClock) -> None:
    """The registry's last event (the procedure, position 10) moved out of its stream: the registry
    would load without it, take a second version 10, and judge the case events against a registry
    without the procedure. Every append and import is refused, naming position 10."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:10]).refused == []
    with Ledger(store_url, clock=clock) as ledger:  # a new process: the registry is read from the log
        _move_to_another_stream(ledger, 10)
        official = {"type": "OfficialAppointed", "official": "sxd.new", "name": "N", "agency": "SXD",
                    "role": "specialist", "at": "2024-08-02T08:00:00+07:00", "id": "new-official"}
        for attempt in (lambda: ledger.import_lines([json.dumps(official)]),
                        lambda: ledger.import_lines(WORKED[10:11]),
                        lambda: ledger.append(official, source="api")):
            with pytest.raises(CorruptEvent, match="read models took in") as refused_at:
                attempt()
            assert refused_at.value.position == 10
        assert ledger.event_count() == 10


PROGRAMME = {"type": "WorkProgrammeAdopted", "agency": "SXD", "year": 2024, "by": "sxd.head",
             "at": "2024-09-20T09:00:00+07:00"}


def test_an_agency_year_whose_event_moved_to_another_stream_takes_no_new_event(store_url: str,
                                                                               clock: FakeClock) -> None:
    """The same for an agency's year (its work programme): that year is refused, another is not."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines([*WORKED, json.dumps(PROGRAMME | {"id": "programme-2024"})]).refused == []
        _move_to_another_stream(ledger, len(WORKED) + 1)
        with pytest.raises(CorruptEvent, match="read models took in") as refused_at:
            ledger.import_lines([json.dumps(PROGRAMME | {"id": "programme-again"})])
        assert refused_at.value.position == len(WORKED) + 1
        next_year = PROGRAMME | {"year": 2025, "id": "programme-2025"}
        assert ledger.import_lines([json.dumps(next_year)]).refused == []


@pytest.mark.parametrize("by", ["import", "append"])
def test_a_case_whose_only_event_moved_to_another_stream_cannot_be_opened_again(store_url: str,
                                                                               clock: FakeClock, by: str) -> None:
    """Its stream is empty, so the case looked new: a second CaseOpened (version 1 again) was taken."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:11]).refused == []  # the registry and the case's opening
        _move_to_another_stream(ledger, 11)
        again = json.loads(WORKED[10]) | {"id": "opened-again"}
        with pytest.raises(CorruptEvent, match="read models took in") as refused_at:
            if by == "import":
                ledger.import_lines([json.dumps(again)])
            else:
                ledger.append(again, source="api")
        assert refused_at.value.position == 11 and ledger.event_count() == 11

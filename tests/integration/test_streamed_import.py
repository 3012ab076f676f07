"""`ledger import` streamed in chunks into one transaction (`ledger.importing`): bounded memory,
still all or nothing, conflicts retried from a replay of the input, and the same log as one
append of the same lines. On SQLite and PostgreSQL (`store_url`)."""

from __future__ import annotations

import threading
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from ledger import Ledger
from ledger import batch as batch_module
from ledger import eventlog, importing
from tests.builders import event, lines, opened, registry_lines


def coordinator(case: str, n: int, **fields: Any) -> dict[str, Any]:
    return event("CoordinatorAssigned", case=case, agency="STNMT", part=f"phần {n}", by="vp.clerk",
                 at="2024-03-05T08:00:00+07:00", id=f"{case}-c{n}", **fields)


def workload(cases: int, per_case: int) -> list[str]:
    """The registry, then `cases` cases of `per_case` events each, interleaved, every line with an id."""
    objs = [*registry_lines(), *(opened(case=f"HCM-{c}", id=f"HCM-{c}-o") for c in range(cases))]
    objs += [coordinator(f"HCM-{c}", n) for n in range(per_case - 1) for c in range(cases)]
    return lines(*objs)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK", 7)
    monkeypatch.setattr(importing, "FEED_LIMIT", 10)


def one_shot(items: list[str]) -> Iterator[str]:
    """Standard input: read once, never again."""
    yield from items


def log_state(ledger: Ledger) -> dict[str, Any]:
    recorder = ledger.recorder
    head = recorder.tree_head()
    return {
        "events": [(r.position, r.originator_id, r.version, r.topic, r.state) for r in recorder.raw_events()],
        "ids": [(r.position, r.event, r.recorded) for r in ledger.records()],
        "leaves": recorder.stored_leaves(),
        "head": (head.size, head.position, head.root().hex()),
        "checkpoints": [(c.size, c.root) for c in recorder.stored_checkpoints()],
    }


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_stores(request: pytest.FixtureRequest, tmp_path: Any) -> list[str]:
    if request.param == "sqlite":
        return [f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"]
    import psycopg
    from sqlalchemy.engine import make_url

    first = str(request.getfixturevalue("postgres_url"))
    base = first.split("?schema=")[0]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    parsed = make_url(base)

    def drop() -> None:
        with psycopg.connect(f"host={parsed.host} port={parsed.port or 5432} user={parsed.username}"
                             f" password={parsed.password} dbname={parsed.database}", autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    request.addfinalizer(drop)
    return [first, f"{base}?schema={schema}"]


@pytest.mark.parametrize("keep", [20_000, 2], ids=["every-case-kept", "cases-read-back"])
def test_a_streamed_import_writes_the_same_log_as_one_append(two_stores, clock, small_chunks, monkeypatch, keep):
    """Also when the import keeps only two cases between chunks and reads the others back from
    its open transaction (`batch.KEEP_AGGREGATES`)."""
    monkeypatch.setattr(batch_module, "KEEP_AGGREGATES", keep)
    file = workload(cases=6, per_case=5)
    streamed_url, single_url = two_stores
    with Ledger(streamed_url, clock=clock) as streamed:
        report = streamed.import_lines(one_shot(file))
        assert (report.appended, report.refused) == (len(file), [])
        assert streamed.verify(full=True).ok
        streamed_state, streamed_rows = log_state(streamed), streamed.projections.table_rows()
    with Ledger(single_url, clock=clock) as single:  # the old path: every line staged, one save
        batch = single.batch()
        for number, text in enumerate(file, start=1):
            batch.add(single_parse(text), source="import", line=number)
        batch.commit()
        single.projections.catch_up()
        assert log_state(single) == streamed_state
        assert single.projections.table_rows() == streamed_rows
        assert len(streamed_state["checkpoints"]) == 1 and streamed_state["head"][0] == len(file)


def single_parse(text: str) -> Any:
    import json

    from ledger import parse_event

    return parse_event(json.loads(text))


def test_a_refusal_on_the_last_line_of_many_chunks_appends_nothing_and_names_every_refused_line(
        ledger, small_chunks):
    ledger.import_lines(lines(*registry_lines()))
    before = log_state(ledger)
    file = workload(cases=4, per_case=6)[len(registry_lines()):]
    bad = [*file[:9], "{not json", *file[9:], lines(coordinator("HCM-404", 1))[0]]
    report = ledger.import_lines(one_shot(bad))
    assert [number for number, _ in report.refused] == [10, len(bad)]
    assert "HCM-404" in report.refused[1][1]
    assert log_state(ledger) == before and ledger.verify(full=True).ok
    # Nothing of the chunks written before the refusal was kept (their ids neither).
    again = ledger.import_lines(one_shot(file))
    assert (again.appended, again.skipped, again.refused) == (len(file), 0, [])
    dry = ledger.import_lines(one_shot(file), dry_run=True)
    assert (dry.appended, dry.skipped) == (0, len(file)) and ledger.event_count() == len(before["events"]) + len(file)


def test_ids_repeated_across_chunks_are_duplicates_or_conflicts(ledger, small_chunks):
    ledger.import_lines(lines(*registry_lines()))
    file = workload(cases=3, per_case=5)[len(registry_lines()):]
    report = ledger.import_lines(one_shot([*file, file[0]]))
    assert (report.appended, report.skipped) == (len(file), 1)
    other = lines(opened(case="HCM-0", id="HCM-0-o", title="khác"))[0]
    start = ledger.event_count()
    report = ledger.import_lines(one_shot([*workload(cases=2, per_case=9)[len(registry_lines()) + 2:], other]))
    assert report.refused and report.refused[-1][1] == "id 'HCM-0-o' is already in the ledger for a different event"
    assert ledger.event_count() == start


@pytest.mark.parametrize("known_prefix", [False, True])
def test_a_conflict_at_the_first_write_reruns_the_import_from_a_replay_of_its_input(
        store_url, clock, small_chunks, monkeypatch, known_prefix):
    known = lines(*(opened(case=f"HCM-P{n}", id=f"p-{n}") for n in range(9)))
    with Ledger(store_url, clock=clock) as setup:
        setup.import_lines(lines(*registry_lines(), opened(case="HCM-X")) + known)
    # With `known_prefix`, the first chunks hold only ids already in the ledger (nothing written).
    prefix = known if known_prefix else []
    file = [*prefix, lines(coordinator("HCM-X", 0))[0], *workload(cases=3, per_case=4)[len(registry_lines()):]]
    original = eventlog.Appending.save
    calls: list[int] = []

    def rival_first(self: Any, events: Any, keys: Any) -> Any:
        calls.append(len(events))
        if len(calls) == 1:  # another writer appends to the same case between the reads and the write
            with Ledger(store_url, clock=clock) as rival:
                rival.append(coordinator("HCM-X", 99), source="web")
        return original(self, events, keys)

    monkeypatch.setattr(eventlog.Appending, "save", rival_first)
    with Ledger(store_url, clock=clock) as ledger:
        report = ledger.import_lines(one_shot(file))  # read once: the retry replays the kept lines
        assert (report.appended, report.skipped, report.refused) == (len(file) - len(prefix), len(prefix), [])
        parts = [r.fields["part"] for r in ledger.records() if r.case == "HCM-X" and r.type == "CoordinatorAssigned"]
        assert parts == ["phần 99", "phần 0"]
        assert ledger.verify(full=True).ok
        assert ledger.event_count() == len(registry_lines()) + 2 + len(known) + len(file) - len(prefix)


def writer_after_first_chunk(monkeypatch: pytest.MonkeyPatch, store_url: str, clock: Any, obj: dict[str, Any],
                             settle: float = 0.0) -> tuple[threading.Thread, list[Exception]]:
    """Another ledger's append of `obj` (through the web), started in a thread once the import has
    written its first chunk and so holds the write lock (then `settle` seconds to let it queue);
    the thread, and the errors it met."""
    original = eventlog.Appending.save
    errors: list[Exception] = []

    def other_writer() -> None:
        try:
            with Ledger(store_url, clock=clock) as other:
                other.append(obj, source="web")
        except Exception as error:  # noqa: BLE001 - asserted by the caller
            errors.append(error)

    writer = threading.Thread(target=other_writer)

    def start_a_writer_mid_import(self: Any, events: Any, keys: Any) -> Any:
        result = original(self, events, keys)
        if writer.ident is None:
            writer.start()
            time.sleep(settle)
        return result

    monkeypatch.setattr(eventlog.Appending, "save", start_a_writer_mid_import)
    return writer, errors


def test_a_writer_during_the_import_waits_for_it_and_nothing_interleaves(store_url, clock, small_chunks, monkeypatch):
    with Ledger(store_url, clock=clock) as setup:
        setup.import_lines(lines(*registry_lines(), opened(case="HCM-W")))
    start = len(registry_lines()) + 1
    file = workload(cases=4, per_case=5)[len(registry_lines()):]
    writer, errors = writer_after_first_chunk(monkeypatch, store_url, clock, coordinator("HCM-W", 1))
    with Ledger(store_url, clock=clock) as ledger:
        report = ledger.import_lines(one_shot(file))
        writer.join(60)
        assert not errors and report.appended == len(file)
        records = list(ledger.records())
        assert [r.key for r in records[start : start + len(file)]] == [f"{r}" for r in importing_ids(file)]
        assert records[-1].case == "HCM-W" and records[-1].position == start + len(file) + 1
        assert ledger.verify(full=True).ok


def test_an_id_repeated_chunks_later_for_another_event_names_the_line_it_first_appeared_on(ledger, small_chunks):
    """The ids written by earlier chunks are not kept in memory: the open transaction is asked."""
    ledger.import_lines(lines(*registry_lines()))
    file = workload(cases=3, per_case=5)[len(registry_lines()):]  # 15 lines, 3 chunks of 7
    first_line = 1 + file.index(lines(opened(case="HCM-1", id="HCM-1-o"))[0])
    assert first_line < 8  # in the first chunk
    again = lines(opened(case="HCM-1", id="HCM-1-o", title="khác"))[0]
    start = ledger.event_count()
    report = ledger.import_lines(one_shot([*file, again, file[first_line - 1]]))
    assert report.refused == [(len(file) + 1, f"id 'HCM-1-o' appears earlier in this file, on line {first_line},"
                                              " for a different event")]
    assert ledger.event_count() == start


def test_a_case_read_back_from_the_open_transaction_is_judged_as_it_stands(ledger, small_chunks, monkeypatch):
    """Two cases kept between chunks of seven lines: the others are read back with the events of
    the import's earlier chunks, so their coordinators are accepted and a second opening of the
    first case, on the last line, is refused (an empty case would accept it and refuse them)."""
    monkeypatch.setattr(batch_module, "KEEP_AGGREGATES", 2)
    ledger.import_lines(lines(*registry_lines()))
    file = workload(cases=6, per_case=5)[len(registry_lines()):]  # six openings, then coordinators
    reopened = lines(opened(case="HCM-0", id="HCM-0-again"))[0]
    start = ledger.event_count()
    report = ledger.import_lines(one_shot([*file, reopened]))
    assert [number for number, _ in report.refused] == [len(file) + 1], report.refused
    assert "HCM-0" in report.refused[0][1]
    assert ledger.event_count() == start
    report = ledger.import_lines(one_shot(file))
    assert (report.appended, report.refused) == (len(file), [])


def importing_ids(file: list[str]) -> list[str]:
    import json

    return [json.loads(text)["id"] for text in file]


def test_the_memory_of_an_import_does_not_grow_with_its_size(sqlite_url, clock, monkeypatch):
    """Peak traced allocations of an 800- and a 3,200-event import, with every bounded unit made small: the import's chunk, the records fed to the read
    models, the events the catch-up decodes at a time and the cases it folds at a time."""
    from ledger.projections import runner

    monkeypatch.setattr(importing, "CHUNK", 100)
    monkeypatch.setattr(importing, "FEED_LIMIT", 100)
    monkeypatch.setattr(runner, "CHUNK", 10)
    monkeypatch.setitem(runner.Projections.catch_up.__kwdefaults__, "batch_size", 100)
    peaks = {}
    for size in (800, 3200):
        with Ledger(sqlite_url.replace("ledger.db", f"{size}.db"), clock=clock) as ledger:
            ledger.import_lines(lines(*registry_lines()))
            file = workload(cases=size // 10, per_case=10)[len(registry_lines()):]
            tracemalloc.start()
            try:
                report = ledger.import_lines(iter(file))
                peaks[size] = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            assert report.appended == len(file)
    # What still grows with the file is only the line of each id staged and the aggregates'
    # validation state: ~0.3 KB an event here, against ~4.8 KB an event when the whole file was
    # held (lines, envelopes, events, records).
    per_event = (peaks[3200] - peaks[800]) / 2400
    assert per_event < 1000, peaks

"""Hostile tests of the import's intake (2131a55, `ledger.projections.intake`): the read models
written inside the import's own transaction, through the connection the append session lends.

Attacks: failures at every step of an import (validation, a chunk's write, the intake's facts, its
level check, its judging, the tracking row, the seal, an interrupt) and kill -9 at random moments;
read models tampered with before an import (tracking row, forged/deleted/edited facts, case rows);
two writers at once (processes, threads, a rebuild on another connection); dry runs, duplicate-only
imports, registry events that re-judge other cases, the projection progress, hostile bytes in a
later chunk. Each test says what must hold; where it once failed, what the hole was (all fixed)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update

from ledger import ConcurrentAppend, CorruptEvent, Ledger, StoreError, importing
from ledger.projections import rows as row_module
from ledger.projections.intake import Intake
from ledger.projections.tables import case_files, facts
from ledger.recorders.streaming import AppendSession
from tests.conftest import REPO, FakeClock
from tests.integration.test_hostile_stream_guard import (
    CASE,
    OTHER,
    WORKED,
    line,
    of_case,
    rows_equal_a_rebuild,
    set_tracking,
    tracked,
)

#: A day off declared inside HCM-2024-0901's span: the case's due dates (its rows) change with it.
HOLIDAY = {"type": "CalendarDayDeclared", "date": "2024-08-30", "working": False, "reference": "QĐ 9",
           "at": "2024-08-01T09:00:00+07:00", "id": "holiday-0830"}
#: The other case's first three events (opening, lead, a consultation), under ids of their own.
OTHER_LINES = [line(of_case(i, OTHER, f"other-{i}")) for i in (10, 11, 12)]


def snapshot(ledger: Ledger) -> tuple[Any, ...]:
    """The log (events, leaves, head, checkpoints), the read models and their position."""
    recorder = ledger.recorder
    head = recorder.tree_head()
    return (ledger.event_count(), recorder.stored_leaves(), (head.size, head.root().hex()),
            [(c.size, c.root) for c in recorder.stored_checkpoints()],
            ledger.projections.table_rows(), tracked(ledger))


def last_position(ledger: Ledger) -> int:
    """The log's last position (PostgreSQL's positions skip those of rolled-back writes)."""
    return max((event.position for event in ledger.recorder.raw_events()), default=0)


def level_and_equal_to_a_rebuild(ledger: Ledger) -> None:
    assert tracked(ledger) == last_position(ledger)
    rows_equal_a_rebuild(ledger)


def no_catch_up(monkeypatch: pytest.MonkeyPatch, ledger: Ledger) -> None:
    """What the read models hold after the import, the import wrote itself."""
    monkeypatch.setattr(ledger.projections, "catch_up", lambda **kwargs: 0)


def nth_call_fails(n: int, original: Callable[..., Any], error: BaseException) -> Callable[..., Any]:
    calls = [0]

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == n:
            raise error
        return original(*args, **kwargs)

    return wrapped


# --- 1. an import that fails at any step leaves everything as it was --------------------------------

STEPS = ["validating-a-later-chunk", "writing-a-later-chunk", "taking-in-a-later-chunk", "checking-level",
         "judging-the-cases", "moving-the-tracking-row", "sealing-the-head", "interrupted-while-judging"]


def _fail_at(step: str, ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    boom = RuntimeError(f"injected failure: {step}")
    projections = ledger.projections
    if step == "validating-a-later-chunk":
        from ledger.batch import Batch
        monkeypatch.setattr(Batch, "add", nth_call_fails(5, Batch.add, boom))  # chunks 1 and 2 are written
    elif step == "writing-a-later-chunk":
        monkeypatch.setattr(AppendSession, "write", nth_call_fails(3, AppendSession.write, boom))
    elif step == "taking-in-a-later-chunk":
        monkeypatch.setattr(projections, "take_records", nth_call_fails(2, projections.take_records, boom))
    elif step == "checking-level":
        monkeypatch.setattr(Intake, "_level_with", nth_call_fails(1, Intake._level_with, boom))
    elif step == "judging-the-cases":
        monkeypatch.setattr(projections, "refresh", nth_call_fails(1, projections.refresh, boom))
    elif step == "moving-the-tracking-row":
        monkeypatch.setattr(projections.view, "record_tracking", nth_call_fails(1, projections.view.record_tracking, boom))
    elif step == "sealing-the-head":
        monkeypatch.setattr(ledger.recorder, "_write_head", nth_call_fails(1, ledger.recorder._write_head, boom))
    elif step == "interrupted-while-judging":
        def judged_then_interrupted(*args: Any) -> None:
            original(*args)
            raise KeyboardInterrupt
        original = projections.refresh
        monkeypatch.setattr(projections, "refresh", judged_then_interrupted)
    else:
        raise AssertionError(step)


@pytest.mark.parametrize("step", STEPS)
def test_an_import_failing_at_any_step_leaves_the_log_and_read_models_as_they_were_and_its_registry_forgotten(
        store_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    """Chunks of two: the holiday and the case's opening are written (and taken in, the holiday
    folded into the projections' registry) before the failure. Afterwards the case is imported
    again WITHOUT the holiday: judged with a phantom holiday its due dates would differ from a rebuild."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:10]).appended == 10
        before = snapshot(ledger)
        monkeypatch.setattr(importing, "CHUNK", 2)
        with monkeypatch.context() as patched:
            _fail_at(step, ledger, patched)
            with pytest.raises((RuntimeError, KeyboardInterrupt)):
                ledger.import_lines([line(HOLIDAY), *WORKED[10:16]])
        assert snapshot(ledger) == before
        assert ledger.import_lines(WORKED[10:]).appended == len(WORKED) - 10
        level_and_equal_to_a_rebuild(ledger)


def test_a_refused_import_reports_no_projection_progress(sqlite_url: str, clock: FakeClock,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing was appended, so the read models took nothing in: a progress bar must not have
    moved. (The intake's first version reported each written chunk's non-case events as it
    inserted their facts, [4, 4, 2] here, which then rolled back with the refusal: it now reports
    progress only once the import's read models are complete.)"""
    monkeypatch.setattr(importing, "CHUNK", 4)
    counted: list[int] = []
    with Ledger(sqlite_url, clock=clock) as ledger:
        report = ledger.import_lines([*WORKED, json.dumps({"type": "NoSuchEvent"})], project_progress=counted.append)
        assert report.refused and report.appended == 0 and ledger.event_count() == 0
    assert sum(counted) == 0, counted


# --- 2. a crash (kill -9) ----------------------------------------------------------------------------

NOW = datetime(2025, 3, 14, 3, 0, tzinfo=UTC)

CHILD = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {repo!r})
    from datetime import datetime, timezone
    from ledger import Ledger, importing
    from ledger.projections import Projections
    url, path, stage = sys.argv[1], sys.argv[2], sys.argv[3]
    importing.CHUNK = 500
    if stage == "judging":
        importing.CHUNK = 7
        def refresh(self, *args):
            print("judging", flush=True)
            time.sleep(60)
        Projections.refresh = refresh
    print("started", flush=True)
    with Ledger(url, clock=lambda: datetime(2025, 3, 14, 3, 0, tzinfo=timezone.utc)) as ledger, open(path) as lines:
        report = ledger.import_lines(lines)
    print("committed", report.appended, flush=True)
""")


@pytest.fixture(scope="module")
def workload() -> list[str]:
    sys.path.insert(0, str(REPO))
    from bench.workload import workload_lines

    lines, _ = workload_lines(4000, seed=11, now=NOW)
    return lines


def _child(tmp_path: Path, url: str, file: list[str], stage: str) -> subprocess.Popen[str]:
    path = tmp_path / f"import-{stage}.jsonl"
    path.write_text("\n".join(file) + "\n", encoding="utf-8")
    return subprocess.Popen([sys.executable, "-c", CHILD.format(repo=str(REPO)), url, str(path), stage],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())


def _kill(child: subprocess.Popen[str]) -> str:
    child.send_signal(signal.SIGKILL)
    out, _ = child.communicate(timeout=10)
    return out


def test_kill_9_at_random_moments_of_a_long_import_leaves_events_and_read_models_together(
        store_url: str, tmp_path: Path, workload: list[str]) -> None:
    """Either nothing (events, facts, rows, position as before) or everything, level with the log:
    the read models commit with the events, so no kill leaves them behind or ahead."""
    head, rest = workload[:300], workload[300:]
    with Ledger(store_url, clock=lambda: NOW) as setup:
        assert setup.import_lines(head).appended == len(head)
        before = snapshot(setup)
    # The child's import runs about a second after it says "started": kill it early, midway, late.
    moments = [random.Random(2131 + n).uniform(low, low + 0.3) for n, low in enumerate((0.05, 0.35, 0.65))]
    for moment in moments:
        child = _child(tmp_path, store_url, rest, "random")
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "started"
        time.sleep(moment)
        said = _kill(child)
        with Ledger(store_url, clock=lambda: NOW) as ledger:
            if "committed" in said or ledger.event_count() != before[0]:
                assert ledger.event_count() == len(workload), (moment, said)
                level_and_equal_to_a_rebuild(ledger)
                return
            assert snapshot(ledger) == before, (moment, said)
    with Ledger(store_url, clock=lambda: NOW) as ledger:
        assert ledger.import_lines(rest).appended == len(rest)
        level_and_equal_to_a_rebuild(ledger)


def test_kill_9_while_the_intake_judges_the_cases_commits_nothing(store_url: str, tmp_path: Path) -> None:
    with Ledger(store_url, clock=lambda: NOW) as setup:
        assert setup.import_lines(WORKED[:12]).appended == 12
        before = snapshot(setup)
    child = _child(tmp_path, store_url, WORKED[12:] + OTHER_LINES, "judging")
    assert child.stdout is not None
    for said in child.stdout:
        if said.strip() == "judging":
            break
    else:
        raise AssertionError(child.stderr.read() if child.stderr else "")
    _kill(child)
    with Ledger(store_url, clock=lambda: NOW) as ledger:
        assert snapshot(ledger) == before
        assert ledger.import_lines(WORKED[12:] + OTHER_LINES).appended == len(WORKED) - 12 + 3
        level_and_equal_to_a_rebuild(ledger)


# --- 3. read models tampered with before an import ---------------------------------------------------

def _forge_fact(ledger: Ledger, position: int, like: int) -> None:
    with ledger.projections.view.transaction(commit=True) as session:
        row = dict(session.execute(select(facts).where(facts.c.position == like)).mappings().one())
        session.execute(insert(facts).values(**(row | {"position": position})))


def _delete_facts(ledger: Ledger, *positions: int) -> None:
    with ledger.projections.view.transaction(commit=True) as session:
        session.execute(delete(facts).where(facts.c.position.in_(positions)))


def _edit_title(ledger: Ledger) -> None:
    with ledger.projections.view.transaction(commit=True) as session:
        fields = session.execute(select(facts.c.fields).where(facts.c.position == 11)).scalar()
        session.execute(update(facts).where(facts.c.position == 11).values(fields=fields.replace("Tân Kiên", "FORGED")))


def _delete_case_rows(ledger: Ledger) -> None:
    with ledger.projections.view.transaction(commit=True) as session:
        session.execute(delete(case_files).where(case_files.c.case_ref == CASE))


TAMPERINGS: dict[str, tuple[Callable[[Ledger], None], list[str]]] = {
    "tracking-set-back": (lambda ledger: set_tracking(ledger, 13), OTHER_LINES),
    "tracking-set-past-the-log": (lambda ledger: set_tracking(ledger, 15), OTHER_LINES),
    "tracking-deleted": (lambda ledger: set_tracking(ledger, None), OTHER_LINES),
    "read-models-emptied": (lambda ledger: ledger.projections.view.reset(), OTHER_LINES),
    "last-facts-deleted": (lambda ledger: _delete_facts(ledger, 13, 14), OTHER_LINES),
    "last-facts-deleted-and-tracking-set-back": (lambda ledger: (_delete_facts(ledger, 13, 14), set_tracking(ledger, 12)), OTHER_LINES),
    "fact-forged-at-the-next-position": (lambda ledger: _forge_fact(ledger, 15, 14), OTHER_LINES),
    "fact-forged-at-the-next-position-and-tracked": (lambda ledger: (_forge_fact(ledger, 15, 14), set_tracking(ledger, 15)),
                                                     OTHER_LINES),
    "fact-forged-far-ahead-and-tracked": (lambda ledger: (_forge_fact(ledger, 1000, 14), set_tracking(ledger, 1000)), OTHER_LINES),
    "touched-cases-rows-deleted": (_delete_case_rows, WORKED[14:]),
}


@pytest.mark.parametrize("tampering", list(TAMPERINGS))
def test_read_models_tampered_with_before_an_import_are_taken_in_right_or_refused_loudly(
        sqlite_url: str, clock: FakeClock, tampering: str) -> None:
    """Never a silent wrong answer: the import raises StoreError/CorruptEvent, or afterwards the
    read models (rows and position) are exactly a rebuild's. (A fact forged past the log with the
    tracking row moved onto it was once declined quietly, and the catch-up skipped the import's
    events: the intake now refuses the import before its commit.) Refused, nothing was imported."""
    tamper, lines = TAMPERINGS[tampering]
    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:14]).appended == 14
        tamper(ledger)
        try:
            report = ledger.import_lines(lines)
        except (StoreError, CorruptEvent):
            if "forged" in tampering and "tracked" in tampering:
                assert ledger.event_count() == 14, "refused after its commit: a retry would append it twice"
            return  # refused loudly
        assert report.appended == len(lines)
        stored, position = ledger.projections.table_rows(), tracked(ledger)
        ledger.rebuild()
        assert position == tracked(ledger), "the read models claim a position a rebuild does not"
        assert stored == ledger.projections.table_rows(), "the import left read models a rebuild does not make"


def test_a_fact_of_a_touched_case_edited_outside_the_ledger_is_named_by_verify_full(sqlite_url: str,
                                                                                  clock: FakeClock) -> None:
    """The read models trust their facts: an import re-judges a case from an edited fact, as any
    catch-up does (README, known limits). `verify --full`, which compares every fact with the
    log, names it, before and after the import."""
    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:14]).appended == 14
        _edit_title(ledger)
        assert "facts table differs" in " ".join(str(p) for p in ledger.verify(full=True).problems)
        assert ledger.import_lines(WORKED[14:]).appended == len(WORKED) - 14
        assert "facts table differs" in " ".join(str(p) for p in ledger.verify(full=True).problems)
        ledger.rebuild()
        assert ledger.verify(full=True).ok


# --- 4. two writers at once --------------------------------------------------------------------------

WORKER = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, {repo!r})
    from ledger import ConcurrentAppend, Ledger, StoreError, importing
    from tests.builders import event, lines, opened
    url, role, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    importing.CHUNK = 7
    problems = []
    with Ledger(url) as ledger:
        for i in range(n):
            try:
                if role == "api":
                    ledger.append(opened(case=f"api-{{i}}", id=f"api-{{i}}-o"), source="api")
                    continue
                objs = [opened(case=f"{{role}}-{{i}}-{{c}}", id=f"{{role}}-{{i}}-{{c}}-o") for c in range(5)]
                objs += [event("CoordinatorAssigned", case=f"{{role}}-{{i}}-{{c}}", agency="STNMT", part=f"p{{k}}",
                               by="vp.clerk", at="2024-03-05T08:00:00+07:00", id=f"{{role}}-{{i}}-{{c}}-c{{k}}")
                         for k in range(3) for c in range(5)]
                objs.append(opened(case=f"shared-{{i}}", id=f"shared-{{i}}-o"))  # in both importers' files
                if role == "impA" and i % 2:
                    objs.append({{"type": "NoSuchEvent"}})  # refused after its chunks were written
                report = ledger.import_lines(lines(*objs))
                if report.refused and not (role == "impA" and i % 2):
                    problems.append(f"refused {{report.refused}}")
            except (ConcurrentAppend, StoreError) as retryable:
                problems.append(f"retryable {{retryable}}")
            except Exception as error:
                problems.append(f"NOT RETRYABLE {{type(error).__name__}}: {{error}}")
    print(json.dumps(problems))
""")


def test_two_processes_importing_and_one_appending_at_once_lose_and_duplicate_nothing(
        store_url: str, tmp_path: Path) -> None:
    """Every other import of the first process is refused at its end, after its chunks (and their
    facts) were written: the others' writes wait for it, and find the read models as they were."""
    from tests.builders import lines, registry_lines

    with Ledger(store_url) as setup:
        setup.import_lines(lines(*registry_lines()))
        base = setup.event_count()
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(repo=str(REPO)), encoding="utf-8")
    n = 5
    children = [subprocess.Popen([sys.executable, str(script), store_url, role, str(count)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=os.environ.copy())
                for role, count in (("impA", n), ("impB", n), ("api", 15))]
    problems = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        problems += json.loads(out.strip().splitlines()[-1])
    assert not [p for p in problems if "NOT RETRYABLE" in p or "refused" in p], problems
    failed = sum(1 for p in problems if p.startswith("retryable"))
    with Ledger(store_url) as ledger:
        keys = [r.key for r in ledger.records() if r.key is not None]
        assert len(keys) == len(set(keys)), "an id appended twice"
        if not failed:
            assert ledger.event_count() == base + (n + 1) // 2 * 20 + n * 20 + n + 15
        level_and_equal_to_a_rebuild(ledger)


def test_two_ledgers_in_threads_importing_the_same_file_append_it_once(
        store_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK", 3)
    file = [*WORKED, *OTHER_LINES]
    first, second = Ledger(store_url, clock=clock), Ledger(store_url, clock=clock)
    results: dict[int, Any] = {}

    def run(index: int, ledger: Ledger) -> None:
        try:
            results[index] = ledger.import_lines(file)
        except BaseException as error:  # noqa: BLE001
            results[index] = error

    try:
        threads = [threading.Thread(target=run, args=(i, ledger)) for i, ledger in enumerate((first, second))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        errors = [r for r in results.values() if isinstance(r, BaseException)]
        assert all(isinstance(e, (ConcurrentAppend, StoreError)) for e in errors), errors
        appended = sum(r.appended for r in results.values() if not isinstance(r, BaseException))
        assert appended == len(file) == first.event_count()
        level_and_equal_to_a_rebuild(first)
    finally:
        first.close()
        second.close()


def paused_after(work: Callable[..., Any]) -> tuple[Callable[..., None], threading.Event, threading.Event]:
    """`work`, made to stop once it has run (setting the first event) until the second is set."""
    paused, release = threading.Event(), threading.Event()

    def held(*args: Any) -> None:
        work(*args)
        paused.set()
        release.wait(20)

    return held, paused, release


@pytest.mark.parametrize("split", [14, 10], ids=["import-touches-a-stored-case", "import-opens-the-case"])
def test_an_import_while_another_connection_rebuilds_the_read_models_succeeds_or_fails_retryably_leaving_them_level(
        store_url: str, clock: FakeClock, split: int) -> None:
    """`ledger rebuild` in another process while `ledger import` runs: the rebuild is paused
    just before its commit (its rows written) while the import takes its events in. (Once failed
    on PostgreSQL: the intake's DELETE of a stored case's rows waited for the rebuild, missed the
    rows it re-inserted and broke case_files_pkey; or the tracking row's UPDATE matched no row and
    left the position behind the facts. A rebuild now takes the store's write lock, and the
    tracking row's UPDATE must move one row.)"""
    importer, rebuilder = Ledger(store_url, clock=clock), Ledger(store_url, clock=clock)
    try:
        assert importer.import_lines(WORKED[:split]).appended == split
        held, paused, release = paused_after(rebuilder.projections._rebuild_cases)
        rebuilder.projections._rebuild_cases = held  # type: ignore[method-assign]
        results: dict[str, Any] = {}

        def run(name: str, work: Callable[[], Any]) -> None:
            try:
                results[name] = work()
            except BaseException as error:  # noqa: BLE001
                results[name] = error

        rebuilding = threading.Thread(target=run, args=("rebuild", rebuilder.rebuild))
        rebuilding.start()
        assert paused.wait(10)
        importing_ = threading.Thread(target=run, args=("import", lambda: importer.import_lines(WORKED[split:])))
        importing_.start()
        time.sleep(1.0)
        release.set()
        rebuilding.join(40)
        importing_.join(40)
        outcome = results["import"]
        assert not isinstance(outcome, BaseException) or isinstance(outcome, (ConcurrentAppend, StoreError)), \
            f"{type(outcome).__name__}: {outcome}"
        assert importer.event_count() in (split, len(WORKED))
        assert tracked(importer) == last_position(importer), "the read models were left behind their facts"
        rows_equal_a_rebuild(importer)
    finally:
        importer.close()
        rebuilder.close()


def test_a_reader_during_an_import_sees_the_read_models_as_before_until_the_commit(
        store_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The intake's facts and rows are written early in the import's transaction: no other
    connection may see them (or a case's facts without its rows) before the commit."""
    monkeypatch.setattr(importing, "CHUNK", 3)
    writer, reader = Ledger(store_url, clock=clock), Ledger(store_url, clock=clock)
    try:
        assert writer.import_lines(WORKED[:10]).appended == 10
        before = reader.projections.table_rows(), tracked(reader)
        slow, inside, release = paused_after(writer.projections.refresh)
        monkeypatch.setattr(writer.projections, "refresh", slow)
        thread = threading.Thread(target=lambda: writer.import_lines(WORKED[10:]))
        thread.start()
        assert inside.wait(10)
        seen = reader.projections.table_rows(), tracked(reader)
        release.set()
        thread.join(30)
        assert seen == before
        level_and_equal_to_a_rebuild(reader)
    finally:
        writer.close()
        reader.close()


# --- 5. dry runs, duplicates, long imports, progress ----------------------------------------------------

def test_a_dry_run_writes_nothing_and_reports_no_projection_progress(store_url: str, clock: FakeClock,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK", 3)
    counted: list[int] = []
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:10]).appended == 10
        before = snapshot(ledger)
        report = ledger.import_lines([line(HOLIDAY), *WORKED[10:]], dry_run=True, project_progress=counted.append)
        assert report.refused == [] and report.new == len(WORKED) - 9
        assert snapshot(ledger) == before and counted == []


def test_an_import_of_ids_already_in_the_ledger_changes_nothing(store_url: str, clock: FakeClock,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK", 4)
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).appended == len(WORKED)
        before = snapshot(ledger)
        counted: list[int] = []
        report = ledger.import_lines(WORKED, project_progress=counted.append)
        assert report.appended == 0 and report.duplicates == len(WORKED)
        assert snapshot(ledger) == before and sum(counted) == 0


def test_an_import_whose_first_chunks_are_duplicates_is_taken_in_from_its_first_write(
        store_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK", 3)
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:13]).appended == 13
        no_catch_up(monkeypatch, ledger)
        assert ledger.import_lines([*WORKED, *OTHER_LINES]).appended == len(WORKED) - 13 + 3
        monkeypatch.undo()
        level_and_equal_to_a_rebuild(ledger)


@pytest.mark.parametrize("intake", ["taken-in", "declined-read-models-behind"])
def test_an_import_longer_than_the_feed_limit_is_taken_in_whole(
        sqlite_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, intake: str) -> None:
    monkeypatch.setattr(importing, "CHUNK", 4)
    monkeypatch.setattr(importing, "FEED_LIMIT", 5)
    with Ledger(sqlite_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:10]).appended == 10
        if intake == "declined-read-models-behind":
            with monkeypatch.context() as patched:
                no_catch_up(patched, ledger)
                ledger.append(json.loads(WORKED[10]), source="api")
            start = 11
        else:
            start = 10
        assert ledger.import_lines([*WORKED[start:], *OTHER_LINES]).appended == len(WORKED) - start + 3
        level_and_equal_to_a_rebuild(ledger)


def test_a_conflict_at_the_first_write_is_retried_and_the_retry_is_taken_in_once(
        store_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    from eventsourcing.persistence import IntegrityError

    monkeypatch.setattr(importing, "CHUNK", 3)
    monkeypatch.setattr(AppendSession, "write", nth_call_fails(1, AppendSession.write, IntegrityError("raced")))
    counted: list[int] = []
    with Ledger(store_url, clock=clock) as ledger:
        report = ledger.import_lines([*WORKED, *OTHER_LINES], project_progress=counted.append)
        assert report.appended == len(WORKED) + 3
        assert sum(counted) == report.appended, counted
        monkeypatch.undo()
        level_and_equal_to_a_rebuild(ledger)


@pytest.mark.parametrize("how", ["with-duplicates", "re-judging-a-stored-case", "over-the-feed-limit",
                                 "after-read-models-behind"])
def test_the_projection_progress_sums_to_the_events_the_import_appended(
        store_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    monkeypatch.setattr(importing, "CHUNK", 3)
    monkeypatch.setattr(importing, "FEED_LIMIT", 4)
    counted: list[int] = []
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:14]).appended == 14
        lines = [*WORKED[10:], *OTHER_LINES]
        if how == "re-judging-a-stored-case":
            assert ledger.import_lines(WORKED[14:]).appended == 4
            lines = [line(HOLIDAY)]
        elif how == "after-read-models-behind":
            with monkeypatch.context() as patched:
                no_catch_up(patched, ledger)
                ledger.append(json.loads(WORKED[14]), source="api")
        report = ledger.import_lines(lines, project_progress=counted.append)
        # "after-read-models-behind": the catch-up takes in the lagging event too, and once
        # reported it (7 for 6 appended); an import's progress now counts its own events only.
        assert sum(counted) == report.appended, counted
        level_and_equal_to_a_rebuild(ledger)


# --- 6. registry events re-judge exactly the dependent cases --------------------------------------------

@pytest.fixture
def city(store_url: str) -> Iterator[Ledger]:
    from tests.integration.test_registry_changes import DEFAULT_REGISTRY, history_lines
    from tests.integration.test_registry_changes import NOW as CITY_NOW

    with Ledger(store_url, clock=lambda: CITY_NOW) as ledger:
        lines = [*DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines(), *history_lines(30, 7, CITY_NOW),
                 *(REPO / "examples" / "sample-cases.jsonl").read_text(encoding="utf-8").splitlines()]
        assert not ledger.import_lines(lines).refused
        yield ledger


def test_registry_changes_imported_one_by_one_rejudge_only_their_dependents_and_equal_a_rebuild(
        city: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.integration.test_registry_changes import CASE_TABLES, CHANGES, _case_tables

    folded: list[str] = []
    original = row_module.case_rows

    def counted(ref: str, *args: Any, **kwargs: Any) -> Any:
        folded.append(ref)
        return original(ref, *args, **kwargs)

    monkeypatch.setattr(row_module, "case_rows", counted)
    no_catch_up(monkeypatch, city)
    cases = city.projections.case_count()
    for number, (change, effect) in enumerate(CHANGES):
        folded.clear()
        before = _case_tables(city)
        assert city.import_lines([line(change | {"id": f"change-{number}"})]).appended == 1
        after = _case_tables(city)
        assert tracked(city) == last_position(city)
        changed = {name for name in CASE_TABLES if after[name] != before[name]}
        assert bool(changed - {"registry_reads"}) == (effect == "changes"), (change["type"], changed)
        assert (folded == []) == (effect == "nothing"), (change["type"], folded)
        assert len(folded) < cases / 3
        redone = {row[0] for name in CASE_TABLES for row in set(after[name]) ^ set(before[name])}
        assert redone <= set(folded)
    monkeypatch.undo()
    level_and_equal_to_a_rebuild(city)


def test_registry_changes_and_new_cases_in_one_chunked_import_equal_a_rebuild(
        city: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.integration.test_registry_changes import CHANGES, history_lines
    from tests.integration.test_registry_changes import NOW as CITY_NOW

    monkeypatch.setattr(importing, "CHUNK", 5)
    no_catch_up(monkeypatch, city)
    more = [obj | {"case": f"{obj['case']}-x", "id": f"{obj.get('id')}-x"}
            for obj in map(json.loads, history_lines(8, 99, CITY_NOW)) if obj.get("case")]
    per = len(more) // len(CHANGES) + 1
    mixed: list[str] = []
    for number, (change, _) in enumerate(CHANGES):  # the cases' events, a registry change between each few
        mixed += [line(obj) for obj in more[number * per:(number + 1) * per]]
        mixed.append(line(change | {"id": f"mixed-{number}"}))
    report = city.import_lines(mixed)
    assert report.refused == [], report.refused[:3]
    monkeypatch.undo()
    level_and_equal_to_a_rebuild(city)


# --- 7. hostile bytes in a later chunk, after chunks were written and taken in ---------------------------

HOSTILE = {
    "raw-nul": '{"type": "CaseOpened", "case": "HCM-N\x00", "title": "t"}',
    "escaped-nul": '{"type": "CaseOpened", "case": "HCM-N", "title": "a\\u0000b"}',
    "lone-surrogate-escaped": '{"type": "CaseOpened", "case": "HCM-S", "title": "a\\ud800b"}',
    "lone-surrogate-raw": '{"type": "CaseOpened", "case": "HCM-S", "title": "a\ud800b"}',
    "deep-json": "[" * 100_000 + "]" * 100_000,
    "huge-line": json.dumps({"type": "CaseOpened", "case": "HCM-H", "title": "x" * (2 * 1024 * 1024)}),
    "not-an-object": "[1, 2]",
}


@pytest.mark.parametrize("hostile", list(HOSTILE))
def test_hostile_bytes_after_written_chunks_are_refused_by_line_and_leave_everything(
        store_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, hostile: str) -> None:
    monkeypatch.setattr(importing, "CHUNK", 3)
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:10]).appended == 10
        before = snapshot(ledger)
        lines = [line(HOLIDAY), *WORKED[10:], *OTHER_LINES, HOSTILE[hostile], OTHER_LINES[0]]
        report = ledger.import_lines(lines)
        assert [number for number, _ in report.refused] == [len(lines) - 1], report.refused
        assert report.appended == 0
        assert snapshot(ledger) == before
        assert ledger.import_lines([line(HOLIDAY), *WORKED[10:]]).appended == len(WORKED) - 9
        level_and_equal_to_a_rebuild(ledger)


# --- 8. what the lent connection keeps afterwards ----------------------------------------------------------

def test_imports_on_postgresql_leave_nothing_piled_up_on_the_connection_they_lend(
        postgres_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each intake builds a SQLAlchemy engine over the events' pooled psycopg connection; the
    dialect's on-connect adds a notice handler to it, and nothing removes it: one more per import,
    for the life of the pooled connection (and every server notice is then logged that many times)."""
    from ledger.recorders.postgres import PostgresLedgerRecorder

    lent: list[Any] = []
    original = PostgresLedgerRecorder._lend

    def spy(self: PostgresLedgerRecorder, cursor: Any) -> Any:
        result = original(self, cursor)
        if result is not None:
            lent.append(result[0])
        return result

    monkeypatch.setattr(PostgresLedgerRecorder, "_lend", spy)
    with Ledger(postgres_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:10]).appended == 10
        for number in range(12):
            assert ledger.import_lines([line(of_case(10, f"HCM-N-{number}", f"n-{number}"))]).appended == 1
        handlers = {id(connection): len(connection._notice_handlers) for connection in lent}
    assert max(handlers.values()) <= 2, handlers

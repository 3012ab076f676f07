"""An import takes its events into the read models inside its own transaction
(`ledger.projections.intake`): level with the log at the commit, the same rows as a rebuild, nothing
left behind by an import refused or failed after chunks were written, and a catch-up (as before)
when the read models were behind the log when the import began. On both stores (each lends the
import's connection to the read models)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ledger import Ledger, importing
from ledger.recorders.streaming import AppendSession
from tests.conftest import FakeClock
from tests.integration.test_hostile_stream_guard import (
    CASE,
    OFFICIAL,
    OTHER,
    WORKED,
    line,
    of_case,
    rows_equal_a_rebuild,
    tracked,
)


def no_catch_up(monkeypatch: pytest.MonkeyPatch, ledger: Ledger) -> None:
    """Whatever the read models hold after the import, the import wrote itself."""
    monkeypatch.setattr(ledger.projections, "catch_up", lambda **kwargs: 0)


def test_an_import_leaves_the_read_models_level_with_the_log_without_a_catch_up(
        store_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    with Ledger(store_url, clock=clock) as ledger:
        no_catch_up(monkeypatch, ledger)
        monkeypatch.setattr(importing, "CHUNK", 4)  # several chunks, the registry's among them
        assert ledger.import_lines(WORKED).appended == len(WORKED)
        assert tracked(ledger) == ledger.event_count() == len(WORKED)
        monkeypatch.undo()
        assert ledger.history(CASE)["state"]["status"] == "resolved"
        rows_equal_a_rebuild(ledger)


def test_the_projection_progress_counts_every_event_once(store_url: str, clock: FakeClock,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK", 3)
    counted: list[int] = []
    with Ledger(store_url, clock=clock) as ledger:
        ledger.import_lines(WORKED, project_progress=counted.append)
    assert sum(counted) == len(WORKED)


def test_read_models_behind_the_log_decline_the_intake_and_the_catch_up_takes_both_in(
        store_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:12]).appended == 12
        with monkeypatch.context() as patched:
            no_catch_up(patched, ledger)
            ledger.append(json.loads(WORKED[12]), source="api")  # a crash before its catch-up
        assert tracked(ledger) == 12 and ledger.event_count() == 13
        assert ledger.import_lines(WORKED[13:]).appended == len(WORKED) - 13
        assert tracked(ledger) == ledger.event_count() == len(WORKED)
        rows_equal_a_rebuild(ledger)


@pytest.mark.parametrize("where", ["refused-in-a-later-chunk", "commit-fails", "judging-fails"])
def test_an_import_that_does_not_commit_leaves_the_read_models_as_they_were(
        store_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """Chunks already written (a registry event among them, which the projections fold and keep)
    roll back with the events: no fact, row or position of them stays, and the registry the next
    write is judged against is the stored one, not the rolled-back one."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:10]).appended == 10  # the registry
        before = ledger.projections.table_rows()
        new_official = line(OFFICIAL)
        lines = [new_official, *WORKED[10:14], line(of_case(10, OTHER, "o1"))]
        monkeypatch.setattr(importing, "CHUNK", 2)
        if where == "refused-in-a-later-chunk":
            lines.append(json.dumps({"type": "NoSuchEvent"}))
            report = ledger.import_lines(lines)
            assert report.refused and report.appended == 0
        else:
            if where == "commit-fails":
                def fail(self: AppendSession) -> None:
                    raise OSError("disk full")
                monkeypatch.setattr(AppendSession, "commit", fail)
            else:
                def fail_refresh(*args: Any) -> None:
                    raise RuntimeError("judging failed")
                monkeypatch.setattr(type(ledger.projections), "refresh", fail_refresh)
            with pytest.raises((OSError, RuntimeError)):
                ledger.import_lines(lines)
            monkeypatch.undo()
        assert ledger.event_count() == 10
        assert ledger.projections.table_rows() == before
        assert tracked(ledger) == 10
        # The official was rolled back: the registry the next cases are judged against (the
        # projections keep it folded between catch-ups) must not know them.
        with ledger.projections.view.transaction(commit=False) as session:
            assert "sxd.new" not in ledger.projections._registry_state(session).officials
        assert ledger.import_lines(WORKED[10:]).appended == len(WORKED) - 10
        rows_equal_a_rebuild(ledger)


@pytest.mark.parametrize("tracking", [11, 13, None])
def test_an_import_into_read_models_whose_tracking_was_moved_is_refused_before_its_commit(
        store_url: str, clock: FakeClock, tracking: int | None) -> None:
    """Read models whose position and facts disagree (set back: facts past it; set forward:
    past the log; deleted) were changed outside the ledger: the import is refused with nothing
    appended (a refusal after the commit would have a file without ids appended twice on retry),
    and goes through once they are rebuilt."""
    from ledger import StoreError
    from tests.integration.test_hostile_stream_guard import set_tracking

    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:12]).appended == 12
        set_tracking(ledger, tracking)
        with pytest.raises(StoreError, match="rebuild"):
            ledger.import_lines(WORKED[12:14])
        assert ledger.event_count() == 12
        ledger.rebuild()
        assert ledger.import_lines(WORKED[12:14]).appended == 2
        assert ledger.event_count() == 14  # (PostgreSQL's positions skip those rolled back)
        assert tracked(ledger) == ledger.recorder.max_notification_id()
        rows_equal_a_rebuild(ledger)

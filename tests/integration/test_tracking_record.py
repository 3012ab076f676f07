"""The read models' tracking record (one row: the last log position they took in), read and
moved forward by plain statements inside the window's own transaction."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import IntegrityError, Tracking
from sqlalchemy import func, select

from ledger import Ledger
from tests.conftest import EXAMPLES, FakeClock

WORKED = (EXAMPLES / "national-day-2024.jsonl").read_text(encoding="utf-8").splitlines()


def test_an_empty_store_tracks_no_position(store_url: str, clock: FakeClock) -> None:
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.projections.view.max_tracking_id(ledger.projections.application_name) is None
        assert ledger.projections.position() == 0


def test_the_read_models_track_the_last_event_they_took_in_in_one_row(store_url: str, clock: FakeClock) -> None:
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED[:10]).refused == []
        assert ledger.projections.position() == 10
        assert ledger.import_lines(WORKED[10:]).refused == []
        view = ledger.projections.view
        assert ledger.projections.position() == len(WORKED) == ledger.event_count()
        with view.transaction(commit=False) as session:
            assert session.execute(select(func.count()).select_from(view.tracking_table)).scalar() == 1


@pytest.mark.parametrize("behind", [0, 3])
def test_a_window_at_or_behind_the_tracked_position_is_refused_and_changes_nothing(
        store_url: str, clock: FakeClock, behind: int) -> None:
    """Another process took in these events first: the window's transaction is refused (the
    catch-up then carries on from the position that process reached)."""
    with Ledger(store_url, clock=clock) as ledger:
        assert ledger.import_lines(WORKED).refused == []
        projections = ledger.projections
        tracked = projections.position()
        with pytest.raises(IntegrityError, match=f"already track position {tracked}"):
            with projections.view.transaction(commit=True) as session:
                projections.view.record_tracking(session, Tracking(projections.application_name, tracked - behind))
        assert projections.position() == tracked
        assert ledger.verify(full=True).ok


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_refused_import_reports_nothing_appended(store_url: str, clock: FakeClock, dry_run: bool) -> None:
    """All or nothing: seven good lines before a refused one are not counted as appended (they were)."""
    with Ledger(store_url, clock=clock) as ledger:
        report = ledger.import_lines([*WORKED[:7], "{not json"], dry_run=dry_run)
        assert report.refused and report.refused[0][0] == 8
        assert report.appended == 0 and ledger.event_count() == 0

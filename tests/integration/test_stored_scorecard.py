"""A scorecard judged as of today and known now reads its cases from the case tables
(`ledger.projections.scores`) instead of folding every case's facts; it must be the scorecard the
fold gives, row for row — with paused cases, facts claimed after today (the ledger accepts a
claimed time a few minutes ahead of its clock) and a registry event claimed after today — and
read models made before those columns existed are rebuilt when the store is opened."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from ledger import Ledger
from ledger.demo import generate
from ledger.rules import scoring
from tests.builders import answer, event, lead, lines, opened, registry_lines, request
from tests.conftest import FakeClock

PERIODS = ((date(2000, 1, 1), "every day"), (None, "the last year"))


def folded(ledger: Ledger, start: date, end: date, *, by_official: bool) -> list[dict[str, Any]]:
    """The scorecard every other question gets: every case folded from its facts as of `end`."""
    ledger.projections.catch_up()
    return scoring.scorecard_from_records(list(ledger.projections.facts(as_of=end)), start, end,
                                          by_official=by_official)


def add(ledger: Ledger, *objs: dict[str, Any]) -> None:
    report = ledger.import_lines(lines(*objs))
    assert not report.refused and report.appended == len(objs), report.refused


def assert_same_scorecards(ledger: Ledger, start: date) -> None:
    today = ledger.today()
    for by_official in (False, True):
        stored = ledger.scorecard(start, today, by_official=by_official)
        assert stored == folded(ledger, start, today, by_official=by_official), (start, by_official)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    folder = tmp_path_factory.mktemp("scores")
    with Ledger(str(folder / "demo.db"), key_file=folder / "ledger.key") as ledger:
        generate(ledger, cases=150, seed=7)
        yield ledger


@pytest.mark.parametrize("start,_", PERIODS)
def test_the_demo_years_scorecard_from_the_case_tables_is_the_folded_one(demo: Ledger, start: date | None,
                                                                       _: str) -> None:
    today = demo.today()
    stored = demo.projections.stored_scores(today)
    assert stored is not None
    cases, refold = stored
    assert len(cases) > 100  # read from the tables, not folded
    assert_same_scorecards(demo, start or date(today.year - 1, today.month, 1))
    assert sum(row["cases"] for row in demo.scorecard(date(2000, 1, 1), today)) == len(cases) + len(refold)


def test_the_closed_violations_the_database_counts_are_those_the_scorecard_would_count_one_by_one(
        demo: Ledger) -> None:
    today = demo.today()
    start = date(today.year - 1, today.month, 1)
    stored = demo.projections.open_and_closed_violations()
    assert {v.status for v in stored} == {"open", "closed"} and any(v.finding == "dismissed" for v in stored)
    # Some cases left out, more than one query's worth (the rest are names of no case).
    cases = sorted({v.case for v in stored if v.status == "closed" and v.case is not None})
    leave_out = sorted([*cases[::7], *(f"HCM-NONE-{i:04d}" for i in range(600))])
    expected = Counter((v.agency, v.official, v.rule) for v in stored
                       if v.status != "open" and v.finding != "dismissed" and v.case not in leave_out
                       and start <= (v.due or v.act_on) <= today)
    counted = demo.projections.closed_violation_counts(start, today, leave_out)
    assert len(counted) == len(expected) > 5
    assert {(agency, official, rule): n for agency, official, rule, n in counted} == expected


# --- the cases the tables cannot answer for ---------------------------------------------------------


@pytest.fixture
def late_evening(store_url: str) -> Iterator[tuple[Ledger, FakeClock]]:
    """Two cases in 2024, the ledger's clock at 23:58 on 2 December 2024 (Ho Chi Minh City); on
    SQLite and PostgreSQL."""
    clock = FakeClock(datetime(2024, 12, 2, 3, 0, tzinfo=timezone.utc))
    with Ledger(store_url, clock=clock) as ledger:
        add(ledger, *registry_lines(), opened(), lead(), request(), answer(),
            opened(case="HCM-2", at="2024-10-01T09:00:00+07:00"),
            lead(case="HCM-2", at="2024-10-01T10:00:00+07:00"),
            request(case="HCM-2", at="2024-10-02T10:00:00+07:00"))
        clock.now = datetime(2024, 12, 2, 16, 58, tzinfo=timezone.utc)
        yield ledger, clock


def test_a_paused_case_and_a_case_with_a_fact_claimed_tomorrow_are_folded(late_evening: tuple[Ledger, FakeClock]):
    ledger, _ = late_evening
    add(ledger, event("SupplementRequested", case="HCM-2", reason="Bổ sung hồ sơ", by="sxd.nva",
                        at="2024-11-20T09:00:00+07:00"))
    # Four minutes ahead of the clock, so claimed on 3 December: not part of a scorecard as of the 2nd.
    add(ledger, lead(agency="STNMT", official="stnmt.ltb", reason="Chuyển thẩm quyền", at="2024-12-03T00:02:00+07:00"))
    stored = ledger.projections.stored_scores(ledger.today())
    assert stored is not None and stored[1] == {"HCM-1", "HCM-2"}
    assert_same_scorecards(ledger, date(2024, 1, 1))
    lead_rows = {row["agency"]: row["cases"] for row in ledger.scorecard(date(2024, 1, 1), ledger.today())}
    assert lead_rows.get("SXD") == 2 and "STNMT" not in {k for k, v in lead_rows.items() if v}


def test_a_registry_event_claimed_tomorrow_makes_the_whole_scorecard_folded(late_evening: tuple[Ledger, FakeClock]):
    ledger, _ = late_evening
    add(ledger, {"type": "OfficialAppointed", "official": "sxd.new", "name": "Cán bộ mới", "agency": "SXD",
                   "role": "specialist", "at": "2024-12-03T00:03:00+07:00"})
    assert ledger.projections.stored_scores(ledger.today()) is None
    assert_same_scorecards(ledger, date(2024, 1, 1))


def test_a_resolved_case_counts_in_the_lead_at_its_resolution(late_evening: tuple[Ledger, FakeClock]):
    ledger, _ = late_evening
    add(ledger, lead(agency="STNMT", official="stnmt.ltb", reason="Chuyển thẩm quyền", at="2024-11-01T09:00:00+07:00"))
    # Resolved by a claim dated before that lead was assigned: the case is counted in its lead then.
    add(ledger, event("CaseResolved", outcome="approved", by="sxd.nva", at="2024-06-20T09:00:00+07:00"))
    assert_same_scorecards(ledger, date(2024, 1, 1))
    assert_same_scorecards(ledger, date(2024, 7, 1))  # resolved before the period: out
    counted = {row["agency"]: row["cases"] for row in ledger.scorecard(date(2024, 1, 1), ledger.today())}
    assert counted["SXD"] == 2 and counted.get("STNMT", 0) == 0


# --- read models of an older version ---------------------------------------------------------------


def test_read_models_without_the_scorecard_columns_are_rebuilt_when_the_store_is_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with Ledger(str(path)) as ledger:
        generate(ledger, cases=20, seed=3)
        today = ledger.today()
        expected = ledger.scorecard(date(2000, 1, 1), today)
        rows = ledger.projections.table_rows()
    with sqlite3.connect(path) as db:  # as an older version left them
        db.execute("ALTER TABLE case_files DROP COLUMN due_now")
        db.execute("ALTER TABLE consultation_files DROP COLUMN withdrawn_on")
    with Ledger(str(path)) as ledger:
        assert ledger.projections.position() == 0  # emptied: the next catch-up rebuilds them
        assert ledger.scorecard(date(2000, 1, 1), today) == expected
        assert ledger.projections.table_rows() == rows

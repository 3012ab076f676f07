"""The case fold: due dates, pauses and consultation dues (SPEC §5)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from ledger.calendar import WorkingCalendar
from ledger.domain.casefile import fold_case, history_steps
from ledger.domain.records import EventRecord
from tests.unit.desk import Desk

RECORDED = datetime(2026, 1, 1, tzinfo=timezone.utc)


def record(position: int, kind: str, at: str, by: str = "sxd.nva", **fields) -> EventRecord:
    return EventRecord(position, f"e{position}", kind, "HCM-1", datetime.fromisoformat(at), RECORDED, by, "SXD",
                       "import", None, None, fields)


def registry(clock):
    return Desk(clock).registry


def test_the_case_is_due_after_the_procedures_working_days(clock):
    casefile = fold_case(
        [record(1, "CaseOpened", "2024-08-26T09:00:00+07:00", procedure="REAL_ESTATE_DIFFICULTY", title="t")],
        registry(clock), WorkingCalendar())
    assert casefile.due(date(2024, 9, 30)) == date(2024, 9, 18)  # across the 2–3 September holidays


def test_a_supplement_pause_moves_the_due_date_by_its_working_days(clock):
    records = [
        record(1, "CaseOpened", "2024-03-04T09:00:00+07:00", procedure="REAL_ESTATE_DIFFICULTY", title="t"),
        record(2, "SupplementRequested", "2024-03-11T09:00:00+07:00", reason="r"),
        record(3, "SupplementReceived", "2024-03-15T09:00:00+07:00"),
    ]
    casefile = fold_case(records, registry(clock), WorkingCalendar())
    assert casefile.initial_due == date(2024, 3, 25)
    assert casefile.due(date(2024, 6, 1)) == date(2024, 3, 29)  # 12..15 March: four working days


def test_an_open_pause_counts_up_to_the_day_it_is_judged_on(clock):
    records = [
        record(1, "CaseOpened", "2024-03-04T09:00:00+07:00", procedure="REAL_ESTATE_DIFFICULTY", title="t"),
        record(2, "SupplementRequested", "2024-03-11T09:00:00+07:00", reason="r"),
    ]
    casefile = fold_case(records, registry(clock), WorkingCalendar())
    assert casefile.due(date(2024, 3, 12)) == date(2024, 3, 26)
    assert casefile.status() == "paused"


def test_an_explicit_due_date_overrides_the_processing_time(clock):
    casefile = fold_case(
        [record(1, "CaseOpened", "2024-03-04T09:00:00+07:00", procedure="REAL_ESTATE_DIFFICULTY", title="t",
                due="2024-03-09")], registry(clock), WorkingCalendar())
    assert casefile.due(date(2024, 6, 1)) == date(2024, 3, 9)  # a Saturday, not moved


def test_a_consultation_without_a_due_date_gets_fifteen_working_days(clock):
    records = [
        record(1, "CaseOpened", "2024-03-04T09:00:00+07:00", procedure="REAL_ESTATE_DIFFICULTY", title="t"),
        record(2, "ConsultationRequested", "2024-04-22T10:00:00+07:00", consultation="C1", to="STNMT", question="q"),
    ]
    casefile = fold_case(records, registry(clock), WorkingCalendar())
    assert casefile.consultations["C1"].due == date(2024, 5, 15)  # skips 29/4–1/5, counts Saturday 4/5


def test_an_event_claiming_a_time_before_an_earlier_recorded_one_is_marked_out_of_order(clock):
    records = [
        record(1, "CaseOpened", "2024-03-04T09:00:00+07:00", procedure="REAL_ESTATE_DIFFICULTY", title="t"),
        record(2, "ConsultationRequested", "2024-03-06T10:00:00+07:00", consultation="C1", to="STNMT", question="q"),
        record(3, "CoordinatorAssigned", "2024-03-05T10:00:00+07:00", agency="STNMT", part="land"),
    ]
    steps = history_steps(records, registry(clock), WorkingCalendar())
    assert [s["out_of_order"] for s in steps] == [False, False, True]


def test_a_second_request_while_one_is_open_extends_one_pause_from_the_first_open_request(clock):
    records = [
        record(1, "CaseOpened", "2024-03-04T09:00:00+07:00", procedure="REAL_ESTATE_DIFFICULTY", title="t"),
        record(2, "SupplementRequested", "2024-03-06T09:00:00+07:00", reason="r"),
        record(3, "SupplementRequested", "2024-03-08T09:00:00+07:00", reason="again"),
    ]
    casefile = fold_case(records, registry(clock), WorkingCalendar())
    assert casefile.paused_since == date(2024, 3, 6)
    assert casefile.due(date(2024, 3, 14)) == date(2024, 4, 2)  # 7..14 March: six working days
    casefile.apply(record(4, "SupplementReceived", "2024-03-14T09:00:00+07:00"))
    assert casefile.status() == "open"  # one receipt closes every open request
    assert casefile.pauses == [(date(2024, 3, 6), date(2024, 3, 14))]
    assert casefile.due(date(2024, 6, 1)) == date(2024, 4, 2)
    assert casefile.snapshot(date(2024, 6, 1))["supplement_requests"] == 2


def test_a_second_open_request_claiming_an_earlier_date_starts_the_pause_earlier(clock):
    records = [
        record(1, "CaseOpened", "2024-03-04T09:00:00+07:00", procedure="REAL_ESTATE_DIFFICULTY", title="t"),
        record(2, "SupplementRequested", "2024-03-08T09:00:00+07:00", reason="r"),
        record(3, "SupplementRequested", "2024-03-06T09:00:00+07:00", reason="recorded late"),
        record(4, "SupplementReceived", "2024-03-14T09:00:00+07:00"),
    ]
    casefile = fold_case(records, registry(clock), WorkingCalendar())
    assert casefile.pauses == [(date(2024, 3, 6), date(2024, 3, 14))]

"""Inspectors replay case histories (ledger/replay.py): steps with both times, working-day gaps,
late recordings and out-of-order claims marked, the state and violations after each step (a
violation appears at the step that causes it), as-of and known-at, and the case search."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from ledger import (
    LOCAL_TZ,
    CaseQuery,
    Ledger,
    StepOutOfRange,
    UnknownReference,
    control_slip,
    replay_case,
    search_cases,
)
from ledger.calendar import WorkingCalendar
from ledger.demo import generate
from ledger.domain.case import case_id
from ledger.rules.engine import judge_case
from ledger.rules.violation import Judgement
from tests.builders import lines, registry_lines
from tests.conftest import EXAMPLES, FakeClock

CASE = "HCM-2024-0001"
LAND = {"type": "ProcedureDefined", "procedure": "LAND_ALLOCATION", "name": "Giao đất, cho thuê đất",
        "processing_days": 20, "domains": ["land"], "at": "2024-01-02T08:00:00+07:00"}


def at(day: str, hour: int = 9, minute: int = 0) -> str:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), LOCAL_TZ).replace(
        hour=hour, minute=minute).isoformat()


def case_event(kind: str, day: str, by: str, hour: int = 9, case: str = CASE, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "case": case, "at": at(day, hour), "by": by, **fields}


def opened(day: str = "2024-03-04", case: str = CASE, procedure: str = "REAL_ESTATE_DIFFICULTY",
           **fields: Any) -> dict[str, Any]:
    return case_event("CaseOpened", day, "vp.clerk", case=case, procedure=procedure, title="Vướng mắc dự án X",
                      applicant={"name": "Công ty CP Địa ốc Sông Sài Gòn", "kind": "enterprise"}, **fields)


def lead(day: str = "2024-03-04", case: str = CASE, agency: str = "SXD", official: str = "sxd.nva",
         hour: int = 15) -> dict[str, Any]:
    return case_event("LeadAssigned", day, "vp.clerk", hour, case=case, agency=agency, official=official)


def coordinator(day: str, hour: int = 10, case: str = CASE) -> dict[str, Any]:
    return case_event("CoordinatorAssigned", day, "vp.clerk", hour, case=case, agency="STNMT", part="nguồn gốc đất")


def request(day: str = "2024-03-05", consultation: str = "C1", case: str = CASE, hour: int = 10,
            **fields: Any) -> dict[str, Any]:
    return case_event("ConsultationRequested", day, "sxd.nva", hour, case=case, consultation=consultation,
                      to="STNMT", question="Nguồn gốc đất?", domains=["land"], **fields)


def answer(day: str, consultation: str = "C1", case: str = CASE, hour: int = 10) -> dict[str, Any]:
    return case_event("ConsultationAnswered", day, "stnmt.ltb", hour, case=case, consultation=consultation,
                      position="agree", reasoning="Khu đất có nguồn gốc hợp pháp.")


def resolved(day: str, case: str = CASE, by: str = "sxd.nva") -> dict[str, Any]:
    return case_event("CaseResolved", day, by, 16, case=case, outcome="approved")


@pytest.fixture
def ledger(sqlite_ledger: Ledger, clock: FakeClock) -> Iterator[Ledger]:
    """The small registry of tests/builders.py plus a second procedure, recorded on 2024-01-02."""
    clock.now = datetime(2024, 1, 2, 9, 0, tzinfo=LOCAL_TZ)
    report = sqlite_ledger.import_lines(lines(*registry_lines(), LAND))
    assert not report.refused, report.refused
    clock.now = datetime(2024, 12, 2, 10, 0, tzinfo=LOCAL_TZ)
    yield sqlite_ledger


def imported(ledger: Ledger, *objs: dict[str, Any]) -> None:
    report = ledger.import_lines(lines(*objs))
    assert not report.refused, report.refused


def rules_at(replay: Any) -> list[str]:
    return [v.rule for v in replay.violations]


# --- the steps ---------------------------------------------------------------------------------


def test_the_gap_between_steps_counts_working_days_across_the_may_day_holidays(ledger: Ledger) -> None:
    imported(ledger, opened("2024-04-26"), lead("2024-05-06"))  # Friday, then the Monday after 29/4–1/5

    first, second = replay_case(ledger, CASE).steps

    assert first.gap is None
    assert second.gap == 4  # 2, 3, 4 (a make-up Saturday) and 6 May; 29 April to 1 May are days off


def test_each_step_shows_its_claimed_and_recorded_times_actor_and_agency(ledger: Ledger, clock: FakeClock) -> None:
    clock.now = datetime(2024, 3, 4, 16, 0, tzinfo=LOCAL_TZ)
    imported(ledger, opened(), lead())

    step = replay_case(ledger, CASE, as_of=date(2024, 3, 4)).steps[1]

    assert step.at == datetime.fromisoformat(at("2024-03-04", 15))
    assert step.recorded == clock.now and step.recorded_on == date(2024, 3, 4)
    assert (step.type, step.by, step.agency, step.source) == ("LeadAssigned", "vp.clerk", "VP", "import")
    assert step.fields == {"agency": "SXD", "official": "sxd.nva"}


def test_only_web_and_api_events_recorded_more_than_a_working_day_late_are_flagged(
        ledger: Ledger, clock: FakeClock) -> None:
    clock.now = datetime(2024, 3, 7, 10, 0, tzinfo=LOCAL_TZ)  # a Thursday
    imported(ledger, opened("2024-03-04"))  # three working days before, but imported
    ledger.append(lead("2024-03-04"), source="web")  # recorded three working days after its claim
    ledger.append(coordinator("2024-03-05"), source="api")  # two working days after
    ledger.append(request("2024-03-06", hour=16), source="web")  # the next working day: in time

    steps = replay_case(ledger, CASE).steps

    assert [s.late_recording for s in steps] == [None, 2, 1, None]
    assert "LATE_RECORDING" in steps[1].appeared and "LATE_RECORDING" in steps[2].appeared
    assert "LATE_RECORDING" not in steps[3].appeared


def test_an_event_claimed_before_one_recorded_earlier_is_marked_out_of_order(ledger: Ledger) -> None:
    imported(ledger, opened("2024-03-04"), lead("2024-03-06"), coordinator("2024-03-05"))

    steps = replay_case(ledger, CASE).steps

    assert [s.out_of_order for s in steps] == [False, False, True]
    assert steps[2].gap == -1  # claimed a working day before the step logged before it


# --- violations appear at the step that causes them -----------------------------------------------


def test_a_late_answer_brings_late_response_at_the_answer_and_not_before(ledger: Ledger) -> None:
    imported(ledger, opened(), lead(), request("2024-03-05", due_days=5), answer("2024-03-14"))  # due 12 March

    before = replay_case(ledger, CASE, as_of=date(2024, 3, 15), step=3)
    at_answer = replay_case(ledger, CASE, as_of=date(2024, 3, 15), step=4)

    assert "LATE_RESPONSE" not in rules_at(before)
    late = next(v for v in at_answer.violations if v.rule == "LATE_RESPONSE")
    assert (late.new, late.since, late.days_late, late.status, late.consultation) == (True, 4, 2, "closed", "C1")
    assert at_answer.steps[3].event in late.evidence
    assert at_answer.steps[3].appeared == ("LATE_RESPONSE",)


def test_no_lead_appears_at_the_first_step_claimed_after_the_lead_deadline(ledger: Ledger) -> None:
    # Opened on Monday 4 March: a lead is due by Tuesday 5 March.
    imported(ledger, opened("2024-03-04"), coordinator("2024-03-05"), coordinator("2024-03-07"), lead("2024-03-08"))

    on_the_deadline, past_it, at_the_lead = (
        replay_case(ledger, CASE, step=n) for n in (2, 3, 4))

    assert "NO_LEAD" not in rules_at(on_the_deadline)
    missing = next(v for v in past_it.violations if v.rule == "NO_LEAD")
    assert (missing.new, missing.status, missing.days_late) == (True, "open", 2)
    assigned = next(v for v in at_the_lead.violations if v.rule == "NO_LEAD")
    assert (assigned.new, assigned.since, assigned.status, assigned.days_late) == (False, 3, "closed", 3)


def test_the_state_after_a_step_is_judged_on_the_latest_claimed_date_so_far(ledger: Ledger) -> None:
    imported(ledger, opened("2024-03-04"), coordinator("2024-03-07"), lead("2024-03-08"))

    replay = replay_case(ledger, CASE, step=2)

    assert replay.judged_on == date(2024, 3, 7)
    assert replay.state is not None
    assert (replay.state.status, replay.state.lead_agency, replay.state.due) == ("open", None, date(2024, 3, 25))
    assert replay_case(ledger, CASE, step=3).state.lead_agency == "SXD"  # type: ignore[union-attr]


def test_a_supplement_pause_clears_the_overdue_it_suspends_at_that_step(ledger: Ledger) -> None:
    # Due 25 March; still open on the 27th; the pause from the 28th suspends the overdue judgement.
    imported(ledger, opened(), lead(), coordinator("2024-03-27"),
             case_event("SupplementRequested", "2024-03-28", "sxd.nva", reason="Bổ sung bản đồ"))

    overdue, paused = replay_case(ledger, CASE, step=3), replay_case(ledger, CASE, step=4)

    assert "CASE_OVERDUE" in rules_at(overdue)
    assert "CASE_OVERDUE" not in rules_at(paused)
    assert "CASE_OVERDUE" in [v.rule for v in paused.cleared]
    assert "CASE_OVERDUE" in paused.steps[3].cleared


def test_an_answer_recorded_late_but_claimed_before_a_second_request_clears_its_redundancy(
        ledger: Ledger) -> None:
    imported(ledger, opened(), lead(), request("2024-03-05"), request("2024-03-07", "C2"),
             answer("2024-03-06"))

    asked_again, answered_before = replay_case(ledger, CASE, step=4), replay_case(ledger, CASE, step=5)

    assert "REDUNDANT_CONSULTATION" in asked_again.steps[3].appeared
    assert "REDUNDANT_CONSULTATION" in rules_at(asked_again)
    assert "REDUNDANT_CONSULTATION" not in rules_at(answered_before)
    assert answered_before.steps[4].out_of_order


def test_a_finding_marks_its_violation_from_the_finding_step_on(ledger: Ledger) -> None:
    imported(ledger, opened(), lead(), request("2024-03-05", due_days=5), answer("2024-03-14"),
             case_event("FindingRecorded", "2024-03-20", "tttp.insp", rule="LATE_RESPONSE", decision="dismissed",
                        consultation="C1", note="Có lý do khách quan"))

    before, after = replay_case(ledger, CASE, step=4), replay_case(ledger, CASE, step=5)

    assert [v.finding for v in before.violations if v.rule == "LATE_RESPONSE"] == [None]
    assert [v.finding for v in after.violations if v.rule == "LATE_RESPONSE"] == ["dismissed"]
    assert [(f.step, f.rule, f.decision, f.note) for f in after.findings] == [
        (5, "LATE_RESPONSE", "dismissed", "Có lý do khách quan")]


# --- the last step: the case as of the as-of date ----------------------------------------------------


def test_the_last_step_is_the_case_as_of_the_date_exactly_as_the_violations_report_has_it(
        sqlite_ledger: Ledger) -> None:
    report = sqlite_ledger.import_lines((EXAMPLES / "national-day-2024.jsonl").read_text(encoding="utf-8").splitlines())
    assert not report.refused
    as_of = date(2024, 9, 30)

    replay = replay_case(sqlite_ledger, "HCM-2024-0901", as_of=as_of)

    def key(v: Any) -> tuple[Any, ...]:
        return v.rule, v.consultation, v.agency, v.official, v.due, v.days_late, v.status, tuple(v.evidence)

    expected = [key(v) for v in sqlite_ledger.violations(as_of=as_of, include_dismissed=True)
                if v.case == "HCM-2024-0901"]
    assert replay.at_end and replay.selected == len(replay.steps) + 1
    assert sorted(map(key, replay.violations), key=repr) == sorted(expected, key=repr)
    assert {v.rule for v in replay.violations} == {"NO_LEAD", "UNRELATED_CONSULTATION", "LATE_RESPONSE",
                                                   "CASE_OVERDUE"}


def test_an_obligation_still_open_at_the_as_of_date_appears_at_the_last_step(ledger: Ledger) -> None:
    imported(ledger, opened(), lead(), request("2024-03-05", due_days=5))  # due 12 March, never answered

    replay = replay_case(ledger, CASE, as_of=date(2024, 3, 14))

    late = next(v for v in replay.violations if v.rule == "LATE_RESPONSE")
    assert (late.new, late.status, late.deemed_consent, late.days_late) == (True, "open", True, 2)


def test_each_step_is_judged_exactly_as_judging_that_steps_events_afresh(sqlite_ledger: Ledger) -> None:
    """The replay judges the consultations of a step claimed in order incrementally (replay.py
    `_judge_steps`); every step of a synthetic year, and of a case with an answer claimed out of
    order, must equal judging that step's events from scratch."""
    ledger = sqlite_ledger
    generate(ledger, cases=25, seed=7)  # the default registry, which has the officials below too
    imported(ledger, opened(), lead(), request("2024-03-05"), request("2024-03-07", "C2"), answer("2024-03-06"),
             answer("2024-03-29", "C2"), coordinator("2024-03-05"), resolved("2024-04-02"))
    registry = ledger.registry_as_of(ledger.today())
    calendar = WorkingCalendar(registry.calendar_overrides())

    def key(v: Any) -> tuple[Any, ...]:
        return (v.rule, v.consultation, v.agency, v.official, v.due, v.days_late, v.status, v.finding,
                tuple(v.evidence), v.deemed_consent)

    cases = sorted({r.case for r in ledger.records() if r.case})
    compared = 0
    for ref in cases:
        records = ledger.log.stream_records(case_id(ref))
        for step in range(1, len(records) + 2):
            replay = replay_case(ledger, ref, step=step)
            fresh = judge_case(records[:step], Judgement(replay.judged_on, registry, calendar))
            assert sorted(map(key, replay.violations), key=repr) == sorted(map(key, fresh), key=repr), (ref, step)
            compared += 1
    assert compared > 100


# --- as-of and known-at ------------------------------------------------------------------------


def test_as_of_hides_later_claims_and_judges_open_obligations_on_that_date(ledger: Ledger) -> None:
    imported(ledger, opened(), lead(), request("2024-03-05", due_days=5), answer("2024-03-14"))

    replay = replay_case(ledger, CASE, as_of=date(2024, 3, 13))

    assert [s.type for s in replay.steps] == ["CaseOpened", "LeadAssigned", "ConsultationRequested"]
    assert replay.hidden == 1
    late = next(v for v in replay.violations if v.rule == "LATE_RESPONSE")
    assert (late.status, late.days_late, late.deemed_consent) == ("open", 1, True)


def test_known_at_hides_events_recorded_after_that_time(ledger: Ledger, clock: FakeClock) -> None:
    clock.now = datetime(2024, 3, 5, 8, 0, tzinfo=LOCAL_TZ)
    imported(ledger, opened(), lead())
    clock.now = datetime(2024, 3, 20, 8, 0, tzinfo=LOCAL_TZ)
    imported(ledger, request("2024-03-05", due_days=5), answer("2024-03-14"))

    earlier = replay_case(ledger, CASE, as_of=date(2024, 3, 20), known_at=datetime(2024, 3, 10, tzinfo=LOCAL_TZ))
    now = replay_case(ledger, CASE, as_of=date(2024, 3, 20))

    assert [s.type for s in earlier.steps] == ["CaseOpened", "LeadAssigned"]
    assert earlier.hidden == 2 and "LATE_RESPONSE" not in rules_at(earlier)
    assert len(now.steps) == 4 and "LATE_RESPONSE" in rules_at(now)


def test_a_case_none_of_whose_events_is_visible_has_no_state_and_no_violation(ledger: Ledger) -> None:
    imported(ledger, opened("2024-03-04"))

    replay = replay_case(ledger, CASE, as_of=date(2024, 3, 1))

    assert (replay.steps, replay.hidden, replay.state, replay.violations, replay.end) == ((), 1, None, (), 1)


def test_a_step_outside_the_case_and_an_unknown_case_are_refused(ledger: Ledger) -> None:
    imported(ledger, opened(), lead())

    with pytest.raises(StepOutOfRange) as wrong:
        replay_case(ledger, CASE, step=4)
    assert (wrong.value.step, wrong.value.last) == (4, 3)
    with pytest.raises(StepOutOfRange):
        replay_case(ledger, CASE, step=0)
    with pytest.raises(UnknownReference):
        replay_case(ledger, "HCM-NOPE")


# --- the control slip ----------------------------------------------------------------------------


def test_the_control_slip_lists_each_hand_over_in_claimed_order_with_its_result(ledger: Ledger) -> None:
    imported(ledger, opened(), lead(), request("2024-03-05", due_days=5), coordinator("2024-03-04", hour=16),
             answer("2024-03-14"), resolved("2024-03-25"))  # D = 25 March

    slip = control_slip(ledger, CASE)

    assert [r.type for r in slip.rows] == ["CaseOpened", "LeadAssigned", "CoordinatorAssigned",
                                           "ConsultationRequested", "ConsultationAnswered", "CaseResolved"]
    assert [(r.result, r.days_late) for r in slip.rows] == [
        (None, None), ("ahead", None), (None, None), (None, None), ("late", 2), ("on_time", None)]
    answered = slip.rows[4]
    assert (answered.giver.agency, answered.receiver.agency, answered.receiver.person) == ("STNMT", "SXD",
                                                                                          "Cán bộ sxd.nva")
    assert slip.rows[0].giver.agency_name == "Công ty CP Địa ốc Sông Sài Gòn"
    assert (slip.appointment, slip.status, slip.result) == (date(2024, 3, 25), "resolved", "on_time")


# --- the search --------------------------------------------------------------------------------


@pytest.fixture
def three_cases(ledger: Ledger) -> Ledger:
    """A1: open, led by SXD, consults STNMT, which answers late. b2: land, led by STNMT, resolved in
    time. OTHER/3: resolved in time, led by SXD."""
    imported(
        ledger,
        opened("2024-03-04", case="HCM-2024-A1"), lead("2024-03-04", case="HCM-2024-A1"),
        request("2024-03-05", case="HCM-2024-A1", due_days=5), answer("2024-03-14", case="HCM-2024-A1"),
        opened("2024-05-06", case="hcm-2024-b2", procedure="LAND_ALLOCATION"),
        lead("2024-05-06", case="hcm-2024-b2", agency="STNMT", official="stnmt.ltb"),
        resolved("2024-05-20", case="hcm-2024-b2", by="stnmt.ltb"),
        opened("2024-07-01", case="OTHER/3"), lead("2024-07-01", case="OTHER/3"), resolved("2024-07-10", case="OTHER/3"),
    )
    return ledger


def found(ledger: Ledger, **query: Any) -> list[str]:
    return [row.case for row in search_cases(ledger, CaseQuery(**query)).rows]


def test_the_search_lists_the_newest_opening_first(three_cases: Ledger) -> None:
    assert found(three_cases) == ["OTHER/3", "hcm-2024-b2", "HCM-2024-A1"]


def test_a_reference_matches_by_any_part_of_it_whatever_the_case_of_its_letters(three_cases: Ledger) -> None:
    assert found(three_cases, reference="2024") == ["hcm-2024-b2", "HCM-2024-A1"]
    assert found(three_cases, reference="HCM-2024-B") == ["hcm-2024-b2"]
    assert found(three_cases, reference="%") == []  # a wildcard is a character like any other


def test_an_agency_matches_as_lead_consulted_or_responsible_for_a_violation(three_cases: Ledger) -> None:
    assert found(three_cases, agency="STNMT", agency_role="lead") == ["hcm-2024-b2"]
    assert found(three_cases, agency="STNMT", agency_role="consulted") == ["HCM-2024-A1"]
    assert found(three_cases, agency="STNMT", agency_role="responsible") == ["HCM-2024-A1"]  # its late answer
    assert found(three_cases, agency="STNMT") == ["hcm-2024-b2", "HCM-2024-A1"]
    assert found(three_cases, agency="SXD", agency_role="lead") == ["OTHER/3", "HCM-2024-A1"]


def test_procedure_status_rule_and_period_filters_apply_together(three_cases: Ledger) -> None:
    assert found(three_cases, procedure="LAND_ALLOCATION") == ["hcm-2024-b2"]
    assert found(three_cases, status="open") == ["HCM-2024-A1"]
    assert found(three_cases, status="resolved") == ["OTHER/3", "hcm-2024-b2"]
    assert found(three_cases, rule="LATE_RESPONSE") == ["HCM-2024-A1"]
    assert found(three_cases, opened_from=date(2024, 5, 1), opened_to=date(2024, 6, 30)) == ["hcm-2024-b2"]
    assert found(three_cases, opened_from=date(2024, 5, 6)) == ["OTHER/3", "hcm-2024-b2"]
    assert found(three_cases, status="resolved", procedure="REAL_ESTATE_DIFFICULTY") == ["OTHER/3"]


def test_the_search_pages_its_results_and_counts_each_cases_violations_judged_now(three_cases: Ledger) -> None:
    second = search_cases(three_cases, CaseQuery(), page=2, per_page=2)

    assert (second.total, second.pages, [r.case for r in second.rows]) == (3, 2, ["HCM-2024-A1"])
    expected = len([v for v in three_cases.violations() if v.case == "HCM-2024-A1"])
    assert second.rows[0].violations == expected >= 2  # the late answer, and the case overdue since March
    assert search_cases(three_cases, CaseQuery(), page=3, per_page=2).rows == ()


def test_a_query_naming_no_known_status_role_or_rule_is_refused() -> None:
    for bad in ({"status": "closed"}, {"agency_role": "owner"}, {"rule": "NO_SUCH_RULE"}):
        with pytest.raises(ValueError):
            CaseQuery(**bad)


def test_a_reference_with_a_slash_is_found_by_its_slash(three_cases: Ledger) -> None:
    assert found(three_cases, reference="/") == ["OTHER/3"]


def test_the_period_is_inclusive_at_both_ends(three_cases: Ledger) -> None:
    day = date(2024, 5, 6)
    assert found(three_cases, opened_from=day, opened_to=day) == ["hcm-2024-b2"]
    assert found(three_cases, opened_from=day + timedelta(days=1), opened_to=day + timedelta(days=1)) == []

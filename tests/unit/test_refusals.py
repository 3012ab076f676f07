"""Every refusal of SPEC §4: a clear, typed error, and nothing staged."""

from __future__ import annotations

import pytest

from ledger import InvalidField, InvalidState, KeyConflict, NotPermitted, OutOfOrder, UnknownReference
from tests.builders import answer, event, lead, opened, request
from tests.unit.desk import Desk


@pytest.fixture
def desk(clock):
    return Desk(clock)


@pytest.fixture
def desk_with_case(desk):
    desk.add(opened())
    desk.add(lead())
    return desk


def staged(desk: Desk) -> int:
    return len(desk.batch)


def test_an_unknown_event_type_is_refused(desk):
    with pytest.raises(InvalidField, match="unknown event type 'CaseClosed'"):
        desk.add(event("CaseClosed", by="vp.clerk"))


def test_a_named_field_of_the_wrong_type_is_refused(desk):
    with pytest.raises(InvalidField, match="'title' must be a string"):
        desk.add(opened(title=42))


def test_due_days_must_be_a_whole_number_not_a_boolean(desk_with_case):
    with pytest.raises(InvalidField, match="'due_days' must be a whole number"):
        desk_with_case.add(request(due_days=True))


def test_a_missing_required_field_is_refused(desk):
    obj = opened()
    del obj["procedure"]
    with pytest.raises(InvalidField, match="missing required field 'procedure'"):
        desk.add(obj)


def test_a_missing_actor_is_refused(desk):
    obj = opened()
    del obj["by"]
    with pytest.raises(InvalidField, match="missing required field 'by'"):
        desk.add(obj)


def test_a_naive_timestamp_is_refused(desk):
    with pytest.raises(InvalidField, match="no UTC offset"):
        desk.add(opened(at="2024-03-04T09:00:00"))


def test_a_bare_date_is_not_a_timestamp(desk):
    with pytest.raises(InvalidField, match="not a date"):
        desk.add(opened(at="2024-03-04"))


def test_a_claimed_time_more_than_five_minutes_ahead_of_the_ledger_clock_is_refused(desk, clock):
    ahead = clock.now.astimezone().replace(microsecond=0)
    from datetime import timedelta

    with pytest.raises(OutOfOrder, match="in the future"):
        desk.add(opened(at=(ahead + timedelta(minutes=6)).isoformat()))
    desk.add(opened(at=(ahead + timedelta(minutes=4)).isoformat()))


def test_an_unknown_procedure_is_refused(desk):
    with pytest.raises(UnknownReference, match="unknown procedure 'NO_SUCH'"):
        desk.add(opened(procedure="NO_SUCH"))


def test_an_unknown_official_is_refused(desk):
    with pytest.raises(UnknownReference, match="unknown official 'nobody'"):
        desk.add(opened(by="nobody"))


def test_a_departed_official_is_refused(desk):
    desk.add({"type": "OfficialDeparted", "official": "vp.clerk", "at": "2024-03-01T08:00:00+07:00"})
    with pytest.raises(UnknownReference, match="departed"):
        desk.add(opened())


def test_an_official_acting_before_their_appointment_is_refused(desk):
    with pytest.raises(UnknownReference, match="not yet appointed"):
        desk.add(opened(at="2023-06-01T09:00:00+07:00"))


def test_an_agency_that_did_not_exist_at_the_claimed_time_is_refused(desk):
    desk.add({"type": "AgencyRegistered", "agency": "SKHDT", "name": "Sở KH&ĐT", "name_en": "DPI",
              "kind": "department", "mandate": ["investment"], "at": "2024-06-01T08:00:00+07:00"})
    desk.add(opened())
    with pytest.raises(UnknownReference, match="did not exist yet"):
        desk.add(lead(agency="SKHDT", official="sxd.nva"))


def test_consulting_an_agency_merged_away_is_refused(desk_with_case):
    desk_with_case.add({"type": "AgencyMerged", "agency": "STNMT", "into": "SXD", "at": "2024-03-01T00:00:00+07:00"})
    with pytest.raises(InvalidState, match="merged into SXD"):
        desk_with_case.add(request())


def test_a_lead_official_must_belong_to_the_lead_agency(desk):
    desk.add(opened())
    with pytest.raises(InvalidField, match="official of STNMT, not of SXD"):
        desk.add(lead(official="stnmt.ltb"))


def test_replacing_a_lead_requires_a_reason(desk_with_case):
    with pytest.raises(InvalidField, match="'reason' is required"):
        desk_with_case.add(lead(official="sxd.head", at="2024-03-05T08:00:00+07:00"))
    desk_with_case.add(lead(official="sxd.head", at="2024-03-05T08:00:00+07:00", reason="Trưởng phòng nghỉ phép"))


def test_a_consultation_is_refused_while_the_case_has_no_lead(desk):
    desk.add(opened())
    with pytest.raises(InvalidState, match="has no lead"):
        desk.add(request())


def test_only_the_lead_agency_may_request_a_consultation(desk_with_case):
    with pytest.raises(NotPermitted, match="only an official of the lead agency SXD"):
        desk_with_case.add(request(by="stnmt.ltb"))


def test_only_the_consulted_agency_may_answer(desk_with_case):
    desk_with_case.add(request())
    with pytest.raises(NotPermitted, match="consulted agency STNMT"):
        desk_with_case.add(answer(by="sxd.nva"))


def test_only_a_head_or_deputy_head_may_apologise(desk_with_case):
    apology = event("ApologyIssued", reason="Chậm", new_due="2024-04-01", by="sxd.nva", at="2024-03-20T08:00:00+07:00")
    with pytest.raises(NotPermitted, match="head or a deputy head"):
        desk_with_case.add(apology)
    desk_with_case.add({**apology, "by": "sxd.head"})


def test_only_an_inspector_may_record_a_finding(desk_with_case):
    finding = event("FindingRecorded", rule="NO_LEAD", decision="dismissed", by="sxd.head",
                    at="2024-04-01T08:00:00+07:00")
    with pytest.raises(NotPermitted, match="only an inspector"):
        desk_with_case.add(finding)
    desk_with_case.add({**finding, "by": "tttp.insp"})


def test_only_the_agency_itself_adopts_its_work_programme(desk):
    programme = {"type": "WorkProgrammeAdopted", "agency": "SXD", "year": 2024, "by": "stnmt.head",
                 "at": "2024-01-20T08:00:00+07:00"}
    with pytest.raises(NotPermitted, match="only an official of SXD"):
        desk.add(programme)
    desk.add({**programme, "by": "sxd.head"})


def test_an_answer_to_an_unknown_consultation_is_refused(desk_with_case):
    with pytest.raises(UnknownReference, match="unknown consultation 'C9'"):
        desk_with_case.add(answer(consultation="C9"))


def test_a_second_answer_to_the_same_consultation_is_refused(desk_with_case):
    desk_with_case.add(request())
    desk_with_case.add(answer())
    with pytest.raises(InvalidState, match="already answered"):
        desk_with_case.add(answer(at="2024-03-13T10:00:00+07:00"))


def test_a_designation_for_a_withdrawn_consultation_is_refused(desk_with_case):
    desk_with_case.add(request())
    desk_with_case.add(event("ConsultationWithdrawn", consultation="C1", reason="Không cần", by="sxd.nva",
                             at="2024-03-06T08:00:00+07:00"))
    with pytest.raises(InvalidState, match="already withdrawn"):
        desk_with_case.add(event("ConsultationHandlerDesignated", consultation="C1", official="stnmt.ltb",
                                 by="stnmt.head", at="2024-03-07T08:00:00+07:00"))


def test_any_event_but_a_finding_on_a_resolved_case_is_refused(desk_with_case):
    desk_with_case.add(event("CaseResolved", outcome="answered", by="sxd.nva", at="2024-03-20T08:00:00+07:00"))
    with pytest.raises(InvalidState, match="is resolved"):
        desk_with_case.add(request(at="2024-03-21T08:00:00+07:00"))
    desk_with_case.add(event("FindingRecorded", rule="NO_LEAD", decision="confirmed", by="tttp.insp",
                             at="2024-04-01T08:00:00+07:00"))


def test_a_second_case_opened_with_the_same_reference_is_refused(desk):
    desk.add(opened())
    with pytest.raises(InvalidState, match="already opened"):
        desk.add(opened(title="Another title"))


def test_an_event_on_an_unknown_case_is_refused(desk):
    with pytest.raises(UnknownReference, match="unknown case 'HCM-1'"):
        desk.add(lead())


def test_a_due_date_before_the_acts_own_date_is_refused(desk):
    with pytest.raises(InvalidField, match="'due' 2024-03-01 is before the act's own date 2024-03-04"):
        desk.add(opened(due="2024-03-01"))


def test_a_new_due_date_before_the_apology_is_refused(desk_with_case):
    with pytest.raises(InvalidField, match="'new_due'"):
        desk_with_case.add(event("ApologyIssued", reason="Chậm", new_due="2024-03-01", by="sxd.head",
                                 at="2024-03-20T08:00:00+07:00"))


def test_an_answer_claimed_before_its_request_is_refused(desk_with_case):
    desk_with_case.add(request())
    with pytest.raises(OutOfOrder, match="before the consultation was requested"):
        desk_with_case.add(answer(at="2024-03-05T09:00:00+07:00"))


def test_an_event_claimed_before_the_case_was_opened_is_refused(desk):
    desk.add(opened())
    with pytest.raises(OutOfOrder, match="before the case was opened"):
        desk.add(lead(at="2024-03-03T15:00:00+07:00"))


def test_the_same_id_with_different_content_is_refused_and_the_same_content_is_a_no_op(desk):
    first = desk.add(opened(id="k-1"))
    again = desk.add(opened(id="k-1"))
    assert again.duplicate and again.event == first.event
    with pytest.raises(KeyConflict, match="'k-1' appears earlier in this batch \\(the same file or request\\) for a different event"):
        desk.add(opened(id="k-1", title="Khác"))


def test_a_refused_event_stages_nothing(desk):
    before = staged(desk)
    with pytest.raises(UnknownReference):
        desk.add(opened(procedure="NO_SUCH"))
    assert staged(desk) == before


# --- A lead agency's act is judged against the lead in force at its claimed time (SPEC §4) ---------


def _reassigned(desk: Desk, agency: str, official: str) -> None:
    desk.add(lead(agency=agency, official=official, at="2024-03-11T09:00:00+07:00", reason="Điều chỉnh phân công"))


def withdrawal(**fields):
    return event("ConsultationWithdrawn", consultation="C1", reason="Không cần", by="sxd.nva", **fields)


def test_an_act_claimed_before_a_reassignment_within_the_agency_recorded_earlier_is_accepted(desk_with_case):
    _reassigned(desk_with_case, "SXD", "sxd.head")
    desk_with_case.add(request(at="2024-03-06T10:00:00+07:00"))
    desk_with_case.add(withdrawal(at="2024-03-07T10:00:00+07:00"))
    desk_with_case.add(event("SupplementRequested", reason="Bổ sung", by="sxd.nva", at="2024-03-07T11:00:00+07:00"))
    desk_with_case.add(event("SupplementReceived", by="sxd.nva", at="2024-03-08T11:00:00+07:00"))


def test_an_act_claimed_before_a_move_to_another_agency_recorded_earlier_is_accepted(desk_with_case):
    _reassigned(desk_with_case, "STNMT", "stnmt.ltb")
    desk_with_case.add(request(at="2024-03-06T10:00:00+07:00"))
    desk_with_case.add(event("ApologyIssued", reason="Chậm", new_due="2024-03-29", by="sxd.head",
                             at="2024-03-08T10:00:00+07:00"))
    desk_with_case.add(event("CaseResolved", outcome="answered", by="sxd.nva", at="2024-03-08T11:00:00+07:00"))


def test_the_new_lead_agency_may_not_act_before_the_reassignment_it_claims(desk_with_case):
    _reassigned(desk_with_case, "STNMT", "stnmt.ltb")
    with pytest.raises(NotPermitted, match="only an official of the lead agency SXD"):
        desk_with_case.add(request(to="SXD", by="stnmt.ltb", at="2024-03-06T10:00:00+07:00"))
    desk_with_case.add(request(to="SXD", by="stnmt.ltb", at="2024-03-11T10:00:00+07:00"))


def test_the_old_lead_agency_may_not_act_after_the_reassignment_it_claims(desk_with_case):
    _reassigned(desk_with_case, "STNMT", "stnmt.ltb")
    with pytest.raises(NotPermitted, match="only an official of the lead agency STNMT"):
        desk_with_case.add(request(at="2024-03-12T10:00:00+07:00"))


def test_a_lead_agency_act_claimed_before_every_lead_assignment_is_refused(desk):
    desk.add(opened())
    desk.add(lead(at="2024-03-05T09:00:00+07:00"))
    with pytest.raises(OutOfOrder, match="before the lead was assigned"):
        desk.add(request(at="2024-03-04T16:00:00+07:00"))


def test_a_later_recorded_assignment_claiming_an_earlier_time_rules_the_acts_after_it(desk_with_case):
    # SXD from 4 March 15:00; STNMT from 11 March; then an assignment recorded last but claimed
    # 8 March gives the case back to SXD from 8 March until 11 March.
    _reassigned(desk_with_case, "STNMT", "stnmt.ltb")
    desk_with_case.add(lead(agency="SXD", official="sxd.head", at="2024-03-08T09:00:00+07:00", reason="Sửa phân công"))
    desk_with_case.add(request(at="2024-03-09T10:00:00+07:00"))
    with pytest.raises(NotPermitted, match="only an official of the lead agency STNMT"):
        desk_with_case.add(request(consultation="C2", at="2024-03-12T10:00:00+07:00"))


# --- Supplement requests (SPEC §4, 2026-12-01) ------------------------------------------------------


def supplement_requested(at: str):
    return event("SupplementRequested", reason="Bổ sung", by="sxd.nva", at=at)


def supplement_received(at: str):
    return event("SupplementReceived", by="sxd.nva", at=at)


def test_a_second_supplement_request_while_one_is_open_is_recorded(desk_with_case):
    desk_with_case.add(supplement_requested("2024-03-06T09:00:00+07:00"))
    desk_with_case.add(supplement_requested("2024-03-08T09:00:00+07:00"))
    desk_with_case.add(supplement_received("2024-03-14T09:00:00+07:00"))
    with pytest.raises(InvalidState, match="no supplement request is open"):
        desk_with_case.add(supplement_received("2024-03-15T09:00:00+07:00"))


def test_a_supplement_receipt_with_none_open_is_refused(desk_with_case):
    before = staged(desk_with_case)
    with pytest.raises(InvalidState, match="no supplement request is open"):
        desk_with_case.add(supplement_received("2024-03-06T09:00:00+07:00"))
    assert staged(desk_with_case) == before


def test_a_receipt_claimed_before_any_open_request_is_refused(desk_with_case):
    desk_with_case.add(supplement_requested("2024-03-06T09:00:00+07:00"))
    desk_with_case.add(supplement_requested("2024-03-08T09:00:00+07:00"))
    with pytest.raises(OutOfOrder, match="before the supplement was requested"):
        desk_with_case.add(supplement_received("2024-03-07T09:00:00+07:00"))

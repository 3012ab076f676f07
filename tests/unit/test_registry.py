"""The registry answers as of a claimed time: heads, mandates, merges (SPEC §3)."""

from __future__ import annotations

from datetime import datetime

import pytest

from ledger import InvalidState, UnknownReference
from tests.builders import answer, lead, opened, request
from tests.unit.desk import Desk

VN = "+07:00"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text + VN)


@pytest.fixture
def desk(clock):
    return Desk(clock)


def test_the_head_of_an_agency_is_whoever_held_the_post_on_that_date(desk):
    desk.add({"type": "OfficialTransferred", "official": "sxd.head", "agency": "STNMT", "role": "head",
              "at": "2024-04-01T08:00:00+07:00"})
    desk.add({"type": "OfficialTransferred", "official": "sxd.nva", "agency": "SXD", "role": "head",
              "at": "2024-04-01T08:00:00+07:00"})
    registry = desk.registry
    assert registry.posting_at("sxd.head", at("2024-03-05T10:00:00")).agency == "SXD"
    assert registry.posting_at("sxd.head", at("2024-04-02T10:00:00")).agency == "STNMT"
    assert registry.posting_at("sxd.nva", at("2024-04-02T10:00:00")).role == "head"


def test_a_mandate_change_applies_from_its_claimed_time_even_when_recorded_late(desk):
    desk.add({"type": "AgencyMandateChanged", "agency": "STNMT", "mandate": ["land", "water"],
              "at": "2024-06-01T00:00:00+07:00"})
    desk.add({"type": "AgencyMandateChanged", "agency": "STNMT", "mandate": ["land", "forestry"],
              "at": "2024-02-01T00:00:00+07:00"})
    registry = desk.registry
    assert registry.mandate_at("STNMT", at("2024-01-15T00:00:00")) == ("land", "environment")
    assert registry.mandate_at("STNMT", at("2024-03-01T00:00:00")) == ("land", "forestry")
    assert registry.mandate_at("STNMT", at("2024-07-01T00:00:00")) == ("land", "water")


def test_a_merged_agency_exists_before_the_merge_and_not_after(desk):
    desk.add({"type": "AgencyMerged", "agency": "STNMT", "into": "SXD", "at": "2024-11-01T00:00:00+07:00"})
    registry = desk.registry
    assert registry.agency_at("STNMT", at("2024-10-31T23:00:00")) is not None
    assert registry.agency_at("STNMT", at("2024-11-01T00:00:00")) is None
    assert registry.successor_at("STNMT", at("2024-10-31T23:00:00")) == "STNMT"
    assert registry.successor_at("STNMT", at("2024-11-02T00:00:00")) == "SXD"


def test_officials_of_a_merged_agency_can_no_longer_act(desk):
    desk.add(opened())
    desk.add(lead())
    desk.add(request())
    desk.add({"type": "AgencyMerged", "agency": "STNMT", "into": "SXD", "at": "2024-03-08T00:00:00+07:00"})
    with pytest.raises(InvalidState, match="merged into SXD"):
        desk.add(answer(at="2024-03-09T10:00:00+07:00"))


def test_open_obligations_pass_to_the_successor_whose_officials_answer(desk):
    desk.add(opened())
    desk.add(lead())
    desk.add(request())
    desk.add({"type": "AgencyMerged", "agency": "STNMT", "into": "SXD", "at": "2024-03-08T00:00:00+07:00"})
    outcome = desk.add(answer(by="sxd.head", at="2024-03-09T10:00:00+07:00"))
    assert outcome.type == "ConsultationAnswered"


def test_a_registered_agency_cannot_be_registered_again(desk):
    with pytest.raises(InvalidState, match="already registered"):
        desk.add({"type": "AgencyRegistered", "agency": "SXD", "name": "x", "name_en": "x", "kind": "department",
                  "mandate": [], "at": "2024-01-01T00:00:00+07:00"})


def test_transferring_an_unknown_official_is_refused(desk):
    with pytest.raises(UnknownReference, match="unknown official 'ghost'"):
        desk.add({"type": "OfficialTransferred", "official": "ghost", "agency": "SXD", "role": "clerk",
                  "at": "2024-01-01T00:00:00+07:00"})


def test_a_procedure_redefined_later_keeps_its_old_processing_time_for_earlier_cases(desk):
    desk.add({"type": "ProcedureDefined", "procedure": "REAL_ESTATE_DIFFICULTY", "name": "x", "processing_days": 20,
              "focal_agency": "SXD", "domains": ["real_estate"], "at": "2024-06-01T00:00:00+07:00"})
    registry = desk.registry
    assert registry.procedure_at("REAL_ESTATE_DIFFICULTY", at("2024-03-04T09:00:00")).processing_days == 15
    assert registry.procedure_at("REAL_ESTATE_DIFFICULTY", at("2024-06-02T09:00:00")).processing_days == 20


def test_calendar_declarations_are_kept_with_their_notice(desk):
    desk.add({"type": "CalendarDayDeclared", "date": "2024-05-11", "working": True,
              "reference": "Thông báo 123/TB-UBND", "at": "2024-05-01T00:00:00+07:00"})
    assert desk.registry.calendar_overrides() == {datetime(2024, 5, 11).date(): True}


def test_a_copy_of_the_registry_takes_every_kind_of_change_without_touching_the_original(desk):
    """Appends validate against one shared registry and record on a copy of it; the copy is made
    by hand (only what folding changes), so every kind of registry change is folded into a copy
    here and the original must read exactly as before."""
    import copy

    from ledger.domain.schema import parse_event

    original = desk.registry
    before = copy.deepcopy((original.agencies, original.officials, original.procedures, original.calendar))
    twin = copy.deepcopy(original)
    later = "2024-05-02T08:00:00+07:00"
    changes = [
        {"type": "AgencyRegistered", "agency": "SKHDT", "name": "Sở KH-ĐT", "name_en": "Planning",
         "kind": "department", "mandate": ["investment"], "at": later},
        {"type": "AgencyMandateChanged", "agency": "STNMT", "mandate": ["land"], "at": later},
        {"type": "AgencyMerged", "agency": "STNMT", "into": "SXD", "at": later},
        {"type": "OfficialAppointed", "official": "skhdt.head", "name": "Trưởng", "agency": "SKHDT",
         "role": "head", "at": later},
        {"type": "OfficialTransferred", "official": "sxd.nva", "agency": "STNMT", "role": "head", "at": later},
        {"type": "OfficialDeparted", "official": "sxd.head", "at": later},
        {"type": "ProcedureDefined", "procedure": "REAL_ESTATE_DIFFICULTY", "name": "Mới", "processing_days": 10,
         "focal_agency": "SXD", "domains": ["real_estate"], "at": later},
        {"type": "CalendarDayDeclared", "date": "2024-05-03", "working": False, "reference": "QĐ 1", "at": later},
    ]
    for change in changes:
        envelope = parse_event(change)
        twin.apply(envelope.payload, envelope.at)

    assert (original.agencies, original.officials, original.procedures, original.calendar) == before
    moment = at("2024-06-01T00:00:00")
    assert twin.agency_at("STNMT", moment) is None and original.agency_at("STNMT", moment) is not None
    assert twin.posting_at("sxd.nva", moment).role == "head"
    assert original.posting_at("sxd.nva", moment).role == "specialist"
    assert twin.posting_at("sxd.head", moment) is None and original.posting_at("sxd.head", moment) is not None
    assert twin.procedure_at("REAL_ESTATE_DIFFICULTY", moment).processing_days == 10
    assert original.procedure_at("REAL_ESTATE_DIFFICULTY", moment).processing_days == 15
    assert "SKHDT" in twin.agencies and "SKHDT" not in original.agencies
    assert twin.calendar and not original.calendar

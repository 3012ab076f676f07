"""Parsing one event object: what is kept, what is dropped, what is refused."""

from __future__ import annotations

import pytest

from ledger import InvalidField, parse_event
from tests.builders import answer, opened


def test_fields_the_spec_does_not_name_are_dropped():
    envelope = parse_event({**opened(), "recorded": "x", "position": 3, "source": "web", "event": "e", "colour": 1})
    assert set(envelope.fields) == {"procedure", "title"}


def test_an_unclear_position_is_stored_as_given():
    envelope = parse_event(answer(position="maybe"))
    assert envelope.fields["position"] == "maybe"
    assert parse_event(answer(position=None)).fields["position"] is None


def test_the_client_id_becomes_the_idempotency_key():
    assert parse_event(opened(id="abc")).key == "abc"


def test_an_api_actor_replaces_any_by_in_the_body():
    assert parse_event(opened(by="someone.else"), actor="vp.clerk").by == "vp.clerk"


def test_the_digest_ignores_fields_the_spec_does_not_name_but_not_content():
    plain = parse_event(opened(id="k"))
    assert parse_event({**opened(id="k"), "recorded": "2026-01-01"}).digest() == plain.digest()
    assert parse_event(opened(id="k", title="Khác")).digest() != plain.digest()


def test_a_finding_without_a_case_must_be_about_a_work_programme():
    with pytest.raises(InvalidField, match="must name its 'case'"):
        parse_event({"type": "FindingRecorded", "rule": "NO_LEAD", "decision": "confirmed", "by": "i",
                     "at": "2024-03-04T09:00:00+07:00"})
    envelope = parse_event({"type": "FindingRecorded", "rule": "WORK_PROGRAMME_LATE", "decision": "dismissed",
                            "agency": "SXD", "year": 2024, "by": "i", "at": "2024-03-04T09:00:00+07:00"})
    assert envelope.family == "agency_year"


def test_an_unknown_rule_in_a_finding_is_refused():
    with pytest.raises(InvalidField, match="'rule' must be one of"):
        parse_event({"type": "FindingRecorded", "case": "X", "rule": "LATE", "decision": "confirmed", "by": "i",
                     "at": "2024-03-04T09:00:00+07:00"})


def test_a_line_that_is_not_an_object_is_refused():
    with pytest.raises(InvalidField, match="must be a JSON object"):
        parse_event(["CaseOpened"])


def test_a_z_suffix_is_read_as_utc():
    assert parse_event(opened(at="2024-03-04T02:00:00Z")).at.utcoffset().total_seconds() == 0

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


PROCEDURE = {"type": "ProcedureDefined", "procedure": "P", "name": "Thủ tục P", "processing_days": 10,
             "at": "2024-01-02T08:00:00+07:00"}


def test_a_procedure_needs_at_least_one_domain():
    with pytest.raises(InvalidField, match="missing required field 'domains'"):
        parse_event(PROCEDURE)
    with pytest.raises(InvalidField, match="missing required field 'domains' \\(it is null\\)"):
        parse_event({**PROCEDURE, "domains": None})
    with pytest.raises(InvalidField, match="'domains' must hold at least 1 tag"):
        parse_event({**PROCEDURE, "domains": []})
    with pytest.raises(InvalidField, match="'domains' must be a list of non-empty strings"):
        parse_event({**PROCEDURE, "domains": "land"})
    assert parse_event({**PROCEDURE, "domains": ["land"]}).fields["domains"] == ["land"]


def test_a_procedure_may_leave_out_its_focal_agency():
    envelope = parse_event({**PROCEDURE, "domains": ["land"]})
    assert "focal_agency" not in envelope.fields
    assert parse_event({**PROCEDURE, "domains": ["land"], "focal_agency": None}).fields["focal_agency"] is None


def test_a_mandate_may_be_empty_but_must_be_a_list_of_tags():
    agency = {"type": "AgencyRegistered", "agency": "X", "name": "X", "name_en": "X", "kind": "other",
              "at": "2024-01-02T08:00:00+07:00"}
    assert parse_event({**agency, "mandate": []}).fields["mandate"] == []
    with pytest.raises(InvalidField, match="'mandate' must be a list of non-empty strings"):
        parse_event({**agency, "mandate": ["land", ""]})


def test_every_procedure_of_the_default_registry_names_its_domains():
    from ledger.demo import DEFAULT_REGISTRY
    from ledger.interchange import read_lines

    with DEFAULT_REGISTRY.open(encoding="utf-8") as stream:
        lines = list(read_lines(stream))
    assert all(line.error is None for line in lines)
    envelopes = [parse_event(line.obj) for line in lines]
    procedures = [e for e in envelopes if e.type == "ProcedureDefined"]
    assert procedures and all(e.fields["domains"] for e in procedures)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("type", 5, "'type' must be a string"),
        ("type", None, "missing required field 'type' \\(it is null\\)"),
        ("at", 5, "'at' must be an ISO 8601 timestamp string"),
        ("at", None, "missing required field 'at' \\(it is null\\)"),
        ("case", 5, "'case' must be a non-empty string"),
        ("by", ["vp.clerk"], "'by' must be a non-empty string"),
        ("id", 1, "'id' must be a non-empty string"),
        ("note", 1, "'note' must be a string or null"),
        ("procedure", 5, "'procedure' must be a string"),
        ("title", {"vi": "x"}, "'title' must be a string"),
        ("domains", "land", "'domains' must be a list of non-empty strings"),
        ("applicant", "Công ty A", "'applicant' must be an object"),
        ("due", 20240304, "'due' must be a date string"),
    ],
)
def test_a_present_field_of_the_wrong_type_says_so_not_missing(field, value, message):
    with pytest.raises(InvalidField, match=message) as refused:
        parse_event(opened(**{field: value}))
    assert refused.value.field == field


def test_an_applicant_missing_its_name_says_missing_and_of_the_wrong_type_says_so():
    with pytest.raises(InvalidField, match="missing required field 'applicant.name'"):
        parse_event(opened(applicant={"kind": "enterprise"}))
    with pytest.raises(InvalidField, match="'applicant.name' must be a string"):
        parse_event(opened(applicant={"name": 5, "kind": "enterprise"}))


def test_an_enum_field_of_the_wrong_type_says_so():
    with pytest.raises(InvalidField, match="'outcome' must be a string, one of approved"):
        parse_event({"type": "CaseResolved", "case": "X", "outcome": ["approved"], "by": "i",
                     "at": "2024-03-04T09:00:00+07:00"})


def test_a_date_must_be_written_yyyy_mm_dd_not_another_iso_spelling():
    with pytest.raises(InvalidField, match="'due' is not a date YYYY-MM-DD: '2024-W10-1'"):
        parse_event(opened(due="2024-W10-1"))
    assert parse_event(opened(due="2024-04-01")).fields["due"] == "2024-04-01"


def test_a_hostile_value_is_shown_cut_short_in_the_message():
    with pytest.raises(InvalidField) as refused:
        parse_event(opened(at="x" * 100_000))
    assert len(str(refused.value)) < 200

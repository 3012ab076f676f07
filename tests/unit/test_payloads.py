"""Each event type is declared once, as a frozen dataclass, and everything reads that declaration (issue 10)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from ledger import EVENT_TYPES, parse_event
from ledger.domain import payloads as p
from ledger.domain import schema
from ledger.domain.jsonschema import event_schema
from tests.builders import event, opened, request
from tests.data_paths import EVERY_TYPE_LINES


def every_type() -> list[dict]:
    return [json.loads(line) for line in EVERY_TYPE_LINES.read_text(encoding="utf-8").splitlines()]


def test_every_event_type_has_exactly_one_payload_class_of_that_name() -> None:
    assert tuple(p.PAYLOADS) == EVENT_TYPES
    assert all(cls.__name__ == kind == cls.TYPE for kind, cls in p.PAYLOADS.items())


def test_the_parser_tables_and_the_json_schemas_come_from_the_declarations() -> None:
    for kind, cls in p.PAYLOADS.items():
        declared = [spec.name for spec in cls.SPECS]
        tables = {**schema.REGISTRY_TYPES, **schema.CASE_TYPES, **schema.AGENCY_YEAR_TYPES,
                  "FindingRecorded": schema.FINDING_FIELDS}
        assert [spec.name for spec in tables[kind]] == declared
        properties = set(event_schema(kind, with_actor=False)["properties"])
        assert set(declared) <= properties


def test_a_payload_is_frozen() -> None:
    payload = parse_event(opened()).payload
    with pytest.raises(dataclasses.FrozenInstanceError):
        payload.title = "another"  # type: ignore[misc]


def test_dates_are_dates_tags_are_tuples_and_an_applicant_is_a_record() -> None:
    payload = parse_event(opened(due="2024-04-01", domains=["land", "housing"],
                                 applicant={"name": "Công ty A", "kind": "organisation"})).payload
    assert isinstance(payload, p.CaseOpened)
    assert payload.due == date(2024, 4, 1)
    assert payload.domains == ("land", "housing")
    assert payload.applicant == p.Applicant("Công ty A", "organisation")


def test_an_optional_field_absent_or_null_reads_as_none() -> None:
    sent = request()
    sent.pop("domains", None)
    absent = parse_event(sent).payload
    null = parse_event({**sent, "due": None, "domains": None}).payload
    assert isinstance(absent, p.ConsultationRequested) and isinstance(null, p.ConsultationRequested)
    assert absent.due is None and absent.domains is None and null.due is None and null.domains is None


def test_the_wire_fields_stay_exactly_as_given_beside_the_typed_view() -> None:
    sent = request(due="2024-03-20", domains=["land"])
    envelope = parse_event(sent)
    assert dict(envelope.fields) == {k: v for k, v in sent.items() if k not in ("type", "case", "at", "by")}
    assert envelope.payload.due == date(2024, 3, 20)


@pytest.mark.parametrize("obj", every_type(), ids=lambda o: o["type"])
def test_every_type_of_the_pinned_file_parses_to_its_own_class(obj: dict) -> None:
    envelope = parse_event(obj)
    assert type(envelope.payload) is p.PAYLOADS[obj["type"]]


def test_a_finding_without_a_case_names_its_agency_and_year_typed() -> None:
    finding = parse_event({"type": "FindingRecorded", "at": "2024-06-03T10:00:00+07:00", "by": "tttp.insp",
                           "rule": "WORK_PROGRAMME_LATE", "decision": "dismissed", "agency": "SXD",
                           "year": 2024}).payload
    assert isinstance(finding, p.FindingRecorded) and (finding.agency, finding.year) == ("SXD", 2024)


def test_the_consultation_an_event_names_is_read_from_its_class() -> None:
    assert p.consultation_named(parse_event(request(consultation="CV-9")).payload) == "CV-9"
    assert p.consultation_named(parse_event(event("SupplementReceived", by="sxd.nva")).payload) is None

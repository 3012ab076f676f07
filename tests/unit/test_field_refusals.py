"""A form shows every refused field at once: `field_refusals` runs the import's checks field by field."""

from __future__ import annotations

from ledger import field_refusals, parse_event

AT = "2026-01-05T09:00:00+07:00"


def test_every_malformed_field_of_an_event_is_refused_together_each_naming_its_field():
    found = field_refusals({"type": "CaseOpened", "case": "X", "at": AT, "title": " ", "applicant": {"name": "A"},
                            "due": "bad"}, actor="sxd.clerk")
    assert [(r.field, r.code) for r in found] == [
        ("procedure", "missing_field"), ("title", "must_not_be_empty"), ("applicant", "missing_field"),
        ("due", "not_a_date"),
    ]


def test_an_event_whose_shape_is_right_has_no_field_refusal():
    obj = {"type": "CaseOpened", "case": "X", "at": AT, "title": "t", "procedure": "P"}
    assert field_refusals(obj, actor="sxd.clerk") == []
    assert parse_event(obj, actor="sxd.clerk").case == "X"


def test_an_unknown_type_is_the_one_refusal_of_its_event():
    assert [r.code for r in field_refusals({"type": "Nope", "at": AT})] == ["unknown_event_type"]


def test_a_bad_by_counts_only_when_no_actor_replaces_it():
    obj = {"type": "SupplementReceived", "case": "X", "at": AT, "by": " "}
    assert [r.field for r in field_refusals(obj)] == ["by"]
    assert field_refusals(obj, actor="sxd.clerk") == []

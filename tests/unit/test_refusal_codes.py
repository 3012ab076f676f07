"""Every refusal carries a stable code and plain params, so the web can say it in the user's language.

The English message a refusal prints is rendered from `ledger.domain.refusals.MESSAGES`; the
Vietnamese catalogue (`web/translations/vi/LC_MESSAGES/refusals.po`) translates every template
with the same placeholders.
"""

from __future__ import annotations

import ast
import json
import re
import string
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from ledger import parse_event
from ledger.application import BatchRefused
from ledger.domain.errors import (
    InvalidField,
    InvalidState,
    KeyConflict,
    NotPermitted,
    OutOfOrder,
    Refused,
    UnknownReference,
)
from ledger.domain.refusals import FREE_TEXT, MESSAGES, render
from ledger.interchange import LineDecodeError, decode_lines, parse_line
from tests.builders import event, opened
from tests.conftest import REPO

CATALOGUES = REPO / "web" / "translations"

#: Refusals built by a constructor of their own that names the code (no `code=` at the call).
CODE_SET_BY_CONSTRUCTOR = {"LineDecodeError", "BatchRefused"}


# --- the raise sites ----------------------------------------------------------------------------


def refusal_classes(trees: list[ast.Module]) -> set[str]:
    """`Refused` and every class under ledger/ deriving from it, however indirectly."""
    names = {"Refused"}
    while True:
        found = {
            node.name
            for tree in trees
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef)
            and any((base.id if isinstance(base, ast.Name) else getattr(base, "attr", None)) in names
                    for base in node.bases)
        }
        if found <= names:
            return names
        names |= found


def called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def literal_codes(node: ast.expr) -> list[str] | None:
    """The codes a `code=` argument can take: a string literal, or a choice between them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = literal_codes(node.body), literal_codes(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def problems_of(call: ast.Call) -> list[str]:
    """What is wrong with one construction of a refusal (empty when it is right)."""
    arguments = {k.arg: k.value for k in call.keywords if k.arg is not None}
    problems = []
    if call.args:
        problems.append("builds its own message")
    if "code" not in arguments:
        problems.append("passes no code=")
    else:
        codes = literal_codes(arguments["code"])
        if codes is None:
            problems.append("passes a code= that is not a string literal (or a choice of them)")
        else:
            problems.extend(f"passes code {code!r}, which is not in MESSAGES" for code in codes if code not in MESSAGES)
    if "params" not in arguments:
        problems.append("passes no params=")
    return problems


def scan(sources: dict[str, str]) -> tuple[int, list[str]]:
    """(how many refusals are built, what is wrong with them) in the given sources."""
    trees = {name: ast.parse(text) for name, text in sources.items()}
    classes = refusal_classes(list(trees.values())) - CODE_SET_BY_CONSTRUCTOR
    count, problems = 0, []
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and called_name(node) in classes:
                count += 1
                problems.extend(f"{name}:{node.lineno}: {called_name(node)} {p}" for p in problems_of(node))
    return count, problems


def ledger_sources() -> dict[str, str]:
    return {str(p.relative_to(REPO)): p.read_text(encoding="utf-8") for p in sorted((REPO / "ledger").rglob("*.py"))}


def test_every_refusal_built_under_ledger_names_a_catalogued_code_and_its_params():
    count, problems = scan(ledger_sources())
    assert problems == []
    assert count >= 95  # the scan sees the raise sites (about a hundred), not an empty tree


def test_the_scan_catches_a_refusal_that_writes_its_own_english_or_an_unknown_code():
    source = """
class Odd(InvalidField):
    pass

def f(x):
    raise InvalidField(f"'{x}' is odd", field=x)

def g():
    raise Odd(code="no_such_code", params={})

def h(code):
    raise errors.NotPermitted(code=code)
"""
    count, problems = scan({**ledger_sources(), "sample.py": source})
    assert count == scan(ledger_sources())[0] + 3
    assert [p for p in problems if p.startswith("sample.py:")] == [
        "sample.py:6: InvalidField builds its own message",
        "sample.py:6: InvalidField passes no code=",
        "sample.py:6: InvalidField passes no params=",
        "sample.py:9: Odd passes code 'no_such_code', which is not in MESSAGES",
        "sample.py:12: NotPermitted passes a code= that is not a string literal (or a choice of them)",
        "sample.py:12: NotPermitted passes no params=",
    ]


def test_a_choice_of_codes_is_checked_on_both_branches():
    source = 'raise InvalidField(code="missing_field" if a else "missing_feild", params={})'
    problems = scan({**ledger_sources(), "s.py": source})[1]
    assert [p for p in problems if p.startswith("s.py:")] == [
        "s.py:1: InvalidField passes code 'missing_feild', which is not in MESSAGES"
    ]


def test_the_refusals_that_build_their_own_code_name_a_catalogued_one():
    undecodable = LineDecodeError(2, 5, 7, "invalid start byte, byte(s) ff")
    assert undecodable.code == "line_not_utf8"
    assert undecodable.params == {"line": 2, "column": 5, "reason": "invalid start byte, byte(s) ff"}
    assert str(undecodable) == "line 2 is not UTF-8 text (column 5: invalid start byte, byte(s) ff)"
    assert BatchRefused([(0, "unknown case 'X'", "case")]).code in MESSAGES


# --- the catalogue ------------------------------------------------------------------------------


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_codes_are_snake_case_and_templates_use_named_placeholders_only():
    assert [code for code in MESSAGES if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", code)] == []
    for code, template in MESSAGES.items():
        for _, name, spec, conversion in string.Formatter().parse(template):
            if name is not None:
                assert name.isidentifier() and not spec and conversion is None, (code, name)


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_template_renders_with_its_placeholders(code):
    params = {name: f"<{name}>" for name in placeholders(MESSAGES[code])}
    rendered = render(code, params)
    assert "{" not in rendered and "}" not in rendered
    assert all(value in rendered for value in params.values())


def test_a_template_missing_a_param_is_a_bug_not_a_message():
    with pytest.raises(KeyError):
        render("missing_field", {})


def test_only_free_text_templates_are_shared_between_codes():
    shared = [t for t in set(MESSAGES.values()) if list(MESSAGES.values()).count(t) > 1]
    assert shared == [FREE_TEXT]


def test_every_class_default_code_renders_the_message_it_was_given():
    for kind in (Refused, InvalidField, UnknownReference, NotPermitted, InvalidState, OutOfOrder, KeyConflict):
        refusal = kind("something precise went wrong", field="x")
        assert MESSAGES[refusal.code] == FREE_TEXT
        assert refusal.params == {"message": "something precise went wrong"}
        assert render(refusal.code, refusal.params) == str(refusal) == "something precise went wrong"
    assert [InvalidField("m").code, KeyConflict("m").code, Refused("m").code] == ["invalid_field", "key_conflict",
                                                                                   "refused"]


def test_a_refusal_needs_a_message_or_a_code():
    with pytest.raises(TypeError):
        InvalidField(field="x")


def test_every_template_is_marked_for_extraction():
    extracted = {message[1] for message in extract_from_file("python", REPO / "ledger/domain/refusals.py",
                                                            keywords={"N_": None})}
    assert extracted == set(MESSAGES.values())


def catalogue(language: str):
    with (CATALOGUES / language / "LC_MESSAGES" / "refusals.po").open("rb") as po:
        return read_po(po, locale=language, domain="refusals")


def test_the_vietnamese_catalogue_translates_every_template_with_the_same_placeholders():
    vietnamese = catalogue("vi")
    untranslated, mismatched = [], []
    for code, template in MESSAGES.items():
        message = vietnamese.get(template)
        if message is None or not message.string:
            untranslated.append(code)
        elif placeholders(message.string) != placeholders(template):
            mismatched.append((code, placeholders(template), placeholders(message.string)))
    assert untranslated == []
    assert mismatched == []


def test_the_catalogues_hold_no_stale_msgid_and_english_is_the_msgid_itself():
    templates = set(MESSAGES.values())
    for language in ("vi", "en"):
        assert {m.id for m in catalogue(language) if m.id} == templates, language
    assert [m.id for m in catalogue("en") if m.id and m.string] == []


def test_the_catalogues_headers_say_their_language_and_utf8():
    for language in ("vi", "en"):
        po = catalogue(language)
        assert str(po.locale) == language
        assert po.charset.lower() == "utf-8"
        assert not po.fuzzy


def test_the_vietnamese_keeps_quoted_field_names_untranslated():
    vietnamese = catalogue("vi")
    for template in MESSAGES.values():
        translation = vietnamese.get(template).string
        assert set(re.findall(r"'[a-z_]+'", template)) <= set(re.findall(r"'[a-z_]+'", translation)), template


def test_no_compiled_catalogue_is_kept_in_the_repository():
    assert list(Path(CATALOGUES).rglob("*.mo")) == []


# --- refusals raised through the schema ---------------------------------------------------------


def refusal_of(obj: object) -> InvalidField:
    with pytest.raises(InvalidField) as refused:
        parse_event(obj)
    return refused.value


def test_a_missing_field_names_it_in_code_params_and_field():
    obj = opened()
    del obj["procedure"]
    refusal = refusal_of(obj)
    assert (refusal.code, refusal.params, refusal.field) == ("missing_field", {"name": "procedure"}, "procedure")
    assert str(refusal) == "missing required field 'procedure'"


def test_a_null_type_is_missing_and_says_it_is_null():
    refusal = refusal_of({"type": None, "at": "2024-03-04T09:00:00+07:00"})
    assert (refusal.code, refusal.params, refusal.field) == ("missing_field_null", {"name": "type"}, "type")
    assert str(refusal) == "missing required field 'type' (it is null)"


def test_a_field_of_the_wrong_type_is_refused_as_such():
    refusal = refusal_of(opened(title=7))
    assert (refusal.code, refusal.params, refusal.field) == ("must_be_string", {"name": "title"}, "title")
    assert str(refusal) == "'title' must be a string"


def test_an_unknown_type_is_shown_quoted_in_its_params():
    refusal = refusal_of(event("CaseClosed", by="vp.clerk"))
    assert (refusal.code, refusal.params, refusal.field) == ("unknown_event_type", {"type": "'CaseClosed'"}, "type")
    assert str(refusal) == "unknown event type 'CaseClosed'"


def test_a_value_outside_an_enumeration_lists_the_allowed_ones():
    refusal = refusal_of(event("CaseResolved", by="sxd.nva", outcome="maybe"))
    assert refusal.code == "not_one_of"
    assert refusal.params == {"name": "outcome", "allowed": "approved, rejected, answered, stopped", "value": "'maybe'"}
    assert refusal.field == "outcome"
    assert str(refusal) == "'outcome' must be one of approved, rejected, answered, stopped; got 'maybe'"


def test_a_naive_timestamp_is_refused_with_the_value_as_shown():
    refusal = refusal_of(opened(at="2024-03-04T09:00:00"))
    assert (refusal.code, refusal.params, refusal.field) == (
        "naive_timestamp", {"name": "at", "value": "'2024-03-04T09:00:00'"}, "at")
    assert str(refusal) == (
        "'at' has no UTC offset (naive timestamp): '2024-03-04T09:00:00'; write e.g. 2024-03-04T09:00:00+07:00"
    )


def test_a_forbidden_character_is_described_in_the_params():
    refusal = refusal_of(opened(case="HCM\x07-1"))
    assert refusal.code == "forbidden_in_identifier"
    assert refusal.params == {"name": "case", "character": "U+0007 (a control character)", "position": 4}
    assert str(refusal) == "'case' contains U+0007 (a control character) at character 4, which an identifier may not hold"


def test_a_bad_line_of_json_carries_its_code_too():
    with pytest.raises(InvalidField) as duplicate:
        parse_line('{"title": "a", "title": "b"}')
    assert (duplicate.value.code, duplicate.value.params) == ("duplicate_key", {"key": "'title'"})
    assert str(duplicate.value) == "duplicate key 'title' in one object (the line is ambiguous)"
    with pytest.raises(InvalidField) as syntax:
        parse_line('{"title": }')
    assert syntax.value.code == "json_syntax_in_line"
    assert str(syntax.value) == "not valid JSON (Expecting value at column 11)"
    with pytest.raises(LineDecodeError) as undecodable:
        decode_lines(b"ok\n\xff\n")
    assert undecodable.value.code == "line_not_utf8"


# --- as plain data ------------------------------------------------------------------------------


def test_as_dict_is_json_and_carries_field_code_params_and_message():
    refusal = refusal_of(opened(at="2024-03-04T09:00:00"))
    data = refusal.as_dict()
    assert set(data) == {"field", "code", "params", "message"}
    assert json.loads(json.dumps(data)) == data
    assert data["message"] == str(refusal)


def test_times_dates_and_lists_in_params_become_plain_text():
    at = datetime(2030, 1, 1, 9, tzinfo=timezone(timedelta(hours=7)))
    now = datetime(2024, 3, 4, 2, tzinfo=UTC)
    refusal = OutOfOrder(code="future_claim", params={"at": at, "now": now}, field="at")
    assert refusal.params == {"at": "2030-01-01T09:00:00+07:00", "now": "2024-03-04T02:00:00+00:00"}
    assert str(refusal) == (
        "claimed time 2030-01-01T09:00:00+07:00 is in the future (the ledger's clock is 2024-03-04T02:00:00+00:00)"
    )
    listed = InvalidField(code="must_be_choice_string", params={"name": "kind", "allowed": ("a", "b")}, field="kind")
    assert listed.params["allowed"] == "a, b"
    assert json.loads(json.dumps(refusal.as_dict()))["params"] == refusal.params
    assert json.loads(json.dumps(listed.as_dict()))["params"] == listed.params


def test_an_unknown_rule_has_a_code_of_its_own_that_names_every_unknown_rule() -> None:
    from ledger.report_requests import check_rules

    with pytest.raises(UnknownReference) as refused:
        check_rules(["NO_LEAD", "LATE", "SOON"])
    assert refused.value.code == "unknown_rule"
    assert refused.value.params == {"rules": "LATE, SOON"}
    assert str(refused.value).startswith("unknown rule LATE, SOON;")

"""Hostile lines: each class of malformed input is refused with a reason naming the problem,
never a traceback, and never stored (SPEC §4 "refused", §8 "every refused line with its number")."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from ledger import InvalidField, KeyConflict, parse_event
from ledger.domain.errors import Refused
from ledger.interchange import MAX_LINE_BYTES, LineDecodeError, decode_lines, read_input_lines, read_lines
from ledger.text import escape_controls, format_history
from tests.builders import AT, lines, opened
from tests.unit.desk import Desk

OPENED = json.dumps(opened(), ensure_ascii=False)


def refusal(text: str) -> str:
    """The reason `read_lines` gives for one line (which must be refused)."""
    (line,) = read_lines([text])
    assert line.error is not None, f"accepted: {text[:200]!r}"
    return line.error


def accepted(text: str) -> dict:
    (line,) = read_lines([text])
    assert line.error is None, line.error
    return line.obj


def with_raw(raw: str) -> str:
    """The CaseOpened line with `, <raw>` spliced in before its closing brace."""
    return OPENED[:-1] + ", " + raw + "}"


# 1. Numbers -------------------------------------------------------------------------------------


def test_an_integer_of_5000_digits_is_refused_by_its_length_not_a_traceback():
    assert "a number of 5000 digits (at most 20)" in refusal(with_raw('"x": ' + "9" * 5000))


def test_numbers_are_bounded_to_20_digits():
    assert accepted(with_raw('"x": ' + "9" * 20))["x"] == int("9" * 20)
    assert "a number of 21 digits (at most 20)" in refusal(with_raw('"x": -' + "1" * 21))
    assert "a number of 25 digits" in refusal(with_raw('"x": 1.' + "1" * 24))


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant):
    assert refusal(with_raw(f'"processing_days": {constant}')) == f"{constant} is not JSON (numbers must be finite)"


def test_a_number_that_overflows_to_infinity_is_refused():
    assert refusal(with_raw('"x": 1e400')) == "a number out of range: 1e400"


def test_a_position_holding_an_infinite_number_is_refused_through_the_api_too():
    with pytest.raises(InvalidField, match="'position' must be a finite number"):
        parse_event({"type": "ConsultationAnswered", "case": "X", "consultation": "C1", "position": float("inf"),
                     "by": "b", "at": AT})


# 2. Nesting and length --------------------------------------------------------------------------


def test_json_nested_100000_deep_is_refused():
    assert refusal("[" * 100_000 + "]" * 100_000) == "objects and arrays nested deeper than 32 levels"
    assert refusal(with_raw('"x": ' + "[" * 100_000 + "]" * 100_000)) == (
        "objects and arrays nested deeper than 32 levels"
    )


def test_nesting_is_bounded_to_32_levels_the_line_itself_counting_as_one():
    assert accepted(with_raw('"x": ' + "[" * 31 + "]" * 31))
    assert refusal(with_raw('"x": ' + "[" * 32 + "]" * 32)) == "objects and arrays nested deeper than 32 levels"
    assert refusal(with_raw('"x": ' + '{"a":' * 32 + "1" + "}" * 32)).startswith("objects and arrays nested")


def test_a_line_longer_than_1_mib_is_refused():
    padding = MAX_LINE_BYTES - len(with_raw('"x": ""').encode())
    assert accepted(with_raw('"x": "' + "a" * padding + '"'))
    reason = refusal(with_raw('"x": "' + "a" * (padding + 1) + '"'))
    assert reason == f"line too long: {MAX_LINE_BYTES + 1} bytes (at most {MAX_LINE_BYTES}, 1 MiB)"


def test_the_length_of_a_line_is_counted_in_bytes_of_utf8():
    padding = (MAX_LINE_BYTES - len(with_raw('"x": ""').encode())) // 2 + 1
    assert refusal(with_raw('"x": "' + "đ" * padding + '"')).startswith("line too long")


# 3. Lone surrogates -----------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_value_is_refused():
    reason = refusal(OPENED.replace('"title": "', '"title": "\\ud800'))
    assert reason == "'title' contains U+D800 (a lone surrogate, not Unicode text) at character 1, which no string may hold"


def test_a_lone_surrogate_in_a_key_or_deep_inside_is_refused():
    assert "a key contains U+DC00 (a lone surrogate" in refusal(with_raw('"x\\udc00": 1'))
    assert "'domains[1]' contains U+DFFF" in refusal(with_raw('"domains": ["land", "\\udfff"]'))


def test_an_escaped_surrogate_pair_is_one_character_and_accepted():
    assert accepted(OPENED.replace('"title": "', '"title": "\\ud83d\\ude00'))["title"].startswith("😀")


def test_a_lone_surrogate_is_refused_by_parse_event_too():
    with pytest.raises(InvalidField, match="'title' contains U\\+D800"):
        parse_event(opened(title="a\ud800"))


# 4. NUL -----------------------------------------------------------------------------------------


def test_nul_in_a_title_is_refused():
    reason = refusal(OPENED.replace('"title": "', '"title": "a\\u0000'))
    assert reason == "'title' contains U+0000 (NUL) at character 2, which no string may hold"


def test_nul_is_refused_in_a_key_and_in_a_field_the_ledger_would_drop():
    assert "a key contains U+0000 (NUL)" in refusal(with_raw('"\\u0000": 1'))
    assert "'colour' contains U+0000 (NUL)" in refusal(with_raw('"colour": "\\u0000"'))


def test_nul_is_refused_by_parse_event_in_every_kind_of_string():
    with pytest.raises(InvalidField, match="'title' contains U\\+0000 \\(NUL\\)"):
        parse_event(opened(title="a\x00"))
    with pytest.raises(InvalidField, match="'case' contains U\\+0000 \\(NUL\\)"):
        parse_event(opened(case="HCM\x00"))
    with pytest.raises(InvalidField, match="'position.a' contains U\\+0000"):
        parse_event({"type": "ConsultationAnswered", "case": "X", "consultation": "C1", "position": {"a": "\x00"},
                     "by": "b", "at": AT})


# 5. Duplicate keys ------------------------------------------------------------------------------


def test_a_duplicate_key_is_refused_naming_it():
    assert refusal(with_raw('"title": "Khác"')) == "duplicate key 'title' in one object (the line is ambiguous)"


def test_a_duplicate_key_in_a_nested_object_is_refused():
    reason = refusal(with_raw('"applicant": {"name": "A", "kind": "x", "name": "B"}'))
    assert reason == "duplicate key 'name' in one object (the line is ambiguous)"


# 6. Control characters --------------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x85", "\x9f", "\u2028"])
@pytest.mark.parametrize("field", ["case", "id", "by", "procedure"])
def test_an_identifier_holds_no_control_character(field, char):
    with pytest.raises(InvalidField, match=f"'{field}' contains U\\+{ord(char):04X} .* which an identifier may not"):
        parse_event(opened(**{field: f"HCM{char}1"}))


def test_a_domain_tag_and_an_officials_id_hold_no_control_character():
    with pytest.raises(InvalidField, match="'domains\\[1\\]' contains U\\+000A \\(line feed\\)"):
        parse_event(opened(domains=["land", "real\nestate"]))
    with pytest.raises(InvalidField, match="'official' contains U\\+0007"):
        parse_event({"type": "OfficialDeparted", "official": "sxd.\x07", "at": AT})


def test_free_text_may_hold_tab_and_newlines_but_no_other_control_character():
    assert parse_event(opened(title="Dòng 1\r\nDòng 2\tcột")).fields["title"] == "Dòng 1\r\nDòng 2\tcột"
    for char in ("\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x7f", "\x85"):
        with pytest.raises(InvalidField, match=f"'title' contains U\\+{ord(char):04X} .* which text may not hold"):
            parse_event(opened(title=f"a{char}b"))
    with pytest.raises(InvalidField, match="'note' contains U\\+001B"):
        parse_event(opened(note="\x1b[2J"))
    with pytest.raises(InvalidField, match="'applicant.name' contains U\\+0008"):
        parse_event(opened(applicant={"name": "A\x08", "kind": "enterprise"}))


def test_a_control_character_in_a_line_is_refused_with_the_line_number():
    (good, bad) = read_lines([OPENED, json.dumps(opened(case="HCM\n1"))])
    assert good.error is None and bad.error is None  # JSON itself is fine; the event is not
    with pytest.raises(InvalidField, match="'case' contains U\\+000A \\(line feed\\) at character 4"):
        parse_event(bad.obj)


def _history(title: str, case: str = "HCM-1") -> dict:
    state = {"status": "open", "lead": None, "due": "2024-03-25", "paused_since": None, "coordinators": [],
             "consultations": [], "apologies": [], "resolution": None}
    event = {"position": 1, "at": AT, "recorded": AT, "type": "CaseOpened", "by": "vp.clerk", "agency": "VP",
             "source": "import", "out_of_order": False, "fields": {"title": title, "domains": ["a\x85"]},
             "state": state}
    return {"case": case, "as_of": "2024-03-04", "known_at": None, "calendar": "c", "events": [event],
            "hidden": 0, "state": state}


def test_the_terminal_history_escapes_control_characters_already_stored():
    text = format_history(_history("Dự án\x1b[31m X\nforged line\u202e", case="HCM\x07-1"))
    assert "Dự án\\x1b[31m X\\nforged line\\u202e" in text
    assert "HCM\\x07-1" in text and "\\x85" in text
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text.replace("\n", ""))
    assert len(text.splitlines()) == len(format_history(_history("plain")).splitlines())


def test_escaping_leaves_ordinary_text_alone():
    assert escape_controls("Sở Xây dựng — đúng hạn · 😀 \\n") == "Sở Xây dựng — đúng hạn · 😀 \\n"
    assert escape_controls("\t\r\n\x00\x7f\u2029") == "\\t\\r\\n\\x00\\x7f\\u2029"


# 7. Wrong types ---------------------------------------------------------------------------------


def test_a_type_that_is_not_a_string_says_so():
    with pytest.raises(InvalidField, match="^'type' must be a string$"):
        parse_event({"type": 5})
    with pytest.raises(InvalidField, match="^missing required field 'type'$"):
        parse_event({"at": AT})


def test_a_required_field_of_the_wrong_type_says_so_not_missing():
    with pytest.raises(InvalidField, match="^'title' must be a string$"):
        parse_event(opened(title=5))
    with pytest.raises(InvalidField, match="^'processing_days' must be a whole number from 1 to 3650$"):
        parse_event({"type": "ProcedureDefined", "procedure": "P", "name": "P", "processing_days": "15",
                     "domains": ["land"], "at": AT})


# 8. The same id twice in one batch --------------------------------------------------------------


def test_the_same_id_for_another_event_earlier_in_the_batch_is_not_said_to_be_in_the_ledger(clock):
    desk = Desk(clock)
    desk.add(opened(id="k"))
    with pytest.raises(KeyConflict, match="^id 'k' appears earlier in this batch \\(the same file or request\\)"
                                          " for a different event$"):
        desk.add(opened(id="k", case="HCM-2"))


def test_the_earlier_line_is_named_when_the_batch_knows_it(clock):
    desk = Desk(clock)
    desk.batch.add(parse_event(opened(id="k")), source="import", line=12)
    with pytest.raises(KeyConflict, match="^id 'k' appears earlier in this file, on line 12, for a different event$"):
        desk.batch.add(parse_event(opened(id="k", case="HCM-2")), source="import", line=14)
    assert desk.batch.add(parse_event(opened(id="k")), source="import", line=15).duplicate


# 9. Bytes that are not UTF-8 --------------------------------------------------------------------


def test_invalid_utf8_is_reported_by_line_and_column():
    data = "\n".join(lines(opened(), opened(case="HCM-2"))).encode() + b"\n" + '{"title": "đ'.encode() + b"\xff\"}\n"
    with pytest.raises(LineDecodeError) as refused:
        decode_lines(data)
    error = refused.value
    assert (error.line, error.column, error.byte) == (3, 13, 14)
    assert str(error) == "line 3 is not UTF-8 text (column 13: invalid start byte, byte(s) ff)"
    assert isinstance(error, InvalidField) and isinstance(error, Refused)


def test_a_truncated_sequence_is_named_too():
    with pytest.raises(LineDecodeError, match="^line 2 is not UTF-8 text \\(column 1: "):
        decode_lines(b"{}\r\n\xe1\xbb\n")


def test_decoding_reads_lines_as_a_text_file_would():
    assert decode_lines(b"") == []
    assert decode_lines(b"a\nb\r\nc\rd") == ["a\n", "b\n", "c\n", "d"]
    assert decode_lines("\ufeff{}\n".encode()) == ["{}\n"]  # a byte order mark is dropped
    assert decode_lines("Sở\n".encode()) == ["Sở\n"]
    with pytest.raises(LineDecodeError, match="^line 1 "):
        decode_lines(b"\xed\xa0\x80\n")  # an encoded surrogate is not UTF-8


def test_input_is_read_from_a_path_or_standard_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"{}\n\x80\n")
    with pytest.raises(LineDecodeError, match="^line 2 "):
        read_input_lines(str(path))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("{}\nSở\n".encode())))
    assert read_input_lines("-") == ["{}\n", "Sở\n"]
    with pytest.raises(OSError):
        read_input_lines(str(tmp_path / "missing.jsonl"))


def test_every_hostile_line_of_a_file_is_named_by_its_number():
    hostile = [OPENED, "", with_raw('"x": NaN'), "[" * 50_000, with_raw('"title": "b"'), "not json", OPENED]
    found = {line.number: line.error for line in read_lines(hostile)}
    assert found == {
        1: None,
        3: "NaN is not JSON (numbers must be finite)",
        4: "objects and arrays nested deeper than 32 levels",
        5: "duplicate key 'title' in one object (the line is ambiguous)",
        6: "not valid JSON (Expecting value at column 1)",
        7: None,
    }


def test_an_export_line_escapes_what_readers_take_for_a_line_break_or_a_control():
    from ledger.interchange import dumps

    value = {"title": "a\u2028b\u2029c\x85d\x7fe\tđ"}
    line = dumps(value)
    assert line == '{"title":"a\\u2028b\\u2029c\\u0085d\\u007fe\\tđ"}'
    assert len(line.splitlines()) == 1 and json.loads(line) == value


def test_an_exponent_of_many_digits_is_out_of_range_even_when_it_would_round_to_zero():
    assert refusal(with_raw('"x": 1e-' + "9" * 5000)).startswith("a number out of range: 1e-999")
    assert accepted(with_raw('"x": 1.2345678901234567e-300'))["x"] == 1.2345678901234567e-300


@pytest.mark.parametrize("char", ["\u202a", "\u202e", "\u2066", "\u2069"])
def test_a_bidirectional_override_in_free_text_is_refused_for_it_shows_text_in_another_order(char):
    from ledger.domain.schema import parse_event

    with pytest.raises(InvalidField, match="bidirectional"):
        parse_event({"type": "CaseOpened", "case": "HCM-1", "procedure": "P", "title": f"Đề án {char}X",
                     "by": "vp.clerk", "at": "2024-03-04T09:00:00+07:00"})

"""The pages open to anyone: the rulebook, the working calendar, and the verification of an
uploaded report (SPEC §6 rulebook, §2 calendar, §10 verifiable reports)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask

from ledger import RULE_CODES, Ledger, export_report, rulebook_entries
from tests.conftest import REPO

EXAMPLE = REPO / "tests" / "data" / "national-day-2024.jsonl"
PARAMETERS = {"as_of": "2024-09-30", "known_at": None, "rules": [], "agencies": [], "include_dismissed": False}


@pytest.fixture
def example_ledger(web_ledger: Ledger) -> Ledger:
    """The worked example's cases on the fixture's registry (which already holds its agencies)."""
    lines = [line for line in EXAMPLE.read_text(encoding="utf-8").splitlines() if '"case"' in line]
    report = web_ledger.import_lines(lines)
    assert not report.refused, report.refused
    return web_ledger


def multipart(body: bytes, name: str) -> tuple[bytes, str]:
    """A form holding one file, encoded here: the test client spools a large body to a temporary file
    it never closes."""
    boundary = "report-boundary"
    form = (f'--{boundary}\r\nContent-Disposition: form-data; name="report"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + body + f"\r\n--{boundary}--\r\n".encode()
    return form, f"multipart/form-data; boundary={boundary}"


def upload(client: Any, body: bytes, name: str = "report.json", path: str = "/verify") -> Any:
    form, content_type = multipart(body, name)
    return client.post(path, data=form, content_type=content_type)


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def test_the_rulebook_lists_every_rule_with_a_link_to_its_page(app: Flask) -> None:
    page = text(app.test_client().get("/rules?lang=en"))
    assert [code for code in RULE_CODES if f'href="/rules/{code}"' not in page] == []


def test_a_rule_page_shows_its_vietnamese_clause_source_parameters_and_validity(app: Flask) -> None:
    entry = next(e for e in rulebook_entries() if e.code == "LATE_RESPONSE")
    page = text(app.test_client().get("/rules/LATE_RESPONSE"))
    assert entry.clause in page and entry.title_vi in page
    assert "default_due_working_days" in page or all(name in page for name in entry.parameters)
    assert "từ " in page  # "from <date>", in Vietnamese by default


def test_an_unknown_rule_is_a_404_that_names_it(app: Flask) -> None:
    response = app.test_client().get("/rules/NO_SUCH_RULE?lang=en")
    assert response.status_code == 404 and "NO_SUCH_RULE" in text(response)


def test_the_calendar_names_tet_and_the_make_up_saturday_of_2024(app: Flask) -> None:
    page = text(app.test_client().get("/calendar?year=2024"))
    rows = re.findall(r"<tr class=\"(\w+)[^\"]*\"><td>(\d{4}-\d\d-\d\d)</td>", page)
    assert ("off", "2024-02-12") in rows  # the third day of Tết, a Monday
    assert ("working", "2024-05-04") in rows  # the Saturday worked for the 29 April bridge
    assert "Mùng ba Tết Nguyên Đán" in page and "251" in page


def test_a_declared_day_shows_its_notice_and_overrides_the_package(app: Flask, web_ledger: Ledger) -> None:
    report = web_ledger.import_lines(['{"type":"CalendarDayDeclared","date":"2024-12-30","working":false,'
                                      '"reference":"Thông báo 123/TB-UBND","at":"2024-12-01T08:00:00+07:00"}'])
    assert not report.refused
    page = text(app.test_client().get("/calendar?year=2024&lang=en"))
    assert "2024-12-30" in page and "Thông báo 123/TB-UBND" in page and "250 working days" in page


@pytest.mark.parametrize("year", ["1999", "20x4", "２０２４", "-1", "2200"])
def test_a_year_out_of_range_or_not_ascii_digits_is_a_400_page(app: Flask, year: str) -> None:
    response = app.test_client().get(f"/calendar?year={year}&lang=en")
    assert response.status_code == 400 and "2000" in text(response)


def test_an_uploaded_json_report_verifies_and_an_edited_one_does_not(app: Flask, example_ledger: Ledger) -> None:
    body = export_report(example_ledger.report("violations", PARAMETERS, "json"), "json")
    client = app.test_client()
    good = upload(client, body)
    assert good.status_code == 200 and "rows recomputed and confirmed" in text(good)
    edited = upload(client, body.replace(b'"days_late": 2', b'"days_late": 1', 1))
    assert edited.status_code == 422 and "differs from the recomputed report" in text(edited)


def test_an_uploaded_csv_report_with_a_byte_order_mark_verifies(app: Flask, example_ledger: Ledger) -> None:
    body = export_report(example_ledger.report("violations", PARAMETERS, "csv"), "csv")
    assert body.startswith(b"\xef\xbb\xbf")
    response = upload(app.test_client(), body, "report.csv")
    assert response.status_code == 200, text(response)


def test_no_file_or_a_file_that_is_not_utf8_is_refused_with_a_message(app: Flask, example_ledger: Ledger) -> None:
    client = app.test_client()
    assert "Choose a report file" in text(client.post("/verify?lang=en", data={}))
    response = upload(client, b"\xff\xfe{}", "report.json")
    assert response.status_code == 400 and "UTF-8" in text(upload(client, b"\xff\xfe{}", path="/verify?lang=en"))


def test_a_file_that_is_no_report_is_not_verified(app: Flask, example_ledger: Ledger) -> None:
    response = upload(app.test_client(), b'{"rows": []}')
    assert response.status_code == 422 and "not a verifiable report" in text(response)


def test_a_report_larger_than_an_ordinary_form_may_be_uploaded(app: Flask, example_ledger: Ledger) -> None:
    body = export_report(example_ledger.report("violations", PARAMETERS, "json"), "json")
    padded = body.replace(b"{", b"{" + b" " * (2 * 1024 * 1024), 1)  # JSON whitespace: the same report
    assert len(padded) > 2 * 1024 * 1024  # twice what any other form may carry
    response = upload(app.test_client(), padded, "big.json")
    assert response.status_code == 200, text(response)[:300]


def test_the_verification_form_is_refused_without_its_csrf_token(csrf_app: Flask, example_ledger: Ledger) -> None:
    body = export_report(example_ledger.report("violations", PARAMETERS, "json"), "json")
    assert upload(csrf_app.test_client(), body).status_code == 400


def test_a_csv_report_saved_with_crlf_line_endings_verifies_as_on_the_command_line(
        app: Flask, example_ledger: Ledger) -> None:
    body = export_report(example_ledger.report("violations", PARAMETERS, "csv"), "csv")
    response = upload(app.test_client(), body.replace(b"\n", b"\r\n"), "report.csv")
    assert response.status_code == 200, text(response)


@pytest.mark.parametrize("body", [
    b'[' + b','.join([b'{"a":1}'] * 50_000) + b']',  # no report: an array
    b'{"rows":[' + b','.join([b'"a"'] * 200_000) + b']}',  # an object, but millions of values in spirit
    b'plain text, no report',
    b'# procedure-ledger report {"a":[' + b'1,' * 100_000 + b'1]}\nrule,case\n',
])
def test_an_upload_that_cannot_be_a_report_is_refused_before_it_is_parsed(
        app: Flask, example_ledger: Ledger, body: bytes) -> None:
    response = upload(app.test_client(), body)
    assert response.status_code == 422
    assert "no report of the ledger" in text(upload(app.test_client(), body, path="/verify?lang=en"))


def test_while_one_report_is_being_verified_another_is_asked_to_retry(app: Flask, example_ledger: Ledger) -> None:
    import web.public

    body = export_report(example_ledger.report("violations", PARAMETERS, "json"), "json")
    assert web.public._verifying.acquire(blocking=False)
    try:
        response = upload(app.test_client(), body, path="/verify?lang=en")
        assert response.status_code == 503 and response.headers["Retry-After"] == "30"
        assert "try again" in text(response)
    finally:
        web.public._verifying.release()
    assert upload(app.test_client(), body).status_code == 200


def test_an_upload_over_its_limit_is_refused_early_naming_the_limit_of_this_form(app: Flask) -> None:
    from web.config import FILE_FORMS

    response = upload(app.test_client(), b" " * FILE_FORMS["/verify"], path="/verify?lang=en")
    assert response.status_code == 413 and str(FILE_FORMS["/verify"]) in text(response)


def test_the_vietnamese_page_says_the_checks_are_listed_in_english(app: Flask, example_ledger: Ledger) -> None:
    body = export_report(example_ledger.report("violations", PARAMETERS, "json"), "json")
    page = text(upload(app.test_client(), body))
    assert "bằng tiếng Anh" in page and '<ul lang="en">' in page


@pytest.mark.parametrize("query", ["year=" + "9" * 5000, "year=2024&year=2025", "year=02024"])
def test_a_calendar_year_too_long_or_repeated_is_a_400(app: Flask, query: str) -> None:
    assert app.test_client().get(f"/calendar?{query}").status_code == 400


def test_commas_and_brackets_inside_strings_do_not_make_a_genuine_report_look_dense() -> None:
    from web.public import _looks_like_a_report

    row = {"rule": "LATE_RESPONSE", "case": "," * 200, "consultation": "[" * 100 + "," * 100}
    assert _looks_like_a_report(json.dumps({"rows": [row] * 50}))
    codes = [f"ZZ{n:03}" for n in range(500)]  # a CSV header filtering on 500 agencies
    assert _looks_like_a_report("# procedure-ledger report " + json.dumps({"parameters": {"agencies": codes}},
                                                                        separators=(",", ":")) + "\nrule\n")
    assert not _looks_like_a_report(json.dumps({"rows": ["a"] * 100_000}, separators=(",", ":")))

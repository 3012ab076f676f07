"""The inspectors' pages (web/inspect.py): the case search, the replay of one case step by step, its
control slip as PDF, and the way to a finding. Readers (inspectors, oversight and admin logins)
open them; other officials get a 403 page saying why; nobody logged in is sent to log in."""

from __future__ import annotations

import io
import json
import re
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from flask import Flask
from pypdf import PdfReader

from ledger import Ledger
from ledger.demo import generate
from tests.web.test_authorization import reason
from tests.web.test_forms import page, shown_value

LATE = "HCM-2024/Đ1"  # a reference with a slash and a Vietnamese letter
READERS = ("inspector", "oversight", "admin")
OTHER_OFFICIALS = ("clerk", "specialist", "head", "consulted", "consulted_head")


def url(ref: str, suffix: str = "", **query: Any) -> str:
    path = f"/inspect/cases/{quote(ref, safe='')}{suffix}"
    return path + ("?" + "&".join(f"{k}={quote(str(v), safe='')}" for k, v in query.items()) if query else "")


def line(kind: str, at: str, by: str, case: str = LATE, **fields: Any) -> str:
    return json.dumps({"type": kind, "case": case, "at": at, "by": by, **fields}, ensure_ascii=False)


@pytest.fixture
def late_case(web_ledger: Ledger) -> str:
    """Opened 4 March 2024 (due 25 March), led by SXD; STNMT answers C1 two working days late (due
    12 March); resolved four working days late; an inspector confirms the overdue finding."""
    report = web_ledger.import_lines([
        line("CaseOpened", "2024-03-04T09:00:00+07:00", "sxd.clerk", procedure="REAL_ESTATE_DIFFICULTY",
             title="Vướng mắc pháp lý dự án Bình Khánh", applicant={"name": "Công ty Địa ốc Sông Sài Gòn",
                                                                    "kind": "enterprise"}),
        line("LeadAssigned", "2024-03-04T15:00:00+07:00", "sxd.clerk", agency="SXD", official="sxd.nva"),
        line("ConsultationRequested", "2024-03-05T10:00:00+07:00", "sxd.nva", consultation="C1", to="STNMT",
             question="Nguồn gốc đất?", domains=["land"], due_days=5),
        line("ConsultationHandlerDesignated", "2024-03-05T14:00:00+07:00", "stnmt.head", consultation="C1",
             official="stnmt.ltb"),
        line("ConsultationAnswered", "2024-03-14T10:00:00+07:00", "stnmt.ltb", consultation="C1", position="agree",
             reasoning="Đất có nguồn gốc hợp pháp."),
        line("CaseResolved", "2024-03-29T16:00:00+07:00", "sxd.nva", outcome="approved"),
        line("FindingRecorded", "2024-04-02T09:00:00+07:00", "tttp.insp1", rule="CASE_OVERDUE",
             decision="confirmed"),
    ])
    assert not report.refused, report.refused
    return LATE


def step_links(doc: Any) -> dict[str, str]:
    return {a.attrs["data-step-nav"]: a.attrs["href"] for a in doc.find_all("a") if "data-step-nav" in a.attrs}


def step_of(href: str) -> int:
    return int(parse_qs(urlsplit(href).query)["step"][0])


# --- who may open them -------------------------------------------------------------------------


@pytest.mark.parametrize("who", READERS)
def test_readers_open_the_search_the_replay_and_the_slip(who: str, as_user: Any, opened_case: str) -> None:
    client = as_user(who)
    for path in ("/inspect/cases", url(opened_case), url(opened_case, "/slip.pdf")):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("who", OTHER_OFFICIALS)
def test_other_officials_are_refused_with_a_page_that_says_why(who: str, as_user: Any, opened_case: str) -> None:
    client = as_user(who)
    for path in ("/inspect/cases", url(opened_case), url(opened_case, "/slip.pdf")):
        response = client.get(path + "?lang=en")
        assert response.status_code == 403, path
        assert "inspector" in reason(response), path


def test_nobody_logged_in_is_sent_to_log_in(app: Flask, opened_case: str) -> None:
    client = app.test_client()
    for path in ("/inspect/cases", url(opened_case), url(opened_case, "/slip.pdf")):
        response = client.get(path)
        assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login", path


# --- the replay ----------------------------------------------------------------------------------


def test_the_replay_steps_with_first_previous_next_and_last_links(as_user: Any, late_case: str) -> None:
    client = as_user("oversight")

    first = page(client.get(url(late_case, step=1)))
    middle = page(client.get(url(late_case, step=4)))
    end = page(client.get(url(late_case, lang="en")))

    assert set(step_links(first)) == {"next", "last"}
    assert step_of(step_links(first)["next"]) == 2 and step_of(step_links(first)["last"]) == 8
    assert {k: step_of(v) for k, v in step_links(middle).items()} == {"first": 1, "prev": 3, "next": 5, "last": 8}
    assert set(step_links(end)) == {"first", "prev"}
    assert "Step 8 of 8" in end.text


def test_the_timeline_shows_both_times_the_gap_and_the_actor_of_each_step(as_user: Any, late_case: str) -> None:
    doc = page(as_user("inspector").get(url(late_case, step=5, lang="en")))

    rows = [tr for tr in doc.find("table", "timeline").find_all("tr") if tr.attrs.get("id", "").startswith("event-")]
    assert len(rows) == 7
    answer = rows[4]
    times = answer.find_all("time")
    assert [t.attrs["datetime"][:16] for t in times][0] == "2024-03-14T10:00"
    assert "Lê Thị Bích" in answer.text and "STNMT" in answer.text
    assert answer.find("td", "number").text.strip() == "7"  # since the designation on the 5th: 6–8, 11–14 March
    assert "selected" in answer.classes and "later" in rows[5].classes


def test_a_violation_is_highlighted_at_the_step_that_brings_it_and_not_before(as_user: Any, late_case: str) -> None:
    client = as_user("inspector")

    before = page(client.get(url(late_case, step=4, lang="en")))
    at_answer = page(client.get(url(late_case, step=5, lang="en")))

    assert "LATE_RESPONSE" not in before.find("section", "violations").text
    new = at_answer.find_all("li", "new")
    assert [li.find("code").text for li in new] == ["LATE_RESPONSE"]


def test_each_violation_links_to_its_evidence_rows_and_its_rule_page(as_user: Any, late_case: str) -> None:
    doc = page(as_user("oversight").get(url(late_case, lang="en")))

    late = next(li for li in doc.find_all("li", "violation") if li.find("code").text == "LATE_RESPONSE")
    anchors = [a.attrs["href"] for a in late.find("p", "evidence").find_all("a")]
    rows = {tr.attrs["id"] for tr in doc.find_all("tr") if tr.attrs.get("id", "").startswith("event-")}
    assert len(anchors) == 3 and all(a.startswith("#event-") and a[1:] in rows for a in anchors)
    assert late.find("p", "rule").find("a").attrs["href"] == "/rules/LATE_RESPONSE"


def test_only_an_inspector_is_offered_a_finding_link_prefilled_for_the_violation(
        as_user: Any, late_case: str) -> None:
    inspector = as_user("inspector")
    doc = page(inspector.get(url(late_case, lang="en")))

    late = next(li for li in doc.find_all("li", "violation") if li.find("code").text == "LATE_RESPONSE")
    link = late.find("a", "finding").attrs["href"]
    assert urlsplit(link).path == "/inspect/findings"
    assert parse_qs(urlsplit(link).query) == {"case": [late_case], "rule": ["LATE_RESPONSE"],
                                              "consultation": ["C1"],
                                              "evidence": [late.find("p", "evidence").find("a").attrs["href"][7:]]}
    form = page(inspector.get(link))
    assert (shown_value(form, "rule"), shown_value(form, "consultation")) == ("LATE_RESPONSE", "C1")
    for who in ("oversight", "admin"):
        assert page(as_user(who).get(url(late_case))).find_all("a", "finding") == [], who


def test_a_finding_recorded_from_the_replay_leads_back_to_the_replay(
        as_user: Any, late_case: str, web_ledger: Ledger) -> None:
    response = as_user("inspector").post("/inspect/findings", data={
        "case": late_case, "rule": "LATE_RESPONSE", "consultation": "C1", "decision": "dismissed",
        "at": "2024-04-03T09:00"})

    assert response.status_code == 302
    assert response.headers["Location"] == url(late_case)
    assert [r.fields["rule"] for r in web_ledger.records() if r.type == "FindingRecorded"] == [
        "CASE_OVERDUE", "LATE_RESPONSE"]


def test_the_findings_of_the_case_are_listed(as_user: Any, late_case: str) -> None:
    findings = page(as_user("oversight").get(url(late_case, lang="en"))).find("table", "findings")

    assert "CASE_OVERDUE" in findings.text and "Confirmed" in findings.text


def test_rule_titles_follow_the_language_of_the_page(as_user: Any, late_case: str) -> None:
    client = as_user("oversight")

    english = page(client.get(url(late_case, lang="en"))).find("section", "violations").text
    vietnamese = page(client.get(url(late_case, lang="vi"))).find("section", "violations").text

    assert "Consulted agency answered late, or not at all" in english
    assert "Cơ quan được lấy ý kiến trả lời trễ hạn hoặc không trả lời" in vietnamese
    assert "Hồ sơ HCM-2024/Đ1" in vietnamese and "Case HCM-2024/Đ1" in english


def test_the_page_loads_its_keyboard_script_deferred_and_holds_no_inline_script_or_style(
        as_user: Any, late_case: str, app: Flask) -> None:
    client = as_user("inspector")
    html = client.get(url(late_case, step=3)).get_data(as_text=True)

    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.DOTALL)
    assert scripts == [(' src="/static/replay.js" defer', "")]  # one script, from a file, and no inline code
    assert re.search(r"\sstyle\s*=", html) is None and "<style" not in html
    assert '<link rel="stylesheet" href="/static/inspect.css">' in html
    script = client.get("/static/replay.js")
    assert script.status_code == 200 and "ArrowRight" in script.get_data(as_text=True)
    script.close()


def test_as_of_and_known_at_show_the_case_as_it_was(as_user: Any, late_case: str) -> None:
    client = as_user("oversight")

    as_of = page(client.get(url(late_case, as_of="2024-03-13", lang="en")))
    known_before = page(client.get(url(late_case, known_at="2024-01-01", lang="en")))

    rows = [tr for tr in as_of.find_all("tr") if tr.attrs.get("id", "").startswith("event-")]
    assert len(rows) == 4
    assert "3 later events hidden" in as_of.text
    assert any("open" in li.text for li in as_of.find_all("li", "violation")
               if li.find("code").text == "LATE_RESPONSE")  # still unanswered on the 13th
    assert step_of(step_links(as_of)["prev"]) == 4
    assert parse_qs(urlsplit(step_links(as_of)["prev"]).query)["as_of"] == ["2024-03-13"]
    assert "No event of this case is visible" in known_before.text


@pytest.mark.parametrize("query", [
    {"as_of": "2024-13-01"}, {"as_of": "13/03/2024"}, {"known_at": "yesterday"}, {"known_at": "2024-03-05T25:00"},
    {"step": "0"}, {"step": "two"}, {"step": "9"}, {"step": "-1"}, {"step": "１"},
])
def test_a_bad_as_of_known_at_or_step_is_a_400_page_that_says_why_and_shows_nothing_of_the_case(
        query: dict[str, str], as_user: Any, late_case: str) -> None:
    response = as_user("inspector").get(url(late_case, lang="en", **query))

    assert response.status_code == 400
    assert reason(response)
    html = response.get_data(as_text=True)
    assert "Bình Khánh" not in html and 'class="timeline"' not in html


RANGE = "is outside the dates the ledger accepts (2000-01-01 to 2099-12-31)"


@pytest.mark.parametrize(("suffix", "query", "label"), [
    ("", {"as_of": "9999-12-31"}, "As of (business date)"),
    ("", {"as_of": "0001-01-01"}, "As of (business date)"),
    ("", {"as_of": "1999-12-31"}, "As of (business date)"),
    ("", {"known_at": "9999-12-31"}, "Known at (ledger time)"),
    ("", {"known_at": "2100-01-01T09:00"}, "Known at (ledger time)"),
    ("", {"known_at": "0001-01-01T09:00:00+07:00"}, "Known at (ledger time)"),
    ("/slip.pdf", {"as_of": "9999-12-31"}, "As of (business date)"),
    ("/slip.pdf", {"known_at": "2100-01-01"}, "Known at (ledger time)"),
])
def test_a_well_formed_date_outside_the_ledgers_range_is_refused_with_the_range_not_as_malformed(
        suffix: str, query: dict[str, str], label: str, as_user: Any, late_case: str) -> None:
    response = as_user("inspector").get(url(late_case, suffix, lang="en", **query))

    assert response.status_code == 400
    day = next(iter(query.values()))[:10]
    assert reason(response) == f"The filter “{label}” is refused: '{label}' {day} {RANGE}"
    assert "Bình Khánh" not in response.get_data(as_text=True)


@pytest.mark.parametrize(("query", "label"), [("from=9999-12-31", "From"), ("to=1999-12-31", "To")])
def test_a_search_period_outside_the_ledgers_range_is_refused_with_the_range(
        query: str, label: str, as_user: Any) -> None:
    response = as_user("inspector").get(f"/inspect/cases?{query}&lang=en")

    assert response.status_code == 400
    assert reason(response) == f"The filter “{label}” is refused: '{label}' {query[-10:]} {RANGE}"


def test_the_range_of_dates_is_said_in_vietnamese_too(as_user: Any, late_case: str) -> None:
    response = as_user("inspector").get(url(late_case, as_of="9999-12-31", lang="vi"))

    assert response.status_code == 400
    assert "nằm ngoài khoảng ngày sổ cái chấp nhận (từ 2000-01-01 đến 2099-12-31)" in reason(response)


def test_a_malformed_date_is_still_said_to_be_no_date(as_user: Any, late_case: str) -> None:
    response = as_user("inspector").get(url(late_case, as_of="2024-02-30", lang="en"))

    assert response.status_code == 400 and "is not a date: write it YYYY-MM-DD" in reason(response)


@pytest.mark.parametrize("number", ["9" * 5000, "1234567890", "0000000000"])
def test_a_step_or_page_number_too_long_to_be_ours_is_a_400_page(number: str, as_user: Any, late_case: str) -> None:
    client = as_user("inspector")
    for path in (url(late_case, step=number, lang="en"), f"/inspect/cases?page={number}&lang=en"):
        response = client.get(path)
        assert response.status_code == 400, path[:60]
        assert "must be a whole number from 1" in reason(response), path[:60]


def test_a_parameter_given_twice_is_a_400(as_user: Any, late_case: str) -> None:
    response = as_user("inspector").get(url(late_case) + "?step=1&step=2&lang=en")

    assert response.status_code == 400 and "more than once" in reason(response)


def test_an_unknown_case_is_a_404_page(as_user: Any) -> None:
    for path in (url("HCM-NOPE"), url("HCM-NOPE", "/slip.pdf")):
        response = as_user("inspector").get(path + "?lang=en")
        assert response.status_code == 404 and "HCM-NOPE" in reason(response), path


def test_a_case_named_like_a_neighbours_slip_is_served_at_its_escaped_url(
        as_user: Any, web_ledger: Ledger) -> None:
    report = web_ledger.import_lines([
        line("CaseOpened", "2024-03-04T09:00:00+07:00", "sxd.clerk", case=ref, procedure="CONSTRUCTION_PERMIT",
             title=title) for ref, title in (("HCM-S", "Hồ sơ gốc"), ("HCM-S/slip.pdf", "Hồ sơ tên lạ"))])
    assert not report.refused
    client = as_user("inspector")

    named = client.get("/inspect/cases/HCM-S%2Fslip.pdf")
    slip = client.get("/inspect/cases/HCM-S/slip.pdf")

    assert named.status_code == 200 and "Hồ sơ tên lạ" in named.get_data(as_text=True)
    assert slip.mimetype == "application/pdf" and "HCM-S" in pdf_text(slip.data)


# --- the search ----------------------------------------------------------------------------------


def test_the_search_finds_cases_by_reference_and_by_rule_and_links_to_each(
        as_user: Any, opened_case: str, late_case: str) -> None:
    client = as_user("oversight")

    by_reference = page(client.get("/inspect/cases?q=web&lang=en"))
    by_rule = page(client.get("/inspect/cases?rule=LATE_RESPONSE&lang=en"))

    assert [a.attrs["href"] for a in by_reference.find("table", "cases").find_all("a")] == [url(opened_case)]
    assert [a.text for a in by_rule.find("table", "cases").find_all("a")] == [late_case]
    assert [a.attrs["href"] for a in by_rule.find("table", "cases").find_all("a")] == [url(late_case)]
    by_letter = page(client.get("/inspect/cases?q=" + quote("/Đ1")))
    assert [a.text for a in by_letter.find("table", "cases").find_all("a")] == [late_case]


def test_the_search_filters_by_agency_role_status_procedure_and_period(
        as_user: Any, opened_case: str, late_case: str) -> None:
    client = as_user("inspector")

    def cases(query: str) -> list[str]:
        doc = page(client.get("/inspect/cases?" + query))
        tables = doc.find_all("table", "cases")
        return [a.text for a in tables[0].find_all("a")] if tables else []

    assert cases("agency=STNMT&role=consulted") == [late_case]
    assert cases("agency=STC&role=consulted") == [opened_case]
    assert cases("agency=SXD&role=lead") == [opened_case, late_case]
    assert cases("status=resolved") == [late_case]
    assert cases("status=open&procedure=REAL_ESTATE_DIFFICULTY") == [opened_case]
    assert cases("from=2024-03-01&to=2024-03-31") == [late_case]


def test_the_search_pages_by_fifty_newest_first(as_user: Any, web_ledger: Ledger) -> None:
    report = web_ledger.import_lines([
        line("CaseOpened", f"2024-03-{1 + n % 28:02d}T09:00:00+07:00", "sxd.clerk", case=f"HCM-P-{n:03d}",
             procedure="CONSTRUCTION_PERMIT", title="Cấp phép") for n in range(55)])
    assert not report.refused
    client = as_user("admin")

    first = page(client.get("/inspect/cases?q=HCM-P&lang=en"))
    second = page(client.get("/inspect/cases?q=HCM-P&page=2&lang=en"))

    assert len(first.find("table", "cases").find_all("tr")) == 51  # a heading row and fifty cases
    assert len(second.find("table", "cases").find_all("tr")) == 6
    assert parse_qs(urlsplit(first.find("a", rel="next").attrs["href"]).query) == {"q": ["HCM-P"], "page": ["2"]}


@pytest.mark.parametrize("query", ["rule=NO_SUCH", "status=closed", "role=owner", "agency=NOPE", "page=0",
                                   "page=x", "from=2024-02-30", "from=2024-05-01&to=2024-04-01",
                                   "procedure=NOPE"])
def test_a_bad_search_parameter_is_a_400_page_that_says_why(query: str, as_user: Any) -> None:
    response = as_user("inspector").get(f"/inspect/cases?{query}&lang=en")

    assert response.status_code == 400 and reason(response)


# --- the control slip ----------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The PDF's text, with a table cell's wrapped lines joined by single spaces."""
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def test_the_slip_is_a_pdf_naming_the_case_its_procedure_and_its_hand_overs_in_vietnamese(
        as_user: Any, late_case: str) -> None:
    response = as_user("inspector").get(url(late_case, "/slip.pdf"))

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline; filename=")
    text = pdf_text(response.data)
    for expected in ("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", late_case,
                     "Tháo gỡ khó khăn, vướng mắc của doanh nghiệp bất động sản", "Sở Xây dựng",
                     "Sở Tài nguyên và Môi trường", "Công ty Địa ốc Sông Sài Gòn", "Quá hạn 2 ngày làm việc",
                     "Trước hạn", "Người nhận: Nguyễn Văn An"):
        assert expected in text, expected


def test_the_slip_follows_the_as_of_date(as_user: Any, late_case: str) -> None:
    text = pdf_text(as_user("inspector").get(url(late_case, "/slip.pdf", as_of="2024-03-06")).data)

    assert "Xin ý kiến C1" in text and "Trả lời C1" not in text


def test_every_slip_of_a_small_demo_ledger_is_one_or_two_a4_pages(as_user: Any, web_ledger: Ledger) -> None:
    generate(web_ledger, cases=12, seed=5)
    client = as_user("oversight")
    cases = sorted({r.case for r in web_ledger.records() if r.case})
    assert len(cases) >= 12

    for ref in cases:
        response = client.get(url(ref, "/slip.pdf"))
        reader = PdfReader(io.BytesIO(response.data))
        assert 1 <= len(reader.pages) <= 2, ref
        assert all(round(float(p.mediabox.width)) == 595 and round(float(p.mediabox.height)) == 842
                   for p in reader.pages), ref
        assert ref in pdf_text(response.data), ref

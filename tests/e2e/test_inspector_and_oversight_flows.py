"""The inspectors' and the oversight bodies' flows in a real browser, over real HTTP, CSRF on.

An inspector finds a case, steps through its history from the keyboard, sees the late answer's
violation appear at the very step that caused it, and records a finding on it. An oversight user
filters the dashboard, sees its charts, and downloads an XLSX and a PDF that hold the rows of
`ledger violations` for the same filters. No page asks anything of a host but this one.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from ledger import Ledger
from ledger.demo import generate
from tests.web.conftest import PASSWORD, USERS

from .conftest import LiveServer, log_in, serving

CASE = "HCM-E2E-REPLAY"
#: A case whose consultation (due 2025-03-11, five working days after the request) is answered on
#: 2025-03-20: late by 7 working days. Imported history, so no late recording is judged.
HISTORY = [
    {"type": "CaseOpened", "case": CASE, "procedure": "REAL_ESTATE_DIFFICULTY", "title": "Vướng mắc dự án Bình Khánh",
     "at": "2025-03-03T09:00:00+07:00", "by": "sxd.clerk"},
    {"type": "LeadAssigned", "case": CASE, "agency": "SXD", "official": "sxd.nva", "at": "2025-03-03T10:00:00+07:00",
     "by": "sxd.clerk"},
    {"type": "ConsultationRequested", "case": CASE, "consultation": "C1", "to": "STC", "question": "Ý kiến về vốn?",
     "due_days": 5, "at": "2025-03-04T09:00:00+07:00", "by": "sxd.nva"},
    {"type": "ConsultationAnswered", "case": CASE, "consultation": "C1", "position": "agree",
     "reasoning": "Đồng ý, vốn đã bố trí.", "at": "2025-03-20T15:00:00+07:00", "by": "stc.clerk"},
]
ANSWER_STEP = 4


def late_response(page: Any) -> Any:
    return page.locator("li.violation", has=page.locator("p.rule code", has_text="LATE_RESPONSE"))


def step_shown(page: Any) -> int:
    return int(parse_qs(urlsplit(page.url).query)["step"][0])


def press(page: Any, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def test_an_inspector_sees_the_late_answer_appear_at_its_step_and_records_a_finding(
        live_server: LiveServer, browser_page: Any, offsite_requests: list[str]) -> None:
    report = live_server.ledger.import_lines([json.dumps(line, ensure_ascii=False) for line in HISTORY])
    assert not report.refused, report.refused
    page = browser_page
    log_in(page, live_server, "inspector")
    assert urlsplit(page.url).path == "/inspect/cases"  # an inspector's home

    page.fill("input[name=q]", "E2E-REPLAY")
    with page.expect_navigation():
        page.locator("form.search button[type=submit]").click()
    with page.expect_navigation():
        page.get_by_role("link", name=CASE).first.click()

    press(page, "Home")
    assert step_shown(page) == 1
    for expected in range(2, ANSWER_STEP):
        press(page, "ArrowRight")
        assert step_shown(page) == expected
        expect(late_response(page)).to_have_count(0)  # not before the answer: the request was not yet due
    press(page, "ArrowRight")
    assert step_shown(page) == ANSWER_STEP
    violation = late_response(page)
    expect(violation).to_have_count(1)
    expect(violation).to_have_class("violation closed new")
    expect(violation.locator(".badge.new")).to_be_visible()
    expect(page.locator(f"tr#event-{live_server.records('ConsultationAnswered', CASE)[0].event} .badge.appeared"))\
        .to_contain_text("LATE_RESPONSE")
    assert violation.locator("p.rule a").get_attribute("href") == "/rules/LATE_RESPONSE"

    with page.expect_navigation():
        violation.locator("a.finding").click()
    assert urlsplit(page.url).path == "/inspect/findings"
    expect(page.locator("select[name=rule]")).to_have_value("LATE_RESPONSE")
    page.select_option("select[name=decision]", "confirmed")
    page.fill("textarea[name=note]", "Đã xác minh: trả lời chậm 7 ngày làm việc.")
    with page.expect_navigation():
        page.click("form.event button[type=submit]")

    findings = live_server.records("FindingRecorded", CASE)
    assert [(f.fields["rule"], f.fields["decision"], f.by) for f in findings] == [
        ("LATE_RESPONSE", "confirmed", "tttp.insp1")]
    # Back on the case as it stands: the finding (its own, later step) marks the violation confirmed.
    assert urlsplit(page.url).path == f"/inspect/cases/{CASE}"
    expect(late_response(page)).to_have_class(re.compile(r"\bconfirmed\b"))
    assert offsite_requests == []


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A small demo year (every rule fires) with the fixtures' logins, served over HTTP."""
    ledger = Ledger(str(tmp_path / "demo.db"), key_file=tmp_path / "ledger.key")
    generate(ledger, cases=60, seed=3)
    for login, official, role in USERS.values():
        ledger.accounts.add_login(login, official, PASSWORD, role)
    with serving(ledger) as server:
        yield server


def download(page: Any, link: Any) -> bytes:
    with page.expect_download() as info:
        link.click()
    path = info.value.path()
    return Path(path).read_bytes()


def test_an_oversight_user_filters_the_dashboard_and_downloads_xlsx_and_pdf(
        demo_server: LiveServer, browser_page: Any, offsite_requests: list[str]) -> None:
    ledger = demo_server.ledger
    rule = "LATE_RESPONSE"
    expected = [v.as_dict() for v in ledger.violations() if v.rule == rule]
    assert expected, "the demo year has late responses"
    page = browser_page
    log_in(page, demo_server, "oversight")
    assert urlsplit(page.url).path == "/oversight/"  # the oversight body's home

    page.select_option("select[name=rule]", rule)
    with page.expect_navigation():
        page.locator("form.oversight-filters button[type=submit]").click()
    assert parse_qs(urlsplit(page.url).query)["rule"] == [rule]
    charts = page.locator("main img")
    assert charts.count() >= 5
    for index in range(charts.count()):  # every chart drawn, from this machine
        chart = charts.nth(index)
        assert (chart.get_attribute("alt") or "").strip(), "a chart without its text alternative"
        assert chart.evaluate("img => img.complete && img.naturalWidth > 0"), chart.get_attribute("src")

    exports = page.locator("section.exports")
    xlsx = download(page, exports.locator("a[href*='/export/violations.xlsx']"))
    rows = list(load_workbook(io.BytesIO(xlsx), read_only=True).worksheets[0].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    case_column, rule_column = header.index(next(h for h in header if "case" in str(h).lower())), 0
    assert [(r[rule_column], r[case_column]) for r in body] == [(v["rule"], v["case"]) for v in expected]

    pdf = download(page, exports.locator("a[href*='/export/violations.pdf']"))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "VI PHẠM" in text and all(v["case"] in text for v in expected)
    assert offsite_requests == []

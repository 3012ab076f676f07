"""The agencies' flows in a real browser, over real HTTP, with CSRF on (SPEC §11).

Each test drives the pages as a user would (log in, follow the links, fill the forms, submit),
then checks what the ledger holds, and that the pages asked nothing of any host but this one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from ledger import LOCAL_TZ

from .conftest import LiveServer, log_in

SUBMIT = "form.event button[type=submit]"


def submit(page: Any) -> None:
    with page.expect_navigation():
        page.click(SUBMIT)


def shown_refusals(page: Any) -> list[str]:
    """What the page says went wrong (for a failing assertion's message)."""
    return [page.title(), *page.locator("p.error, div.warning, main h1").all_inner_texts()]


def awaiting_row(page: Any, case: str, consultation: str) -> Any:
    return page.locator(f'section#awaiting tr[data-case="{case}"][data-consultation="{consultation}"]')


def test_the_consulted_clerk_answers_from_the_inbox(live_server: LiveServer, opened_case: str, browser_page: Any,
                                                    offsite_requests: list[str]) -> None:
    page = browser_page
    before = len(live_server.records())
    log_in(page, live_server, "consulted")
    page.goto(f"{live_server.url}/inbox")
    row = awaiting_row(page, opened_case, "C1")
    expect(row).to_have_count(1)

    with page.expect_navigation():
        row.locator("a.button").click()
    assert urlsplit(page.url).path == "/events/ConsultationAnswered"
    expect(page.locator("input[name=case]")).to_have_value(opened_case)
    expect(page.locator("select[name=consultation]")).to_have_value("C1")
    page.select_option("select[name=position]", "agree")
    page.fill("textarea[name=reasoning]", "Sở Tài chính đồng ý: vốn đã được bố trí trong kế hoạch năm.")
    submit(page)

    assert urlsplit(page.url).path == f"/cases/{opened_case}", shown_refusals(page)
    expect(page.locator("p.flash.success")).to_have_count(1)
    page.goto(f"{live_server.url}/inbox")
    expect(page.locator("section#awaiting")).to_be_visible()
    expect(awaiting_row(page, opened_case, "C1")).to_have_count(0)

    new = live_server.records()[before:]
    assert [(r.type, r.case, r.by, r.source) for r in new] == [
        ("ConsultationAnswered", opened_case, "stc.clerk", "web")]
    answered = new[0].fields
    assert answered["consultation"] == "C1" and answered["position"] == "agree"
    assert answered["reasoning"].startswith("Sở Tài chính đồng ý")
    assert offsite_requests == []


def test_each_inbox_row_opens_the_answer_form_of_its_own_consultation(
        live_server: LiveServer, opened_case: str, browser_page: Any, offsite_requests: list[str]) -> None:
    """With two consultations of one case awaiting the same agency, the second row's "answer"
    link opens the form on the second consultation, and the answer goes to it."""
    at = datetime.now(LOCAL_TZ).replace(microsecond=0) - timedelta(minutes=20)
    live_server.ledger.append([{"type": "ConsultationRequested", "case": opened_case, "consultation": "C2",
                                "to": "STC", "question": "Ý kiến về thuế?", "at": at.isoformat(),
                                "by": "sxd.nva"}], source="web")
    page = browser_page
    log_in(page, live_server, "consulted")
    page.goto(f"{live_server.url}/inbox")
    expect(page.locator("section#awaiting tr[data-consultation]")).to_have_count(2)

    with page.expect_navigation():
        awaiting_row(page, opened_case, "C2").locator("a.button").click()
    assert parse_qs(urlsplit(page.url).query).get("consultation") == ["C2"]
    expect(page.locator("select[name=consultation]")).to_have_value("C2")
    page.select_option("select[name=position]", "agree")
    page.fill("textarea[name=reasoning]", "Đồng ý về thuế.")
    submit(page)

    answered = live_server.records("ConsultationAnswered", opened_case)
    assert [r.fields["consultation"] for r in answered] == ["C2"]
    page.goto(f"{live_server.url}/inbox")
    expect(awaiting_row(page, opened_case, "C1")).to_have_count(1)
    expect(awaiting_row(page, opened_case, "C2")).to_have_count(0)
    assert offsite_requests == []


def test_the_lead_opens_a_case_assigns_itself_and_consults(live_server: LiveServer, browser_page: Any,
                                                           offsite_requests: list[str]) -> None:
    page = browser_page
    ref = "HCM-E2E-2"
    log_in(page, live_server, "specialist")

    with page.expect_navigation():
        page.click("header.top nav a[href='/events/CaseOpened']")
    page.fill("input[name=case]", ref)
    page.select_option("select[name=procedure]", "REAL_ESTATE_DIFFICULTY")
    page.fill("textarea[name=title]", "Khó khăn dự án B: giải phóng mặt bằng")
    submit(page)
    assert urlsplit(page.url).path == f"/cases/{ref}", shown_refusals(page)

    with page.expect_navigation():
        page.click("ul.actions a[href^='/events/LeadAssigned?']")
    expect(page.locator("input[name=case]")).to_have_value(ref)
    page.select_option("select[name=agency]", "SXD")
    page.select_option("select[name=official]", "sxd.nva")
    submit(page)
    assert urlsplit(page.url).path == f"/cases/{ref}", shown_refusals(page)

    with page.expect_navigation():
        page.click("ul.actions a[href^='/events/ConsultationRequested?']")
    page.fill("input[name=consultation]", "C1")
    page.select_option("select[name=to]", "STC")
    page.fill("textarea[name=question]", "Ý kiến của Sở Tài chính về nguồn vốn?")
    submit(page)
    assert urlsplit(page.url).path == f"/cases/{ref}", shown_refusals(page)
    expect(page.locator("dl.facts")).to_contain_text("SXD")

    events = live_server.records(case=ref)
    assert [(r.type, r.by, r.source) for r in events] == [
        ("CaseOpened", "sxd.nva", "web"), ("LeadAssigned", "sxd.nva", "web"),
        ("ConsultationRequested", "sxd.nva", "web")]
    assert events[0].fields["procedure"] == "REAL_ESTATE_DIFFICULTY"
    assert events[0].fields["title"] == "Khó khăn dự án B: giải phóng mặt bằng"
    assert (events[1].fields["agency"], events[1].fields["official"]) == ("SXD", "sxd.nva")
    assert (events[2].fields["consultation"], events[2].fields["to"]) == ("C1", "STC")
    page.goto(f"{live_server.url}/inbox")
    expect(page.locator(f'section#leading tr[data-case="{ref}"]')).to_have_count(1)
    expect(page.locator(f'section#asked tr[data-case="{ref}"][data-consultation="C1"]')).to_have_count(1)
    assert offsite_requests == []


def test_a_refused_form_shows_why_beside_the_field_and_keeps_what_was_typed(
        live_server: LiveServer, browser_page: Any, offsite_requests: list[str]) -> None:
    page = browser_page
    ref = "HCM-E2E-3"
    before = live_server.ledger.event_count()
    log_in(page, live_server, "clerk")
    page.goto(f"{live_server.url}/events/CaseOpened")
    page.fill("input[name=case]", ref)
    page.select_option("select[name=procedure]", "REAL_ESTATE_DIFFICULTY")
    page.fill("input[name=applicant_name]", "Công ty Cổ phần Ánh Dương")
    page.fill("input[name=applicant_kind]", "doanh nghiệp")
    page.fill("textarea[name=note]", "Hồ sơ nộp trực tiếp")
    with page.expect_response(lambda r: urlsplit(r.url).path == "/events/CaseOpened"
                              and r.request.method == "POST") as posted:
        page.click(SUBMIT)
    assert posted.value.status == 400
    page.wait_for_load_state()

    title_field = page.locator("div.field.has-error", has=page.locator("textarea[name=title]"))
    expect(title_field).to_have_count(1)
    expect(title_field.locator("p.error")).to_have_count(1)
    expect(title_field.locator("p.error")).not_to_have_text("")
    expect(page.locator("textarea[name=title]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("div.field.has-error")).to_have_count(1)  # only the title is at fault
    expect(page.locator("input[name=case]")).to_have_value(ref)
    expect(page.locator("select[name=procedure]")).to_have_value("REAL_ESTATE_DIFFICULTY")
    expect(page.locator("input[name=applicant_name]")).to_have_value("Công ty Cổ phần Ánh Dương")
    expect(page.locator("input[name=applicant_kind]")).to_have_value("doanh nghiệp")
    expect(page.locator("textarea[name=note]")).to_have_value("Hồ sơ nộp trực tiếp")
    assert live_server.ledger.event_count() == before
    assert live_server.records(case=ref) == []

    # Corrected and submitted again, the same form is recorded once.
    page.fill("textarea[name=title]", "Khó khăn dự án C")
    submit(page)
    assert urlsplit(page.url).path == f"/cases/{ref}", shown_refusals(page)
    opened = live_server.records(case=ref)
    assert [(r.type, r.by, r.source) for r in opened] == [("CaseOpened", "sxd.clerk", "web")]
    assert opened[0].fields["applicant"] == {"name": "Công ty Cổ phần Ánh Dương", "kind": "doanh nghiệp"}
    assert opened[0].note == "Hồ sơ nộp trực tiếp"
    assert offsite_requests == []


def test_the_guard_records_and_blocks_a_request_off_the_machine(live_server: LiveServer, browser_page: Any,
                                                               offsite_requests: list[str]) -> None:
    """The `offsite_requests == []` checks above prove something only if the guard sees such requests.
    On the application's pages the Content-Security-Policy already stops one inside the browser; on a
    page without that policy the request leaves the page and the guard records and blocks it."""
    page = browser_page
    fetch = """() => fetch("https://cdn.example.com/lib.js").then(() => "fetched", () => "blocked")"""
    page.goto(f"{live_server.url}/login")
    assert page.evaluate(fetch) == "blocked"  # the page's CSP stops it before it leaves
    assert offsite_requests == []
    page.goto("about:blank")
    assert page.evaluate(fetch) == "blocked"
    assert offsite_requests == ["https://cdn.example.com/lib.js"]

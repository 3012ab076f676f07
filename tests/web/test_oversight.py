"""The oversight bodies' pages: the dashboard and its charts, the violations table and the
verifiable exports, on a synthetic year of cases (ledger.demo), for the logins of the fixtures."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from html import unescape
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from matplotlib.font_manager import findfont
from matplotlib.ft2font import FT2Font
from pypdf import PdfReader

from ledger import DashboardFilters, Ledger, dashboard_figures, default_period
from ledger.cli import main
from ledger.demo import generate
from tests.web.conftest import PASSWORD, USERS, log_in
from web import create_app

CHARTS = ("by_rule", "by_agency", "on_time", "trend", "officials")
CSV_MARK = "# procedure-ledger report "


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    """A synthetic year of 150 cases up to today (every rule fires somewhere), one login per role."""
    folder = tmp_path_factory.mktemp("oversight")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEDGER_ARGON2_PROFILE", "test")
        ledger = Ledger(str(folder / "demo.db"), key_file=folder / "ledger.key")
        generate(ledger, cases=150, seed=5)
        for login, official, role in USERS.values():
            ledger.accounts.add_login(login, official, PASSWORD, role)
    yield ledger
    ledger.close()


@pytest.fixture(scope="module")
def demo_app(demo: Ledger) -> Flask:
    return create_app({"LEDGER": demo, "SECRET_KEY": "test-secret", "SESSION_COOKIE_SECURE": False,
                       "REMEMBER_COOKIE_SECURE": False, "WTF_CSRF_ENABLED": False})


@pytest.fixture
def as_login(demo_app: Flask) -> Any:
    def make(who: str) -> FlaskClient:
        return log_in(demo_app.test_client(), who)

    return make


@pytest.fixture
def oversight(as_login: Any) -> FlaskClient:
    return as_login("oversight")  # type: ignore[no-any-return]


@pytest.fixture
def cli(demo: Ledger, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`ledger …` on the demo's store, with its key; returns the command's output."""
    monkeypatch.setenv("LEDGER_KEY_FILE", str(demo.key_path))

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, ["--db", str(demo.config.sqlite_path), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    return run


def page(response: Any) -> str:
    return str(response.get_data(as_text=True))


def reason(response: Any) -> str:
    found = re.search(r'<p class="reason">(.*?)</p>', page(response), re.DOTALL)
    return unescape(found.group(1)).strip() if found else ""


def urls(html: str, pattern: str) -> list[str]:
    return [unescape(u) for u in re.findall(pattern, html)]


# --- who may open the pages ------------------------------------------------------------------------------

PAGES = ["/oversight/", *(f"/oversight/charts/{name}.svg" for name in CHARTS), "/oversight/violations",
         *(f"/oversight/export/{kind}.json" for kind in ("violations", "delays", "scorecard"))]


@pytest.mark.parametrize("who", ["oversight", "admin"])
def test_oversight_and_admin_logins_open_the_dashboard_every_chart_the_table_and_the_exports(
        who: str, as_login: Any) -> None:
    client = as_login(who)

    assert {url: client.get(url).status_code for url in PAGES} == {url: 200 for url in PAGES}


@pytest.mark.parametrize("who", ["clerk", "head", "consulted", "inspector"])
def test_officials_even_the_inspector_get_a_403_page_saying_only_oversight_reads_every_agency(
        who: str, as_login: Any) -> None:
    client = as_login(who)

    for url in PAGES:
        response = client.get(url + "?lang=en")
        assert response.status_code == 403, url
        assert "oversight" in reason(response), url


def test_nobody_logged_in_is_sent_to_the_login_page(demo_app: Flask) -> None:
    client = demo_app.test_client()

    for url in PAGES:
        response = client.get(url)
        assert (response.status_code, response.headers["Location"].split("?")[0]) == (302, "/login"), url


# --- the dashboard -----------------------------------------------------------------------------------------


def test_the_dashboard_shows_the_totals_of_the_figures_for_the_last_twelve_months(
        demo: Ledger, oversight: FlaskClient) -> None:
    today = demo.today()
    figures = dashboard_figures(demo, DashboardFilters(*default_period(today), today))

    html = page(oversight.get("/oversight/?lang=en"))
    totals = re.findall(r"<dd>([\d,]+)", html)

    assert totals == [f"{n:,}" for n in (figures.totals.violations, figures.totals.open, figures.totals.delay_days,
                                          figures.totals.cases_on_time)]
    assert f"/ {figures.totals.cases:,}" in html
    assert f'value="{default_period(today)[0].isoformat()}"' in html


def test_each_chart_is_an_image_of_the_same_question_with_a_text_alternative(oversight: FlaskClient) -> None:
    html = page(oversight.get("/oversight/?agency=SXD&from=2026-01-01&lang=en"))
    images = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', html)

    assert [re.search(r"/charts/(\w+)\.svg", src).group(1) for src, _ in images] == list(CHARTS)  # type: ignore[union-attr]
    for src, alt in images:
        assert "agency=SXD" in src and "from=2026-01-01" in src and "lang=en" in src
        assert oversight.get(unescape(src)).status_code == 200
        assert len(unescape(alt)) > 20
    assert html.count("<table>") == len(CHARTS)  # the figures of each chart, under it


def test_the_dashboard_has_no_inline_script_or_style(oversight: FlaskClient) -> None:
    html = page(oversight.get("/oversight/"))

    assert "<script" not in html and "<style" not in html
    assert not re.search(r"\sstyle=", html) and not re.search(r"\son[a-z]+=", html)
    assert "oversight.css" in html


@pytest.mark.parametrize("name", CHARTS)
def test_a_chart_is_an_svg_image_that_refers_to_nothing_outside_itself(name: str, oversight: FlaskClient) -> None:
    response = oversight.get(f"/oversight/charts/{name}.svg")
    svg = response.get_data(as_text=True)

    assert response.mimetype == "image/svg+xml"
    assert ElementTree.fromstring(response.data).tag == "{http://www.w3.org/2000/svg}svg"
    assert set(re.findall(r"https?://[^\s\"'<>)]+", svg)) == {"http://www.w3.org/2000/svg"}
    assert "xlink" not in svg and "<!DOCTYPE" not in svg


def test_a_chart_speaks_the_language_of_the_request(oversight: FlaskClient) -> None:
    vietnamese = oversight.get("/oversight/charts/by_rule.svg?lang=vi").get_data(as_text=True)
    english = oversight.get("/oversight/charts/by_rule.svg?lang=en").get_data(as_text=True)

    assert "<!-- Vi phạm -->" in vietnamese and "<!-- Violations -->" not in vietnamese
    assert "<!-- Violations -->" in english


def test_an_unchanged_chart_is_not_sent_again(oversight: FlaskClient) -> None:
    first = oversight.get("/oversight/charts/trend.svg")
    again = oversight.get("/oversight/charts/trend.svg", headers={"If-None-Match": first.headers["ETag"]})

    assert (first.status_code, again.status_code) == (200, 304)


def test_the_dashboard_links_to_every_export_with_its_filters_and_to_verify(oversight: FlaskClient) -> None:
    html = page(oversight.get("/oversight/?rule=LATE_RESPONSE&as_of=2026-11-30"))
    exports = urls(html, r'href="(/oversight/export/[^"]+)"')

    assert {re.match(r"/oversight/export/(\w+)\.(\w+)", u).groups() for u in exports} == {  # type: ignore[union-attr]
        (kind, fmt) for kind in ("violations", "delays", "scorecard") for fmt in ("json", "csv", "xlsx", "pdf")}
    assert all("as_of=2026-11-30" in u for u in exports)
    assert 'href="/verify"' in html


# --- the violations table ------------------------------------------------------------------------------------


def test_the_table_links_each_rule_to_the_rulebook_and_each_case_to_the_inspectors_page(
        oversight: FlaskClient) -> None:
    html = page(oversight.get("/oversight/violations?from=2000-01-01"))
    rules = urls(html, r'href="(/rules/[A-Z_]+)"')
    cases = urls(html, r'href="(/inspect/cases/[^"]+)"')

    assert len(rules) >= 100 and len(cases) >= 90  # a page: 100 rows, a few without a case
    assert oversight.get(rules[0]).status_code == 200
    assert all(re.fullmatch(r"/inspect/cases/HCM-[0-9]{4}-[0-9]{5}", c) for c in cases)


def test_the_table_is_paged_and_says_how_many_of_how_many(demo: Ledger, oversight: FlaskClient) -> None:
    total = len(demo.violations())

    first = page(oversight.get("/oversight/violations?from=2000-01-01&lang=en"))
    second = page(oversight.get("/oversight/violations?from=2000-01-01&page=2&lang=en"))
    pages = -(-total // 100)

    assert total > 100
    assert f"<small>{total} / {total}</small>" in first
    assert f"Page 1 of {pages}" in first and f"Page 2 of {pages}" in second
    assert "<td>101</td>" in second and "<td>101</td>" not in first
    assert oversight.get(f"/oversight/violations?from=2000-01-01&page={pages + 1}").status_code == 404


def test_the_table_narrows_to_the_period_rule_and_agency(demo: Ledger, oversight: FlaskClient) -> None:
    today = demo.today()
    start = today - timedelta(days=90)
    expected = [v for v in demo.violations() if v.rule == "LATE_RESPONSE" and start <= (v.due or v.act_on)]

    html = page(oversight.get(f"/oversight/violations?rule=LATE_RESPONSE&from={start.isoformat()}"))

    assert f"<small>{len(expected)} / {len(demo.violations())}</small>" in html
    assert html.count('href="/rules/LATE_RESPONSE"') == len(expected)


def test_the_table_links_to_its_exports_and_to_verify(oversight: FlaskClient) -> None:
    html = page(oversight.get("/oversight/violations?agency=SXD"))
    exports = urls(html, r'href="(/oversight/export/violations\.\w+[^"]*)"')

    assert len(exports) == 4 and all("agency=SXD" in u for u in exports)
    assert 'href="/verify"' in html


# --- the exports -----------------------------------------------------------------------------------------------


@pytest.fixture
def question(demo: Ledger) -> dict[str, str]:
    """A narrowed question: an earlier as-of date, one rule, the agency with most violations of it."""
    as_of = demo.today() - timedelta(days=10)
    late = [v for v in demo.violations(as_of=as_of) if v.rule == "LATE_RESPONSE"]
    agency = max({v.agency for v in late}, key=lambda a: sum(v.agency == a for v in late))
    return {"as_of": as_of.isoformat(), "rule": "LATE_RESPONSE", "agency": agency}


def cli_rows(cli: Any, question: dict[str, str], fmt: str) -> Any:
    output = cli("violations", "--as-of", question["as_of"], "--rule", question["rule"], "--agency",
                 question["agency"], "--format", fmt)
    return json.loads(output) if fmt == "json" else list(csv.DictReader(io.StringIO(output)))


def export(client: FlaskClient, kind: str, fmt: str, question: dict[str, str], **more: str) -> Any:
    response = client.get(f"/oversight/export/{kind}.{fmt}", query_string={**question, **more})
    assert response.status_code == 200, page(response)[:500]
    return response


def test_the_json_export_holds_the_rows_of_ledger_violations_for_the_same_filters(
        demo: Ledger, oversight: FlaskClient, cli: Any, question: dict[str, str]) -> None:
    response = export(oversight, "violations", "json", question)
    data = json.loads(response.data)

    assert response.mimetype == "application/json"
    assert data["rows"] == cli_rows(cli, question, "json") != []
    assert data["parameters"] == {"as_of": question["as_of"], "known_at": None, "rules": ["LATE_RESPONSE"],
                                  "agencies": [question["agency"]], "include_dismissed": False}
    assert data["checkpoint"]["size"] == demo.event_count()
    assert data["rulebook"] and data["calendar"] == demo.calendar_version()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="violations_{question["as_of"]}_at-{demo.event_count()}.json"')


def test_the_csv_export_is_utf8_with_a_bom_and_holds_the_rows_of_ledger_violations(
        demo: Ledger, oversight: FlaskClient, cli: Any, question: dict[str, str]) -> None:
    response = export(oversight, "violations", "csv", question)
    text = response.data.decode("utf-8-sig")
    header, _, body = text.partition("\n")
    meta = json.loads(header.removeprefix(CSV_MARK))

    assert response.data.startswith(codecs.BOM_UTF8)
    assert header.startswith(CSV_MARK)
    assert list(csv.DictReader(io.StringIO(body))) == cli_rows(cli, question, "csv") != []
    assert (meta["checkpoint"]["size"], meta["calendar"]) == (demo.event_count(), demo.calendar_version())
    assert meta["rulebook"]


def test_the_xlsx_export_holds_the_rows_of_ledger_violations_and_names_its_checkpoint(
        demo: Ledger, oversight: FlaskClient, cli: Any, question: dict[str, str]) -> None:
    response = export(oversight, "violations", "xlsx", question)
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    rows_sheet, check_sheet = workbook.worksheets[:2]
    header, *rows = [list(r) for r in rows_sheet.iter_rows(values_only=True)]
    expected = cli_rows(cli, question, "json")
    facts = {str(value) for row in check_sheet.iter_rows(values_only=True) for value in row if value is not None}
    data = json.loads(export(oversight, "violations", "json", question).data)

    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    keys = ("rule", "case", "consultation", "agency", "official", "days_late", "status")
    assert [tuple(row[header.index(k)] for k in keys) for row in rows] == [
        tuple(r[k] for k in keys) for r in expected] != []
    assert {data["checkpoint"]["root"], data["rulebook"], data["calendar"]} <= facts


def test_the_pdf_export_shows_the_rows_of_ledger_violations_and_names_its_checkpoint(
        demo: Ledger, oversight: FlaskClient, cli: Any, question: dict[str, str]) -> None:
    response = export(oversight, "violations", "pdf", question)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    flat = re.sub(r"\s+", "", text)
    expected = cli_rows(cli, question, "json")
    data = json.loads(export(oversight, "violations", "json", question).data)

    assert response.mimetype == "application/pdf"
    assert all(r["case"] in flat for r in expected) and expected != []
    assert flat.count("LATE_RESPONSE") >= len(expected)
    assert data["rulebook"] in flat and data["calendar"] in flat and str(data["checkpoint"]["size"]) in flat


def test_the_delay_and_scorecard_exports_hold_the_ledgers_rows_for_the_same_filters(
        demo: Ledger, oversight: FlaskClient, question: dict[str, str]) -> None:
    as_of = date.fromisoformat(question["as_of"])
    start = as_of - timedelta(days=200)

    delays = json.loads(export(oversight, "delays", "json", question, by="official").data)
    scorecard = json.loads(export(oversight, "scorecard", "json", {"from": start.isoformat(), "to": question["as_of"]}).data)

    assert delays["rows"] == [{k: v for k, v in r.items() if k != "cases"} for r in demo.delays(as_of=as_of, by_official=True)]
    assert delays["parameters"] == {"as_of": question["as_of"], "by": "official"}
    assert scorecard["rows"] == demo.scorecard(start, as_of) != []
    assert scorecard["parameters"] == {"from": start.isoformat(), "to": question["as_of"], "by": "agency", "known_at": None}


# --- a downloaded report verifies on /verify -------------------------------------------------------------------------


def upload(client: FlaskClient, body: bytes, name: str) -> Any:
    return client.post("/verify?lang=en", data={"report": (io.BytesIO(body), name)}, content_type="multipart/form-data")


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_downloaded_report_uploaded_to_verify_verifies(fmt: str, oversight: FlaskClient,
                                                         question: dict[str, str]) -> None:
    body = export(oversight, "violations", fmt, question).data

    response = upload(oversight, body, f"report.{fmt}")

    assert response.status_code == 200
    assert "Verified: report." in page(response)


def test_an_edited_report_does_not_verify(oversight: FlaskClient, question: dict[str, str]) -> None:
    data = json.loads(export(oversight, "violations", "json", question).data)
    data["rows"][0]["days_late"] = (data["rows"][0]["days_late"] or 0) + 1

    response = upload(oversight, json.dumps(data, ensure_ascii=False).encode(), "edited.json")

    assert response.status_code == 422
    assert "NOT verified: edited.json" in page(response)


# --- bad filters ------------------------------------------------------------------------------------------------------

BAD_FILTERS = {
    "a malformed date": "from=2026-13-01",
    "a word for a date": "as_of=yesterday",
    "full-width digits": "as_of=２０２６-01-01",
    "Arabic-Indic digits": "to=٢٠٢٦-٠١-٠١",
    "a date the ledger does not accept": "from=1999-12-31",
    "a reversed period": "from=2026-06-01&to=2026-05-31",
    "an unknown agency": "agency=NOPE",
    "an unknown rule": "rule=LATE",
    "a malformed known-at": "known_at=soon",
    "a known-at with an impossible offset": "known_at=2026-06-01T10:00+25:00",
    "a filter given twice": "as_of=2026-06-01&as_of=2026-06-02",
}


@pytest.mark.parametrize("query", BAD_FILTERS.values(), ids=list(BAD_FILTERS))
def test_a_bad_filter_is_a_400_page_that_says_which_and_why(query: str, oversight: FlaskClient) -> None:
    for url in ("/oversight/", "/oversight/charts/by_agency.svg", "/oversight/violations",
                "/oversight/export/violations.json", "/oversight/export/scorecard.csv"):
        response = oversight.get(f"{url}?{query}&lang=en")
        assert response.status_code == 400, url
        assert reason(response).startswith("The filter “"), (url, reason(response))


def test_an_export_by_anything_but_agency_or_official_is_refused(oversight: FlaskClient) -> None:
    response = oversight.get("/oversight/export/delays.json?by=case&lang=en")

    assert response.status_code == 400
    assert "agency or official" in reason(response)


def test_a_page_number_that_is_no_whole_number_from_one_is_refused(oversight: FlaskClient) -> None:
    for bad in ("0", "x", "-1", "١"):
        assert oversight.get(f"/oversight/violations?page={bad}").status_code == 400, bad


def test_a_page_number_too_long_to_be_a_page_of_ours_is_a_400_not_a_500(oversight: FlaskClient) -> None:
    # Python's int() refuses more than 4,300 digits; a number of 10 digits is no page of ours either.
    for bad in ("9" * 5000, "9" * 4301, "1234567890"):
        response = oversight.get(f"/oversight/violations?page={bad}&lang=en")
        assert response.status_code == 400, len(bad)
        assert reason(response) == "The page must be a whole number from 1.", len(bad)
    assert oversight.get("/oversight/violations?page=000000001").status_code == 200  # nine digits: page 1


def test_known_at_takes_a_browsers_local_time_as_vietnam_time(oversight: FlaskClient) -> None:
    html = page(oversight.get("/oversight/?known_at=2026-06-01T10:00"))

    assert 'value="2026-06-01T10:00:00+07:00"' in html


def test_an_unknown_chart_or_export_is_not_found(oversight: FlaskClient) -> None:
    for url in ("/oversight/charts/pie.svg", "/oversight/export/cases.json", "/oversight/export/violations.html"):
        assert oversight.get(url).status_code == 404, url



def test_a_scorecard_known_at_a_moment_is_exported_with_it_and_verifies(demo: Ledger, oversight: FlaskClient) -> None:
    today = demo.today()
    query = {"from": (today - timedelta(days=100)).isoformat(), "to": today.isoformat(), "known_at": today.isoformat()}

    data = json.loads(export(oversight, "scorecard", "json", query).data)
    response = upload(oversight, json.dumps(data, ensure_ascii=False).encode(), "scorecard.json")

    assert data["parameters"]["known_at"] == f"{today.isoformat()}T23:59:59.999999+07:00"
    assert data["rows"] == demo.scorecard(today - timedelta(days=100), today,
                                          known_at=datetime.fromisoformat(data["parameters"]["known_at"]))
    assert response.status_code == 200


# --- a chart's text is text, never mathematics -------------------------------------------------------------------------

IN_2024 = "from=2024-01-01&to=2024-12-31&as_of=2024-12-31&lang=en"


def delayed_official(ledger: Ledger, official: str, name: str, case: str) -> None:
    """`official`, named `name`, leads `case`: opened on 4 March 2024, resolved months late."""
    ledger.append({"type": "OfficialAppointed", "official": official, "name": name, "agency": "SXD",
                   "role": "specialist", "at": "2024-01-02T08:00:00+07:00"}, source="web", actor="vp.clerk")
    ledger.append([
        {"type": "CaseOpened", "case": case, "procedure": "REAL_ESTATE_DIFFICULTY", "title": "Dự án",
         "at": "2024-03-04T09:00:00+07:00", "by": "sxd.clerk"},
        {"type": "LeadAssigned", "case": case, "agency": "SXD", "official": official,
         "at": "2024-03-04T10:00:00+07:00", "by": "sxd.clerk"},
        {"type": "CaseResolved", "case": case, "outcome": "approved", "at": "2024-06-28T10:00:00+07:00",
         "by": official},
    ], source="web")


def test_a_name_written_like_broken_tex_is_drawn_in_the_officials_chart_not_a_500(
        web_ledger: Ledger, as_user: Any) -> None:
    name = "Trần $\\frac{1}{$ Bình"
    delayed_official(web_ledger, "sxd.math2", name, "HCM-TEX-1")
    client = as_user("oversight")

    response = client.get(f"/oversight/charts/officials.svg?{IN_2024}")
    html = page(client.get(f"/oversight/?{IN_2024}"))

    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert ElementTree.fromstring(response.data).tag == "{http://www.w3.org/2000/svg}svg"
    assert f"{name} (SXD)" in unescape(html)  # in the chart's text alternative and its table


def test_a_name_with_dollar_signs_is_drawn_as_written_not_as_mathematics(web_ledger: Ledger, as_user: Any) -> None:
    delayed_official(web_ledger, "sxd.math3", "Trần $x$ Bình", "HCM-TEX-2")

    svg = page(as_user("oversight").get(f"/oversight/charts/officials.svg?{IN_2024}"))

    # Text is drawn as paths, one definition per glyph, named by the font's glyph index. Read as
    # mathtext, "$x$" would draw no dollar sign and an italic x (DejaVu Sans Oblique); read as
    # text, the tick label draws both dollar signs, in the upright font of the rest of the chart.
    dollar = FT2Font(findfont("DejaVu Sans")).get_char_index(ord("$"))
    assert f'id="DejaVuSans-{dollar:x}"' in svg
    assert "Oblique" not in svg


def test_a_chart_of_hundreds_of_agencies_draws_at_most_its_cap_of_bars_with_labels_cut(
        demo: Ledger, demo_app: Flask) -> None:
    """The table beside the chart lists every row; the image stays readable and quick to draw."""
    import dataclasses
    import re as regex
    from datetime import date

    from ledger import Count, DashboardFilters, dashboard_figures
    from web.charts import MAX_BARS, render_chart

    today = demo.today()
    figures = dashboard_figures(demo, DashboardFilters(date(today.year, 1, 1), today, today))

    def height(agencies: int) -> float:
        counts = tuple(Count("A" * 300 + f"{n:03}", 10, 1) for n in range(agencies))
        with demo_app.test_request_context("/?lang=en"):
            svg = render_chart("by_agency", dataclasses.replace(figures, by_agency=counts)).decode()
        found = regex.search(r'<svg[^>]* height="([\d.]+)pt"', svg)
        assert found, svg[:300]
        return float(found.group(1))

    assert height(500) == height(MAX_BARS) > height(MAX_BARS // 2)

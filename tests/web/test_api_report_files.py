"""`GET /api/v1/violations` and `/api/v1/scorecard` with `format=xlsx|pdf` (SPEC §11): the file, its
media type and name, holding exactly the rows of the JSON report for the same query; CSV is
byte for byte what it was; the OpenAPI document says so."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger import Ledger, export_report, render_report
from tests.unit.test_report_files import as_json, pdf_pages, xlsx_rows
from tests.web.conftest import working_days_ago
from tests.web.test_api import bearer, case_opened, claimed_on, post

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def reader(web_ledger: Ledger) -> dict[str, str]:
    """An oversight token: reads every case history and every agency's reports (as its login does)."""
    return bearer(web_ledger, "vp.head", "oversight")


@pytest.fixture
def clerk(web_ledger: Ledger) -> dict[str, str]:
    return bearer(web_ledger, "sxd.clerk")


@pytest.fixture
def late_cases(client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str]) -> list[str]:
    """Two cases opened through the API days after the fact, never given a lead: NO_LEAD and
    LATE_RECORDING each, for SXD."""
    refs = ["HCM-FILE-1", "HCM-FILE-2"]
    for days, ref in zip((3, 5), refs, strict=True):
        claimed = claimed_on(working_days_ago(web_ledger, days))
        assert post(client, case_opened(ref, at=claimed, title=f"Hồ sơ {ref} của Sở Xây dựng"), clerk).status_code == 201
    return refs


def download(client: FlaskClient, url: str, query: dict[str, Any], headers: dict[str, str], fmt: str) -> Any:
    response = client.get(url, query_string={**query, "format": fmt}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def attachment(report: dict[str, Any], fmt: str) -> str:
    parameters = report["parameters"]
    day = parameters.get("as_of") or f"{parameters['from']}_{parameters['to']}"
    return f'attachment; filename="{report["report"]}_{day}_at-{report["checkpoint"]["size"]}.{fmt}"'


QUERIES = [
    pytest.param({}, id="every violation"),
    pytest.param({"rule": ["NO_LEAD", "LATE_RECORDING"]}, id="two rules"),
    pytest.param({"agency": "SXD", "rule": "NO_LEAD"}, id="an agency and a rule"),
    pytest.param({"rule": "BUCK_PASSING"}, id="nothing found"),
]


@pytest.mark.parametrize("query", QUERIES)
def test_violations_as_a_spreadsheet_hold_the_rows_of_the_json_report(
    client: FlaskClient, clerk: dict[str, str], late_cases: list[str], query: dict[str, Any], reader: dict[str, str]
) -> None:
    report = download(client, "/api/v1/violations", query, reader, "json").get_json()
    response = download(client, "/api/v1/violations", query, reader, "xlsx")
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == attachment(report, "xlsx")
    _, rows = xlsx_rows(response.data)
    assert [as_json(row) for row in rows] == report["rows"]


@pytest.mark.parametrize("query", QUERIES)
def test_violations_as_a_pdf_print_every_row_of_the_json_report(
    client: FlaskClient, clerk: dict[str, str], late_cases: list[str], query: dict[str, Any], reader: dict[str, str]
) -> None:
    report = download(client, "/api/v1/violations", query, reader, "json").get_json()
    response = download(client, "/api/v1/violations", query, reader, "pdf")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == attachment(report, "pdf")
    pages = pdf_pages(response.data)
    lines = "\n".join(pages).splitlines()
    assert f"Số dòng Rows {len(report['rows'])}" in lines
    for row in report["rows"]:
        assert any(line.startswith(f"{row['rule']} {row['case'] or '—'} ") for line in lines), row
    assert pages[-1].rstrip().endswith(f"Trang {len(pages)}/{len(pages)}")


@pytest.mark.parametrize("by", ["agency", "official"])
def test_the_scorecard_as_a_spreadsheet_and_a_pdf_holds_the_rows_of_the_json_report(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], late_cases: list[str], by: str, reader: dict[str, str]
) -> None:
    today = web_ledger.today()
    query = {"from": (today - timedelta(days=30)).isoformat(), "to": today.isoformat(), "by": by}
    report = download(client, "/api/v1/scorecard", query, reader, "json").get_json()
    assert "SXD" in {row["agency"] for row in report["rows"]}
    spreadsheet = download(client, "/api/v1/scorecard", query, reader, "xlsx")
    assert spreadsheet.mimetype == XLSX
    assert spreadsheet.headers["Content-Disposition"] == attachment(report, "xlsx")
    assert [as_json(row) for row in xlsx_rows(spreadsheet.data)[1]] == report["rows"]
    document = download(client, "/api/v1/scorecard", query, reader, "pdf")
    assert document.mimetype == "application/pdf"
    assert document.headers["Content-Disposition"] == attachment(report, "pdf")
    lines = "\n".join(pdf_pages(document.data)).splitlines()
    for row in report["rows"]:
        start = f"{row['agency']} {row['official'] or '—'} " if by == "official" else f"{row['agency']} "
        assert any(line.startswith(start) for line in lines), row


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_the_apis_file_is_the_file_the_ledger_exports_for_the_same_report(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], late_cases: list[str], fmt: str, reader: dict[str, str]
) -> None:
    response = download(client, "/api/v1/violations", {"agency": "SXD"}, reader, fmt)
    parameters = {"as_of": web_ledger.today().isoformat(), "known_at": None, "rules": [], "agencies": ["SXD"],
                  "include_dismissed": False}
    assert response.data == export_report(web_ledger.report("violations", parameters, fmt), fmt)


def test_the_csv_is_byte_for_byte_what_it_was_the_report_after_a_byte_order_mark(
    client: FlaskClient, web_ledger: Ledger, clerk: dict[str, str], late_cases: list[str], reader: dict[str, str]
) -> None:
    response = download(client, "/api/v1/violations", {}, reader, "csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    parameters = {"as_of": web_ledger.today().isoformat(), "known_at": None, "rules": [], "agencies": [],
                  "include_dismissed": False}
    before = "\ufeff" + render_report(web_ledger.report("violations", parameters, "csv"), "csv")
    assert response.data == before.encode("utf-8")
    report = download(client, "/api/v1/violations", {}, reader, "json").get_json()
    assert response.headers["Content-Disposition"] == attachment(report, "csv")


@pytest.mark.parametrize("path", ["/api/v1/violations", "/api/v1/scorecard"])
def test_the_openapi_document_offers_every_format_with_its_media_type(client: FlaskClient, path: str) -> None:
    operation = client.get("/api/openapi.json").get_json()["paths"][path]["get"]
    [fmt] = [p for p in operation["parameters"] if p["name"] == "format"]
    assert fmt["schema"]["enum"] == ["json", "csv", "xlsx", "pdf"] and fmt["schema"]["default"] == "json"
    ok = operation["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Report"}
    assert {"text/csv", XLSX, "application/pdf"} <= set(ok["content"])
    assert ok["content"]["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
    assert "Content-Disposition" in ok["headers"]

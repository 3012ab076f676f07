"""SPEC §4's "who may do it", through both doors: each act the lead agency alone may record is
refused to an official of another agency, by the form (a 403 page) and by the API (a 403), and
nothing is appended either way."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from ledger import LOCAL_TZ, Ledger
from tests.web.conftest import local_now

#: Each lead-agency act with the fields it needs on HCM-WEB-1 (led by SXD, C1 open to STC).
LEAD_ACTS: dict[str, dict[str, Any]] = {
    "ConsultationRequested": {"consultation": "C9", "to": "SNV", "question": "Ý kiến?"},
    "ConsultationWithdrawn": {"consultation": "C1", "reason": "Không cần nữa"},
    "SupplementRequested": {"reason": "Thiếu giấy tờ"},
    "ApologyIssued": {"reason": "Chậm", "new_due": "2099-12-01"},
    "CaseResolved": {"outcome": "approved"},
}


@pytest.mark.parametrize("kind", list(LEAD_ACTS))
def test_an_official_of_another_agency_cannot_record_a_lead_agency_act_through_the_form(
    as_user: Any, web_ledger: Ledger, opened_case: str, kind: str
) -> None:
    before = web_ledger.event_count()
    response = as_user("consulted_head").post(f"/events/{kind}?case={opened_case}&lang=en", data={
        "case": opened_case, "at": local_now(minutes=-1), **LEAD_ACTS[kind]})
    assert response.status_code == 403
    assert "lead agency" in response.get_data(as_text=True)
    assert web_ledger.event_count() == before


@pytest.mark.parametrize("kind", list(LEAD_ACTS))
def test_an_official_of_another_agency_cannot_record_a_lead_agency_act_through_the_api(
    app: Any, web_ledger: Ledger, opened_case: str, kind: str
) -> None:
    _token, secret = web_ledger.accounts.create_token("stc.head")
    before = web_ledger.event_count()
    at = (datetime.now(LOCAL_TZ).replace(microsecond=0) - timedelta(minutes=1)).isoformat()
    response = app.test_client().post("/api/v1/events", json={"type": kind, "case": opened_case, "at": at,
                                                             **LEAD_ACTS[kind]},
                                      headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403, response.get_data(as_text=True)
    assert "lead agency" in response.get_json()["error"]
    assert web_ledger.event_count() == before


def test_the_lead_agencys_head_may_record_each_of_those_acts(as_user: Any, web_ledger: Ledger,
                                                            opened_case: str) -> None:
    client = as_user("head")
    for kind in ["ConsultationRequested", "ConsultationWithdrawn", "SupplementRequested", "ApologyIssued",
                 "CaseResolved"]:
        before = web_ledger.event_count()
        response = client.post(f"/events/{kind}?case={opened_case}", data={
            "case": opened_case, "at": local_now(minutes=-1), **LEAD_ACTS[kind]})
        assert response.status_code == 302, (kind, response.get_data(as_text=True)[-600:])
        assert web_ledger.event_count() == before + 1

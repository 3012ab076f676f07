"""The API reads to each token what the pages show its login (SPEC §11): any token reads a case as
it stands; whole histories are for inspectors and the oversight and admin tokens; every agency's
violations and scorecards for the oversight and admin tokens. A refusal is a 403 that says why,
in every format."""

from __future__ import annotations

import pytest
from flask import Flask

from ledger import Ledger
from tests.web.test_api import bearer

#: token: (official, product role)
TOKENS = {
    "agency clerk": ("sxd.clerk", "official"),
    "agency head": ("sxd.head", "official"),
    "inspector": ("tttp.insp1", "official"),
    "oversight": ("vp.head", "oversight"),
    "admin": ("vp.clerk", "admin"),
}
READS = {
    "case": "/api/v1/cases/HCM-WEB-1",
    "history": "/api/v1/cases/HCM-WEB-1/history",
    "violations": "/api/v1/violations",
    "violations as xlsx": "/api/v1/violations?format=xlsx",
    "scorecard as pdf": "/api/v1/scorecard?from=2026-01-01&to=2026-06-30&format=pdf",
}
ALLOWED = {
    "agency clerk": {"case"},
    "agency head": {"case"},
    "inspector": {"case", "history"},
    "oversight": set(READS),
    "admin": set(READS),
}


@pytest.mark.parametrize("token", list(TOKENS))
def test_each_token_reads_what_its_login_may_read_and_is_told_why_elsewhere(
        token: str, app: Flask, web_ledger: Ledger, opened_case: str) -> None:
    headers = bearer(web_ledger, *TOKENS[token])
    client = app.test_client()
    got = {}
    for name, url in READS.items():
        response = client.get(url, headers=headers)
        got[name] = response.status_code
        if response.status_code == 403:
            assert "may not read" in response.get_json()["error"], (name, response.get_json())
    assert got == {name: 200 if name in ALLOWED[token] else 403 for name in READS}

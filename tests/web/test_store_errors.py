"""When the store cannot answer as asked, the pages and the API say why (503), never a 500 and
never a report that vouches for less than it shows (SPEC §10)."""

from __future__ import annotations

from pathlib import Path

from ledger import Ledger
from tests.web.conftest import _app, log_in


def test_an_export_on_a_process_without_the_key_is_a_503_that_says_why(web_ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "web.db"
    keyless = Ledger(str(path), key_file=tmp_path / "elsewhere" / "none.key", create=False)
    try:
        assert keyless.signer is None
        keyless.append([{"type": "CaseOpened", "case": "HCM-KEYLESS-1", "procedure": "REAL_ESTATE_DIFFICULTY",
                         "title": "Hồ sơ ghi khi không có khóa", "at": "2026-01-05T09:00:00+07:00",
                         "by": "sxd.clerk"}], source="web")
        app = _app(keyless, WTF_CSRF_ENABLED=False)
        client = log_in(app.test_client(), "oversight")
        page = client.get("/oversight/export/violations.json?lang=en")
        assert page.status_code == 503
        assert "not under a signed checkpoint" in page.get_data(as_text=True)
        _token, secret = keyless.accounts.create_token("vp.head", "oversight")
        api = app.test_client().get("/api/v1/violations", headers={"Authorization": f"Bearer {secret}"})
        assert api.status_code == 503 and "not under a signed checkpoint" in api.get_json()["error"]
    finally:
        keyless.close()

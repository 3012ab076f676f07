"""Serving: the secret key, cookies, the health check, body limits, gunicorn with several workers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger import Ledger
from ledger.cli import main
from tests.web.conftest import PASSWORD, USERS
from web import MissingSecretKey, create_app
from web.config import MAX_BODY_BYTES


def test_the_application_refuses_to_start_without_a_secret_key(web_ledger, monkeypatch):
    monkeypatch.delenv("LEDGER_SECRET_KEY", raising=False)
    with pytest.raises(MissingSecretKey, match="LEDGER_SECRET_KEY"):
        create_app({"LEDGER": web_ledger})


def test_the_application_refuses_a_store_that_does_not_exist(tmp_path):
    from ledger import StoreError

    with pytest.raises(StoreError, match="no ledger at"):
        create_app({"SECRET_KEY": "k", "LEDGER_DATABASE_URL": str(tmp_path / "missing.db")})
    assert not (tmp_path / "missing.db").exists()


def test_session_cookies_are_secure_http_only_and_same_site_by_default(web_ledger):
    app = create_app({"LEDGER": web_ledger, "SECRET_KEY": "k", "WTF_CSRF_ENABLED": False})
    response = app.test_client().post("/login", data={"login": USERS["clerk"][0], "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert response.status_code == 302
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_health_check_counts_the_events(app, web_ledger):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "events": web_ledger.event_count()}


def test_a_form_body_over_the_limit_is_refused_with_413_and_nothing_changes(as_user, web_ledger):
    client = as_user("clerk")
    before = web_ledger.event_count()
    response = client.post("/events/CaseOpened", data={"title": "x" * (MAX_BODY_BYTES + 10), "case": "BIG-1"})
    assert response.status_code == 413
    assert web_ledger.event_count() == before


def test_a_wrong_password_is_refused_and_names_no_login(app):
    client = app.test_client()
    wrong = client.post("/login", data={"login": USERS["clerk"][0], "password": "not the password"})
    unknown = client.post("/login", data={"login": "nobody", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.get_data(as_text=True).count("error") == unknown.get_data(as_text=True).count("error")


def test_a_logged_out_session_cookie_is_refused_at_once(app):
    client = app.test_client()
    client.post("/login", data={"login": USERS["clerk"][0], "password": PASSWORD})
    stolen = client.get_cookie("session")
    assert stolen is not None and client.get("/inbox").status_code == 200
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("session", stolen.value)
    assert replay.get("/inbox").status_code == 302  # back to the login page


def test_ledger_serve_in_development_generates_a_secret_key_and_says_so(tmp_path, monkeypatch):
    import web.serve

    started = {}
    monkeypatch.delenv("LEDGER_SECRET_KEY", raising=False)
    monkeypatch.setattr(web.serve, "run_simple", lambda host, port, app, **kw: started.update(host=host, app=app))
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert CliRunner().invoke(main, ["--db", db, "init"]).exit_code == 0
    result = CliRunner().invoke(main, ["--db", db, "serve", "--port", "5055"])
    assert result.exit_code == 0, result.output
    assert "a random one was generated" in result.output and "http://127.0.0.1:5055/" in result.output
    assert started["host"] == "127.0.0.1" and len(started["app"].config["SECRET_KEY"]) == 64


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_gunicorn_serves_the_application_with_several_workers(tmp_path):
    path = tmp_path / "served.db"
    Ledger(str(path)).close()
    log = tmp_path / "gunicorn.log"
    port = _free_port()
    env = {**os.environ, "LEDGER_DATABASE_URL": str(path), "LEDGER_SECRET_KEY": "gunicorn-test-secret"}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--no-control-socket",
             "web:create_app()"], env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                    body = reply.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    process.kill()
                    process.wait()
                    raise AssertionError(log.read_text(errors="replace")[-2000:]) from None
                time.sleep(0.3)
        assert '"status":"ok"' in body.replace(" ", "")
    finally:
        process.terminate()
        process.wait(timeout=20)

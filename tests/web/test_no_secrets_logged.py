"""No secret is ever printed or logged: passwords, API tokens, the secret key, the signing key.

Every logger is set to DEBUG (the root logger, and each logger that exists once the application
and the stores are built: SQLAlchemy's engine logs its statements, parameters and rows at that
level, Werkzeug its request lines, Flask-Limiter its breaches, Flask the tracebacks of errors), and
everything is captured three ways: pytest's `caplog` (records, with their tracebacks), `capsys`
(the process's stdout and stderr: Flask's own handler of the app logger writes there) and a
handler of our own on the app logger. Then each secret is looked for in everything captured, in
every spelling it could take: as typed, URL-encoded, JSON- and Python-escaped, and its bytes as
hex and base64 (standard and URL-safe, with and without padding).

What is done meanwhile: logins created (through the CLI and the admin page), good and bad
passwords (a wrong one, an unknown login, a too-short one refused at creation), the login limit
reached, tokens created (CLI and admin page), used, used wrongly (a forged secret), revoked and
used again, a session logged out and replayed, a CSRF failure, a 404, a 500 with a password in
the form and a token in the header, and the same requests over real HTTP through Werkzeug's server
(which logs each request line).

The one place a secret is shown is by design: `ledger token create` prints the new token once, on
stdout (its note goes to stderr), and the admin page shows a new token once, in its HTML. The
tests assert exactly that, and that neither is ever logged.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from ledger import LOCAL_TZ, Ledger
from ledger.cli import main
from tests.web.conftest import PASSWORD, USERS
from web import create_app

WRONG_PASSWORD = "sai mật khẩu rồi 42!"
NEW_PASSWORD = "một mật khẩu mới 77"
WEB_PASSWORD = "mật khẩu web thứ hai 8"
SHORT_PASSWORD = "ng@n9xQ"


def spellings(secret: str | bytes) -> set[str]:
    """Every way `secret` could show up in text: itself, escaped, and its bytes as hex and base64."""
    found: set[str] = set()
    raw = secret if isinstance(secret, bytes) else secret.encode("utf-8")
    if isinstance(secret, str):
        found |= {secret, urllib.parse.quote_plus(secret), urllib.parse.quote(secret, safe=""),
                  json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
                  repr(secret)[1:-1], secret.encode("unicode_escape").decode("ascii")}
    found |= {raw.hex(), raw.hex().upper()}
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode("ascii")
        found |= {text, text.rstrip("=")}
    return {s for s in found if len(s) >= 8}


def token_spellings(token: str) -> set[str]:
    """A token `pl_<id>_<secret>`: the whole text, and its secret alone (text and decoded bytes)."""
    secret = token.split("_", 2)[2]
    decoded = base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
    return spellings(token) | spellings(secret) | spellings(decoded)


def signing_key_spellings(key_file: Path) -> set[str]:
    """The instance key: the PEM's base64 body (whole and line by line), its DER and its raw 32 bytes."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = key_file.read_bytes()
    body_lines = [line for line in pem.decode().splitlines() if line and not line.startswith("-----")]
    private = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(private, Ed25519PrivateKey)
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    der = base64.b64decode("".join(body_lines))
    return {"".join(body_lines), *body_lines} | spellings(raw) | spellings(der)


class Leaks:
    """The secrets to look for, by name, and where any of them was found."""

    def __init__(self) -> None:
        self.secrets: dict[str, set[str]] = {}

    def add(self, name: str, variants: set[str]) -> None:
        self.secrets.setdefault(name, set()).update(variants)

    def found_in(self, where: str, text: str) -> list[str]:
        return [f"{name} ({variant[:12]}…) in {where}" for name, variants in self.secrets.items()
                for variant in sorted(variants) if variant in text]


@pytest.fixture
def every_logger_at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The root logger and every logger that exists now at DEBUG (caplog restores them afterwards)."""

    def lower_all() -> None:
        caplog.set_level(logging.DEBUG)
        for name in list(logging.root.manager.loggerDict):
            if isinstance(logging.root.manager.loggerDict[name], logging.Logger):
                caplog.set_level(logging.DEBUG, logger=name)

    lower_all()
    caplog.lower_all = lower_all  # type: ignore[attr-defined]  # again once the app made its loggers
    yield caplog


#: Flask names an application's logger after its import name (`Flask(__name__)` in web/app.py).
APP_LOGGER = "web.app"


@pytest.fixture
def app_logger_stream(every_logger_at_debug: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    """A handler of our own on the application's logger, at DEBUG; removed (and the level restored) after."""
    every_logger_at_debug.set_level(logging.DEBUG, logger=APP_LOGGER)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    logger = logging.getLogger(APP_LOGGER)
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def everything_captured(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
                        app_stream: io.StringIO) -> dict[str, str]:
    captured = capsys.readouterr()
    records = "\n".join(
        f"{r.name} {r.levelname} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
    return {"caplog.text": caplog.text, "log records": records, "stdout": captured.out, "stderr": captured.err,
            "app logger": app_stream.getvalue()}


def test_no_password_token_secret_key_or_signing_key_reaches_any_log_or_output(
        web_ledger: Ledger, key_file: Path, tmp_path: Path, every_logger_at_debug: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str], app_logger_stream: io.StringIO, opened_case: str) -> None:
    caplog = every_logger_at_debug
    secret_key = secrets.token_hex(32)
    app = create_app({"LEDGER": web_ledger, "SECRET_KEY": secret_key, "SESSION_COOKIE_SECURE": False,
                      "REMEMBER_COOKIE_SECURE": False, "WTF_CSRF_ENABLED": False})
    csrf_app = create_app({"LEDGER": web_ledger, "SECRET_KEY": secret_key, "SESSION_COOKIE_SECURE": False})
    assert app.logger is logging.getLogger(APP_LOGGER) and app.logger.isEnabledFor(logging.DEBUG)
    app_stream = app_logger_stream
    caplog.lower_all()  # type: ignore[attr-defined]
    assert logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.DEBUG)
    assert key_file.exists()  # the store's signing key, made with it

    leaks = Leaks()
    leaks.add("the secret key", spellings(secret_key) | spellings(bytes.fromhex(secret_key)))
    leaks.add("the signing key", signing_key_spellings(key_file))
    for name, password in (("the fixtures' password", PASSWORD), ("a wrong password", WRONG_PASSWORD),
                           ("the web-made login's password", WEB_PASSWORD),
                           ("a too-short password", SHORT_PASSWORD)):
        leaks.add(name, spellings(password))

    def faulty() -> str:
        raise RuntimeError("a failure while a password and a token were in the request")

    app.add_url_rule("/test-boom", "test_boom", faulty, methods=["GET", "POST"])

    client = app.test_client()
    # Logins: good, wrong, unknown, over the limit.
    assert client.post("/login", data={"login": USERS["clerk"][0], "password": WRONG_PASSWORD}).status_code == 400
    assert client.post("/login", data={"login": "nobody-here", "password": WRONG_PASSWORD}).status_code == 400
    other = app.test_client()
    statuses = [other.post("/login", data={"login": USERS["head"][0], "password": WRONG_PASSWORD}).status_code
                for _ in range(12)]
    assert statuses[-1] == 429
    admin = app.test_client()
    assert admin.post("/login", data={"login": USERS["admin"][0], "password": PASSWORD}).status_code == 302
    session_cookie = admin.get_cookie("session")
    assert session_cookie is not None
    leaks.add("a session cookie", {session_cookie.value})

    # The admin page: a login (and one refused for its short password), a token shown once.
    made = admin.post("/admin/logins", data={"login": "webmade", "official": "sxd.ttb", "role": "official",
                                             "password": WEB_PASSWORD})
    assert made.status_code == 302
    short = admin.post("/admin/logins", data={"login": "webshort", "official": "sxd.ttb", "role": "official",
                                              "password": SHORT_PASSWORD})
    assert short.status_code == 400 and SHORT_PASSWORD not in short.get_data(as_text=True)
    page = admin.post("/admin/tokens", data={"official": "sxd.nva", "role": "official"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    page_token = page.get_data(as_text=True).split('<code id="new-token">')[1].split("</code>")[0]
    leaks.add("the admin page's token", token_spellings(page_token))
    assert app.test_client().post("/login", data={"login": "webmade", "password": WEB_PASSWORD}).status_code == 302

    # Tokens: used, forged, revoked and used again; through the API, with good and bad bodies.
    token, text = web_ledger.accounts.create_token("sxd.nva", "official")
    oversight_token = web_ledger.accounts.create_token("vp.head", "oversight")[1]
    leaks.add("an API token", token_spellings(text))
    leaks.add("an oversight token", token_spellings(oversight_token))
    forged = text[:-6] + ("AAAAAA" if not text.endswith("AAAAAA") else "BBBBBB")
    leaks.add("a forged token", token_spellings(forged))
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {text}"}
    assert api.get(f"/api/v1/cases/{opened_case}", headers=bearer).status_code == 200
    assert api.get("/api/v1/cases/HCM-WEB-1", headers={"Authorization": f"Bearer {page_token}"}).status_code == 200
    assert api.get("/api/v1/violations", headers={"Authorization": f"Bearer {oversight_token}"}).status_code == 200
    assert api.get("/api/v1/violations", headers=bearer).status_code == 403
    assert api.post("/api/v1/events", headers=bearer, json={"type": "CaseResolved", "case": opened_case}).status_code == 400
    appended = api.post("/api/v1/events", headers=bearer, json={
        "type": "ConsultationRequested", "case": opened_case, "consultation": "C9", "to": "STNMT",
        "question": "Ý kiến về đất?", "at": (datetime.now(LOCAL_TZ) - timedelta(minutes=1)).isoformat()})
    assert appended.status_code == 201, appended.get_data(as_text=True)
    assert api.get("/api/v1/violations", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    assert api.get("/api/v1/violations", headers={"Authorization": f"Token {text}"}).status_code == 401
    assert admin.post(f"/admin/tokens/{token.token_id}/revoke").status_code == 302
    assert api.get(f"/api/v1/cases/{opened_case}", headers=bearer).status_code == 401

    # Errors: a 404, a 500 with a password in the form and a token in the header, a CSRF refusal,
    # a logged-out session replayed.
    assert client.get("/no-such-page", headers=bearer).status_code == 404
    assert client.post("/test-boom", headers=bearer, data={"password": WRONG_PASSWORD}).status_code == 500
    assert csrf_app.test_client().post("/login", data={"login": "clerk", "password": WRONG_PASSWORD}).status_code == 400
    assert admin.post("/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", session_cookie.value)
    assert replay.get("/admin/").status_code == 302

    # The same over real HTTP: Werkzeug's server logs every request line.
    served = over_http(app, text, oversight_token, forged)
    assert served == [200, 401, 400, 200]

    assert any(r.name == "sqlalchemy.engine.Engine" for r in caplog.records)  # the SQL was logged, with values
    assert any("test-boom" in r.getMessage() and r.exc_text for r in caplog.records)  # the 500's traceback
    captured = everything_captured(caplog, capsys, app_stream)
    assert "GET /api/v1/violations HTTP/1.1" in captured["caplog.text"] + captured["stderr"]  # Werkzeug's lines
    assert "Exception on /test-boom [POST]" in captured["app logger"]
    found = [leak for where, text_ in captured.items() for leak in leaks.found_in(where, text_)]
    assert found == []


def over_http(app: Flask, token: str, oversight_token: str, forged: str) -> list[int]:
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    statuses = []
    try:
        for url, headers, data in (
                (f"{base}/api/v1/violations", {"Authorization": f"Bearer {oversight_token}"}, None),
                (f"{base}/api/v1/violations", {"Authorization": f"Bearer {forged}"}, None),
                (f"{base}/login", {}, urllib.parse.urlencode({"login": "clerk", "password": WRONG_PASSWORD}).encode()),
                (f"{base}/login", {}, None)):
            try:
                with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=10) as r:
                    statuses.append(r.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
                error.close()
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
    return statuses


def test_the_cli_prints_a_new_token_once_on_stdout_and_never_logs_a_secret(
        tmp_path: Path, key_file: Path, every_logger_at_debug: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str]) -> None:
    caplog = every_logger_at_debug
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None) -> Any:
        caplog.lower_all()  # type: ignore[attr-defined]
        return runner.invoke(main, ["--db", db, *args], input=stdin)

    assert run("init").exit_code == 0
    leaks = Leaks()
    leaks.add("the signing key", signing_key_spellings(key_file))
    leaks.add("the new login's password", spellings(NEW_PASSWORD))
    leaks.add("a too-short password", spellings(SHORT_PASSWORD))
    outputs: list[tuple[str, str]] = []

    added = run("user", "add", "cli-login", "--official", "sxd.nva", stdin=NEW_PASSWORD + "\n")
    short = run("user", "add", "cli-short", "--official", "sxd.nva", stdin=SHORT_PASSWORD + "\n")
    created = run("token", "create", "--official", "sxd.nva")
    assert (added.exit_code, short.exit_code, created.exit_code) == (0, 2, 0), (added.output, short.output)
    token = created.stdout.strip()
    assert token.startswith("pl_") and created.stdout == token + "\n"  # stdout: the token and nothing else
    assert token not in created.stderr and "revoke" in created.stderr  # the note about it: stderr
    token_id = token.split("_")[1]
    refused = run("token", "create", "--official", "nobody.here")  # an error: no token made
    listed = run("token", "list")
    revoked = run("token", "revoke", token_id)
    again = run("token", "list")
    shown = run("key", "show")
    assert (refused.exit_code, listed.exit_code, revoked.exit_code, shown.exit_code) == (2, 0, 0, 0)
    assert token_id in listed.stdout and "revoked" in again.stdout
    for name, result in (("user add", added), ("user add (short)", short), ("token create (error)", refused),
                         ("token list", listed), ("token revoke", revoked), ("token list (after)", again),
                         ("key show", shown)):
        outputs += [(f"{name} stdout", result.stdout), (f"{name} stderr", result.stderr)]
    outputs.append(("token create stderr", created.stderr))

    with Ledger(db) as ledger:
        assert ledger.accounts.authenticate("cli-login", NEW_PASSWORD) is not None
    leaks.add("the CLI's token", token_spellings(token))
    captured = capsys.readouterr()
    outputs += [("caplog.text", caplog.text), ("stdout", captured.out), ("stderr", captured.err)]
    assert any(r.name == "sqlalchemy.engine.Engine" for r in caplog.records)
    found = [leak for where, text in outputs for leak in leaks.found_in(where, text)]
    assert found == []
    assert created.stdout.count(token) == 1


def test_the_spellings_find_a_secret_however_it_is_written() -> None:
    key = secrets.token_bytes(32)
    leaks = Leaks()
    leaks.add("key", spellings(key))
    leaks.add("password", spellings(PASSWORD))
    for text in (key.hex(), base64.b64encode(key).decode(), base64.urlsafe_b64encode(key).decode().rstrip("="),
                 binascii.hexlify(key).decode().upper(), urllib.parse.quote_plus(PASSWORD), json.dumps(PASSWORD),
                 PASSWORD.encode("unicode_escape").decode("ascii"), repr(PASSWORD)):
        assert leaks.found_in("x", f"… {text} …"), text
    token = "pl_0123456789abcdef_" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    secret = token.split("_", 2)[2]
    decoded = base64.urlsafe_b64decode(secret + "=")
    leaks.add("token", token_spellings(token))
    assert leaks.found_in("x", f"Bearer {secret}") and leaks.found_in("x", decoded.hex())

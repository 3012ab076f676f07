"""The commands that manage web logins and API tokens, and the demo's logins (SPEC §9, §11)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger import Ledger
from ledger.accounts import _hasher
from ledger.cli import main


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert CliRunner().invoke(main, ["--db", url, "init"]).exit_code == 0
    return url


def run(db: str, *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["--db", db, *args], input=input)


def test_user_add_reads_the_password_from_stdin_and_the_login_then_authenticates(db):
    result = run(db, "user", "add", "lan", "--official", "vp.clerk", input="một mật khẩu dài\n")
    assert result.exit_code == 0, result.output
    assert "login lan created: acts as vp.clerk, role official" in result.output
    with Ledger(db.removeprefix("sqlite:///"), create=False) as ledger:
        assert ledger.accounts.authenticate("lan", "một mật khẩu dài") is not None
        assert ledger.accounts.authenticate("lan", "wrong password!") is None


def test_user_add_stores_an_argon2id_hash_never_the_password(db):
    assert run(db, "user", "add", "lan", "--official", "vp.clerk", input="một mật khẩu dài\n").exit_code == 0
    with Ledger(db.removeprefix("sqlite:///"), create=False) as ledger, ledger.engine.connect() as connection:
        from sqlalchemy import text

        stored = connection.execute(text("SELECT password_hash FROM logins WHERE login = 'lan'")).scalar_one()
    assert stored.startswith("$argon2id$") and "một mật khẩu dài" not in stored


def test_production_password_hashing_uses_argon2id_at_its_recommended_cost(monkeypatch):
    monkeypatch.delenv("LEDGER_ARGON2_PROFILE", raising=False)
    hasher = _hasher()
    assert hasher.time_cost >= 2 and hasher.memory_cost >= 19 * 1024
    assert hasher.hash("x" * 12).startswith("$argon2id$")


@pytest.mark.parametrize("args, message", [
    (["user", "add", "lan", "--official", "nobody.here"], "unknown or departed official"),
    (["user", "add", "Bad Login", "--official", "vp.clerk"], "a login is 2 to 64 characters"),
    (["user", "add", "lan", "--official", "vp.clerk", "--role", "root"], "Invalid value for '--role'"),
])
def test_user_add_refuses_bad_input_and_creates_nothing(db, args, message):
    result = run(db, *args, input="một mật khẩu dài\n")
    assert result.exit_code == 2 and message in result.output
    with Ledger(db.removeprefix("sqlite:///"), create=False) as ledger:
        assert ledger.accounts.list_logins() == []


def test_user_add_refuses_a_short_password_and_a_second_login_of_the_same_name(db):
    short = run(db, "user", "add", "lan", "--official", "vp.clerk", input="short\n")
    assert short.exit_code == 2 and "at least 10 characters" in short.output
    assert run(db, "user", "add", "lan", "--official", "vp.clerk", input="một mật khẩu dài\n").exit_code == 0
    again = run(db, "user", "add", "lan", "--official", "sxd.clerk", input="một mật khẩu dài\n")
    assert again.exit_code == 2 and "already exists" in again.output


def test_token_create_prints_a_secret_that_authenticates_until_it_is_revoked(db):
    created = CliRunner().invoke(main, ["--db", db, "token", "create", "--official", "sxd.clerk"])
    assert created.exit_code == 0
    secret = created.stdout.strip()
    assert re.fullmatch(r"pl_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", secret)
    token_id = secret.split("_")[1]
    path = db.removeprefix("sqlite:///")
    with Ledger(path, create=False) as ledger:
        found = ledger.accounts.token_for(secret)
        assert found is not None and found.official == "sxd.clerk"
        assert ledger.accounts.token_for(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    revoked = run(db, "token", "revoke", token_id)
    assert revoked.exit_code == 0 and f"token {token_id} revoked" in revoked.output
    with Ledger(path, create=False) as ledger:
        assert ledger.accounts.token_for(secret) is None
        assert secret.split("_", 2)[2] not in repr(ledger.accounts.list_tokens())  # the random part may hold "_"


def test_token_revoke_of_an_unknown_token_is_bad_input(db):
    result = run(db, "token", "revoke", "0123456789abcdef")
    assert result.exit_code == 2 and "unknown token" in result.output


def test_the_demo_creates_one_working_login_per_role_and_prints_the_site(tmp_path):
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    result = CliRunner().invoke(main, ["--db", db, "demo", "--cases", "20"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:5000/" in result.output
    printed = re.findall(r"^  (\S+)\s+(\S+)\s+(\S+)\s+acts as (\S+)$", result.output, flags=re.M)
    roles = {role for role, *_ in printed}
    assert roles == {"clerk", "specialist", "head", "deputy_head", "inspector", "oversight", "admin"}
    with Ledger(db.removeprefix("sqlite:///"), create=False) as ledger:
        for _role, login, password, official in printed:
            account = ledger.accounts.authenticate(login, password)
            assert account is not None and account.official == official
            assert ledger.queries.official_exists(official)


def test_the_ledger_command_does_not_import_the_web_framework_until_it_serves():
    """Every `ledger` command finds `serve` through its entry point; none should pay for Flask."""
    import subprocess
    import sys

    probe = ("import sys, ledger.cli; assert 'serve' in ledger.cli.main.commands;"
             " print(sorted(m for m in ('flask', 'flask_smorest', 'flask_limiter', 'wtforms', 'matplotlib')"
             " if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"

"""Web logins and API tokens (SPEC §11), kept in SQL tables beside the events.

Not events and not read models: who may log in is the operator's business, not a fact of the
audited history, so `ledger rebuild` never touches these tables and an export never carries them.
Each login and token acts as one registry official; what that official may do is decided by the
registry and SPEC §4 at the act's claimed time, never by the login.

- Passwords are hashed with argon2id (argon2-cffi's defaults: RFC 9106's second recommended
  profile). `LEDGER_ARGON2_PROFILE=test` picks a cheap profile for test suites only; a hash carries
  its own parameters, so hashes made either way verify, and a weak one is rehashed at next login.
- A token is `pl_<id>_<secret>`; only the SHA-256 of the 256-bit secret is stored (a secret that
  random needs no slow hash), compared in constant time.
- A login's `epoch` is part of its session identity: logging out bumps it, so a copy of the old
  session cookie is refused at once.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, Column, Engine, Integer, MetaData, String, Table, Text, insert, select, update
from sqlalchemy.exc import IntegrityError

from .domain.errors import InvalidField, UnknownReference

metadata = MetaData()

logins = Table(
    "logins",
    metadata,
    Column("login", String(64), primary_key=True),
    Column("official", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created", String(40), nullable=False),
    Column("epoch", Integer, nullable=False, default=0),
    Column("disabled", Boolean, nullable=False, default=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(32), primary_key=True),
    Column("secret_sha256", String(64), nullable=False),
    Column("official", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("created", String(40), nullable=False),
    Column("revoked", String(40)),
)

#: A login's product role (SPEC §11): `official` acts as its registry official within SPEC §4;
#: `oversight` reads everything and exports; `admin` keeps the registry, logins and tokens.
LOGIN_ROLES = ("official", "oversight", "admin")

LOGIN_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")  # whole string: fullmatch (a `$` admits a final newline)
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
TOKEN_PATTERN = re.compile(r"pl_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")  # whole string: fullmatch


def _hasher() -> PasswordHasher:
    if os.environ.get("LEDGER_ARGON2_PROFILE") == "test":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Login:
    login: str
    official: str
    role: str
    epoch: int
    disabled: bool

    @property
    def session_id(self) -> str:
        return f"{self.login}:{self.epoch}"


@dataclass(frozen=True)
class Token:
    token_id: str
    official: str
    role: str
    created: str
    revoked: str | None


class Accounts:
    """Logins and tokens of one store. `official_exists(id)` says whether the registry knows an
    official now (a login for an unknown official is refused)."""

    def __init__(self, engine: Engine, official_exists: Callable[[str], bool]) -> None:
        self._engine = engine
        self._official_exists = official_exists
        metadata.create_all(engine)

    # --- logins -------------------------------------------------------------------------------

    def add_login(self, login: str, official: str, password: str, role: str = "official") -> Login:
        if not LOGIN_PATTERN.fullmatch(login):
            raise InvalidField(code="bad_login", params={}, field="login")
        self._check_role(role)
        self._check_official(official)
        check_password_strength(password)
        try:
            with self._engine.begin() as connection:
                connection.execute(insert(logins).values(
                    login=login, official=official, role=role, password_hash=_hasher().hash(password),
                    created=_now(), epoch=0, disabled=False,
                ))
        except IntegrityError:
            raise InvalidField(code="login_exists", params={"login": repr(login)}, field="login") from None
        return Login(login, official, role, 0, False)

    def list_logins(self) -> list[Login]:
        with self._engine.connect() as connection:
            rows = connection.execute(select(logins).order_by(logins.c.login)).all()
        return [Login(r.login, r.official, r.role, r.epoch, r.disabled) for r in rows]

    def get_login(self, login: str) -> Login | None:
        with self._engine.connect() as connection:
            row = connection.execute(select(logins).where(logins.c.login == login)).first()
        return None if row is None else Login(row.login, row.official, row.role, row.epoch, row.disabled)

    def by_session(self, session_id: str) -> Login | None:
        """The login a session names, if that session is still valid (same epoch, not disabled)."""
        login, _, epoch = session_id.rpartition(":")
        found = self.get_login(login)
        if found is None or found.disabled or str(found.epoch) != epoch:
            return None
        return found

    def authenticate(self, login: str, password: str) -> Login | None:
        """The login if the password is right; None otherwise (the same for an unknown login, after
        hashing anyway, so timing does not tell which logins exist)."""
        row = None
        if LOGIN_PATTERN.fullmatch(login):  # no such login can exist (and a NUL is no PostgreSQL text)
            with self._engine.connect() as connection:
                row = connection.execute(select(logins).where(logins.c.login == login)).first()
        hasher = _hasher()
        if row is None or len(password) > MAX_PASSWORD:
            hasher.hash(password[:MAX_PASSWORD])
            return None
        try:
            hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if row.disabled:
            return None
        if hasher.check_needs_rehash(row.password_hash):
            with self._engine.begin() as connection:
                connection.execute(update(logins).where(logins.c.login == login)
                                   .values(password_hash=hasher.hash(password)))
        return Login(row.login, row.official, row.role, row.epoch, row.disabled)

    def end_sessions(self, login: str) -> None:
        """Invalidate every session of the login (logout)."""
        with self._engine.begin() as connection:
            connection.execute(update(logins).where(logins.c.login == login).values(epoch=logins.c.epoch + 1))

    def set_disabled(self, login: str, disabled: bool) -> None:
        with self._engine.begin() as connection:
            changed = connection.execute(update(logins).where(logins.c.login == login)
                                         .values(disabled=disabled, epoch=logins.c.epoch + 1))
        if changed.rowcount == 0:
            raise UnknownReference(code="unknown_login", params={"login": repr(login)}, field="login")

    # --- tokens -------------------------------------------------------------------------------

    def create_token(self, official: str, role: str = "official") -> tuple[Token, str]:
        """A new token for `official`; returns it and its secret text, shown once and never stored."""
        self._check_role(role)
        self._check_official(official)
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        token = Token(token_id, official, role, _now(), None)
        with self._engine.begin() as connection:
            connection.execute(insert(api_tokens).values(
                token_id=token_id, secret_sha256=_sha256(secret), official=official, role=role,
                created=token.created, revoked=None,
            ))
        return token, f"pl_{token_id}_{secret}"

    def revoke_token(self, token_id: str) -> Token:
        with self._engine.begin() as connection:
            row = connection.execute(select(api_tokens).where(api_tokens.c.token_id == token_id)).first()
            if row is None:
                raise UnknownReference(code="unknown_token", params={"token": repr(token_id)}, field="token_id")
            if row.revoked is None:
                connection.execute(update(api_tokens).where(api_tokens.c.token_id == token_id).values(revoked=_now()))
        found = self._token(token_id)
        assert found is not None
        return found

    def list_tokens(self) -> list[Token]:
        with self._engine.connect() as connection:
            rows = connection.execute(select(api_tokens).order_by(api_tokens.c.created, api_tokens.c.token_id)).all()
        return [Token(r.token_id, r.official, r.role, r.created, r.revoked) for r in rows]

    def token_for(self, text: str) -> Token | None:
        """The live token `text` stands for, or None (malformed, unknown, wrong secret, revoked)."""
        match = TOKEN_PATTERN.fullmatch(text)
        if match is None:
            return None
        with self._engine.connect() as connection:
            row = connection.execute(select(api_tokens).where(api_tokens.c.token_id == match.group(1))).first()
        if row is None or row.revoked is not None:
            return None
        if not hmac.compare_digest(row.secret_sha256, _sha256(match.group(2))):
            return None
        return Token(row.token_id, row.official, row.role, row.created, row.revoked)

    def _token(self, token_id: str) -> Token | None:
        with self._engine.connect() as connection:
            r = connection.execute(select(api_tokens).where(api_tokens.c.token_id == token_id)).first()
        return None if r is None else Token(r.token_id, r.official, r.role, r.created, r.revoked)

    # --- checks -------------------------------------------------------------------------------

    @staticmethod
    def _check_role(role: str) -> None:
        if role not in LOGIN_ROLES:
            raise InvalidField(code="not_a_login_role", params={"allowed": LOGIN_ROLES, "role": repr(role)}, field="role")

    def _check_official(self, official: str) -> None:
        if not self._official_exists(official):
            raise UnknownReference(code="unknown_or_departed_official", params={"official": repr(official)},
                                   field="official")


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidField(code="password_too_short", params={"minimum": MIN_PASSWORD}, field="password")
    if len(password) > MAX_PASSWORD:
        raise InvalidField(code="password_too_long", params={"limit": MAX_PASSWORD}, field="password")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()

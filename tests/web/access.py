"""The vocabulary of the access matrix (tests/web/test_authorization.py): the outcomes a request
may have, the audiences (nobody logged in and each login of the fixtures) and one expectation per
endpoint. Each blueprint's expectations beyond the first part's live in their own `access_*.py`
module, merged by the matrix, so that a new route cannot escape it."""

from __future__ import annotations

from dataclasses import dataclass

from tests.web.conftest import USERS

# --- the outcomes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: int
    location: str | None = None  # for a redirect: the path it leads to (the query aside)

    def __str__(self) -> str:
        return f"{self.status} → {self.location}" if self.location else str(self.status)


OK = Outcome(200)
REFUSED_INPUT = Outcome(400)  # the page is open to the user; the empty form is refused as input
NO_TOKEN = Outcome(401)
DENIED = Outcome(403)
LOGIN = Outcome(302, "/login")


def to(path: str) -> Outcome:
    return Outcome(302, path)


OFFICIALS = ("clerk", "specialist", "head", "consulted", "consulted_head", "inspector")
AUDIENCES = ("anonymous", *USERS)


def audiences(*, anonymous: Outcome, officials: Outcome, oversight: Outcome, admin: Outcome,
              inspector: Outcome | None = None) -> dict[str, Outcome]:
    """One outcome for each audience (the inspector is an official unless told otherwise)."""
    table = {"anonymous": anonymous, "oversight": oversight, "admin": admin}
    table.update({name: officials for name in OFFICIALS})
    if inspector is not None:
        table["inspector"] = inspector
    return table


def everyone(outcome: Outcome) -> dict[str, Outcome]:
    return audiences(anonymous=outcome, officials=outcome, oversight=outcome, admin=outcome)


def officials_pages(ok: Outcome) -> dict[str, Outcome]:
    return audiences(anonymous=LOGIN, officials=ok, oversight=DENIED, admin=DENIED)


def inspectors_pages(ok: Outcome) -> dict[str, Outcome]:
    return audiences(anonymous=LOGIN, officials=DENIED, oversight=DENIED, admin=DENIED, inspector=ok)


def oversight_pages(ok: Outcome) -> dict[str, Outcome]:
    return audiences(anonymous=LOGIN, officials=DENIED, oversight=ok, admin=ok)


def admin_pages(ok: Outcome) -> dict[str, Outcome]:
    return audiences(anonymous=LOGIN, officials=DENIED, oversight=DENIED, admin=ok)


@dataclass(frozen=True)
class Expectation:
    outcomes: dict[str, dict[str, Outcome]]  # method → audience → outcome
    args: dict[str, str] | None = None  # the rule's URL arguments




def readers_pages(ok: Outcome) -> dict[str, Outcome]:
    """Pages that read every agency's ledger: inspectors, oversight and admin logins (agency officials
    see their own agency's inbox and cases instead)."""
    return audiences(anonymous=LOGIN, officials=DENIED, oversight=ok, admin=ok, inspector=ok)

"""The demo's logins: one per role, each with a fresh random password."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..application import Ledger


#: One demo login per role: (role shown, login, official, product role).
DEMO_LOGINS = (
    ("clerk", "clerk", "sxd.clerk", "official"),
    ("specialist", "specialist", "sxd.nva", "official"),
    ("head", "head", "sxd.head", "official"),
    ("deputy_head", "deputy", "stc.deputy", "official"),
    ("inspector", "inspector", "tttp.insp1", "official"),
    ("oversight", "oversight", "vp.head", "oversight"),
    ("admin", "admin", "vp.clerk", "admin"),
)


def make_logins(ledger: Ledger) -> list[tuple[str, str, str, str]]:
    """Make the demo's logins, each with a fresh random password; returns (role, login, official,
    password) to print once (only hashes are kept)."""
    import secrets

    made = []
    for shown_role, login, official, role in DEMO_LOGINS:
        password = secrets.token_urlsafe(12)
        ledger.accounts.add_login(login, official, password, role)
        made.append((shown_role, login, official, password))
    return made

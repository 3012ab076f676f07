"""The options of each form's selects, from the registry and the case as they stand now."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ledger import RULE_CODES, CaseSummary

from .auth import WebUser
from .context import ledger

NONE = ("", _l("(none)"))


def choices_for(user: WebUser, case: CaseSummary | None) -> Any:
    queries = ledger().queries

    def source(name: str) -> list[tuple[str, Any]]:
        if name == "procedures":
            return [(c.code, f"{c.code} — {c.name}") for c in queries.procedures()]
        if name in ("agencies", "agencies_optional"):
            found = [(c.code, f"{c.code} — {c.name}") for c in queries.agencies()]
            return [NONE, *found] if name == "agencies_optional" else found
        if name in ("officials", "officials_optional"):
            found = [(c.code, c.name) for c in queries.officials()]
            return [NONE, *found] if name == "officials_optional" else found
        if name == "my_officials":
            return [(c.code, c.name) for c in queries.officials(user.agency)]
        if name == "my_agency":
            return [(user.agency, user.agency)] if user.agency else []
        if name == "consultations_to_me":
            return [(c.consultation, f"{c.consultation} ({c.to})") for c in (case.open_consultations if case else ())
                    if queries.holder(c.to) == user.agency]
        if name == "consultations_open":
            return [(c.consultation, f"{c.consultation} ({c.to})") for c in (case.open_consultations if case else ())]
        if name == "rules":
            return [(code, code) for code in RULE_CODES]
        raise KeyError(name)

    return source

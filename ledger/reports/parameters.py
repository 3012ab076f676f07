"""What a verifiable report of ours holds and the parameters of each kind, each in the one form
the ledger writes (anything else is not proved: `verify_report` refuses it)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

#: What a report of ours holds, and the parameters of each kind (anything else is not proved).
REPORT_FIELDS = {"report", "parameters", "checkpoint", "rulebook", "calendar", "rows"}
PARAMETERS = {
    "violations": {"as_of", "known_at", "rules", "agencies", "include_dismissed"},
    "delays": {"as_of", "by"},
    "scorecard": {"from", "to", "by", "known_at"},
}


#: The years the ledger writes in a report's dates (its inputs are bounded to them).
YEARS = range(2000, 2100)


def _is_date(value: Any) -> bool:
    try:
        day = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return False
    return day is not None and day.isoformat() == value and day.year in YEARS


def _is_moment(value: Any) -> bool:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return False
    return (moment is not None and moment.tzinfo is not None and moment.isoformat() == value
            and moment.year in YEARS)


def _is_codes(value: Any, known: Iterable[str] | None = None) -> bool:
    allowed = set(known) if known is not None else None
    return (isinstance(value, list) and all(isinstance(v, str) for v in value) and len(set(value)) == len(value)
            and (allowed is None or set(value) <= allowed))


def parameters_problem(kind: str, parameters: dict[str, Any]) -> str | None:
    """What is wrong with a report's parameters, or None: each present, of its exact type and in the
    one form the ledger writes (a report whose `include_dismissed` says "false" while it holds
    dismissed rows, or whose `rules` is a string matched as a substring, must not verify)."""
    from ..rules.rulebook import RULEBOOK

    missing = sorted(PARAMETERS.get(kind, set()) - set(parameters))
    if missing:
        return f"missing {', '.join(missing)}"
    checks: dict[str, Any] = {
        "as_of": _is_date, "from": _is_date, "to": _is_date,
        "known_at": lambda v: v is None or _is_moment(v),
        "rules": lambda v: _is_codes(v, RULEBOOK),
        "agencies": _is_codes,
        "include_dismissed": lambda v: isinstance(v, bool),
        "by": lambda v: v in ("agency", "official"),
    }
    wrong = [name for name in sorted(parameters) if not checks[name](parameters[name])]
    if wrong:
        return ", ".join(f"{name}={json.dumps(parameters[name], ensure_ascii=False)}" for name in wrong)
    if kind == "scorecard" and parameters["to"] < parameters["from"]:
        return "the period ends before it starts"
    return None

"""The oversight bodies' pages. For now the violations as a table, filterable by rule and agency;
the dashboard, charts and exports arrive with the oversight issue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from ledger import RULE_CODES

from .auth import oversight_only
from .context import ledger

bp = Blueprint("oversight", __name__, url_prefix="/oversight")


@bp.get("/violations")
@oversight_only
def violations() -> Any:
    rule = request.args.get("rule") or None
    agency = request.args.get("agency") or None
    found = [v.as_dict() for v in ledger().violations()]
    rows = [v for v in found if (rule is None or v["rule"] == rule) and (agency is None or v["agency"] == agency)]
    return render_template("violations.html", rows=rows, total=len(found), rules=RULE_CODES, rule=rule,
                           agency=agency, agencies=ledger().queries.agencies())

"""The inspectors' pages. For now the finding form (SPEC §4 `FindingRecorded`): an inspector's
ruling on a detected violation; the case replay arrives with the inspectors' issue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request, url_for
from flask_login import current_user

from .auth import WebUser, inspectors_only
from .choices import choices_for
from .context import ledger
from .forms import new_form
from .recording import form_page, record

bp = Blueprint("inspect", __name__, url_prefix="/inspect")

KIND = "FindingRecorded"


@bp.route("/findings", methods=["GET", "POST"])
@inspectors_only
def finding() -> Any:
    user: WebUser = current_user
    ref = (request.values.get("case") or "").strip() or None
    summary = ledger().queries.case(ref) if ref else None
    defaults = {k: request.args[k] for k in ("case", "rule", "consultation", "evidence") if request.args.get(k)}
    form = new_form(KIND, choices_for(user, summary), **(defaults if request.method == "GET" else {}))
    action = url_for("inspect.finding", case=ref) if ref else url_for("inspect.finding")

    def render(**extra: Any) -> str:
        return form_page(KIND, form, action=action, back=url_for("agency.inbox"), case=summary, **extra)

    if request.method == "POST":
        return record(KIND, form, user, render=render, done=lambda outcomes: url_for("inspect.finding"))
    return render()

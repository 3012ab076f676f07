"""The agencies' pages (SPEC §11): the inbox, a case as it stands, and a form for each §4 event.

Which forms a user is offered follows SPEC §4 as it stands now (lead-agency acts to the lead
agency's officials, the apology to its head or deputy head, answers to the consulted agency); the
ledger has the last word at the act's claimed time, and a refusal of who may act is a 403 page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .auth import WebUser, officials_only, refuse
from .choices import choices_for
from .context import ledger
from .forms import AGENCY_TYPES, TITLES, new_form
from .recording import form_page, record

bp = Blueprint("agency", __name__)

LEAD_ONLY = {"ConsultationRequested", "ConsultationWithdrawn", "SupplementRequested", "SupplementReceived",
             "ApologyIssued", "CaseResolved"}
CONSULTED_ONLY = {"ConsultationAnswered", "ConsultationHandlerDesignated"}
HEADS = ("head", "deputy_head")
CONSULTATION_FORMS = {"ConsultationAnswered", "ConsultationHandlerDesignated", "ConsultationWithdrawn"}


@bp.get("/inbox")
@officials_only
def inbox() -> Any:
    user: WebUser = current_user
    assert user.agency is not None
    return render_template("inbox.html", inbox=ledger().queries.inbox(user.agency))


@bp.get("/cases/<ref:case>")
@officials_only
def case(case: str) -> Any:
    summary = ledger().queries.case(case)
    if summary is None:
        abort(404, description=_("There is no case %(case)s in the ledger.", case=case))
    return render_template("case.html", case=summary, actions=offered(current_user, summary), titles=TITLES)


def offered(user: WebUser, summary: Any) -> list[str]:
    """The forms this user may use on this case now."""
    if summary is None or summary.status == "resolved":
        return []
    kinds = []
    for kind in AGENCY_TYPES:
        if kind in ("CaseOpened", "WorkProgrammeAdopted") or _denied(user, kind, summary) is not None:
            continue
        kinds.append(kind)
    return kinds


def _denied(user: WebUser, kind: str, summary: Any) -> str | None:
    """Why SPEC §4 does not let this user record `kind` on this case now, or None."""
    if summary is None:
        return None
    lead = ledger().queries.holder(summary.lead_agency) if summary.lead_agency else None
    if kind in LEAD_ONLY:
        if lead is None:
            return _("The case has no lead yet: assign the lead first.")
        if lead != user.agency:
            return _("Only an official of the lead agency (%(agency)s) may do this.", agency=lead)
    if kind == "ApologyIssued" and user.registry_role not in HEADS:
        return _("Only the head or a deputy head of the lead agency issues an apology.")
    if kind in CONSULTED_ONLY and not any(ledger().queries.holder(c.to) == user.agency
                                          for c in summary.open_consultations):
        return _("No open consultation of this case is addressed to your agency.")
    return None


@bp.route("/events/<kind>", methods=["GET", "POST"])
@officials_only
def event(kind: str) -> Any:
    if kind not in AGENCY_TYPES:
        abort(404, description=_("There is no form for %(kind)s here.", kind=kind))
    user: WebUser = current_user
    ref = (request.values.get("case") or "").strip() or None
    summary = ledger().queries.case(ref) if ref and kind != "CaseOpened" else None
    # Offered forms follow SPEC §4 as the case stands now; a POST is judged by the ledger itself
    # (a retry of an answer already recorded must reach it, to be told it was recorded once).
    reason = _denied(user, kind, summary) if request.method == "GET" else None
    if reason is not None:
        refuse(reason)
    defaults: dict[str, Any] = {}
    if request.method == "GET":
        if ref:
            defaults["case"] = ref
        if kind in CONSULTATION_FORMS and request.args.get("consultation"):
            defaults["consultation"] = request.args["consultation"]  # the inbox row's own consultation
        if kind == "WorkProgrammeAdopted":
            defaults.update(agency=user.agency, year=ledger().today().year)
    form = new_form(kind, choices_for(user, summary), **defaults)
    action = url_for("agency.event", kind=kind, case=ref) if ref else url_for("agency.event", kind=kind)
    back = url_for("agency.case", case=ref) if summary else url_for("agency.inbox")

    def render(**extra: Any) -> str:
        return form_page(kind, form, action=action, back=back, case=summary, **extra)

    if request.method == "POST":
        def done(outcomes: list[Any]) -> str:
            written = outcomes[0].case
            return url_for("agency.case", case=written) if written else url_for("agency.inbox")

        return record(kind, form, user, render=render, done=done)
    return render()

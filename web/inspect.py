"""The inspectors' pages (SPEC §11: inspectors replay a case's history event by event, as of any
date): find cases, replay one step by step, print its control slip, and record a finding.

- `/inspect/cases`: the cases, filtered by reference, agency, procedure, status, rule and opening
  period, a page at a time (`ledger.search_cases`, whose docstring says what each filter matches).
- `/inspect/cases/<case>`: the case replayed (`ledger.replay_case`: what "the state after step k"
  is, and when a violation "appears", is written in `ledger/replay/` (`judging.py`)). `?step=N` selects a step
  (1 … the number of events + 1, the last being the case as of the as-of date), `?as_of=YYYY-MM-DD`
  the business date and `?known_at=` the ledger time (a timestamp with its offset, a bare date
  meaning the end of that day, or a browser's offset-less `YYYY-MM-DDTHH:MM` meaning Vietnam time,
  as on every form of this site). A bad value is a 400 page that says which and why, and shows
  nothing of the case.
- `/inspect/cases/<case>/slip.pdf`: the control slip (Phiếu kiểm soát quá trình giải quyết hồ sơ).
- `/inspect/findings`: an inspector's ruling on a detected violation (SPEC §4 `FindingRecorded`).

Case search, replay and slip are for readers (inspectors, oversight and admin logins); only an
inspector records a finding.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ledger import (
    AGENCY_ROLES,
    CASE_STATUSES,
    LOCAL_TZ,
    RULE_CODES,
    CaseQuery,
    InvalidField,
    StepOutOfRange,
    UnknownReference,
    control_slip,
    control_slip_pdf,
    parse_date,
    parse_known_at,
    replay_case,
    search_cases,
)

from .auth import WebUser, inspectors_only, readers_only
from .choices import choices_for
from .context import ledger
from .forms import local_timestamp, new_form
from .i18n import current_language
from .params import refusal_reason, refuse_filter, whole_number
from .recording import form_page, record
from .routing import raw_reference

bp = Blueprint("inspect", __name__, url_prefix="/inspect")

KIND = "FindingRecorded"
CASES = "/inspect/cases/"
SLIP = "/slip.pdf"
PER_PAGE = 50
#: The search form's parameters (kept in the pager's links).
SEARCH_PARAMETERS = ("q", "agency", "role", "procedure", "status", "rule", "from", "to")

EVENT_LABELS = {
    "CaseOpened": _l("Case opened"), "LeadAssigned": _l("Lead assigned"),
    "CoordinatorAssigned": _l("Coordinating agency assigned"), "ConsultationRequested": _l("Consultation requested"),
    "ConsultationHandlerDesignated": _l("Consultation handler designated"),
    "ConsultationAnswered": _l("Consultation answered"), "ConsultationWithdrawn": _l("Consultation withdrawn"),
    "SupplementRequested": _l("Supplement requested (clock paused)"),
    "SupplementReceived": _l("Supplement received (clock resumed)"),
    "ApologyIssued": _l("Apology and new appointment issued"), "CaseResolved": _l("Case resolved"),
    "FindingRecorded": _l("Finding recorded"),
}
STATUS_LABELS = {"open": _l("open"), "paused": _l("paused for a supplement"), "resolved": _l("resolved"),
                 "answered": _l("answered"), "withdrawn": _l("withdrawn"), "closed": _l("closed")}
CASE_STATUS_CHOICES = {"open": _l("open (paused ones included)"), "resolved": _l("resolved")}
ROLE_CHOICES = {"any": _l("lead, consulted or responsible for a violation"), "lead": _l("lead now"),
                "consulted": _l("consulted in the case"), "responsible": _l("responsible for a violation")}
POSITION_LABELS = {"agree": _l("Agree"), "disagree": _l("Disagree"), "conditional": _l("Agree on conditions"),
                   "not_competent": _l("Not within our competence")}
OUTCOME_LABELS = {"approved": _l("Approved"), "rejected": _l("Rejected"), "answered": _l("Answered"),
                  "stopped": _l("Stopped")}
DECISION_LABELS = {"confirmed": _l("Confirmed"), "dismissed": _l("Dismissed")}
SOURCE_LABELS = {"web": _l("web form"), "api": _l("API"), "import": _l("import")}
#: The query parameters as a refusal names them.
PARAMETER_LABELS = {"step": _l("step"), "page": _l("page number"), "agency": _l("agency code"),
                    "role": _l("agency role"), "procedure": _l("procedure code"), "status": _l("case status"),
                    "rule": _l("rule code")}
#: The date parameters as a refusal of a date outside the ledger's range names them (the labels of
#: the pages' forms), in the words of the oversight pages' refusal.
DATE_LABELS = {"as_of": _l("As of (business date)"), "known_at": _l("Known at (ledger time)"),
               "from": _l("From"), "to": _l("To")}


@bp.app_template_filter("inspect_time")
def inspect_time(moment: datetime | None) -> str:
    """A moment's time of day in Vietnam ("14:05"); the date is shown with `format_day`."""
    return "—" if moment is None else moment.astimezone(LOCAL_TZ).strftime("%H:%M")


@bp.app_template_filter("inspect_value")
def inspect_value(value: Any) -> str:
    """An event field's value as the timeline shows it: text as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@bp.app_template_filter("inspect_day")
def inspect_day(moment: datetime | None) -> date | None:
    """A moment's local date (Vietnam), for `format_day`."""
    return None if moment is None else moment.astimezone(LOCAL_TZ).date()


# --- query parameters --------------------------------------------------------------------------


def _single(name: str) -> str | None:
    """One query parameter, stripped; empty means not given; sent twice, it is refused."""
    values = request.args.getlist(name)
    if len(values) > 1:
        abort(400, description=_("The parameter %(name)s was given more than once.", name=name))
    value = values[0].strip() if values else ""
    return value or None


def _as_of() -> date | None:
    raw = _single("as_of")
    if raw is None:
        return None
    try:
        return parse_date(raw, "as_of")
    except InvalidField as refusal:
        _out_of_range(refusal, "as_of")
        abort(400, description=_("The as-of date %(value)s is not a date: write it YYYY-MM-DD, e.g. %(example)s.",
                                 value=_shown(raw), example=ledger().today().isoformat()))


def _known_at() -> datetime | None:
    raw = _single("known_at")
    if raw is None:
        return None
    try:
        return parse_known_at(local_timestamp(raw), "known_at")
    except InvalidField as refusal:
        _out_of_range(refusal, "known_at")
        example = datetime.combine(ledger().today(), time(17, 0), tzinfo=LOCAL_TZ).isoformat()
        abort(400, description=_(
            "The known-at time %(value)s is not a time: write a timestamp such as %(example)s, or a date"
            " YYYY-MM-DD (the end of that day).", value=_shown(raw), example=example))


def _out_of_range(refusal: InvalidField, name: str) -> None:
    """A well-formed date outside the ledger's range (2000–2099) is refused as that, with the range
    (not as a malformed date); any other refusal is left to the caller."""
    if refusal.code == "date_out_of_range":
        label = DATE_LABELS[name]
        refuse_filter(label, refusal_reason(refusal, label))


def _whole(name: str) -> int | None:
    raw = _single(name)
    if raw is None:
        return None
    number = whole_number(raw)  # ASCII digits, at most params.MAX_DIGITS of them
    if number is None:
        abort(400, description=_("The %(name)s must be a whole number from 1, not %(value)s.",
                                 name=PARAMETER_LABELS[name], value=_shown(raw)))
    return number


def _choice(name: str, allowed: Any) -> str | None:
    raw = _single(name)
    if raw is not None and raw not in allowed:
        abort(400, description=_("%(value)s is not a known %(name)s.", value=_shown(raw), name=PARAMETER_LABELS[name]))
    return raw


def _shown(raw: str) -> str:
    return repr(raw if len(raw) <= 60 else raw[:60] + "…")


# --- the pages ---------------------------------------------------------------------------------


@bp.get("/cases")
@readers_only
def cases() -> Any:
    agencies = ledger().queries.agency_codes()
    procedures = ledger().queries.procedures()
    opened_from, opened_to = _date_param("from"), _date_param("to")
    if opened_from and opened_to and opened_to < opened_from:
        abort(400, description=_("The period ends (%(to)s) before it begins (%(from)s).",
                                 to=opened_to.isoformat(), **{"from": opened_from.isoformat()}))
    query = CaseQuery(
        reference=_single("q"), agency=_choice("agency", agencies), agency_role=_choice("role", AGENCY_ROLES) or "any",
        procedure=_choice("procedure", [p.code for p in procedures]), status=_choice("status", CASE_STATUSES),
        rule=_choice("rule", RULE_CODES), opened_from=opened_from, opened_to=opened_to,
    )
    page = _whole("page") or 1
    found = search_cases(ledger(), query, page=page, per_page=PER_PAGE)
    kept = {k: v for k in SEARCH_PARAMETERS if (v := _single(k))}
    return render_template("inspect_cases.html", found=found, query=query, kept=kept, agencies=agencies,
                           procedures=procedures, rules=RULE_CODES, roles=ROLE_CHOICES,
                           statuses=CASE_STATUS_CHOICES, status_labels=STATUS_LABELS)


def _date_param(name: str) -> date | None:
    raw = _single(name)
    if raw is None:
        return None
    try:
        return parse_date(raw, name)
    except InvalidField as refusal:
        _out_of_range(refusal, name)
        abort(400, description=_("The date %(value)s is not a date: write it YYYY-MM-DD.", value=_shown(raw)))


@bp.get("/cases/<ref:case>")
@readers_only
def case(case: str) -> Any:
    return _case_page(case)


def _case_page(case: str) -> Any:
    as_of, known_at, step = _as_of(), _known_at(), _whole("step")
    try:
        replay = replay_case(ledger(), case, as_of=as_of, known_at=known_at, step=step)
    except UnknownReference:
        abort(404, description=_("There is no case %(case)s in the ledger.", case=case))
    except StepOutOfRange as wrong:
        abort(400, description=_("There is no step %(step)s of case %(case)s: as of this date and time its steps"
                                 " are 1 to %(last)s.", step=wrong.step, case=case, last=wrong.last))
    view: dict[str, Any] = {k: v for k, v in (("as_of", _single("as_of")), ("known_at", _single("known_at"))) if v}
    base = url_for("inspect.case", case=replay.case, **view)
    joiner = "&" if "?" in base else "?"
    # A long case shows hundreds of dates: each is formatted once (the same `format_day` filter).
    day = lru_cache(maxsize=None)(current_app.jinja_env.filters["format_day"])
    return render_template(
        "inspect_case.html", r=replay, view=view, en=current_language() == "en", day=day,
        step_url=lambda n: f"{base}{joiner}step={n}",
        step_of={s.event: s.number for s in replay.steps},
        event_labels=_texts(EVENT_LABELS), status_labels=_texts(STATUS_LABELS), positions=_texts(POSITION_LABELS),
        outcomes=_texts(OUTCOME_LABELS), decisions=_texts(DECISION_LABELS), sources=_texts(SOURCE_LABELS), may_rule=bool(getattr(current_user, "inspector", False)),
    )


def _texts(labels: dict[str, Any]) -> dict[str, str]:
    """Lazy labels translated once for the page (a long timeline would translate each again per row)."""
    return {key: str(label) for key, label in labels.items()}


@bp.get("/cases/<ref:case>/slip.pdf")
@readers_only
def slip(case: str) -> Any:
    raw = raw_reference(CASES, SLIP)
    if raw is not None and not raw[1]:  # ".../A%2Fslip.pdf": the page of the case "A/slip.pdf" itself
        return _case_page(raw[0])
    case = raw[0] if raw else case
    as_of, known_at = _as_of(), _known_at()
    try:
        made = control_slip(ledger(), case, as_of=as_of, known_at=known_at)
    except UnknownReference:
        abort(404, description=_("There is no case %(case)s in the ledger.", case=case))
    name = "phieu-kiem-soat-" + (re.sub(r"[^A-Za-z0-9._-]+", "_", case).strip("._") or "ho-so") + ".pdf"
    return Response(control_slip_pdf(made), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


@bp.route("/findings", methods=["GET", "POST"])
@inspectors_only
def finding() -> Any:
    user: WebUser = current_user
    ref = (request.values.get("case") or "").strip() or None
    summary = ledger().queries.case(ref) if ref else None
    defaults = {k: request.args[k] for k in ("case", "rule", "consultation", "evidence") if request.args.get(k)}
    form = new_form(KIND, choices_for(user, summary), **(defaults if request.method == "GET" else {}))
    action = url_for("inspect.finding", case=ref) if ref else url_for("inspect.finding")
    back = url_for("inspect.case", case=ref) if summary else url_for("inspect.cases")

    def render(**extra: Any) -> str:
        return form_page(KIND, form, action=action, back=back, case=summary, **extra)

    if request.method == "POST":
        def done(outcomes: list[Any]) -> str:
            written = outcomes[0].case
            return url_for("inspect.case", case=written) if written else url_for("inspect.finding")

        return record(KIND, form, user, render=render, done=done)
    return render()

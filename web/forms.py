"""One form per event type, laid out from a table, validated by the ledger itself.

WTForms holds what the user typed (and the CSRF token); it does not judge the event. The view
turns the form into the same JSON object an import line would be (`event_object`) and hands it to
the ledger, which applies exactly the checks of an import; each refusal comes back with its field,
code and parameters and is shown beside that field in the user's language.

Every form carries a hidden idempotency id minted when the form is first shown: submitting the same
form twice (a double click, a reload after a lost response) appends once.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

from ledger import LOCAL_TZ, event_fields


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text | textarea | date | int | bool | tags | select
    label: Any
    choices: str | tuple[tuple[str, Any], ...] | None = None  # a fixed list, or a source the view fills
    hint: Any = None


def _select(values: tuple[str, ...], labels: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple((v, labels.get(v, v)) for v in values)


POSITION_LABELS = {
    "agree": _l("Agree"), "disagree": _l("Disagree"), "conditional": _l("Agree on conditions"),
    "not_competent": _l("Not within our competence"),
}
OUTCOME_LABELS = {"approved": _l("Approved"), "rejected": _l("Rejected"), "answered": _l("Answered"),
                  "stopped": _l("Stopped")}
ROLE_LABELS = {"head": _l("Head"), "deputy_head": _l("Deputy head"), "specialist": _l("Specialist"),
               "clerk": _l("Clerk"), "inspector": _l("Inspector")}
KIND_LABELS = {"people_committee": _l("People's Committee"), "department": _l("Department"), "board": _l("Board"),
               "district": _l("District"), "inspectorate": _l("Inspectorate"), "other": _l("Other")}
DECISION_LABELS = {"confirmed": _l("Confirmed"), "dismissed": _l("Dismissed")}

TAGS_HINT = _l("Domain tags separated by commas, e.g. construction, land")

#: The fields of each form, in the order shown. `case`, `at`, `note` and `id` are added to every
#: form by `form_class`; a test holds this table to the ledger's schema.
LAYOUTS: dict[str, tuple[Field, ...]] = {
    "CaseOpened": (
        Field("procedure", "select", _l("Procedure"), "procedures"),
        Field("title", "textarea", _l("Title")),
        Field("domains", "tags", _l("Domains (default: the procedure's)"), hint=TAGS_HINT),
        Field("applicant_name", "text", _l("Applicant's name")),
        Field("applicant_kind", "text", _l("Applicant's kind (enterprise, citizen…)")),
        Field("due", "date", _l("Due date (default: the procedure's processing time)")),
    ),
    "LeadAssigned": (
        Field("agency", "select", _l("Lead agency"), "agencies"),
        Field("official", "select", _l("Lead official"), "officials"),
        Field("reason", "textarea", _l("Reason (required when it replaces a lead)")),
    ),
    "CoordinatorAssigned": (
        Field("agency", "select", _l("Coordinating agency"), "agencies"),
        Field("part", "textarea", _l("The part it answers for")),
        Field("official", "select", _l("Official (optional)"), "officials_optional"),
    ),
    "ConsultationRequested": (
        Field("consultation", "text", _l("Consultation reference (unique in the case)")),
        Field("to", "select", _l("Agency consulted"), "agencies"),
        Field("question", "textarea", _l("Question")),
        Field("domains", "tags", _l("Domains (default: the case's)"), hint=TAGS_HINT),
        Field("due", "date", _l("Answer due on")),
        Field("due_days", "int", _l("or within so many working days (default 15)")),
    ),
    "ConsultationHandlerDesignated": (
        Field("consultation", "select", _l("Consultation"), "consultations_to_me"),
        Field("official", "select", _l("Handling official"), "my_officials"),
    ),
    "ConsultationAnswered": (
        Field("consultation", "select", _l("Consultation"), "consultations_to_me"),
        Field("position", "select", _l("Position"),
              (("", _l("(no position)")), *_select(tuple(POSITION_LABELS), POSITION_LABELS))),
        Field("reasoning", "textarea", _l("Reasoning")),
        Field("conditions", "textarea", _l("Conditions (for an agreement on conditions)")),
        Field("refer_to", "select", _l("Competent agency (when not within our competence)"), "agencies_optional"),
        Field("legal_basis", "textarea", _l("Legal basis")),
        Field("domains", "tags", _l("Domains the answer covers"), hint=TAGS_HINT),
    ),
    "ConsultationWithdrawn": (
        Field("consultation", "select", _l("Consultation"), "consultations_open"),
        Field("reason", "textarea", _l("Reason")),
    ),
    "SupplementRequested": (Field("reason", "textarea", _l("What the applicant must complete")),),
    "SupplementReceived": (),
    "ApologyIssued": (
        Field("reason", "textarea", _l("Reason for the delay")),
        Field("new_due", "date", _l("New appointment date")),
    ),
    "CaseResolved": (Field("outcome", "select", _l("Outcome"), _select(tuple(OUTCOME_LABELS), OUTCOME_LABELS)),),
    "WorkProgrammeAdopted": (
        Field("agency", "select", _l("Agency"), "my_agency"),
        Field("year", "int", _l("Year")),
    ),
    "FindingRecorded": (
        Field("rule", "select", _l("Rule"), "rules"),
        Field("decision", "select", _l("Decision"), _select(tuple(DECISION_LABELS), DECISION_LABELS)),
        Field("consultation", "text", _l("Consultation (if the violation concerns one)")),
        Field("evidence", "text", _l("Evidence event id (to single out one violation)")),
        Field("agency", "select", _l("Agency (work programme findings only)"), "agencies_optional"),
        Field("year", "int", _l("Year (work programme findings only)")),
    ),
    "AgencyRegistered": (
        Field("agency", "text", _l("Agency code")),
        Field("name", "text", _l("Name (Vietnamese)")),
        Field("name_en", "text", _l("Name (English)")),
        Field("kind", "select", _l("Kind"), _select(tuple(KIND_LABELS), KIND_LABELS)),
        Field("mandate", "tags", _l("Mandate"), hint=TAGS_HINT),
    ),
    "AgencyMandateChanged": (
        Field("agency", "select", _l("Agency"), "agencies"),
        Field("mandate", "tags", _l("New mandate"), hint=TAGS_HINT),
    ),
    "AgencyMerged": (
        Field("agency", "select", _l("Agency merged away"), "agencies"),
        Field("into", "select", _l("Successor"), "agencies"),
    ),
    "OfficialAppointed": (
        Field("official", "text", _l("Official id (e.g. sxd.nguyenvana)")),
        Field("name", "text", _l("Name")),
        Field("agency", "select", _l("Agency"), "agencies"),
        Field("role", "select", _l("Role"), _select(tuple(ROLE_LABELS), ROLE_LABELS)),
    ),
    "OfficialTransferred": (
        Field("official", "select", _l("Official"), "officials"),
        Field("agency", "select", _l("New agency"), "agencies"),
        Field("role", "select", _l("Role"), _select(tuple(ROLE_LABELS), ROLE_LABELS)),
    ),
    "OfficialDeparted": (Field("official", "select", _l("Official"), "officials"),),
    "ProcedureDefined": (
        Field("procedure", "text", _l("Procedure code")),
        Field("name", "text", _l("Name")),
        Field("processing_days", "int", _l("Processing time (working days)")),
        Field("focal_agency", "select", _l("Focal agency (optional)"), "agencies_optional"),
        Field("domains", "tags", _l("Domains"), hint=TAGS_HINT),
    ),
    "CalendarDayDeclared": (
        Field("date", "date", _l("Date")),
        Field("working", "bool", _l("A working day (unticked: a day off)")),
        Field("reference", "text", _l("Official notice (number and date)")),
    ),
}

TITLES: dict[str, Any] = {
    "CaseOpened": _l("Open a case"), "LeadAssigned": _l("Assign the lead"),
    "CoordinatorAssigned": _l("Assign a coordinating agency"),
    "ConsultationRequested": _l("Request a consultation"),
    "ConsultationHandlerDesignated": _l("Designate who handles a consultation"),
    "ConsultationAnswered": _l("Answer a consultation"), "ConsultationWithdrawn": _l("Withdraw a consultation"),
    "SupplementRequested": _l("Ask the applicant to complete the dossier (pause)"),
    "SupplementReceived": _l("Supplement received (resume)"),
    "ApologyIssued": _l("Apologise and set a new appointment"), "CaseResolved": _l("Resolve the case"),
    "WorkProgrammeAdopted": _l("Adopt the year's work programme"), "FindingRecorded": _l("Record a finding"),
    "AgencyRegistered": _l("Register an agency"), "AgencyMandateChanged": _l("Change an agency's mandate"),
    "AgencyMerged": _l("Merge an agency"), "OfficialAppointed": _l("Appoint an official"),
    "OfficialTransferred": _l("Transfer an official"), "OfficialDeparted": _l("An official departs"),
    "ProcedureDefined": _l("Define a procedure"), "CalendarDayDeclared": _l("Declare a calendar day"),
}

#: Form fields that make up one event field (the applicant object).
COMPOSED = {"applicant_name": "applicant", "applicant_kind": "applicant"}

AGENCY_TYPES = ("CaseOpened", "LeadAssigned", "CoordinatorAssigned", "ConsultationRequested",
                "ConsultationHandlerDesignated", "ConsultationAnswered", "ConsultationWithdrawn",
                "SupplementRequested", "SupplementReceived", "ApologyIssued", "CaseResolved",
                "WorkProgrammeAdopted")
REGISTRY_FORM_TYPES = ("AgencyRegistered", "AgencyMandateChanged", "AgencyMerged", "OfficialAppointed",
                       "OfficialTransferred", "OfficialDeparted", "ProcedureDefined", "CalendarDayDeclared")
NO_CASE = {"WorkProgrammeAdopted", *REGISTRY_FORM_TYPES}


class EventForm(FlaskForm):
    """The common part of every event form."""

    id = HiddenField()
    at = StringField(_l("When it happened (your local time)"), render_kw={"type": "datetime-local", "step": "1"})
    note = TextAreaField(_l("Note"))
    confirm = HiddenField()  # set when the user confirms an answer the rulebook warned about


_CLASSES: dict[str, type[EventForm]] = {}


def form_class(kind: str) -> type[EventForm]:
    """The WTForms class of one event type (built once)."""
    if kind not in _CLASSES:
        attrs: dict[str, Any] = {}
        if kind not in NO_CASE:
            attrs["case"] = StringField(_l("Case reference"))
        for f in LAYOUTS[kind]:
            attrs[f.name] = _wtf_field(f)
        _CLASSES[kind] = type(f"{kind}Form", (EventForm,), attrs)
    return _CLASSES[kind]


def _wtf_field(f: Field) -> Any:
    if f.kind == "textarea":
        return TextAreaField(f.label, description=f.hint)
    if f.kind == "bool":
        return BooleanField(f.label)
    if f.kind == "select":
        # validate_choice=False: the ledger judges the value and says why, in one voice.
        return SelectField(f.label, choices=[], validate_choice=False, description=f.hint)
    render = {"date": {"type": "date"}, "int": {"type": "number", "step": "1"}}.get(f.kind, {})
    return StringField(f.label, description=f.hint, render_kw=render or None)


def new_form(kind: str, choices: Callable[[str], list[tuple[str, Any]]], **defaults: Any) -> EventForm:
    """A form bound to the request (POST) or filled with defaults (GET); selects filled from
    `choices(source)`."""
    form = form_class(kind)(**defaults)
    for f in LAYOUTS[kind]:
        if f.kind == "select":
            field = getattr(form, f.name)
            field.choices = list(f.choices) if isinstance(f.choices, tuple) else choices(str(f.choices))
            typed = field.data
            if typed and typed not in {value for value, _ in field.choices}:
                field.choices.append((typed, typed))  # keep what was sent, so the refusal shows it
    if request.method != "POST":  # a posted form is judged as sent: an emptied time is refused, not filled
        if not form.id.data:
            form.id.data = f"web-{uuid.uuid4()}"
        if not form.at.data:
            form.at.data = datetime.now(LOCAL_TZ).replace(microsecond=0, tzinfo=None).isoformat()
    return form


WHOLE_NUMBER = re.compile(r"-?[0-9]{1,9}")


class Unreadable(ValueError):
    """A form value that cannot become its JSON value (not a number, …); `field` names it."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(code)
        self.field = field
        self.code = code


def event_object(kind: str, form: EventForm) -> dict[str, Any]:
    """The JSON object (SPEC §8) the form stands for, without `by` (the user's official is the
    actor). Empty optional fields are left out, as a client would leave them out."""
    obj: dict[str, Any] = {"type": kind, "at": local_timestamp(form.at.data or "")}
    if form.id.data:
        obj["id"] = form.id.data
    if form.note.data and form.note.data.strip():
        obj["note"] = form.note.data
    if kind not in NO_CASE:
        obj["case"] = form.case.data or None  # type: ignore[attr-defined]
    applicant: dict[str, Any] = {}
    for f in LAYOUTS[kind]:
        raw = getattr(form, f.name).data
        if f.name in COMPOSED:
            if raw and str(raw).strip():
                applicant[f.name.removeprefix("applicant_")] = raw
            continue
        value = _value(f, raw)
        if value is not None:
            obj[f.name] = value
    if applicant:
        obj["applicant"] = {"name": applicant.get("name"), "kind": applicant.get("kind")}
    return obj


def _value(f: Field, raw: Any) -> Any:
    if f.kind == "bool":
        return bool(raw)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if f.kind == "int":
        text = str(raw).strip()
        if not WHOLE_NUMBER.fullmatch(text):  # ASCII digits only: int() would also read "٣" or "５"
            raise Unreadable(f.name, "not_a_whole_number")
        return int(text)
    if f.kind == "tags":
        return [tag.strip() for tag in str(raw).split(",") if tag.strip()]
    return raw


def local_timestamp(text: str) -> str:
    """A browser's `datetime-local` value (no offset) is Vietnam time; a value with an offset is
    kept as typed, and anything else is passed on for the ledger to refuse."""
    text = text.strip()
    if len(text) in (16, 19) and "T" in text and "+" not in text and not text.endswith("Z"):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
        if moment.tzinfo is not None:  # "…T09:00-07" carries its own offset
            return text
        return moment.replace(tzinfo=LOCAL_TZ).isoformat()
    return text


def schema_fields(kind: str) -> set[str]:
    """The event fields a form fills, for the test that holds LAYOUTS to the schema."""
    names = {COMPOSED.get(f.name, f.name) for f in LAYOUTS[kind]}
    return names | ({"case"} if kind not in NO_CASE else set())


__all__ = ["AGENCY_TYPES", "LAYOUTS", "REGISTRY_FORM_TYPES", "TITLES", "EventForm", "Unreadable", "event_fields",
           "event_object", "form_class", "new_form", "schema_fields"]

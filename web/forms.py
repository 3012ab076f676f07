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
from datetime import datetime
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

from ledger import LOCAL_TZ, REGISTRY_TYPES, event_fields

from .form_layouts import LAYOUTS, TITLES, Field

__all__ = ["AGENCY_TYPES", "LAYOUTS", "REGISTRY_FORM_TYPES", "TITLES", "EventForm", "Field", "Unreadable",
           "event_object", "form_class", "local_timestamp", "new_form", "schema_fields"]


#: Form fields that make up one event field (the applicant object).
COMPOSED = {"applicant_name": "applicant", "applicant_kind": "applicant"}

AGENCY_TYPES = ("CaseOpened", "LeadAssigned", "CoordinatorAssigned", "ConsultationRequested",
                "ConsultationHandlerDesignated", "ConsultationAnswered", "ConsultationWithdrawn",
                "SupplementRequested", "SupplementReceived", "ApologyIssued", "CaseResolved",
                "WorkProgrammeAdopted")
REGISTRY_FORM_TYPES = tuple(REGISTRY_TYPES)
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

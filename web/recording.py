"""Recording one event from a form: the flow every form view shares.

Parse the form into the event object, hand it to the ledger (the same checks as an import), and
either redirect after exactly one append, or show the form again with what the user typed and each
refusal beside its field, in the user's language. A refusal for who the user is (SPEC §4's "who
may do it") is a 403 page that says why. Nothing is appended unless everything passed.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import flash, redirect, render_template
from flask_babel import gettext as _

from ledger import BatchRefused, ConcurrentAppend, InvalidField, KeyConflict, NotPermitted, Refused, field_refusals

from .auth import WebUser, refuse
from .context import ledger
from .forms import LAYOUTS, TITLES, EventForm, Unreadable, event_object
from .i18n import refusal_text

#: Event fields shown by another form field (the applicant object by its two parts).
SHOWN_AS = {"applicant": "applicant_name"}
#: Form fields the user never sees: a refusal of one of them is shown above the form.
HIDDEN = ("id", "confirm", "csrf_token")
#: Rules whose warning the answer form shows before it appends (the clear-position rule and its kin).
WARNED_RULES = ("EVASIVE_RESPONSE", "BUCK_PASSING", "OUT_OF_MANDATE_RESPONSE")


@dataclass
class Problems:
    """Refusals by form field; `general` for those of no field shown on the form."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def add(self, name: str | None, text: str, form: EventForm) -> None:
        name = SHOWN_AS.get(name or "", name)
        if name and name in form and name not in HIDDEN:
            self.fields.setdefault(name, []).append(text)
        else:
            self.general.append(text)

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)


def shown_field(refusal: Refused) -> str | None:
    """The form field a refusal belongs beside: the applicant's kind has a field of its own."""
    if refusal.field == "applicant" and "kind" in str((refusal.params or {}).get("name", "")):
        return "applicant_kind"
    return refusal.field


def translated(refusal: Refused) -> str:
    return refusal_text(getattr(refusal, "code", ""), getattr(refusal, "params", {}) or {}, str(refusal))


def unreadable_text(code: str) -> str:
    return {"not_a_whole_number": _("This must be a whole number.")}.get(code, code)


def fingerprint(obj: dict[str, Any]) -> str:
    """What the user confirmed after a warning: the event's content (its id aside)."""
    content = {k: v for k, v in obj.items() if k != "id"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]


def record(
    kind: str,
    form: EventForm,
    user: WebUser,
    *,
    render: Callable[..., Any],
    done: Callable[[list[Any]], str],
) -> Any:
    """Append the form's event, or render it again (400 with refusals, 200 with warnings)."""
    problems = Problems()
    try:
        obj = event_object(kind, form)
    except Unreadable as error:
        problems.add(error.field, unreadable_text(error.code), form)
        return render(problems=problems, warnings=[]), 400
    if kind == "ConsultationAnswered" and form.confirm.data != fingerprint(obj):
        try:
            warnings = [v for v in ledger().preview(obj, source="web", actor=user.account.official)
                        if v.rule in WARNED_RULES]
        except NotPermitted as refusal:
            refuse(translated(refusal))
        except KeyConflict as refusal:
            return _reused_id(form, problems, refusal, render)
        except Refused as refusal:
            problems.add(shown_field(refusal), translated(refusal), form)
            return render(problems=problems, warnings=[]), 400
        if warnings:
            form.confirm.data = fingerprint(obj)
            return render(problems=problems, warnings=warnings), 200
    try:
        outcomes = ledger().append(obj, source="web", actor=user.account.official)
    except BatchRefused as refused:
        denied = [translated(r) for _, r in refused.refusals if isinstance(r, NotPermitted)]
        if denied:
            refuse(" ".join(denied))
        conflicts = [r for _, r in refused.refusals if isinstance(r, KeyConflict)]
        if conflicts:
            return _reused_id(form, problems, conflicts[0], render)
        every = [r for _, r in refused.refusals]
        if all(isinstance(r, InvalidField) for r in every):
            every = list(field_refusals(obj, actor=user.account.official)) or every  # all fields at once
        for each in every:
            problems.add(shown_field(each), translated(each), form)
        return render(problems=problems, warnings=[]), 400
    except ConcurrentAppend:
        problems.general.append(_("Another user changed this case at the same moment; nothing was recorded."
                                  " Submit again."))
        return render(problems=problems, warnings=[]), 409
    outcome = outcomes[0]
    if outcome.duplicate:
        flash(_("This form was already submitted; it was recorded once (event %(event)s).", event=outcome.event),
              "info")
    else:
        flash(_("Recorded: %(title)s (event %(event)s, position %(position)s).", title=TITLES[kind],
                event=outcome.event, position=outcome.position), "success")
    return redirect(done(outcomes))


def _reused_id(form: EventForm, problems: Problems, refusal: Refused, render: Callable[..., Any]) -> Any:
    """The form's id already stands for another event (the form was submitted, then changed and
    submitted again): say so, and give the form a fresh id so that it can be recorded as new."""
    problems.general.append(_("This form was already recorded with other content (%(reason)s). Nothing more was"
                              " recorded; submit again to record it as a new event.", reason=translated(refusal)))
    form.id.data = f"web-{uuid.uuid4()}"
    return render(problems=problems, warnings=[]), 409


def form_page(kind: str, form: EventForm, *, action: str, back: str, case: Any = None,
              problems: Problems | None = None, warnings: list[Any] | None = None) -> str:
    return render_template("event_form.html", kind=kind, title=TITLES[kind], form=form, layout=LAYOUTS[kind],
                           action=action, back=back, case=case, problems=problems or Problems(),
                           warnings=warnings or [])

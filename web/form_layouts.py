"""What each event form shows: its fields in order, their widgets, labels and choices.

A table, not code: `web.forms` builds the WTForms classes from it, and a test holds it to the
ledger's own schema (every field of each event type, no other).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l


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

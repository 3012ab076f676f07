"""Procedure Ledger: an event-sourced audit ledger of administrative procedures.

The public facade: open a `Ledger` on a store URL, append events, ask questions.
"""

from typing import TYPE_CHECKING, Any

from .accounts import LOGIN_ROLES, Login, Token
from .application import BatchRefused, ImportReport, Ledger
from .batch import Outcome
from .calendar import LOCAL_TZ, WorkingCalendar, local_date
from .domain.errors import (
    ConcurrentAppend,
    CorruptEvent,
    InvalidField,
    InvalidState,
    KeyConflict,
    LedgerError,
    NotPermitted,
    OutOfOrder,
    Refused,
    StoreError,
    UnknownReference,
)
from .domain.jsonschema import event_schemas
from .domain.refusals import MESSAGES as REFUSAL_MESSAGES
from .domain.schema import EVENT_TYPES, Envelope, field_refusals, parse_event
from .domain.values import parse_date, parse_known_at, parse_timestamp
from .reports.verifiable import render_report
from .interchange import LineDecodeError, parse_document, read_input_lines, refused_element
from .domain.values import AGENCY_KINDS, DECISIONS, OUTCOMES, POSITIONS, ROLES, RULE_CODES
from .queries import CaseItem, CaseSummary, Choice, Clock, ConsultationItem, Inbox, OfficialInfo
# The inspectors' replay, the oversight dashboard and the report files: each module's own
# `__all__` is part of the facade (as asyncio's package does with its submodules).
from . import dashboard, publications, replay
from .dashboard import *  # noqa: F403
from .publications import *  # noqa: F403
from .replay import *  # noqa: F403
from .reports import export, fonts
from .reports.export import *  # noqa: F403
from .reports.fonts import *  # noqa: F403
# What the commands ask beyond `Ledger`'s methods: files written whole or not at all, reports
# asked for (filters checked, verifiable parameters, tables, files), proofs checked with no
# database, and the store's own failures.
from . import operations, outputs, report_requests, trust_checks
from .operations import *  # noqa: F403
from .outputs import *  # noqa: F403
from .report_requests import *  # noqa: F403
from .trust_checks import *  # noqa: F403

if TYPE_CHECKING:
    from .demo import generate as generate_demo
    from .demo import make_logins as make_demo_logins
    from .demo import progress_length as demo_progress_length
    from .rules.document import rulebook_json, rulebook_markdown, rulebook_text
    from .text import format_history

#: Names the facade loads only when asked for (the demo generator, the rulebook's documents, the
#: history's text), so that importing `ledger` stays light for the web application.
_LAZY = {
    "generate_demo": ("demo", "generate"),
    "make_demo_logins": ("demo", "make_logins"),
    "demo_progress_length": ("demo", "progress_length"),
    "rulebook_json": ("rules.document", "rulebook_json"),
    "rulebook_markdown": ("rules.document", "rulebook_markdown"),
    "rulebook_text": ("rules.document", "rulebook_text"),
    "format_history": ("text", "format_history"),
}


def __getattr__(name: str) -> Any:
    """A lazily loaded name of the facade (PEP 562)."""
    from importlib import import_module

    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(import_module(f".{module}", __name__), attribute)
    globals()[name] = value
    return value



def event_fields(kind: str) -> dict[str, bool]:
    """The fields of one event type (SPEC §3–§4), each with whether it is required; common
    fields (`type`, `at`, `by`, `case`, `id`, `note`) are not listed."""
    from .domain import schema

    for table in (schema.REGISTRY_TYPES, schema.CASE_TYPES, schema.AGENCY_YEAR_TYPES):
        if kind in table:
            return {spec.name: spec.required for spec in table[kind]}
    if kind == "FindingRecorded":
        found = {spec.name: spec.required for spec in schema.FINDING_FIELDS}
        return {**found, "agency": False, "year": False}
    raise KeyError(kind)


__all__ = [
    "AGENCY_KINDS",
    "DECISIONS",
    "EVENT_TYPES",
    "OUTCOMES",
    "POSITIONS",
    "ROLES",
    "RULE_CODES",
    "event_fields",
    "field_refusals",
    "event_schemas",
    "parse_document",
    "read_input_lines",
    "refused_element",
    "parse_date",
    "parse_known_at",
    "parse_timestamp",
    "render_report",
    "LineDecodeError",
    "LOCAL_TZ",
    "LOGIN_ROLES",
    "REFUSAL_MESSAGES",
    "CaseItem",
    "CaseSummary",
    "Choice",
    "Clock",
    "ConsultationItem",
    "Inbox",
    "Login",
    "OfficialInfo",
    "Token",
    "BatchRefused",
    "ConcurrentAppend",
    "CorruptEvent",
    "Envelope",
    "ImportReport",
    "InvalidField",
    "InvalidState",
    "KeyConflict",
    "Ledger",
    "LedgerError",
    "NotPermitted",
    "OutOfOrder",
    "Outcome",
    "Refused",
    "StoreError",
    "UnknownReference",
    "WorkingCalendar",
    "local_date",
    "parse_event",
    *dashboard.__all__,
    *publications.__all__,
    *replay.__all__,
    *export.__all__,
    *fonts.__all__,
    *operations.__all__,
    *outputs.__all__,
    *report_requests.__all__,
    *trust_checks.__all__,
    # loaded when asked for (`_LAZY`)
    "demo_progress_length",
    "format_history",
    "generate_demo",
    "make_demo_logins",
    "rulebook_json",
    "rulebook_markdown",
    "rulebook_text",
]

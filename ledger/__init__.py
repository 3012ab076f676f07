"""Procedure Ledger: an event-sourced audit ledger of administrative procedures.

The public facade: open a `Ledger` on a store URL, append events, ask questions.
"""

# First: the collector is held back while the facade is imported (`collector` says why).
from . import collector as _collector  # noqa: I001

_collecting = _collector.pause()
try:
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
    from .domain.refusals import MESSAGES as REFUSAL_MESSAGES
    from .domain.schema import EVENT_TYPES, REGISTRY_TYPES, Envelope, field_refusals, parse_event
    from .domain.values import parse_date, parse_known_at, parse_timestamp
    from .reports.verifiable import render_report
    from .interchange import (
        LineDecodeError, count_input_lines, parse_document, read_input_lines, refused_element, stream_input_lines,
    )
    from .domain.values import AGENCY_KINDS, DECISIONS, OUTCOMES, POSITIONS, ROLES, RULE_CODES
    from .queries import CaseItem, CaseSummary, Choice, Clock, ConsultationItem, Inbox, OfficialInfo
    # The inspectors' replay, the oversight dashboard, the publications and the report files: each
    # module's own `__all__` is part of the facade (as asyncio's package does with its submodules).
    # The replay, the dashboard, the publications and the fonts are loaded when first asked for
    # (`_LAZY_MODULES`), so that a one-case command such as `ledger history` does not import them.
    from .reports import export
    from .reports.export import *  # noqa: F403
    # What the commands ask beyond `Ledger`'s methods: files written whole or not at all, reports
    # asked for (filters checked, verifiable parameters, tables, files), proofs checked with no
    # database, and the store's own failures.
    from . import operations, outputs, report_requests, trust_checks
    from .operations import *  # noqa: F403
    from .outputs import *  # noqa: F403
    from .report_requests import *  # noqa: F403
    from .trust_checks import *  # noqa: F403
finally:  # a failed import too: the process carries on collecting
    _collector.resume(_collecting)

if TYPE_CHECKING:
    from .dashboard import *  # noqa: F403
    from .demo import generate as generate_demo
    from .demo import make_logins as make_demo_logins
    from .demo import progress_length as demo_progress_length
    from .rules.document import rulebook_json, rulebook_markdown, rulebook_text
    from .domain.jsonschema import event_schemas
    from .publications import *  # noqa: F403
    from .replay import *  # noqa: F403
    from .reports.fonts import *  # noqa: F403
    from .text import format_history

#: Names the facade loads only when asked for (the demo generator, the rulebook's documents, the
#: history's text, the events' JSON Schemas), so that importing `ledger` stays light for the web
#: application and the commands.
_LAZY = {
    "event_schemas": ("domain.jsonschema", "event_schemas"),
    "generate_demo": ("demo", "generate"),
    "make_demo_logins": ("demo", "make_logins"),
    "demo_progress_length": ("demo", "progress_length"),
    "rulebook_json": ("rules.document", "rulebook_json"),
    "rulebook_markdown": ("rules.document", "rulebook_markdown"),
    "rulebook_text": ("rules.document", "rulebook_text"),
    "format_history": ("text", "format_history"),
}

#: Modules of the facade loaded when first asked for: the facade's name of the module, its path
#: under `ledger`, and its `__all__` (every one of those names is the facade's; a test holds
#: these tuples equal to the modules' own `__all__`).
_LAZY_MODULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "dashboard": ("dashboard", (
        "AgencyName", "Answers", "AgencyOnTime", "Count", "Dashboard", "DashboardFilters", "DashboardTotals",
        "FiguresCache", "OfficialDelay", "ViolationList", "dashboard_figures", "default_period", "violation_list",
    )),
    "publications": ("publications", (
        "CALENDAR_FIRST_YEAR", "CALENDAR_LAST_YEAR", "REPORT_CSV_MARK", "CalendarDay", "CalendarYear", "RuleEntry",
        "calendar_year", "rule_entry", "rulebook_entries", "rulebook_version",
    )),
    "replay": ("replay", (
        "AGENCY_ROLES", "CASE_STATUSES", "CasePage", "CaseQuery", "CaseRow", "ConsultationState", "ControlSlip",
        "FindingItem", "Replay", "ReplayStep", "SlipParty", "SlipRow", "StepOutOfRange", "StepState",
        "StepViolation", "control_slip", "control_slip_pdf", "replay_case", "search_cases",
    )),
    "fonts": ("reports.fonts", ("FONT_FAMILY", "MISSING_GLYPHS_NOTE", "REPLACEMENT", "drawable", "font_files", "nfc")),
}
_LAZY_NAMES = {name: module for module, (_, names) in _LAZY_MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    """A lazily loaded name of the facade (PEP 562): a name of `_LAZY`, a module of
    `_LAZY_MODULES`, or one of those modules' names."""
    from importlib import import_module

    if name in _LAZY_MODULES or name in _LAZY_NAMES:
        module = import_module(f".{_LAZY_MODULES[_LAZY_NAMES.get(name, name)][0]}", __name__)
        value = module if name in _LAZY_MODULES else getattr(module, name)
    elif name in _LAZY:
        path, attribute = _LAZY[name]
        value = getattr(import_module(f".{path}", __name__), attribute)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_LAZY_MODULES})



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
    "REGISTRY_TYPES",
    "OUTCOMES",
    "POSITIONS",
    "ROLES",
    "RULE_CODES",
    "event_fields",
    "field_refusals",
    "event_schemas",
    "parse_document",
    "read_input_lines",
    "stream_input_lines",
    "count_input_lines",
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
    *export.__all__,
    *operations.__all__,
    *outputs.__all__,
    *report_requests.__all__,
    *trust_checks.__all__,
    # loaded when asked for (`_LAZY_MODULES`, `_LAZY`)
    *_LAZY_NAMES,
    "demo_progress_length",
    "format_history",
    "generate_demo",
    "make_demo_logins",
    "rulebook_json",
    "rulebook_markdown",
    "rulebook_text",
]

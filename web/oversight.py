"""The oversight bodies' pages (SPEC §1, §11: read everything, export): a dashboard with charts, the
violations as a table, and the verifiable reports as files.

Every page takes the same filters in its query string (`from`, `to`, `as_of`, `known_at`, `agency`,
`rule`; ledger.dashboard says what each means), defaulting to the last 12 calendar months up to
the as-of date, as of today, known now. A malformed, unknown or ambiguous filter is a 400 page that
says which and why. The figures come from `ledger.dashboard`, computed once per (filters, event
count) and kept for the page's charts (`FiguresCache`); the exports are `Ledger.report` envelopes
built with exactly the CLI's parameters (`ledger violations|delays|scorecard -o FILE`), so every
downloaded JSON or CSV report verifies on /verify.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NoReturn

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ledger import (
    EXPORT_FORMATS, LOCAL_TZ, RULE_CODES, DashboardFilters, FiguresCache, InvalidField, default_period, export_file_name,
    export_media_type, export_report, parse_date, parse_known_at, rulebook_entries,
)

from .auth import oversight_only
from .charts import CHARTS, chart_summary, render_chart
from .context import ledger
from .i18n import current_language
from .params import refusal_reason, refuse_filter, whole_number

bp = Blueprint("oversight", __name__, url_prefix="/oversight")

KINDS = ("violations", "delays", "scorecard")
#: The filters' names in the query string, with their labels for a refusal.
FILTERS = {"from": _l("From"), "to": _l("To"), "as_of": _l("As of"), "known_at": _l("Known at"),
           "agency": _l("Agency"), "rule": _l("Rule"), "page": _l("Page number"), "by": _l("Rows by")}
PAGE_SIZE = 100
STATUS_LABELS = {"open": _l("open"), "closed": _l("closed")}
FINDING_LABELS = {"confirmed": _l("Confirmed"), "dismissed": _l("Dismissed")}


# --- the filters --------------------------------------------------------------------------------------


def _refuse(field: str, reason: str) -> NoReturn:
    refuse_filter(FILTERS.get(field, field), reason)


def _given(name: str) -> str | None:
    """A query parameter's value, None when absent or blank; refused when sent twice or not ASCII."""
    values = request.args.getlist(name)
    if len(values) > 1:
        _refuse(name, _("it was given more than once."))
    value = values[0].strip() if values else ""
    if value and not value.isascii():
        _refuse(name, _("it must be written with ASCII letters and digits only."))
    return value or None


def _date(name: str) -> date | None:
    value = _given(name)
    if value is None:
        return None
    try:
        return parse_date(value, name)
    except InvalidField as refusal:
        _refuse(name, _reason(refusal, name))


def _known_at() -> datetime | None:
    """A timestamp with its offset, a date (the end of that day in Vietnam), or a browser's local
    date and time without an offset (Vietnam time, as every form of these pages reads it)."""
    value = _given("known_at")
    if value is None:
        return None
    try:
        try:
            return parse_known_at(value, "known_at")
        except InvalidField as refusal:
            if refusal.code != "naive_timestamp":
                raise
        return parse_known_at(datetime.fromisoformat(value).replace(tzinfo=LOCAL_TZ).isoformat(), "known_at")
    except InvalidField as refusal:
        _refuse("known_at", _reason(refusal, "known_at"))


def _reason(refusal: InvalidField, name: str) -> str:
    return refusal_reason(refusal, FILTERS[name])


def read_filters() -> DashboardFilters:
    as_of = _date("as_of") or ledger().today()
    end = _date("to") or as_of
    start = _date("from") or default_period(end)[0]
    if end < start:
        _refuse("to", _("the period ends (%(end)s) before it starts (%(start)s).", end=end.isoformat(),
                        start=start.isoformat()))
    known_at = _known_at()
    agency = _given("agency")
    if agency is not None and agency not in ledger().queries.agency_codes():
        _refuse("agency", _("there is no agency %(agency)s in the registry.", agency=agency))
    rule = _given("rule")
    if rule is not None and rule not in RULE_CODES:
        _refuse("rule", _("there is no rule %(rule)s in the rulebook.", rule=rule))
    return DashboardFilters(start, end, as_of, known_at, agency, rule)


def filter_query(filters: DashboardFilters) -> dict[str, str]:
    """The filters as query parameters, defaults resolved, so that a page's charts and exports answer
    exactly the question the page answered, even past midnight."""
    query = {"from": filters.start.isoformat(), "to": filters.end.isoformat(), "as_of": filters.as_of.isoformat()}
    if filters.known_at is not None:
        query["known_at"] = filters.known_at.isoformat()
    if filters.agency:
        query["agency"] = filters.agency
    if filters.rule:
        query["rule"] = filters.rule
    return query


def _by() -> str:
    by = _given("by") or "agency"
    if by not in ("agency", "official"):
        abort(400, description=_("“by” is agency or official, not %(by)s.", by=by))
    return by


def _page() -> int:
    """The page number: ASCII digits, from 1, at most `params.MAX_DIGITS` of them (Python's `int()`
    fails on more than 4,300 digits; no table of ours has a billion pages)."""
    page = whole_number(_given("page") or "1")
    if page is None:
        abort(400, description=_("The page must be a whole number from 1."))
    return page


# --- the process's cached figures ---------------------------------------------------------------------------


def figures_cache() -> FiguresCache:
    """This process's figures: the ledger's answers, the dashboards and the drawn charts (a year of
    a city's cases: some hundred kilobytes per answer or chart)."""
    found = current_app.extensions.get("oversight.figures")
    if found is None:
        found = current_app.extensions.setdefault("oversight.figures", FiguresCache(64))
    assert isinstance(found, FiguresCache)
    return found


# --- the pages --------------------------------------------------------------------------------------------


@bp.app_template_filter("oversight_number")
def number(value: int | float) -> str:
    return str(format_decimal(value))


@bp.app_template_filter("oversight_percent")
def percent(rate: float | None) -> str:
    return "—" if rate is None else str(format_percent(rate, "#,##0.0%"))


def case_url(case: str) -> str:
    """The inspectors' replay of a case (oversight logins read it too)."""
    return url_for("inspect.case", case=case)


@bp.context_processor
def helpers() -> dict[str, Any]:
    return {"case_url": case_url, "status_labels": STATUS_LABELS, "finding_labels": FINDING_LABELS,
            "export_formats": EXPORT_FORMATS, "filter_choices": _choices}


def _choices() -> dict[str, Any]:
    names = {a.code: a.name for a in ledger().queries.agencies()}
    return {"agencies": [(code, names.get(code)) for code in ledger().queries.agency_codes()],
            "rules": [(r.code, r.title_en if current_language() == "en" else r.title_vi) for r in rulebook_entries()]}


@bp.get("/")
@oversight_only
def dashboard() -> Any:
    filters = read_filters()
    figures = figures_cache().dashboard(ledger(), filters)
    query = filter_query(filters)
    charts = [(name, title, chart_summary(name, figures)) for name, title in CHARTS.items()]
    return render_template("oversight_dashboard.html", figures=figures, filters=filters, query=query, charts=charts,
                           language=current_language())


@bp.get("/charts/<any(by_rule, by_agency, on_time, trend, officials):name>.svg")
@oversight_only
def chart(name: str) -> Any:
    filters = read_filters()
    figures = figures_cache().dashboard(ledger(), filters)
    language = current_language()
    svg = figures_cache().get(ledger(), ("chart", name, language, filters, figures.events),
                              lambda: render_chart(name, figures))
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-cache"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/violations")
@oversight_only
def violations() -> Any:
    filters, page = read_filters(), _page()
    found = figures_cache().violations(ledger(), filters, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    pages = max(1, -(-found.matched // PAGE_SIZE))
    if page > pages:
        abort(404, description=_("There is no page %(page)s: these violations fill %(pages)s page(s).",
                                 page=page, pages=pages))
    return render_template("violations.html", rows=found.rows, shown=found.matched, total=found.total,
                           filters=filters, query=filter_query(filters), page=page, pages=pages,
                           first=(page - 1) * PAGE_SIZE + 1)


def report_parameters(kind: str, filters: DashboardFilters, by: str) -> dict[str, Any]:
    """The report's parameters, exactly as `ledger violations|delays|scorecard -o FILE` builds them."""
    known_at = filters.known_at.isoformat() if filters.known_at else None
    if kind == "violations":
        return {"as_of": filters.as_of.isoformat(), "known_at": known_at,
                "rules": [filters.rule] if filters.rule else [],
                "agencies": [filters.agency] if filters.agency else [], "include_dismissed": False}
    if kind == "delays":
        return {"as_of": filters.as_of.isoformat(), "by": by}
    return {"from": filters.start.isoformat(), "to": filters.end.isoformat(), "by": by, "known_at": known_at}


@bp.get("/export/<any(violations, delays, scorecard):kind>.<any(json, csv, xlsx, pdf):fmt>")
@oversight_only
def export(kind: str, fmt: str) -> Any:
    """A verifiable report as a file: the rows in the shape the format shows (JSON's own shape for
    JSON, the CSV's for CSV, XLSX and PDF), with the signed checkpoint, rulebook and calendar."""
    filters, by = read_filters(), _by()
    data = ledger().report(kind, report_parameters(kind, filters, by), "json" if fmt == "json" else "csv")
    return Response(export_report(data, fmt), content_type=export_media_type(fmt), headers={
        "Content-Disposition": f'attachment; filename="{export_file_name(data, fmt)}"'})

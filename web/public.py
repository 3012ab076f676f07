"""The pages open to anyone, logged in or not: the rulebook (each rule with its clause, source,
parameters and validity; every violation shown anywhere links here), the working calendar in
force, and a page where anyone can upload a report and see whether it verifies against this
ledger. The law and the calendar are public, and a report is meant to be checked by whoever holds
it, so none of these asks for a login."""

from __future__ import annotations

import io
import re
import threading
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask import make_response as app_response
from flask_babel import gettext as _

from ledger import (
    CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR, REPORT_CSV_MARK, calendar_year, rule_entry, rulebook_entries,
    rulebook_version,
)

from .auth import limiter
from .context import ledger
from .i18n import current_language

bp = Blueprint("public", __name__)

#: Verifying recomputes a whole report from the log: a few a minute from one address is plenty.
VERIFICATIONS_PER_ADDRESS = "20 per minute"
#: One verification at a time in each process (a second one meanwhile is told to retry): parsing a
#: large upload and recomputing a year's report both take memory that must not multiply.
_verifying = threading.BoundedSemaphore(1)
#: A report of ours has at most one JSON value separator or container (outside its strings) per this
#: many bytes: a violation row runs to ~800 bytes, a delay row to ~80, a list of agency codes in the
#: parameters to ~8 a code. A denser upload is no report of ours, only a way to make the parser
#: build millions of tiny objects. (What an upload that passes may still cost is bounded by the
#: 16 MiB cap and one verification at a time: some hundreds of MB for a moment.)
BYTES_PER_VALUE = 6
STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')  # a JSON string literal (the unrolled form: fast on long text)


@bp.get("/rules")
def rules() -> Any:
    return render_template("rules.html", rules=rulebook_entries(), version=rulebook_version())


@bp.get("/rules/<code>")
def rule(code: str) -> Any:
    entry = rule_entry(code)
    if entry is None:
        abort(404, description=_("There is no rule %(code)s in the rulebook.", code=code))
    return render_template("rule.html", rule=entry, version=rulebook_version())


@bp.get("/calendar")
def calendar() -> Any:
    if len(request.args.getlist("year")) > 1:
        abort(400, description=_("The parameter %(name)s was given more than once.", name="year"))
    raw = request.args.get("year", "")
    if raw and not (len(raw) == 4 and raw.isascii() and raw.isdigit()
                    and CALENDAR_FIRST_YEAR <= int(raw) <= CALENDAR_LAST_YEAR):
        abort(400, description=_("The year must be a number from %(first)s to %(last)s.",
                                 first=CALENDAR_FIRST_YEAR, last=CALENDAR_LAST_YEAR))
    year = int(raw) if raw else ledger().today().year
    shown = calendar_year(ledger().registry_as_of(), year, current_language())
    return render_template("calendar.html", calendar=shown, year=year)


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(VERIFICATIONS_PER_ADDRESS, methods=["POST"])
def verify() -> Any:
    """CSRF is checked by the application's CSRFProtect before this view runs."""
    if request.method == "GET":
        return render_template("verify.html", result=None)
    upload = request.files.get("report")
    if upload is None or not upload.filename:
        return render_template("verify.html", result=None, problem=_("Choose a report file to upload.")), 400
    try:
        raw = upload.read()
    finally:
        upload.close()  # a large upload is spooled to a temporary file: let it go now
    try:
        # Universal newlines, as `ledger verify-report` reads a file: a CSV saved with CRLF (RFC 4180)
        # is the same report.
        text = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", newline=None).read()
    except UnicodeDecodeError:
        return render_template("verify.html", result=None, name=upload.filename,
                               problem=_("The file is not UTF-8 text: upload a JSON or CSV report of the ledger.")), 400
    if not _looks_like_a_report(text):
        return render_template("verify.html", result=False, name=upload.filename, lines=[], problem=_(
            "This is no report of the ledger: a report is a JSON object, or a CSV file whose first line starts"
            " with “%(mark)s”.", mark=REPORT_CSV_MARK.strip())), 422
    if not _verifying.acquire(blocking=False):
        response = app_response(render_template("verify.html", result=None, problem=_(
            "Another report is being verified; try again in a minute.")), 503)
        response.headers["Retry-After"] = "30"
        return response
    try:
        ok, lines = ledger().verify_report(text)
    finally:
        _verifying.release()
    return render_template("verify.html", result=ok, lines=lines, name=upload.filename), (200 if ok else 422)


def _looks_like_a_report(text: str) -> bool:
    """Cheap checks before the strict parse: the shape of a report of ours, and no denser in values
    than one could be (see BYTES_PER_VALUE)."""
    if text.startswith(REPORT_CSV_MARK):
        head = text.partition("\n")[0]
    elif text.lstrip().startswith("{"):
        head = text
    else:
        return False
    structure = STRING.sub('""', head)  # commas and brackets inside strings are text, not values
    values = structure.count(",") + structure.count("{") + structure.count("[")
    return values <= max(64, len(head) // BYTES_PER_VALUE)

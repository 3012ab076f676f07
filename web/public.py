"""The pages open to anyone, logged in or not: the rulebook (each rule with its clause, source,
parameters and validity; every violation shown anywhere links here), the working calendar in
force, and a page where anyone can upload a report and see whether it verifies against this
ledger. The law and the calendar are public, and a report is meant to be checked by whoever holds
it, so none of these asks for a login."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from ledger import CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR, calendar_year, rule_entry, rulebook_entries, rulebook_version

from .auth import limiter
from .context import ledger
from .i18n import current_language

bp = Blueprint("public", __name__)

#: Verifying recomputes a whole report from the log: a few a minute from one address is plenty.
VERIFICATIONS_PER_ADDRESS = "20 per minute"


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
    raw = request.args.get("year", "")
    if raw and not (raw.isascii() and raw.isdigit() and CALENDAR_FIRST_YEAR <= int(raw) <= CALENDAR_LAST_YEAR):
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
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return render_template("verify.html", result=None, name=upload.filename,
                               problem=_("The file is not UTF-8 text: upload a JSON or CSV report of the ledger.")), 400
    ok, lines = ledger().verify_report(text)
    return render_template("verify.html", result=ok, lines=lines, name=upload.filename), (200 if ok else 422)

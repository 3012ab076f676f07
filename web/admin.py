"""The admin's pages: the registry through forms (SPEC §3 events), logins and API tokens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField

from ledger import LOGIN_ROLES, Refused

from .auth import WebUser, admins_only
from .choices import choices_for
from .context import ledger
from .forms import REGISTRY_FORM_TYPES, TITLES, new_form
from .recording import Problems, form_page, record, translated

bp = Blueprint("admin", __name__, url_prefix="/admin")


class LoginAddForm(FlaskForm):
    login = StringField(_l("Login"))
    official = SelectField(_l("Official"), choices=[], validate_choice=False)
    role = SelectField(_l("Role"), choices=[], validate_choice=False)
    password = PasswordField(_l("Password (at least 10 characters)"))


class TokenForm(FlaskForm):
    official = SelectField(_l("Official"), choices=[], validate_choice=False)
    role = SelectField(_l("Role"), choices=[], validate_choice=False)


class ActionForm(FlaskForm):
    """A button that changes state: only its CSRF token."""


def _roles() -> list[tuple[str, str]]:
    # Filled per request: WTForms 3.3 deprecates choices given as tuples at class level.
    return [(r, r) for r in LOGIN_ROLES]


def _officials() -> list[tuple[str, str]]:
    return [(c.code, f"{c.code} — {c.name}") for c in ledger().queries.officials()]


@bp.get("/")
@admins_only
def home() -> Any:
    return render_template("admin_home.html", kinds=REGISTRY_FORM_TYPES, titles=TITLES)


@bp.route("/registry/<kind>", methods=["GET", "POST"])
@admins_only
def registry_event(kind: str) -> Any:
    if kind not in REGISTRY_FORM_TYPES:
        abort(404, description=_("There is no form for %(kind)s here.", kind=kind))
    user: WebUser = current_user
    form = new_form(kind, choices_for(user, None))
    action = url_for("admin.registry_event", kind=kind)

    def render(**extra: Any) -> str:
        return form_page(kind, form, action=action, back=url_for("admin.home"), **extra)

    if request.method == "POST":
        return record(kind, form, user, render=render, done=lambda outcomes: url_for("admin.home"))
    return render()


@bp.route("/logins", methods=["GET", "POST"])
@admins_only
def logins() -> Any:
    form = LoginAddForm()
    form.official.choices = _officials()
    form.role.choices = _roles()
    problems = Problems()
    status = 200
    if request.method == "POST":
        try:
            ledger().accounts.add_login(form.login.data or "", form.official.data or "", form.password.data or "",
                                        form.role.data or "official")
        except Refused as refusal:
            problems.fields.setdefault(refusal.field or "login", []).append(translated(refusal))
            status = 400
        else:
            flash(_("Login %(login)s created.", login=form.login.data), "success")
            return redirect(url_for("admin.logins"))
    return render_template("admin_logins.html", form=form, problems=problems, action=ActionForm(),
                           logins=ledger().accounts.list_logins()), status


@bp.post("/logins/<login>/disable")
@admins_only
def disable_login(login: str) -> Any:
    if login == current_user.account.login:
        abort(400, description=_("You cannot disable your own login."))
    try:
        ledger().accounts.set_disabled(login, True)
    except Refused as refusal:
        abort(404, description=translated(refusal))
    flash(_("Login %(login)s disabled; its sessions ended.", login=login), "success")
    return redirect(url_for("admin.logins"))


@bp.route("/tokens", methods=["GET", "POST"])
@admins_only
def tokens() -> Any:
    form = TokenForm()
    form.official.choices = _officials()
    form.role.choices = _roles()
    problems = Problems()
    secret = None
    status = 200
    if request.method == "POST":
        try:
            token, secret = ledger().accounts.create_token(form.official.data or "", form.role.data or "official")
        except Refused as refusal:
            problems.fields.setdefault(refusal.field or "official", []).append(translated(refusal))
            status = 400
        else:
            flash(_("Token %(token)s created. Copy it now: it is shown only once.", token=token.token_id), "success")
    response = render_template("admin_tokens.html", form=form, problems=problems, secret=secret,
                               action=ActionForm(), tokens=ledger().accounts.list_tokens())
    return response, status, {"Cache-Control": "no-store"}


@bp.post("/tokens/<token_id>/revoke")
@admins_only
def revoke_token(token_id: str) -> Any:
    try:
        ledger().accounts.revoke_token(token_id)
    except Refused as refusal:
        abort(404, description=translated(refusal))
    flash(_("Token %(token)s revoked.", token=token_id), "success")
    return redirect(url_for("admin.tokens"))

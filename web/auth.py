"""Logins, sessions and who may open what (SPEC §11).

A web user is a login acting as one registry official. Three product roles: `official` (acts as
its official, within SPEC §4: the registry role of the official *now* decides which forms are
offered, and the ledger decides at the act's claimed time), `oversight` (reads everything and
exports, appends nothing) and `admin` (keeps the registry, logins and tokens). A page refused to
a user is a 403 page that says why, in the user's language; to nobody logged in, the login page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ledger import Login, OfficialInfo

from .context import ledger

bp = Blueprint("auth", __name__)

#: Failed logins allowed per minute for one login name (from anywhere) and from one address
#: (any name). Counted where `RATELIMIT_STORAGE_URI` says: per process with `memory://`, shared by
#: every worker with Redis (`LEDGER_RATELIMIT_STORAGE=redis://…`). A success is not counted.
LOGIN_FAILURES_PER_LOGIN = "10 per minute"
LOGIN_FAILURES_PER_ADDRESS = "30 per minute"
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def _login_name() -> str:
    return "login:" + (request.form.get("login") or "").strip().lower()[:64]


def _failed(response: Any) -> bool:
    return bool(response.status_code != 302)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to open this page.")
login_manager.session_protection = "strong"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class WebUser:
    """What Flask-Login needs, and who the user is now."""

    account: Login
    official: OfficialInfo | None

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.account.session_id

    @property
    def role(self) -> str:
        return self.account.role

    @property
    def registry_role(self) -> str | None:
        return self.official.role if self.official else None

    @property
    def agency(self) -> str | None:
        return self.official.agency if self.official else None

    @property
    def acts(self) -> bool:
        """May record case events: an `official` login whose official is serving now."""
        return self.role == "official" and self.agency is not None

    @property
    def inspector(self) -> bool:
        return self.acts and self.registry_role == "inspector"


@login_manager.user_loader
def load_user(session_id: str) -> WebUser | None:
    account = ledger().accounts.by_session(session_id)
    if account is None:
        return None
    return WebUser(account, ledger().queries.official(account.official))


def refuse(reason: str) -> None:
    """A 403 page saying why (the reason is already in the user's language)."""
    abort(403, description=reason)


def require(check: Callable[[WebUser], bool], reason: Callable[[], str]) -> Callable[[F], F]:
    """Log in first, then pass `check`, or get a 403 page with `reason()`."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if current_user.official is None or not current_user.official.serving:
                refuse(_("The official this login acts as (%(official)s) is no longer serving; the login acts for"
                         " nobody.", official=current_user.account.official))
            if not check(current_user):
                refuse(reason())
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def officials_only(view: F) -> F:
    return require(lambda u: u.acts, lambda: _(
        "Only an official serving in an agency records events; this login is “%(role)s”.",
        role=ROLE_LABELS.get(current_user.role, current_user.role)))(view)


def inspectors_only(view: F) -> F:
    return require(lambda u: u.inspector, lambda: _("Only an inspector records findings (SPEC §4)."))(view)


def oversight_only(view: F) -> F:
    return require(lambda u: u.role in ("oversight", "admin"),
                   lambda: _("Only an oversight or admin login reads every agency's violations."))(view)


def readers_only(view: F) -> F:
    """Pages that read every agency's ledger (case histories): inspectors, oversight and admin."""
    return require(lambda u: u.inspector or u.role in ("oversight", "admin"),
                   lambda: _("Only an inspector, an oversight or an admin login reads every agency's case histories."))(view)


def admins_only(view: F) -> F:
    return require(lambda u: u.role == "admin", lambda: _("Only an admin keeps the registry, logins and tokens."))(view)


class LoginForm(FlaskForm):
    login = StringField(_l("Login"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


#: The product roles as the header shows them.
ROLE_LABELS = {"official": _l("official"), "oversight": _l("oversight"), "admin": _l("admin")}


@bp.app_context_processor
def role_labels() -> dict[str, Any]:
    return {"role_labels": ROLE_LABELS}


def home_for(user: WebUser) -> str:
    if user.role == "admin":
        return url_for("admin.home")
    if user.role == "oversight":
        return url_for("oversight.dashboard")
    if user.inspector:
        return url_for("inspect.cases")
    return url_for("agency.inbox")


@bp.get("/")
def index() -> Any:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_FAILURES_PER_LOGIN, key_func=_login_name, methods=["POST"], deduct_when=_failed)
@limiter.limit(LOGIN_FAILURES_PER_ADDRESS, methods=["POST"], deduct_when=_failed)
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        account = ledger().accounts.authenticate(form.login.data or "", form.password.data or "")
        if account is not None:
            login_user(WebUser(account, ledger().queries.official(account.official)))
            target = request.args.get("next")
            return redirect(target if target and _local(target) else home_for(current_user))
        flash(_("Wrong login or password."), "error")
    elif form.is_submitted():
        flash(_("Enter a login (at most 64 characters) and a password (at most 1,024 characters)."), "error")
    return render_template("login.html", form=form), (400 if form.is_submitted() else 200)


@bp.post("/logout")
@login_required
def logout() -> Any:
    ledger().accounts.end_sessions(current_user.account.login)
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


def _local(target: str | None) -> bool:
    """Only a path on this site is a safe place to go after login (no open redirect)."""
    if not target or any(ord(c) < 32 or ord(c) == 127 for c in target) or "\\" in target:
        return False  # urlsplit drops CR/LF and tabs silently; a backslash is a slash to browsers
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")

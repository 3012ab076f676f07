"""Languages: Vietnamese by default, English on request (SPEC §11).

The catalogues are `.po` files in `web/translations/` (what the repository holds); they are
compiled to `.mo` when the application starts, into a folder outside the repository named by the
catalogues' own hash, so a compiled file can never drift from its source. Two domains: `messages`
(the pages) and `refusals` (the ledger's refusals, whose English templates live in
`ledger.domain.refusals` and are rendered here from each refusal's code and parameters).

The language is chosen by `?lang=vi|en` (remembered in a cookie), else the cookie, else Vietnamese:
the product's users work in Vietnamese, and a browser's Accept-Language is no better guess.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request
from flask_babel import Babel, Domain, format_date, get_locale

from ledger import REFUSAL_MESSAGES

SOURCE = Path(__file__).parent / "translations"
DOMAINS = ("messages", "refusals")
LANG_COOKIE = "lang"

refusals = Domain(domain="refusals")


def compile_catalogues(source: Path = SOURCE) -> Path:
    """Compile every `.po` under `source` into a fresh folder; returns that folder."""
    pos = sorted(source.glob("*/LC_MESSAGES/*.po"))
    digest = hashlib.sha256(b"".join(p.read_bytes() + str(p.relative_to(source)).encode() for p in pos)).hexdigest()
    target = Path(tempfile.gettempdir()) / f"procedure-ledger-i18n-{digest[:16]}"
    for po in pos:
        mo = target / po.relative_to(source).with_suffix(".mo")
        if mo.exists():
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as handle:
            catalogue = read_po(handle, locale=po.parts[-3])
        partial = mo.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            write_mo(handle, catalogue)
        os.replace(partial, mo)  # several workers may compile at once: each write is whole
    return target


def chosen_locale() -> str:
    from flask import current_app

    locales = current_app.config["LEDGER_LOCALES"]
    asked = request.args.get("lang")
    if asked in locales:
        return str(asked)
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in locales:
        return str(remembered)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def current_language() -> str:
    """The request's language code ("vi" or "en")."""
    return str(get_locale() or "vi").split("_")[0]


def init_app(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compile_catalogues())
    Babel(app, locale_selector=chosen_locale)

    @app.after_request
    def remember_language(response: Any) -> Any:
        asked = request.args.get("lang")
        if asked in app.config["LEDGER_LOCALES"]:
            response.set_cookie(LANG_COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax",
                                secure=app.config["SESSION_COOKIE_SECURE"], httponly=True)
        return response

    @app.context_processor
    def language() -> dict[str, Any]:
        return {"current_locale": str(get_locale())}

    @app.template_filter("format_day")
    def format_day(day: Any) -> str:
        """A date in the user's language ("5 thg 11, 2026" / "Nov 5, 2026"); a dash for none."""
        return "—" if day is None else str(format_date(day, "medium"))

    @app.template_filter("format_weekday")
    def format_weekday(day: Any) -> str:
        """The day of the week in the user's language ("Thứ Bảy" / "Saturday")."""
        return str(format_date(day, "EEEE"))


def refusal_text(code: str, params: dict[str, Any], fallback: str) -> str:
    """A refusal in the user's language, from its code and parameters."""
    template = REFUSAL_MESSAGES.get(code)
    if template is None:
        return fallback
    try:
        return str(refusals.gettext(template)).format(**params)
    except (KeyError, IndexError, ValueError):
        return fallback

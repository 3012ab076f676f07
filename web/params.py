"""Query-string values shared by the oversight and inspector pages: whole numbers (a page, a step)
and the refusal of a filter, in the same words on every page.

A whole number is ASCII digits only and at most `MAX_DIGITS` of them: Python's `int()` refuses a
string of more than 4,300 digits with a ValueError (a 500 page), and no page or step of ours is
that long, so a longer one is refused before it is read.
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import abort
from flask_babel import gettext as _

from ledger import InvalidField

from .i18n import refusal_text

#: A page or step number is at most this many digits (a longer one is no page or step of ours).
MAX_DIGITS = 9


def whole_number(raw: str, digits: int = MAX_DIGITS) -> int | None:
    """`raw` as a whole number from 1, or None when it is not one: anything but ASCII digits, more
    than `digits` of them, or zero."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= digits):
        return None
    number = int(raw)
    return number if number >= 1 else None


def refuse_filter(label: Any, reason: str) -> NoReturn:
    """A 400 page: the filter labelled `label` is refused, and why."""
    abort(400, description=_("The filter “%(field)s” is refused: %(reason)s", field=label, reason=reason))


def refusal_reason(refusal: InvalidField, label: Any) -> str:
    """The ledger's refusal of a value (a date out of the ledger's range, …) in the user's language,
    naming the value by its label on the page."""
    params = {**(refusal.params or {}), "name": str(label)}
    return refusal_text(refusal.code, params, str(refusal))

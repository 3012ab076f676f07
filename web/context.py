"""The process's one `Ledger`, kept in `app.extensions` by the factory."""

from __future__ import annotations

from flask import current_app

from ledger import Ledger


def ledger() -> Ledger:
    found: Ledger = current_app.extensions["ledger"]
    return found

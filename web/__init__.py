"""The web application (SPEC §11): one factory, one blueprint per audience.

`create_app(config)` (built in `web/app.py`) is the one place that builds the process's `Ledger`
(kept in `app.extensions["ledger"]`), so tests, `ledger serve` and gunicorn (`web:create_app()`)
run the same application. This package's own module imports nothing heavy: `ledger` finds its
`serve` command here through an entry point, and no other `ledger` command should pay for
importing Flask and its extensions at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["MissingSecretKey", "create_app"]


class MissingSecretKey(RuntimeError):
    """The application refuses to start without a secret key (sessions and CSRF depend on it)."""


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application (see `web.app.create_app`)."""
    from .app import create_app as build

    return build(config)

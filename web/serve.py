"""`ledger serve`: the development server (Werkzeug) on one process, which catches up the read
models right after each append so every page reads its own write. Production runs gunicorn
(README). Registered as a `ledger` command through the `ledger.commands` entry point, so the
`ledger` package never imports the web application."""

from __future__ import annotations

import os
import secrets

import click
from werkzeug.serving import run_simple

from . import create_app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Run the web application for development (production: gunicorn, see the README)."""
    root = ctx.find_root()
    ledger = root.obj.get("ledger") if root.obj else None
    if ledger is None:
        from ledger import Ledger

        ledger = Ledger(root.obj["db"], create=False)
        ctx.call_on_close(ledger.close)
    secret = os.environ.get("LEDGER_SECRET_KEY")
    if not secret:
        secret = secrets.token_hex(32)
        click.echo("development: no LEDGER_SECRET_KEY is set, so a random one was generated for this run"
                   " (sessions end when it stops; production must set one)", err=True)
    # Plain http on this machine: a Secure cookie would not come back over it.
    secure = os.environ.get("LEDGER_COOKIE_SECURE", "0") != "0"
    app = create_app({"LEDGER": ledger, "SECRET_KEY": secret, "SESSION_COOKIE_SECURE": secure,
                      "REMEMBER_COOKIE_SECURE": secure})
    click.echo(f"Procedure Ledger at http://{host}:{port}/ (development server; production: gunicorn, see the README)")
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)

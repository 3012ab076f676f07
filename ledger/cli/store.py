"""Commands that make, fill, copy and maintain a store: init, import, export, restore, rebuild,
worker."""

from __future__ import annotations

import sys
from typing import Any

import click

from .. import STORE_FAILURES, load_default_registry, store_failure_message, unsigned_events
from .group import (
    BAD_INPUT, count_lines, lines_as_read, main, open_ledger, open_output, output_option, print_refused, read_file,
)

#: Files at least this long get a progress bar when standard error is a terminal.
PROGRESS_THRESHOLD = 5000


@main.command()
@click.option("--bare", is_flag=True, help="Create the store only, without the default registry.")
@click.pass_context
def init(ctx: click.Context, bare: bool) -> None:
    """Create the store and load the default Ho Chi Minh City registry."""
    ledger = open_ledger(ctx, create=True)
    if bare:
        click.echo(f"store ready: {ledger.config.display_url()} ({ledger.event_count()} events)")
        return
    report = load_default_registry(ledger)
    if report.refused:
        print_refused(report)
        ctx.exit(BAD_INPUT)
    click.echo(
        f"store ready: {ledger.config.display_url()}; default registry: {report.appended} events appended,"
        f" {report.skipped} already present"
    )


@main.command("import")
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate every line and report, but append nothing.")
@click.pass_context
def import_(ctx: click.Context, file: str, dry_run: bool) -> None:
    """Append a JSON Lines file, all or nothing (SPEC §8); '-' reads standard input."""
    # Streamed: the file is read as it is imported, never held whole (a bar needs its length: for a
    # file, one quick pass counts its lines first; standard input gets no bar).
    length = count_lines(file) if sys.stderr.isatty() and file != "-" else 0
    lines = lines_as_read(file)
    ledger = open_ledger(ctx, create=True)
    if length >= PROGRESS_THRESHOLD:
        with (
            click.progressbar(length=length, label="validating", file=sys.stderr) as validating,
            click.progressbar(length=length, label="projecting", file=sys.stderr) as projecting,
        ):
            report = ledger.import_lines(
                lines, dry_run=dry_run, progress=validating.update, project_progress=projecting.update
            )
    else:
        report = ledger.import_lines(lines, dry_run=dry_run)
    if report.refused:
        print_refused(report)
        ctx.exit(BAD_INPUT)
    verb = "would append" if dry_run else "appended"
    click.echo(f"{report.lines} line(s) read: {verb} {report.appended}, skipped {report.skipped} already in the ledger")


@main.command()
@output_option()
@click.pass_context
def export(ctx: click.Context, output: str | None) -> None:
    """Write the whole ledger as JSON Lines, with recorded times, positions, sources and event ids."""
    ledger = open_ledger(ctx)
    with open_output(output, "w") as out:
        for line in ledger.export_lines():
            out.write(line + "\n")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--trusted-key", help="Base64 public key the export's checkpoint must be signed with.")
@click.pass_context
def restore(ctx: click.Context, file: str, trusted_key: str | None) -> None:
    """Load an export into an empty store, keeping recorded times, sources and event ids,
    after checking its signed checkpoint."""
    lines = read_file(file)
    ledger = open_ledger(ctx, create=True)
    report = ledger.restore_lines(lines, trusted_key=trusted_key)
    if report.refused:
        print_refused(report)
        ctx.exit(BAD_INPUT)
    click.echo(f"restored {report.appended} events")


@main.command()
@click.pass_context
def rebuild(ctx: click.Context) -> None:
    """Drop and rebuild every projection from the events, with a progress bar."""
    ledger = open_ledger(ctx)
    if sys.stderr.isatty():
        with click.progressbar(length=ledger.event_count(), label="rebuilding", file=sys.stderr) as bar:
            applied = ledger.rebuild(progress=bar.update)
    else:
        applied = ledger.rebuild()
    click.echo(f"rebuilt the read models from {applied} events")


@main.command()
@click.option("--interval", type=float, default=1.0, show_default=True, help="Seconds between polls.")
@click.option("--once", is_flag=True, help="Catch up once and exit.")
@click.pass_context
def worker(ctx: click.Context, interval: float, once: bool) -> None:
    """Keep the projections up to date continuously (for several web processes), and sign what
    keyless writers appended when this process holds the key."""
    import time as clock

    ledger = open_ledger(ctx)
    signing = (f"holds the instance key {ledger.signer.id} and signs what it can vouch for" if ledger.signer
               else "holds no instance key and signs nothing")
    click.echo(f"worker on {ledger.config.display_url()}: read models at position {ledger.projections.position()}"
               f" of {ledger.event_count()}; {signing}")
    idle = False
    pause = interval
    while True:
        try:
            idle = _worker_step(ledger, idle=idle, once=once, interval=interval)
        except STORE_FAILURES as failure:
            if once:
                raise
            # The database went away (a restart, a failover): say so, wait, and carry on; the
            # pools re-connect, and a half-applied window was rolled back, so nothing is lost.
            click.echo(f"{store_failure_message(failure)}; trying again in {pause:g} s", err=True)
            clock.sleep(pause)
            pause = min(pause * 2, 30.0)
            idle = False
            continue
        pause = interval
        if once:
            return
        clock.sleep(interval)


def _worker_step(ledger: Any, *, idle: bool, once: bool, interval: float) -> bool:
    """One poll: catch up, and say what happened; returns whether the worker is now idle."""
    applied = ledger.projections.catch_up()
    if applied:
        click.echo(f"caught up {applied} event(s): read models at position {ledger.projections.position()}")
        return False
    if not idle:
        click.echo("up to date" + ("" if once else f"; polling every {interval:g} s"))
        unsigned = unsigned_events(ledger)
        if unsigned > 0:
            click.echo(f"{unsigned} event(s) are not under a signed checkpoint"
                       + ("; this key will not vouch for them: run `ledger verify`" if ledger.signer
                          else " (no key here to sign them)"), err=True)
    return True

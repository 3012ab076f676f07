"""The `ledger` command (SPEC §9). Thin: parse options, call the facade, print, pick an exit code.

Exit codes: 0 success, 1 a check failed, 2 bad input (nothing was written).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import date, datetime, time
from importlib import resources
from typing import IO, Any

import click

from .application import ImportReport, Ledger
from .calendar import LOCAL_TZ
from .domain.errors import LedgerError, Refused
from .domain.values import parse_timestamp
from .interchange import dumps, to_line
from .text import format_history

BAD_INPUT = 2
#: Files at least this long get a progress bar when standard error is a terminal.
PROGRESS_THRESHOLD = 5000


class LedgerGroup(click.Group):
    """Turns the ledger's own errors into a clear message and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LedgerError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(BAD_INPUT)


def _ledger(ctx: click.Context) -> Ledger:
    ledger = ctx.obj.get("ledger")
    if ledger is None:
        ledger = Ledger(ctx.obj["db"])
        ctx.obj["ledger"] = ledger
        ctx.call_on_close(ledger.close)
    return ledger


def _as_of(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD", param_hint="--as-of") from None


def _known_at(value: str | None) -> datetime | None:
    """A timestamp with offset; a bare date means the end of that local day (SPEC §2)."""
    if value is None:
        return None
    if len(value) == 10:
        day = _as_of(value)
        assert day is not None
        return datetime.combine(day, time.max, tzinfo=LOCAL_TZ)
    try:
        return parse_timestamp(value, "known-at")
    except Refused as error:
        raise click.BadParameter(str(error), param_hint="--known-at") from None


@click.group(cls=LedgerGroup)
@click.option(
    "--db",
    envvar="LEDGER_DATABASE_URL",
    default="sqlite:///ledger.db",
    show_default=True,
    help="Database URL: sqlite:///FILE or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB.",
)
@click.pass_context
def main(ctx: click.Context, db: str) -> None:
    """Procedure Ledger: who delayed what, by how many working days."""
    ctx.ensure_object(dict)
    ctx.obj["db"] = db


@main.command()
@click.option("--bare", is_flag=True, help="Create the store only, without the default registry.")
@click.pass_context
def init(ctx: click.Context, bare: bool) -> None:
    """Create the store and load the default Ho Chi Minh City registry."""
    ledger = _ledger(ctx)
    if bare:
        click.echo(f"store ready: {ledger.config.url} ({ledger.event_count()} events)")
        return
    registry = resources.files("ledger").joinpath("data", "hcmc_registry.jsonl")
    with registry.open(encoding="utf-8") as lines:
        report = ledger.import_lines(lines)
    if report.refused:
        _print_refused(report)
        ctx.exit(BAD_INPUT)
    click.echo(
        f"store ready: {ledger.config.url}; default registry: {report.appended} events appended,"
        f" {report.skipped} already present"
    )


def _print_refused(report: ImportReport) -> None:
    for number, reason in report.refused:
        click.echo(f"line {number}: {reason}", err=True)
    click.echo(f"{len(report.refused)} line(s) refused; nothing was appended", err=True)


def _read(path: str) -> Iterator[str]:
    stream: IO[str] = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    try:
        yield from stream
    finally:
        if stream is not sys.stdin:
            stream.close()


@main.command("import")
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate every line and report, but append nothing.")
@click.pass_context
def import_(ctx: click.Context, file: str, dry_run: bool) -> None:
    """Append a JSON Lines file, all or nothing (SPEC §8); '-' reads standard input."""
    if file != "-":
        try:
            open(file, encoding="utf-8").close()
        except OSError as error:
            raise click.BadParameter(f"cannot read {file}: {error.strerror}", param_hint="FILE") from None
    ledger = _ledger(ctx)
    lines = list(_read(file))
    if sys.stderr.isatty() and len(lines) >= PROGRESS_THRESHOLD:
        with (
            click.progressbar(length=len(lines), label="validating", file=sys.stderr) as validating,
            click.progressbar(length=len(lines), label="projecting", file=sys.stderr) as projecting,
        ):
            report = ledger.import_lines(
                lines, dry_run=dry_run, progress=validating.update, project_progress=projecting.update
            )
    else:
        report = ledger.import_lines(lines, dry_run=dry_run)
    if report.refused:
        _print_refused(report)
        ctx.exit(BAD_INPUT)
    verb = "would append" if dry_run else "appended"
    click.echo(f"{report.lines} line(s) read: {verb} {report.appended}, skipped {report.skipped} already in the ledger")


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE instead of stdout.")
@click.pass_context
def export(ctx: click.Context, output: str | None) -> None:
    """Write the whole ledger as JSON Lines, with recorded times, positions, sources and event ids."""
    ledger = _ledger(ctx)
    with click.open_file(output or "-", "w", encoding="utf-8") as out:
        for record in ledger.records():
            out.write(dumps(to_line(record)) + "\n")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.pass_context
def restore(ctx: click.Context, file: str) -> None:
    """Load an export into an empty store, keeping recorded times, sources and event ids."""
    ledger = _ledger(ctx)
    report = ledger.restore_lines(_read(file))
    if report.refused:
        _print_refused(report)
        ctx.exit(BAD_INPUT)
    click.echo(f"restored {report.appended} events")


@main.command()
@click.argument("case")
@click.option("--as-of", "as_of", help="Business date YYYY-MM-DD: only events claimed on or before it.")
@click.option("--known-at", "known_at", help="Ledger time: only events recorded by then (a date means its end).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def history(ctx: click.Context, case: str, as_of: str | None, known_at: str | None, fmt: str) -> None:
    """A case's events with claimed and recorded times, and its state after each."""
    ledger = _ledger(ctx)
    result = ledger.history(case, as_of=_as_of(as_of), known_at=_known_at(known_at))
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(format_history(result))

"""The `ledger` group and what its commands share: the ledger of an invocation, the exit codes
(see the package's docstring), dates and times read as options, `-o FILE` and the files commands
read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any

import click

from .. import (
    STORE_FAILURES,
    ConcurrentAppend,
    CorruptEvent,
    ImportReport,
    Ledger,
    LedgerError,
    LineDecodeError,
    Refused,
    check_writable,
    count_input_lines,
    open_atomically,
    parse_date,
    parse_known_at,
    read_input_lines,
    stream_input_lines,
    store_failure_message,
)

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

BAD_INPUT = 2
CHECK_FAILED = 1
CONFLICT = 3


class LedgerGroup(click.Group):
    """Turns the ledger's own errors into a clear message and exit code 2, and loads a command
    another package adds (`PluginCommand`) only when it is asked for."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if isinstance(command, PluginCommand):
            command = command.load()
            self.commands[cmd_name] = command
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CorruptEvent as error:
            click.echo(f"error: the ledger is damaged at {error}", err=True)
            ctx.exit(CHECK_FAILED)
        except ConcurrentAppend as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(CONFLICT)
        except LedgerError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(BAD_INPUT)
        except STORE_FAILURES as error:
            click.echo(f"error: {store_failure_message(error)}", err=True)
            ctx.exit(CHECK_FAILED)


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


def open_ledger(ctx: click.Context, *, create: bool = False) -> Ledger:
    """The ledger of this invocation; only the commands that may make a store pass `create`."""
    ledger = ctx.obj.get("ledger")
    if ledger is None:
        ledger = Ledger(ctx.obj["db"], create=create)
        ctx.obj["ledger"] = ledger
        ctx.call_on_close(ledger.close)
    return ledger


# --- dates and times ------------------------------------------------------------------------------


def as_of_date(value: str | date | None, hint: str = "--as-of") -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return parse_date(value, hint.lstrip("-"))
    except Refused as error:
        raise click.BadParameter(str(error), param_hint=hint) from None


def known_at_time(value: str | datetime | None) -> datetime | None:
    """A timestamp with offset; a bare date means the end of that local day (SPEC §2)."""
    if value is None or isinstance(value, datetime):
        return value
    try:
        return parse_known_at(value, "known-at")
    except Refused as error:
        raise click.BadParameter(str(error), param_hint="--known-at") from None


def date_option(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """Dates are checked while the options are read, before any store is opened."""
    return as_of_date(value, f"--{(param.name or '').replace('_', '-')}")


def time_option(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    return known_at_time(value)


# --- -o FILE --------------------------------------------------------------------------------------


def _output_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """`-o FILE` is checked while the options are read, before any store is opened or anything is
    computed (`prove` signs a checkpoint), so a missing folder costs nothing: a FILE that cannot be
    written is one line naming it and why, exit code 2 (`OutputUnwritable`)."""
    if value and value != "-":
        check_writable(value)
    return value


def output_option(help_text: str = "Write to FILE instead of stdout.") -> Any:
    return click.option("-o", "--output", type=click.Path(), metavar="FILE", callback=_output_path, help=help_text)


@contextmanager
def open_output(path: str | None, mode: str) -> Iterator[IO[Any]]:
    """Where a command writes: standard output (no FILE, or "-"), or FILE, written whole or not at
    all (`ledger.outputs`)."""
    if not path or path == "-":
        with click.open_file("-", mode, encoding=None if "b" in mode else "utf-8") as out:
            yield out
        return
    with open_atomically(path, mode) as out:
        yield out


def emit(content: str | bytes, path: str | None) -> None:
    """Text (ending with a newline) or bytes to standard output or FILE."""
    if isinstance(content, bytes):
        with open_output(path, "wb") as out:
            out.write(content)
        return
    with open_output(path, "w") as out:
        out.write(content if content.endswith("\n") else content + "\n")


# --- input ----------------------------------------------------------------------------------------


@contextmanager
def _input_errors(path: str) -> Iterator[None]:
    """Bad input, naming the line, for bytes that are not UTF-8; bad input for a file that cannot
    be read."""
    try:
        yield
    except LineDecodeError as error:
        raise click.BadParameter(f"{path}: {error}", param_hint="FILE") from None
    except OSError as error:
        raise click.BadParameter(f"cannot read {path}: {error.strerror}", param_hint="FILE") from None


def read_file(path: str) -> list[str]:
    """A file's lines (or standard input's), read whole."""
    with _input_errors(path):
        return read_input_lines(path)


def count_lines(path: str) -> int:
    with _input_errors(path):
        return count_input_lines(path)


def lines_as_read(path: str) -> Iterator[str]:
    """A file's lines (or standard input's), read as they are used: a file that cannot be opened
    is bad input at once, a line that is not UTF-8 when it is reached (an import then appends
    nothing). Only the reading's own errors are turned into bad input, never those of the code
    using the lines."""
    with _input_errors(path):
        lines = stream_input_lines(path)
    return _read_with_errors(path, lines)


def _read_with_errors(path: str, lines: Iterator[str]) -> Iterator[str]:
    with _input_errors(path):
        yield from lines


def print_refused(report: ImportReport) -> None:
    for number, reason in report.refused:
        click.echo(f"line {number}: {reason}", err=True)
    click.echo(f"{len(report.refused)} line(s) refused; nothing was appended", err=True)


class PluginCommand(click.Command):
    """A command another package adds, registered under its entry point's name and loaded when
    the group is first asked for it (`LedgerGroup.get_command`: running it, or listing it in the
    help), so that no other command pays for importing it (`serve` imports the web server)."""

    def __init__(self, entry: EntryPoint) -> None:
        super().__init__(entry.name)
        self.entry = entry

    def load(self) -> click.Command:
        command: click.Command = self.entry.load()
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Only reached by going around `get_command`: the real command answers (loudly, for it
        was given none of its options)."""
        return self.load().invoke(ctx)


def load_plugins() -> None:
    """Commands other packages add (the web application's `serve`), found by entry point so
    that nothing in `ledger` imports them; each is loaded when it is first asked for."""
    from importlib.metadata import entry_points

    for entry in entry_points(group="ledger.commands"):
        main.add_command(PluginCommand(entry), entry.name)

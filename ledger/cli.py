"""The `ledger` command (SPEC §9). Thin: parse options, call the facade, print, pick an exit code.

Exit codes: 0 success, 1 a check failed (verify, a damaged event met by any command), 2 bad
input, no ledger at that address or an `-o FILE` that cannot be written (nothing was written), 3 a
conflict with other writers that persisted through every retry (nothing was written; running the
same command again is safe).
"""

from __future__ import annotations

import json
import os
import stat
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date, datetime
from typing import IO, Any

import click

from .application import ImportReport, Ledger
from .domain.errors import ConcurrentAppend, CorruptEvent, LedgerError, Refused
from .domain.values import parse_date, parse_known_at
from .integrity.keys import b64
from .demo import DEFAULT_REGISTRY
from .reports import render
from .reports.export import BINARY_FORMATS, EXPORT_FORMATS, export_report
from .rules.scoring import delay_json
from .text import format_history

BAD_INPUT = 2
CHECK_FAILED = 1
CONFLICT = 3
#: Files at least this long get a progress bar when standard error is a terminal.
PROGRESS_THRESHOLD = 5000


class LedgerGroup(click.Group):
    """Turns the ledger's own errors into a clear message and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        from eventsourcing.persistence import PersistenceError
        from sqlalchemy.exc import DBAPIError

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
        except (PersistenceError, DBAPIError) as error:
            click.echo(f"error: the store failed: {str(error).strip().splitlines()[0][:300]}", err=True)
            ctx.exit(CHECK_FAILED)


def _ledger(ctx: click.Context, *, create: bool = False) -> Ledger:
    """The ledger of this invocation; only the commands that may make a store pass `create`."""
    ledger = ctx.obj.get("ledger")
    if ledger is None:
        ledger = Ledger(ctx.obj["db"], create=create)
        ctx.obj["ledger"] = ledger
        ctx.call_on_close(ledger.close)
    return ledger


def _as_of(value: str | date | None, hint: str = "--as-of") -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return parse_date(value, hint.lstrip("-"))
    except Refused as error:
        raise click.BadParameter(str(error), param_hint=hint) from None


def _known_at(value: str | datetime | None) -> datetime | None:
    """A timestamp with offset; a bare date means the end of that local day (SPEC §2)."""
    if value is None or isinstance(value, datetime):
        return value
    try:
        return parse_known_at(value, "known-at")
    except Refused as error:
        raise click.BadParameter(str(error), param_hint="--known-at") from None


def _date_option(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """Dates are checked while the options are read, before any store is opened."""
    return _as_of(value, f"--{(param.name or '').replace('_', '-')}")


def _time_option(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    return _known_at(value)


# --- -o FILE --------------------------------------------------------------------------------------


class OutputError(click.ClickException):
    """An `-o FILE` that cannot be written: one line naming the file and why, exit code 2."""

    exit_code = BAD_INPUT

    def __init__(self, output: str, reason: str) -> None:
        super().__init__(f"cannot write {output}: {reason}; nothing was written")

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", err=file is None, file=file)


def _unwritable(output: str) -> str | None:
    """Why `output` cannot be written, or None if it looks as if it can."""
    folder = os.path.dirname(output) or "."
    if os.path.isdir(output):
        return "it is a folder, not a file"
    if not os.path.exists(folder):
        return f"the folder {folder} does not exist"
    if not os.path.isdir(folder):
        return f"{folder} is not a folder"
    if os.path.exists(output):
        return None if os.access(output, os.W_OK) else "permission denied"
    if not _folder_writable(output):
        return f"permission denied in the folder {folder}"
    return None


def _folder_writable(output: str) -> bool:
    """Whether a file can be made (and renamed) beside `output` (through a symbolic link, beside
    the file it points to)."""
    return os.access(os.path.dirname(os.path.realpath(output)), os.W_OK | os.X_OK)


def _output_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """`-o FILE` is checked while the options are read, before any store is opened or anything is
    computed (`prove` signs a checkpoint), so a missing folder costs nothing."""
    if value and value != "-":
        problem = _unwritable(value)
        if problem:
            raise OutputError(value, problem)
    return value


def _output_option(help_text: str = "Write to FILE instead of stdout.") -> Any:
    return click.option("-o", "--output", type=click.Path(), metavar="FILE", callback=_output_path, help=help_text)


def _temporary_beside(target: str) -> tuple[int, str]:
    """A new file in `target`'s folder, with the permissions `target` has, or, for a new file,
    those `open()` would give it (0666 less the umask)."""
    folder, name = os.path.split(target)
    while True:
        temporary = os.path.join(folder, f".{name}.{uuid.uuid4().hex[:12]}.part")
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        break
    try:
        with suppress(FileNotFoundError):
            os.fchmod(handle, stat.S_IMODE(os.stat(target).st_mode))
    except BaseException:
        os.close(handle)
        os.unlink(temporary)
        raise
    return handle, temporary


@contextmanager
def _output(output: str | None, mode: str) -> Iterator[IO[Any]]:
    """Where a command writes: standard output (no FILE, or "-"), or FILE, written whole or not
    at all. FILE is written to a temporary file beside it, renamed over it once complete: a
    failure (a full disk, a damaged event met halfway through an export, Ctrl-C) leaves neither
    a half-written file nor a damaged earlier one, which writing FILE in place could not promise
    however much was checked first. What cannot be replaced is written in place: a device or a
    pipe (/dev/null, /dev/stdout), or a writable file in a folder where no file can be made. Any
    file-system error becomes an `OutputError`: one line, exit code 2."""
    encoding = None if "b" in mode else "utf-8"
    if not output or output == "-":
        with click.open_file("-", mode, encoding=encoding) as out:
            yield out
        return
    problem = _unwritable(output)
    if problem:
        raise OutputError(output, problem)
    if os.path.exists(output) and (not stat.S_ISREG(os.stat(output).st_mode) or not _folder_writable(output)):
        try:
            with open(output, mode, encoding=encoding) as out:
                yield out
        except OSError as error:
            raise OutputError(output, error.strerror or str(error)) from None
        return
    target = os.path.realpath(output)  # through a symbolic link, not over it
    try:
        handle, temporary = _temporary_beside(target)
    except OSError as error:
        raise OutputError(output, error.strerror or str(error)) from None
    try:
        with open(handle, mode, encoding=encoding) as out:
            yield out
        os.replace(temporary, target)
    except BaseException as error:
        with suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise OutputError(output, error.strerror or str(error)) from None
        raise


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
    ledger = _ledger(ctx, create=True)
    if bare:
        click.echo(f"store ready: {ledger.config.display_url()} ({ledger.event_count()} events)")
        return
    with DEFAULT_REGISTRY.open(encoding="utf-8") as lines:
        report = ledger.import_lines(lines)
    if report.refused:
        _print_refused(report)
        ctx.exit(BAD_INPUT)
    click.echo(
        f"store ready: {ledger.config.display_url()}; default registry: {report.appended} events appended,"
        f" {report.skipped} already present"
    )


def _print_refused(report: ImportReport) -> None:
    for number, reason in report.refused:
        click.echo(f"line {number}: {reason}", err=True)
    click.echo(f"{len(report.refused)} line(s) refused; nothing was appended", err=True)


def _read(path: str) -> list[str]:
    """A file's lines (or standard input's); bad input, naming the line, if it is not UTF-8."""
    from .interchange import LineDecodeError, read_input_lines

    try:
        return read_input_lines(path)
    except LineDecodeError as error:
        raise click.BadParameter(f"{path}: {error}", param_hint="FILE") from None
    except OSError as error:
        raise click.BadParameter(f"cannot read {path}: {error.strerror}", param_hint="FILE") from None


@main.command("import")
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate every line and report, but append nothing.")
@click.pass_context
def import_(ctx: click.Context, file: str, dry_run: bool) -> None:
    """Append a JSON Lines file, all or nothing (SPEC §8); '-' reads standard input."""
    lines = _read(file)
    ledger = _ledger(ctx, create=True)
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
@_output_option()
@click.pass_context
def export(ctx: click.Context, output: str | None) -> None:
    """Write the whole ledger as JSON Lines, with recorded times, positions, sources and event ids."""
    ledger = _ledger(ctx)
    with _output(output, "w") as out:
        for line in ledger.export_lines():
            out.write(line + "\n")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--trusted-key", help="Base64 public key the export's checkpoint must be signed with.")
@click.pass_context
def restore(ctx: click.Context, file: str, trusted_key: str | None) -> None:
    """Load an export into an empty store, keeping recorded times, sources and event ids,
    after checking its signed checkpoint."""
    lines = _read(file)
    ledger = _ledger(ctx, create=True)
    report = ledger.restore_lines(lines, trusted_key=trusted_key)
    if report.refused:
        _print_refused(report)
        ctx.exit(BAD_INPUT)
    click.echo(f"restored {report.appended} events")


@main.command()
@click.argument("case")
@click.option("--as-of", "as_of", callback=_date_option, help="Business date YYYY-MM-DD: only events claimed on or before it.")
@click.option("--known-at", "known_at", callback=_time_option, help="Ledger time: only events recorded by then (a date means its end).")
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


FORMATS = click.Choice(["table", "json", "csv", *BINARY_FORMATS])
FORMAT_HELP = "xlsx and pdf are files: they need -o FILE."


def _emit(text: str, output: str | None) -> None:
    with _output(output, "w") as out:
        out.write(text if text.endswith("\n") else text + "\n")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _needs_file(fmt: str, output: str | None) -> None:
    """A spreadsheet or a PDF is never poured onto a terminal: it is refused before any store is
    opened, so nothing is written."""
    if fmt in BINARY_FORMATS and (not output or output == "-" and sys.stdout.isatty()):
        raise click.UsageError(f"--format {fmt} writes a binary file: name it with -o FILE; nothing was written")


def _emit_report(ledger: Ledger, kind: str, parameters: dict[str, Any], fmt: str, output: str) -> None:
    """`-o FILE` in JSON or CSV writes a verifiable report: rows plus the signed checkpoint they
    were computed at and the rulebook and calendar versions (`ledger verify-report FILE`). XLSX
    and PDF carry the same checkpoint and versions, for reading and filing. Every file is written
    whole or not at all (`_output`)."""
    from .integrity.reports import render_report

    data = ledger.report(kind, parameters, fmt)
    if fmt in BINARY_FORMATS:
        body = export_report(data, fmt)
        with _output(output, "wb") as out:
            out.write(body)
    else:
        _emit(render_report(data, fmt), output)
    click.echo(f"{len(data['rows'])} row(s) written to {output}, at checkpoint size {data['checkpoint']['size']}",
               err=True)


def _versions_footer(ledger: Ledger) -> list[str]:
    from .rules import rulebook_version

    return [f"rulebook {rulebook_version()} · calendar {ledger.calendar_version()}"]


@main.command()
@click.option("--as-of", "as_of", callback=_date_option, help="Judge as of this business date (default: today).")
@click.option("--known-at", "known_at", callback=_time_option, help="Only events recorded by then (a date means its end).")
@click.option("--rule", "rules", multiple=True, help="Only this rule (repeatable).")
@click.option("--agency", "agencies", multiple=True, help="Only this responsible agency (repeatable).")
@click.option("--include-dismissed", is_flag=True, help="Also show violations an inspector dismissed.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help=FORMAT_HELP)
@_output_option()
@click.pass_context
def violations(ctx: click.Context, as_of: str | None, known_at: str | None, rules: tuple[str, ...],
               agencies: tuple[str, ...], include_dismissed: bool, fmt: str, output: str | None) -> None:
    """The violations of the rulebook (SPEC §6), each with its responsible agency and official."""
    from .rules import RULEBOOK

    _needs_file(fmt, output)
    unknown = [r for r in rules if r not in RULEBOOK]
    if unknown:
        raise click.BadParameter(f"unknown rule {', '.join(unknown)}", param_hint="--rule")
    ledger = _ledger(ctx)
    known = set(ledger.registry_as_of().agencies)
    strangers = [a for a in agencies if a not in known]
    if strangers:
        raise click.BadParameter(f"unknown agency {', '.join(strangers)} (no such code in the registry)",
                                 param_hint="--agency")
    if output and fmt in EXPORT_FORMATS:
        parameters = {"as_of": (_as_of(as_of) or ledger.today()).isoformat(), "known_at": _iso(_known_at(known_at)),
                      "rules": list(rules), "agencies": list(agencies), "include_dismissed": include_dismissed}
        _emit_report(ledger, "violations", parameters, fmt, output)
        return
    found = ledger.violations(as_of=_as_of(as_of), known_at=_known_at(known_at), include_dismissed=include_dismissed)
    rows = [v.as_dict() for v in found if (not rules or v.rule in rules) and (not agencies or v.agency in agencies)]
    _emit(render(rows, fmt, "violations", footer=_versions_footer(ledger)), output)


@main.command()
@click.option("--as-of", "as_of", callback=_date_option, help="Judge as of this business date (default: today).")
@click.option("--by", "by", type=click.Choice(["agency", "official"]), default="agency", show_default=True)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help=FORMAT_HELP)
@_output_option()
@click.pass_context
def delays(ctx: click.Context, as_of: str | None, by: str, fmt: str, output: str | None) -> None:
    """Working days of delay each agency (or official) is responsible for (SPEC §7)."""
    _needs_file(fmt, output)
    ledger = _ledger(ctx)
    by_official = by == "official"
    if output and fmt in EXPORT_FORMATS:
        parameters = {"as_of": (_as_of(as_of) or ledger.today()).isoformat(), "by": by}
        _emit_report(ledger, "delays", parameters, fmt, output)
        return
    rows = ledger.delays(as_of=_as_of(as_of), by_official=by_official)
    json_rows = delay_json(rows)
    report = "delays_by_official" if by_official else "delays"
    _emit(render(rows, fmt, report, json_rows=json_rows, footer=_versions_footer(ledger)), output)


@main.command()
@click.option("--from", "start", required=True, callback=_date_option, help="First day of the period, YYYY-MM-DD.")
@click.option("--to", "end", required=True, callback=_date_option, help="Last day of the period, YYYY-MM-DD (judged as of it).")
@click.option("--by", "by", type=click.Choice(["agency", "official"]), default="agency", show_default=True)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help=FORMAT_HELP)
@_output_option()
@click.pass_context
def scorecard(ctx: click.Context, start: str, end: str, by: str, fmt: str, output: str | None) -> None:
    """On-time rates and the Decision 766 score per agency (or official) over a period (SPEC §7)."""
    first, last = _as_of(start, "--from"), _as_of(end, "--to")
    assert first is not None and last is not None
    _needs_file(fmt, output)
    ledger = _ledger(ctx)
    by_official = by == "official"
    if output and fmt in EXPORT_FORMATS:
        if last < first:
            raise click.BadParameter("the period ends before it starts", param_hint="--to")
        parameters = {"from": first.isoformat(), "to": last.isoformat(), "by": by, "known_at": None}
        _emit_report(ledger, "scorecard", parameters, fmt, output)
        return
    rows = ledger.scorecard(first, last, by_official=by_official)
    report = "scorecard_by_official" if by_official else "scorecard"
    _emit(render(rows, fmt, report, footer=_versions_footer(ledger)), output)


@main.command()
@click.pass_context
def rebuild(ctx: click.Context) -> None:
    """Drop and rebuild every projection from the events, with a progress bar."""
    ledger = _ledger(ctx)
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

    ledger = _ledger(ctx)
    signing = (f"holds the instance key {ledger.signer.id} and signs what it can vouch for" if ledger.signer
               else "holds no instance key and signs nothing")
    click.echo(f"worker on {ledger.config.display_url()}: read models at position {ledger.projections.position()}"
               f" of {ledger.event_count()}; {signing}")
    idle = False
    while True:
        applied = ledger.projections.catch_up()
        if applied:
            click.echo(f"caught up {applied} event(s): read models at position {ledger.projections.position()}")
            idle = False
        elif not idle:
            click.echo("up to date" + ("" if once else f"; polling every {interval:g} s"))
            latest = ledger.recorder.latest_checkpoint()
            unsigned = ledger.event_count() - (latest.size if latest else 0)
            if unsigned > 0:
                click.echo(f"{unsigned} event(s) are not under a signed checkpoint"
                           + ("; this key will not vouch for them: run `ledger verify`" if ledger.signer
                              else " (no key here to sign them)"), err=True)
            idle = True
        if once:
            return
        clock.sleep(interval)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
def rules(fmt: str) -> None:
    """Print the rulebook: each rule's code, clause, source, parameters and validity."""
    from .rules.document import rulebook_json, rulebook_markdown, rulebook_text

    text = {"text": rulebook_text, "json": rulebook_json, "markdown": rulebook_markdown}[fmt]()
    click.echo(text, nl=not text.endswith("\n"))


@main.command()
@click.option("--cases", type=click.IntRange(1, 2_000_000), default=2000, show_default=True)
@click.option("--seed", type=int, default=2024, show_default=True)
@click.option("--serve", "then_serve", is_flag=True, help="Then run the web application (as `ledger serve`).")
@click.option("--host", default="127.0.0.1", show_default=True, help="With --serve: the address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True, help="With --serve: the port.")
@click.pass_context
def demo(ctx: click.Context, cases: int, seed: int, then_serve: bool, host: str, port: int) -> None:
    """Fill a fresh store with a realistic synthetic year of Ho Chi Minh City cases, and make one
    web login per role (printed with the site's address)."""
    from .demo import generate, progress_length

    ledger = _ledger(ctx, create=True)
    if ledger.has_cases():
        raise click.UsageError("the demo fills a fresh store; this one already holds cases")
    if sys.stderr.isatty():
        with click.progressbar(length=progress_length(cases), label="generating", file=sys.stderr) as bar:
            summary = generate(ledger, cases=cases, seed=seed, progress=bar.update)
    else:
        summary = generate(ledger, cases=cases, seed=seed)
    click.echo(f"demo ledger in {ledger.config.display_url()}: {summary['cases']} cases, {summary['events']} events "
               f"({summary['imported']} imported, {summary['web']} through the web), {summary['findings']} findings")
    click.echo("events by type:   " + ", ".join(f"{k} {v}" for k, v in summary["by_type"].items()))
    click.echo("violations (all): " + ", ".join(f"{k} {v}" for k, v in summary["violations"].items()))
    from .demo import make_logins

    logins = make_logins(ledger)
    click.echo(f"web logins (site: http://{host}:{port}/ once `ledger serve` runs; passwords shown only now):")
    for role, login, official, password in logins:
        click.echo(f"  {role:<12} {login:<16} {password}   acts as {official}")
    if then_serve:
        serve_command = main.get_command(ctx, "serve")
        if serve_command is None:
            raise click.UsageError("the web application is not installed (no `serve` command)")
        ctx.invoke(serve_command, host=host, port=port)


@main.group()
def user() -> None:
    """Web logins."""


def _password() -> str:
    if sys.stdin.isatty():
        return str(click.prompt("password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


@user.command("add")
@click.argument("login")
@click.option("--official", required=True, help="The registry official this login acts as.")
@click.option("--role", type=click.Choice(["official", "oversight", "admin"]), default="official", show_default=True)
@click.pass_context
def user_add(ctx: click.Context, login: str, official: str, role: str) -> None:
    """Create a web login (the password is asked, or read from the first line of stdin)."""
    account = _ledger(ctx.parent).accounts.add_login(login, official, _password(), role)  # type: ignore[arg-type]
    click.echo(f"login {account.login} created: acts as {account.official}, role {account.role}")


@user.command("list")
@click.pass_context
def user_list(ctx: click.Context) -> None:
    """The logins, with their official and role."""
    for account in _ledger(ctx.parent).accounts.list_logins():  # type: ignore[arg-type]
        state = "disabled" if account.disabled else "active"
        click.echo(f"{account.login:<20} {account.official:<20} {account.role:<10} {state}")


@main.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--official", required=True, help="The registry official the token acts as.")
@click.option("--role", type=click.Choice(["official", "oversight", "admin"]), default="official", show_default=True,
              help="admin: may also append registry events.")
@click.pass_context
def token_create(ctx: click.Context, official: str, role: str) -> None:
    """Print a new API token (shown only now; only its hash is kept)."""
    made, secret = _ledger(ctx.parent).accounts.create_token(official, role)  # type: ignore[arg-type]
    click.echo(secret)
    click.echo(f"token {made.token_id} acts as {made.official} ({made.role}); revoke with"
               f" `ledger token revoke {made.token_id}`", err=True)


@token.command("revoke")
@click.argument("token_id")
@click.pass_context
def token_revoke(ctx: click.Context, token_id: str) -> None:
    """Revoke a token at once."""
    revoked = _ledger(ctx.parent).accounts.revoke_token(token_id)  # type: ignore[arg-type]
    click.echo(f"token {revoked.token_id} revoked at {revoked.revoked}")


@token.command("list")
@click.pass_context
def token_list(ctx: click.Context) -> None:
    """The tokens (never their secrets)."""
    for made in _ledger(ctx.parent).accounts.list_tokens():  # type: ignore[arg-type]
        click.echo(f"{made.token_id}  {made.official:<20} {made.role:<10} created {made.created}"
                   f"  {'revoked ' + made.revoked if made.revoked else 'live'}")


@main.command()
@click.option("--full", is_flag=True, help="Also recompute every read-model row and compare.")
@click.option("--trusted-key", "trusted", multiple=True,
              help="Trust checkpoints signed by this base64 public key (besides the local key file's).")
@click.option("--strict", is_flag=True, help="Fail if any event is not yet under a trusted signed checkpoint.")
@click.pass_context
def verify(ctx: click.Context, full: bool, trusted: tuple[str, ...], strict: bool) -> None:
    """Check the ledger's integrity; exit 1 naming the first bad position."""
    from .integrity.trust import describe

    ledger = _ledger(ctx)
    result = ledger.verify(full=full, trusted_keys=trusted)
    if not result.ok:
        click.echo(f"ledger NOT intact: first bad {result.first}", err=True)
        for problem in result.problems:
            click.echo(f"  {problem}", err=True)
        ctx.exit(CHECK_FAILED)
    click.echo(f"ledger intact: {result.events} events; {result.signed} of them under {result.checkpoints}"
               f" checkpoint(s) signed by a trusted key ({describe(result.trusted)})")
    if result.unsigned:
        click.echo(f"  {result.unsigned} later event(s) are NOT yet under a signed checkpoint: nothing vouches for"
                   " them until a process holding the instance key signs them (`ledger worker --once` there)")
    if result.behind:
        click.echo(f"  the read models are behind the log: {result.tracked} of {result.events} event(s) taken in"
                   " (`ledger worker --once` catches them up)")
    else:
        click.echo(f"  read models consumed exactly the {result.tracked} event(s) of the log")
    if strict and result.unsigned:
        ctx.exit(CHECK_FAILED)


@main.group()
def key() -> None:
    """The instance's signing key."""


@key.command("show")
@click.pass_context
def key_show(ctx: click.Context) -> None:
    """Print the public key that signs this ledger's checkpoints."""

    from .integrity.keys import key_id, unb64

    ledger = _ledger(ctx.parent)  # type: ignore[arg-type]
    signers = ledger.signing_keys()
    if ledger.key_file_public is None:
        click.echo(f"no key file at {ledger.key_path}: this process does not sign")
    else:
        click.echo(f"public key (Ed25519, base64): {ledger.key_file_public}")
        click.echo(f"key id: {key_id(unb64(ledger.key_file_public))}")
        click.echo(f"file: {ledger.key_path}")
    for public, count in signers.items():
        click.echo(f"this store's checkpoints: {count} signed by key {key_id(unb64(public))} ({public})")
    if ledger.key_file_public is not None and signers and ledger.key_file_public not in signers:
        click.echo("WARNING: the key file's key is NOT the key this store was signed with; `ledger verify`"
                   " will not trust this store's checkpoints, and this process will not sign", err=True)
        ctx.exit(CHECK_FAILED)
    if ledger.key_warning:
        click.echo(f"WARNING: {ledger.key_warning}", err=True)


@main.command()
@click.argument("case")
@_output_option("Write the proof to FILE.")
@click.pass_context
def prove(ctx: click.Context, case: str, output: str | None) -> None:
    """Prove that each event of CASE is included under a freshly signed checkpoint."""
    from .integrity.proofs import dumps as proof_dumps

    proof = _ledger(ctx).prove(case)
    _emit(proof_dumps(proof), output)
    if output:
        click.echo(f"{len(proof['events'])} event(s) of {case} proved under the checkpoint at size"
                   f" {proof['checkpoint']['size']}; written to {output}", err=True)


@main.command("check-proof")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--trusted-key", "trusted", multiple=True,
              help="Trust checkpoints signed by this base64 public key (besides the local key file's).")
def check_proof_command(file: str, trusted: tuple[str, ...]) -> None:
    """Check an inclusion proof without any database; exit 1 if any event is not proved."""
    import os
    from pathlib import Path

    from .domain.errors import InvalidField
    from .integrity.keys import SigningKey
    from .integrity.proofs import check_proof
    from .integrity.trust import trusted_keys
    from .interchange import parse_document

    try:
        data = parse_document("".join(_read(file)))
    except InvalidField as error:
        raise click.BadParameter(str(error), param_hint="FILE") from None
    key_path = Path(os.environ.get("LEDGER_KEY_FILE") or "ledger.key")
    local = b64(SigningKey.load(key_path).public_bytes) if key_path.is_file() else None
    result = check_proof(data, trusted=trusted_keys(local, trusted))
    for line in result.lines:
        click.echo(line)
    if not result.ok:
        sys.exit(CHECK_FAILED)


@main.command("verify-report")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--trusted-key", "trusted", multiple=True,
              help="Trust checkpoints signed by this base64 public key (besides the local key file's).")
@click.pass_context
def verify_report(ctx: click.Context, file: str, trusted: tuple[str, ...]) -> None:
    """Check a report's signed checkpoint against the ledger and recompute every row."""
    ok, lines = _ledger(ctx).verify_report("".join(_read(file)), trusted)
    for line in lines:
        click.echo(line)
    if not ok:
        ctx.exit(CHECK_FAILED)


def _load_plugins() -> None:
    """Commands other packages add (the web application's `serve`), found by entry point so
    that nothing in `ledger` imports them."""
    from importlib.metadata import entry_points

    for entry in entry_points(group="ledger.commands"):
        main.add_command(entry.load(), entry.name)


_load_plugins()

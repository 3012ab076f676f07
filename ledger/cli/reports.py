"""Commands that ask the ledger questions: history, violations, delays, scorecard, and the
reports' own checks: verify-report, rules."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

import click

from .. import (
    BINARY_FORMATS,
    EXPORT_FORMATS,
    Ledger,
    Refused,
    ReportRequest,
    check_request,
    check_rules,
    report_body,
    report_parameters,
    report_table,
    write_report,
)
from .group import (
    CHECK_FAILED,
    date_option,
    emit,
    main,
    open_ledger,
    output_option,
    read_file,
    time_option,
)

FORMATS = click.Choice(["table", "json", "csv", *BINARY_FORMATS])
FORMAT_HELP = "xlsx and pdf are files: they need -o FILE."
AS_OF_HELP = "Judge as of this business date (default: today)."


@main.command()
@click.argument("case")
@click.option("--as-of", "as_of", callback=date_option, help="Business date YYYY-MM-DD: only events claimed on or before it.")
@click.option("--known-at", "known_at", callback=time_option, help="Ledger time: only events recorded by then (a date means its end).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def history(ctx: click.Context, case: str, as_of: date | None, known_at: datetime | None, fmt: str) -> None:
    """A case's events with claimed and recorded times, and its state after each."""
    from .. import format_history

    ledger = open_ledger(ctx)
    result = ledger.history(case, as_of=as_of, known_at=known_at)
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(format_history(result))


@contextmanager
def hinted(*fields: str) -> Iterator[None]:
    """A refused filter (`rule`, `agency`, `to`) as a bad `--FIELD` option."""
    try:
        yield
    except Refused as error:
        if error.field not in fields:
            raise
        message = f"{error} (no such code in the registry)" if error.code == "unknown_agency" else str(error)
        raise click.BadParameter(message, param_hint=f"--{error.field}") from None


def _needs_file(fmt: str, output: str | None) -> None:
    """A spreadsheet or a PDF is never poured onto a terminal: it is refused before any store is
    opened, so nothing is written."""
    if fmt in BINARY_FORMATS and (not output or output == "-" and sys.stdout.isatty()):
        raise click.UsageError(f"--format {fmt} writes a binary file: name it with -o FILE; nothing was written")


def _report(ledger: Ledger, request: ReportRequest, fmt: str, output: str | None) -> None:
    """`-o FILE` in JSON or CSV writes a verifiable report: rows plus the signed checkpoint they
    were computed at and the rulebook and calendar versions (`ledger verify-report FILE`). XLSX
    and PDF carry the same checkpoint and versions, for reading and filing. Every file is written
    whole or not at all. Otherwise the rows as of now, as a table, JSON or CSV."""
    if not (output and fmt in EXPORT_FORMATS):
        with hinted("rule", "agency"):
            check_request(ledger, request)
        emit(report_table(ledger, request, fmt), output)
        return
    with hinted("rule", "agency", "to"):
        parameters = report_parameters(ledger, request)
    if output == "-":
        data = ledger.report(request.kind, parameters, fmt)
        emit(report_body(data, fmt), output)
    else:
        data = write_report(ledger, request.kind, parameters, fmt, output)
    click.echo(f"{len(data['rows'])} row(s) written to {output}, at checkpoint size {data['checkpoint']['size']}",
               err=True)


@main.command()
@click.option("--as-of", "as_of", callback=date_option, help=AS_OF_HELP)
@click.option("--known-at", "known_at", callback=time_option, help="Only events recorded by then (a date means its end).")
@click.option("--rule", "rules", multiple=True, help="Only this rule (repeatable).")
@click.option("--agency", "agencies", multiple=True, help="Only this responsible agency (repeatable).")
@click.option("--include-dismissed", is_flag=True, help="Also show violations an inspector dismissed.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help=FORMAT_HELP)
@output_option()
@click.pass_context
def violations(ctx: click.Context, as_of: date | None, known_at: datetime | None, rules: tuple[str, ...],
               agencies: tuple[str, ...], include_dismissed: bool, fmt: str, output: str | None) -> None:
    """The violations of the rulebook (SPEC §6), each with its responsible agency and official."""
    _needs_file(fmt, output)
    with hinted("rule"):
        check_rules(rules)
    request = ReportRequest("violations", as_of=as_of, known_at=known_at, rules=rules, agencies=agencies,
                            include_dismissed=include_dismissed)
    _report(open_ledger(ctx), request, fmt, output)


@main.command()
@click.option("--as-of", "as_of", callback=date_option, help=AS_OF_HELP)
@click.option("--by", "by", type=click.Choice(["agency", "official"]), default="agency", show_default=True)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help=FORMAT_HELP)
@output_option()
@click.pass_context
def delays(ctx: click.Context, as_of: date | None, by: str, fmt: str, output: str | None) -> None:
    """Working days of delay each agency (or official) is responsible for (SPEC §7)."""
    _needs_file(fmt, output)
    _report(open_ledger(ctx), ReportRequest("delays", as_of=as_of, by=by), fmt, output)


@main.command()
@click.option("--from", "start", required=True, callback=date_option, help="First day of the period, YYYY-MM-DD.")
@click.option("--to", "end", required=True, callback=date_option, help="Last day of the period, YYYY-MM-DD (judged as of it).")
@click.option("--by", "by", type=click.Choice(["agency", "official"]), default="agency", show_default=True)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help=FORMAT_HELP)
@output_option()
@click.pass_context
def scorecard(ctx: click.Context, start: date, end: date, by: str, fmt: str, output: str | None) -> None:
    """On-time rates and the Decision 766 score per agency (or official) over a period (SPEC §7)."""
    _needs_file(fmt, output)
    _report(open_ledger(ctx), ReportRequest("scorecard", start=start, end=end, by=by), fmt, output)


@main.command("verify-report")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--trusted-key", "trusted", multiple=True,
              help="Trust checkpoints signed by this base64 public key (besides the local key file's).")
@click.pass_context
def verify_report(ctx: click.Context, file: str, trusted: tuple[str, ...]) -> None:
    """Check a report's signed checkpoint against the ledger and recompute every row."""
    ok, lines = open_ledger(ctx).verify_report("".join(read_file(file)), trusted)
    for line in lines:
        click.echo(line)
    if not ok:
        ctx.exit(CHECK_FAILED)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
def rules(fmt: str) -> None:
    """Print the rulebook: each rule's code, clause, source, parameters and validity."""
    from .. import rulebook_json, rulebook_markdown, rulebook_text

    text = {"text": rulebook_text, "json": rulebook_json, "markdown": rulebook_markdown}[fmt]()
    click.echo(text, nl=not text.endswith("\n"))

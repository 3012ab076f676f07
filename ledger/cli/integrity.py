"""Commands that check the ledger and prove what it holds: verify, key show, prove, check-proof."""

from __future__ import annotations

import sys

import click

from .. import (
    InvalidField,
    check_proof_document,
    describe_trusted,
    parse_document,
    proof_text,
    public_key_id,
)
from .group import CHECK_FAILED, emit, main, open_ledger, output_option, read_file

TRUSTED_KEY_HELP = "Trust checkpoints signed by this base64 public key (besides the local key file's)."


@main.command()
@click.option("--full", is_flag=True, help="Also recompute every read-model row and compare.")
@click.option("--trusted-key", "trusted", multiple=True, help=TRUSTED_KEY_HELP)
@click.option("--strict", is_flag=True, help="Fail if any event is not yet under a trusted signed checkpoint.")
@click.pass_context
def verify(ctx: click.Context, full: bool, trusted: tuple[str, ...], strict: bool) -> None:
    """Check the ledger's integrity; exit 1 naming the first bad position."""
    ledger = open_ledger(ctx)
    result = ledger.verify(full=full, trusted_keys=trusted)
    if not result.ok:
        click.echo(f"ledger NOT intact: first bad {result.first}", err=True)
        for problem in result.problems:
            click.echo(f"  {problem}", err=True)
        ctx.exit(CHECK_FAILED)
    click.echo(f"ledger intact: {result.events} events; {result.signed} of them under {result.checkpoints}"
               f" checkpoint(s) signed by a trusted key ({describe_trusted(result.trusted)})")
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
    ledger = open_ledger(ctx.parent)  # type: ignore[arg-type]
    signers = ledger.signing_keys()
    if ledger.key_file_public is None:
        click.echo(f"no key file at {ledger.key_path}: this process does not sign")
    else:
        click.echo(f"public key (Ed25519, base64): {ledger.key_file_public}")
        click.echo(f"key id: {public_key_id(ledger.key_file_public)}")
        click.echo(f"file: {ledger.key_path}")
    for public, count in signers.items():
        click.echo(f"this store's checkpoints: {count} signed by key {public_key_id(public)} ({public})")
    if ledger.key_file_public is not None and signers and ledger.key_file_public not in signers:
        click.echo("WARNING: the key file's key is NOT the key this store was signed with; `ledger verify`"
                   " will not trust this store's checkpoints, and this process will not sign", err=True)
        ctx.exit(CHECK_FAILED)
    if ledger.key_warning:
        click.echo(f"WARNING: {ledger.key_warning}", err=True)


@main.command()
@click.argument("case")
@output_option("Write the proof to FILE.")
@click.pass_context
def prove(ctx: click.Context, case: str, output: str | None) -> None:
    """Prove that each event of CASE is included under a freshly signed checkpoint."""
    proof = open_ledger(ctx).prove(case)
    emit(proof_text(proof), output)
    if output:
        click.echo(f"{len(proof['events'])} event(s) of {case} proved under the checkpoint at size"
                   f" {proof['checkpoint']['size']}; written to {output}", err=True)


@main.command("check-proof")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--trusted-key", "trusted", multiple=True, help=TRUSTED_KEY_HELP)
def check_proof_command(file: str, trusted: tuple[str, ...]) -> None:
    """Check an inclusion proof without any database; exit 1 if any event is not proved."""
    try:
        data = parse_document("".join(read_file(file)))
    except InvalidField as error:
        raise click.BadParameter(str(error), param_hint="FILE") from None
    result = check_proof_document(data, trusted)
    for line in result.lines:
        click.echo(line)
    if not result.ok:
        sys.exit(CHECK_FAILED)

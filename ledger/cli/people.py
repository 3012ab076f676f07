"""Commands for the people who use the ledger: web logins, API tokens, and the demo that makes a
store to try it with."""

from __future__ import annotations

import sys

import click

from .group import main, open_ledger

ROLE_CHOICE = click.Choice(["official", "oversight", "admin"])


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
    from .. import demo_progress_length, generate_demo, make_demo_logins

    ledger = open_ledger(ctx, create=True)
    if ledger.has_cases():
        raise click.UsageError("the demo fills a fresh store; this one already holds cases")
    if sys.stderr.isatty():
        with click.progressbar(length=demo_progress_length(cases), label="generating", file=sys.stderr) as bar:
            summary = generate_demo(ledger, cases=cases, seed=seed, progress=bar.update)
    else:
        summary = generate_demo(ledger, cases=cases, seed=seed)
    click.echo(f"demo ledger in {ledger.config.display_url()}: {summary['cases']} cases, {summary['events']} events "
               f"({summary['imported']} imported, {summary['web']} through the web), {summary['findings']} findings")
    click.echo("events by type:   " + ", ".join(f"{k} {v}" for k, v in summary["by_type"].items()))
    click.echo("violations (all): " + ", ".join(f"{k} {v}" for k, v in summary["violations"].items()))
    logins = make_demo_logins(ledger)
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
@click.option("--role", type=ROLE_CHOICE, default="official", show_default=True)
@click.pass_context
def user_add(ctx: click.Context, login: str, official: str, role: str) -> None:
    """Create a web login (the password is asked, or read from the first line of stdin)."""
    account = open_ledger(ctx.parent).accounts.add_login(login, official, _password(), role)  # type: ignore[arg-type]
    click.echo(f"login {account.login} created: acts as {account.official}, role {account.role}")


@user.command("list")
@click.pass_context
def user_list(ctx: click.Context) -> None:
    """The logins, with their official and role."""
    for account in open_ledger(ctx.parent).accounts.list_logins():  # type: ignore[arg-type]
        state = "disabled" if account.disabled else "active"
        click.echo(f"{account.login:<20} {account.official:<20} {account.role:<10} {state}")


@main.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--official", required=True, help="The registry official the token acts as.")
@click.option("--role", type=ROLE_CHOICE, default="official", show_default=True,
              help="admin: may also append registry events.")
@click.pass_context
def token_create(ctx: click.Context, official: str, role: str) -> None:
    """Print a new API token (shown only now; only its hash is kept)."""
    made, secret = open_ledger(ctx.parent).accounts.create_token(official, role)  # type: ignore[arg-type]
    click.echo(secret)
    click.echo(f"token {made.token_id} acts as {made.official} ({made.role}); revoke with"
               f" `ledger token revoke {made.token_id}`", err=True)


@token.command("revoke")
@click.argument("token_id")
@click.pass_context
def token_revoke(ctx: click.Context, token_id: str) -> None:
    """Revoke a token at once."""
    revoked = open_ledger(ctx.parent).accounts.revoke_token(token_id)  # type: ignore[arg-type]
    click.echo(f"token {revoked.token_id} revoked at {revoked.revoked}")


@token.command("list")
@click.pass_context
def token_list(ctx: click.Context) -> None:
    """The tokens (never their secrets)."""
    for made in open_ledger(ctx.parent).accounts.list_tokens():  # type: ignore[arg-type]
        click.echo(f"{made.token_id}  {made.official:<20} {made.role:<10} created {made.created}"
                   f"  {'revoked ' + made.revoked if made.revoked else 'live'}")

"""`restock admin ...`: users, API tokens and the audit log from the command line.

Mounted by `restock.cli` (`app.add_typer(admin_app, name="admin")`); `audit_verify` is also
exposed as `restock audit verify`. Every change is audited with `--actor` and `--reason`.
Exit codes: 0 done, 1 the audit log was tampered with, 2 the request was refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from restock.settings import load_settings
from serving.audit import AuditLog
from serving.users import UserDirectory, UserError

__all__ = ["admin_app", "audit_verify"]

admin_app = typer.Typer(
    help="Users, API tokens and the audit log.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = Console()
err = Console(stderr=True)

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="restock home folder (default: $RESTOCK_HOME or the cwd)"),
]
ActorOption = Annotated[str, typer.Option(help="who (recorded in the audit log)")]
ReasonOption = Annotated[str, typer.Option(help="why (recorded in the audit log)")]


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


def _audit(home: Path | None) -> AuditLog:
    return AuditLog(load_settings(home=home).database)


def _directory(home: Path | None) -> UserDirectory:
    audit = _audit(home)
    return UserDirectory(audit.engine, audit=audit)


def _read_password() -> str:
    stdin = typer.get_text_stream("stdin")
    if stdin.isatty():
        return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))
    # One line: `printf '%s\n' "$PW" | restock admin user-add ...`; the newline is not part.
    return stdin.readline().removesuffix("\n").removesuffix("\r")


@admin_app.command("user-add")
def user_add(
    username: Annotated[str, typer.Argument(help="login name (letters, digits, . _ @ -)")],
    role: Annotated[
        list[str], typer.Option("--role", help="buyer | planner | ml_engineer | admin (repeat)")
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read a web-login password from stdin")
    ] = False,
    actor: ActorOption = "cli",
    reason: ReasonOption = "",
    home: HomeOption = None,
) -> None:
    """Add a user; without --password-stdin it can only use API tokens."""
    password = _read_password() if password_stdin else None
    try:
        user = _directory(home).add_user(
            username, roles=role, password=password, actor=actor, reason=reason
        )
    except (UserError, ValueError) as exc:
        raise _fail(str(exc)) from None
    login = "password and tokens" if user.has_password else "tokens only"
    console.print(f"added {user.username}: {', '.join(sorted(user.roles))} ({login})")


@admin_app.command("password-set")
def password_set(
    username: str,
    actor: ActorOption = "cli",
    reason: ReasonOption = "",
    home: HomeOption = None,
) -> None:
    """Set a user's web-login password, read from stdin."""
    try:
        _directory(home).set_password(username, _read_password(), actor=actor, reason=reason)
    except (UserError, ValueError) as exc:
        raise _fail(str(exc)) from None
    console.print(f"password of {username} set")


@admin_app.command("user-update")
def user_update(
    username: str,
    role: Annotated[
        list[str] | None, typer.Option("--role", help="replace the roles with these (repeat)")
    ] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--disabled", help="enable or disable the user")
    ] = None,
    actor: ActorOption = "cli",
    reason: ReasonOption = "",
    home: HomeOption = None,
) -> None:
    """Change a user's roles or disable / re-enable it (its password and tokens stop working)."""
    try:
        user = _directory(home).update_user(
            username, roles=role, active=active, actor=actor, reason=reason
        )
    except (UserError, ValueError) as exc:
        raise _fail(str(exc)) from None
    state = "active" if user.active else "disabled"
    console.print(f"{user.username}: {', '.join(sorted(user.roles))} ({state})")


@admin_app.command("user-list")
def user_list(home: HomeOption = None) -> None:
    """Users with their roles and whether they can log in."""
    table = Table("user", "roles", "active", "password", "created (UTC)")
    for user in _directory(home).list_users():
        table.add_row(
            user.username,
            ", ".join(sorted(user.roles)),
            "yes" if user.active else "no",
            "yes" if user.has_password else "no",
            f"{user.created_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@admin_app.command("token-issue")
def token_issue(
    username: str,
    label: Annotated[str, typer.Option(help="where the token is used, e.g. nightly-flow")],
    actor: ActorOption = "cli",
    reason: ReasonOption = "",
    home: HomeOption = None,
) -> None:
    """Issue an API token and print it once: it cannot be shown again."""
    try:
        token = _directory(home).issue_token(username, label=label, actor=actor, reason=reason)
    except UserError as exc:
        raise _fail(str(exc)) from None
    typer.echo(token)  # alone on stdout, so a script can capture it
    err.print("store this token now: only its hash is kept")


@admin_app.command("token-revoke")
def token_revoke(
    token: Annotated[str, typer.Argument(help="token id (see token-list) or the token itself")],
    actor: ActorOption = "cli",
    reason: ReasonOption = "",
    home: HomeOption = None,
) -> None:
    """Revoke an API token: requests with it are refused from now on."""
    named: int | str = int(token) if token.isdigit() else token
    try:
        info = _directory(home).revoke_token(named, actor=actor, reason=reason)
    except UserError as exc:
        raise _fail(str(exc)) from None
    console.print(f"token {info.id} ({info.username}, {info.label}) revoked")


@admin_app.command("token-list")
def token_list(
    username: Annotated[str | None, typer.Argument(help="only this user's tokens")] = None,
    home: HomeOption = None,
) -> None:
    """API tokens (never the secrets): id, owner, label, last use, revocation."""
    table = Table("id", "user", "label", "created (UTC)", "last used", "revoked")
    for info in _directory(home).list_tokens(username):
        table.add_row(
            str(info.id),
            info.username,
            info.label,
            f"{info.created_at:%Y-%m-%d %H:%M}",
            "-" if info.last_used_at is None else f"{info.last_used_at:%Y-%m-%d %H:%M}",
            "-" if info.revoked_at is None else f"{info.revoked_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@admin_app.command("audit-verify")
def audit_verify(home: HomeOption = None) -> None:
    """Check the audit log's hash chain; exit 1 naming the first tampered event."""
    report = _audit(home).verify()
    if not report.ok:
        err.print(f"[bold red]audit log tampered:[/] {report.detail}")
        err.print(f"first bad event: {report.first_bad_id} ({report.kind})")
        raise typer.Exit(code=1)
    console.print(f"audit log intact: {report.checked} events, head {report.head_hash}")

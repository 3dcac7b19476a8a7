"""`restock admin ...` on a temporary home: users, tokens and the audit check, exit codes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from restock.home import HomePaths
from serving.cli_admin import admin_app
from serving.roles import Principal, Role
from serving.users import UserDirectory

PASSWORD = "correct horse battery"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("RESTOCK_DATABASE_URL", raising=False)
    return tmp_path / "home"


def _run(home: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(admin_app, [*args, "--home", str(home)], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def _directory(home: Path) -> UserDirectory:
    return UserDirectory(f"sqlite:///{HomePaths(home).database}")


def test_user_add_with_a_password_from_stdin_then_log_in(home: Path) -> None:
    code, out, _ = _run(
        home, "user-add", "ana", "--role", "buyer", "--role", "planner", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0, out
    assert "added ana: buyer, planner (password and tokens)" in out
    expected = Principal("ana", frozenset({Role.BUYER, Role.PLANNER}))
    assert _directory(home).authenticate_password("ana", PASSWORD) == expected
    assert _directory(home).authenticate_password("ana", PASSWORD + "\n") is None


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["user-add", "ana", "--role", "boss"], None, "unknown role 'boss'"),
        (["user-add", "ana", "--role", "buyer", "--password-stdin"], "short\n", "at least 8"),
        (["token-issue", "nobody", "--label", "x"], None, "no user 'nobody'"),
        (["token-revoke", "42"], None, "no API token with id 42"),
    ],
)
def test_refused_requests_exit_2_with_the_reason(
    home: Path, args: list[str], stdin: str | None, message: str
) -> None:
    code, _, err = _run(home, *args, stdin=stdin)
    assert code == 2
    assert message in " ".join(err.split())


def test_a_token_is_printed_once_works_and_stops_working_when_revoked(home: Path) -> None:
    assert _run(home, "user-add", "flow", "--role", "ml_engineer")[0] == 0
    code, out, err = _run(home, "token-issue", "flow", "--label", "nightly")
    assert code == 0 and "store this token now" in err
    token = out.strip()
    assert token.startswith("rk_") and len(token) == 46
    directory = _directory(home)
    assert directory.authenticate_token(token) == Principal("flow", frozenset({Role.ML_ENGINEER}))
    code, out, _ = _run(home, "token-list")
    assert code == 0 and "nightly" in out and token not in out
    code, out, _ = _run(home, "token-revoke", "1", "--reason", "rotated")
    assert code == 0 and "token 1 (flow, nightly) revoked" in out
    assert directory.authenticate_token(token) is None


def test_user_update_disables_a_user(home: Path) -> None:
    _run(home, "user-add", "ana", "--role", "buyer", "--password-stdin", stdin=PASSWORD + "\n")
    code, out, _ = _run(home, "user-update", "ana", "--disabled", "--role", "planner")
    assert code == 0 and "ana: planner (disabled)" in out
    assert _directory(home).authenticate_password("ana", PASSWORD) is None


def test_audit_verify_passes_then_names_the_tampered_event(home: Path) -> None:
    _run(home, "user-add", "ana", "--role", "buyer", "--actor", "root")
    _run(home, "user-add", "bob", "--role", "planner", "--actor", "root")
    _run(home, "token-issue", "bob", "--label", "script", "--actor", "root")
    code, out, _ = _run(home, "audit-verify")
    assert code == 0 and "audit log intact: 3 events" in out
    with sqlite3.connect(HomePaths(home).database) as db:
        db.execute("UPDATE audit_events SET actor = 'ana' WHERE id = 2")
    code, _, err = _run(home, "audit-verify")
    assert code == 1
    assert "first bad event: 2 (edited)" in err

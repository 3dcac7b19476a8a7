"""Users and API tokens: secrets stored hashed only, refusals, and the audit of every change."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from serving.audit import AuditLog
from serving.roles import Principal, Role
from serving.security import ScryptParams
from serving.users import TokenNotFound, UserDirectory, UserError, UserExists, UserNotFound
from tests.orders.conftest import _postgres_engine

CHEAP = ScryptParams(n=16, r=1, p=1)  # storage and rules are under test, not scrypt's cost
PASSWORD = "correct horse battery"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        sqlite = sa.create_engine(f"sqlite:///{tmp_path / 'restock.db'}")
        yield sqlite
        sqlite.dispose()
    else:
        yield from _postgres_engine()


@pytest.fixture
def audit(engine: sa.Engine) -> AuditLog:
    return AuditLog(engine)


@pytest.fixture
def users(engine: sa.Engine, audit: AuditLog) -> UserDirectory:
    directory = UserDirectory(engine, audit=audit, scrypt=CHEAP)
    directory.add_user("ana", roles=["buyer", "planner"], password=PASSWORD, actor="root")
    directory.add_user("flow", roles=[Role.ML_ENGINEER], actor="root")  # API only
    return directory


def _dump(engine: sa.Engine, table: str) -> str:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT * FROM {table}")).all()
    return repr(rows)


ANA = Principal("ana", frozenset({Role.BUYER, Role.PLANNER}))


@pytest.mark.parametrize(
    ("username", "password", "expected"),
    [
        ("ana", PASSWORD, ANA),
        ("ana", PASSWORD.upper(), None),
        ("ana", "", None),
        ("nobody", PASSWORD, None),
        ("flow", "", None),  # no password: tokens only
        ("flow", PASSWORD, None),
    ],
)
def test_password_login(
    users: UserDirectory, username: str, password: str, expected: Principal | None
) -> None:
    assert users.authenticate_password(username, password) == expected


def test_the_password_is_stored_only_as_a_salted_scrypt_hash(
    users: UserDirectory, engine: sa.Engine
) -> None:
    assert PASSWORD not in _dump(engine, "users")
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM users WHERE username = 'ana'"))
        assert stored.scalar_one().startswith("scrypt$16$1$1$")


def test_a_disabled_user_cannot_log_in_or_use_tokens(users: UserDirectory) -> None:
    token = users.issue_token("ana", label="laptop")
    info = users.update_user("ana", active=False, actor="root", reason="left the company")
    assert not info.active
    assert users.authenticate_password("ana", PASSWORD) is None
    assert users.authenticate_token(token) is None
    assert users.principal("ana") is None
    users.update_user("ana", active=True, actor="root")
    assert users.authenticate_token(token) == ANA


def test_role_changes_apply_to_the_next_request(users: UserDirectory) -> None:
    users.update_user("ana", roles=["admin"], actor="root")
    principal = users.principal("ana")
    assert principal == Principal("ana", frozenset({Role.ADMIN}))
    assert principal.has_any(Role.ADMIN, Role.BUYER) and not principal.has_any(Role.BUYER)


def test_a_login_upgrades_a_hash_made_with_old_costs(
    users: UserDirectory, engine: sa.Engine
) -> None:
    stronger = UserDirectory(engine, scrypt=ScryptParams(n=32, r=2, p=1))
    assert stronger.authenticate_password("ana", PASSWORD) == ANA
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM users WHERE username = 'ana'"))
        assert stored.scalar_one().startswith("scrypt$32$2$1$")
    assert users.authenticate_password("ana", PASSWORD) == ANA


def test_set_password_replaces_the_old_one(users: UserDirectory) -> None:
    users.set_password("flow", "a brand new password", actor="root")
    assert users.authenticate_password("flow", "a brand new password") is not None
    users.set_password("ana", "another password", actor="ana")
    assert users.authenticate_password("ana", PASSWORD) is None


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda u: u.add_user("ana", roles=["buyer"]), UserExists, "already exists"),
        (lambda u: u.add_user("bad name", roles=["buyer"]), UserError, "not allowed"),
        (lambda u: u.add_user("bo", roles=["boss"]), ValueError, "buyer, planner"),
        (lambda u: u.add_user("bo", roles=[]), ValueError, "at least one role"),
        (lambda u: u.add_user("bo", roles=["buyer"], password="short"), ValueError, "at least 8"),
        (lambda u: u.set_password("nobody", PASSWORD), UserNotFound, "user-add"),
        (lambda u: u.issue_token("nobody", label="x"), UserNotFound, "nobody"),
        (lambda u: u.issue_token("ana", label=" "), UserError, "label"),
        (lambda u: u.revoke_token(999), TokenNotFound, "id 999"),
        (lambda u: u.revoke_token("rk_not-a-real-token"), TokenNotFound, "token-list"),
    ],
)
def test_refusals_say_what_to_do(
    users: UserDirectory, call: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call(users)  # type: ignore[operator]


def test_tokens_are_stored_as_sha256_only(users: UserDirectory, engine: sa.Engine) -> None:
    token = users.issue_token("flow", label="nightly")
    assert token.startswith("rk_") and len(token) == 46
    assert token not in _dump(engine, "api_tokens")
    assert token[3:] not in _dump(engine, "api_tokens")
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT token_hash FROM api_tokens")).scalar_one()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert users.authenticate_token(token) == Principal("flow", frozenset({Role.ML_ENGINEER}))


@pytest.mark.parametrize("by", ["id", "token"])
def test_revoked_tokens_are_refused(users: UserDirectory, by: str) -> None:
    kept, dropped = (users.issue_token("ana", label=label) for label in ("laptop", "script"))
    dropped_id = users.list_tokens("ana")[1].id
    info = users.revoke_token(dropped_id if by == "id" else dropped, actor="root", reason="leak")
    assert (info.id, info.label, info.revoked) == (dropped_id, "script", True)
    assert users.authenticate_token(dropped) is None
    assert users.authenticate_token(kept) == ANA
    again = users.revoke_token(dropped_id)  # idempotent: keeps the first revocation time
    assert again.revoked_at == info.revoked_at


@pytest.mark.parametrize("token", ["", "rk_", "rk_" + "A" * 43, "Bearer rk_x", "not a token"])
def test_unknown_tokens_are_refused(users: UserDirectory, token: str) -> None:
    assert users.authenticate_token(token) is None


def test_token_use_is_recorded_at_most_once_a_minute(users: UserDirectory) -> None:
    token = users.issue_token("flow", label="nightly")
    t0 = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    seen = []
    for seconds in (0, 30, 59, 60, 90, 125):
        users.authenticate_token(token, now=t0 + dt.timedelta(seconds=seconds))
        last = users.list_tokens("flow")[0].last_used_at
        assert last is not None
        seen.append(int((last - t0).total_seconds()))
    assert seen == [0, 0, 0, 60, 60, 125]


def test_list_users_shows_roles_and_logins_never_hashes(users: UserDirectory) -> None:
    listed = [(u.username, sorted(u.roles), u.active, u.has_password) for u in users.list_users()]
    assert listed == [
        ("ana", ["buyer", "planner"], True, True),
        ("flow", ["ml_engineer"], True, False),
    ]


def test_every_change_is_audited_without_secrets(users: UserDirectory, audit: AuditLog) -> None:
    token = users.issue_token("flow", label="nightly", actor="root", reason="cron")
    users.revoke_token(token, actor="root", reason="rotated")
    users.set_password("ana", "a second password", actor="ana", reason="yearly")
    users.update_user("ana", roles=["buyer"], actor="root", reason="moved team")
    users.update_user("ana", roles=["buyer"], actor="root")  # no change: no event
    events = audit.events()
    assert [(e.actor, e.action, e.entity_type, e.entity_id) for e in events] == [
        ("root", "user.add", "user", "ana"),
        ("root", "user.add", "user", "flow"),
        ("root", "token.issue", "api_token", "1"),
        ("root", "token.revoke", "api_token", "1"),
        ("ana", "user.password", "user", "ana"),
        ("root", "user.update", "user", "ana"),
    ]
    assert events[0].after == {"roles": ["buyer", "planner"], "active": True, "has_password": True}
    assert (events[5].before["roles"], events[5].after["roles"]) == (
        ["buyer", "planner"],
        ["buyer"],
    )
    assert events[3].reason == "rotated"
    text = json.dumps([[e.before, e.after, e.reason] for e in events])
    for secret in (token, PASSWORD, "a second password", "scrypt$"):
        assert secret not in text
    assert audit.verify().ok


def test_a_refused_change_leaves_no_audit_event(users: UserDirectory, audit: AuditLog) -> None:
    with pytest.raises(UserExists):
        users.add_user("ana", roles=["buyer"], actor="root")
    assert len(audit.events()) == 2

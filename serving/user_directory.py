"""`UserDirectory`: users and API tokens of one database, which adds, changes, authenticates and
lists them.

A user without a password is an API-only account (a flow, a script). Given an `AuditLog`, every
change (user added, roles, password, activation, token issued or revoked) is an audit event
committed in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from restock.engines import open_engine
from serving.audit_log import AuditLog
from serving.roles import Principal, Role, parse_roles
from serving.security import (
    DEFAULT_SCRYPT,
    TOKEN_PREFIX,
    ScryptParams,
    check_password_rules,
    hash_password,
    hash_token,
    needs_rehash,
    new_token,
    verify_password,
)
from serving.user_errors import TokenNotFound, UserError, UserExists, UserNotFound
from serving.user_records import TokenInfo, UserInfo, _audit_view, _token_info, _user_info
from serving.user_tables import (
    UsersBase,
    _roles,
    _roles_text,
    _TokenRow,
    _UserRow,
    _utc_or_none,
    _utcnow,
)

__all__ = ["UserDirectory"]

_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
# Recording every token use would make each API call a write; once a minute is enough to tell
# a live token from a forgotten one.
_TOUCH_EVERY = dt.timedelta(minutes=1)


@cache
def _decoy_hash(params: ScryptParams) -> str:
    return hash_password("not a real password", params)


class UserDirectory:
    """Users and tokens of one database (a URL or an Engine); tables created on first use."""

    def __init__(
        self,
        database: str | Engine,
        *,
        audit: AuditLog | None = None,
        scrypt: ScryptParams = DEFAULT_SCRYPT,
    ) -> None:
        self._engine = open_engine(database)
        self._audit = audit
        self._scrypt = scrypt
        self._ready = False

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        if not self._ready:
            UsersBase.metadata.create_all(self._engine)
            self._ready = True
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            yield session

    def _user(self, session: Session, username: str) -> _UserRow:
        row = session.scalar(sa.select(_UserRow).where(_UserRow.username == username))
        if row is None:
            raise UserNotFound(f"no user {username!r}; add it with `restock admin user-add`")
        return row

    def _record(
        self,
        session: Session,
        event: tuple[str, str, str | int],
        before: Any,
        after: Any,
        *,
        actor: str,
        reason: str,
    ) -> None:
        """Audit `(action, entity_type, entity_id)` in the change's own transaction."""
        action, entity_type, entity_id = event
        if self._audit is not None:
            self._audit.record(
                actor=actor,
                action=action,
                entity_type=entity_type,
                entity_id=entity_id,
                before=before,
                after=after,
                reason=reason,
                session=session,
            )

    def add_user(
        self,
        username: str,
        *,
        roles: Iterable[Role | str],
        password: str | None = None,
        actor: str = "system",
        reason: str = "",
    ) -> UserInfo:
        """Create an active user; without a password it can only use API tokens."""
        if not _USERNAME.fullmatch(username):
            raise UserError(
                f"username {username!r} is not allowed; use 1-64 letters, digits or . _ @ - "
                "starting with a letter or digit"
            )
        chosen = parse_roles(roles)
        if password is not None:
            check_password_rules(password)
        with self._transaction() as session:
            taken = sa.select(_UserRow.id).where(_UserRow.username == username)
            if session.scalar(taken) is not None:
                raise UserExists(f"user {username!r} already exists; pick another name")
            row = _UserRow(
                username=username,
                password_hash=None if password is None else hash_password(password, self._scrypt),
                roles=_roles_text(chosen),
                active=True,
                created_at=_utcnow(),
            )
            session.add(row)
            session.flush()
            after = _audit_view(row) | {"has_password": password is not None}
            self._record(
                session, ("user.add", "user", username), None, after, actor=actor, reason=reason
            )
            return _user_info(row)

    def set_password(
        self, username: str, password: str, *, actor: str = "system", reason: str = ""
    ) -> None:
        """Replace the user's password (sessions already issued stay valid until they expire)."""
        check_password_rules(password)
        with self._transaction() as session:
            row = self._user(session, username)
            had = row.password_hash is not None
            row.password_hash = hash_password(password, self._scrypt)
            self._record(
                session,
                ("user.password", "user", username),
                {"has_password": had},
                {"has_password": True},
                actor=actor,
                reason=reason,
            )

    def update_user(
        self,
        username: str,
        *,
        roles: Iterable[Role | str] | None = None,
        active: bool | None = None,
        actor: str = "system",
        reason: str = "",
    ) -> UserInfo:
        """Replace roles and/or enable or disable the user; applies from the user's next request
        (a disabled user's password and tokens are refused)."""
        chosen = None if roles is None else parse_roles(roles)
        with self._transaction() as session:
            row = self._user(session, username)
            before = _audit_view(row)
            if chosen is not None:
                row.roles = _roles_text(chosen)
            if active is not None:
                row.active = active
            after = _audit_view(row)
            if after != before:
                event = ("user.update", "user", username)
                self._record(session, event, before, after, actor=actor, reason=reason)
            return _user_info(row)

    def authenticate_password(self, username: str, password: str) -> Principal | None:
        """The principal for a correct password of an active user; None otherwise.

        An unknown user costs the same scrypt work as a wrong password, so timing does not
        tell which usernames exist.
        """
        with self._transaction() as session:
            row = session.scalar(sa.select(_UserRow).where(_UserRow.username == username))
            if row is None or row.password_hash is None:
                verify_password(password, _decoy_hash(self._scrypt))
                return None
            if not verify_password(password, row.password_hash) or not row.active:
                return None
            if needs_rehash(row.password_hash, self._scrypt):
                row.password_hash = hash_password(password, self._scrypt)
            return Principal(row.username, _roles(row.roles))

    def principal(self, username: str) -> Principal | None:
        """The current principal of an active user (e.g. named by a session cookie); else None."""
        with self._transaction() as session:
            row = session.scalar(sa.select(_UserRow).where(_UserRow.username == username))
            if row is None or not row.active:
                return None
            return Principal(row.username, _roles(row.roles))

    def issue_token(
        self, username: str, *, label: str, actor: str = "system", reason: str = ""
    ) -> str:
        """A new API token for an active user; the plaintext is returned once and never stored."""
        if not label.strip():
            raise UserError("give the token a label saying where it is used (e.g. 'nightly-flow')")
        token = new_token()
        with self._transaction() as session:
            user = self._user(session, username)
            if not user.active:
                raise UserError(f"user {username!r} is disabled; enable it before issuing tokens")
            row = _TokenRow(
                token_hash=hash_token(token),
                username=username,
                label=label.strip(),
                created_at=_utcnow(),
            )
            session.add(row)
            session.flush()
            self._record(
                session,
                ("token.issue", "api_token", row.id),
                None,
                {"username": username, "label": row.label},
                actor=actor,
                reason=reason,
            )
        return token

    def authenticate_token(self, token: str, *, now: dt.datetime | None = None) -> Principal | None:
        """The principal of a live token (not revoked, its user active); None otherwise."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        moment = now or _utcnow()
        with self._transaction() as session:
            found = session.execute(
                sa.select(_TokenRow, _UserRow)
                .join(_UserRow, _UserRow.username == _TokenRow.username)
                .where(_TokenRow.token_hash == hash_token(token))
            ).first()
            if found is None:
                return None
            row, user = found.tuple()
            if row.revoked_at is not None or not user.active:
                return None
            last = _utc_or_none(row.last_used_at)
            if last is None or moment - last >= _TOUCH_EVERY:
                row.last_used_at = moment
            return Principal(user.username, _roles(user.roles))

    def revoke_token(
        self, token: int | str, *, actor: str = "system", reason: str = ""
    ) -> TokenInfo:
        """Revoke a token named by its id or its plaintext; revoking twice changes nothing."""
        with self._transaction() as session:
            if isinstance(token, int):
                row = session.get(_TokenRow, token)
            else:
                by_hash = sa.select(_TokenRow).where(_TokenRow.token_hash == hash_token(token))
                row = session.scalar(by_hash)
            if row is None:
                named = f"id {token}" if isinstance(token, int) else "the given token"
                raise TokenNotFound(f"no API token with {named}; list them with token-list")
            if row.revoked_at is None:
                row.revoked_at = _utcnow()
                self._record(
                    session,
                    ("token.revoke", "api_token", row.id),
                    {"revoked": False},
                    {"revoked": True},
                    actor=actor,
                    reason=reason,
                )
            return _token_info(row)

    def list_users(self) -> list[UserInfo]:
        """All users by name."""
        with self._transaction() as session:
            rows = session.scalars(sa.select(_UserRow).order_by(_UserRow.username))
            return [_user_info(row) for row in rows]

    def list_tokens(self, username: str | None = None) -> list[TokenInfo]:
        """Tokens oldest first, optionally of one user; revoked ones included."""
        query = sa.select(_TokenRow).order_by(_TokenRow.id)
        if username is not None:
            query = query.where(_TokenRow.username == username)
        with self._transaction() as session:
            return [_token_info(row) for row in session.scalars(query)]

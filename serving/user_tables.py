"""Storage of users and API tokens: tables `users` and `api_tokens`, and how their values are
stored (roles as a sorted comma list, times in UTC).

Passwords are stored as scrypt hashes, tokens as sha256 hex only: the database never holds a
secret that lets someone log in. Tables are created on first use, like `training.alias_history`
(migrations include `UsersBase.metadata`).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from serving.roles import Role

__all__ = ["UsersBase"]


class UsersBase(DeclarativeBase):
    """Metadata of `users` and `api_tokens`, for `create_all` now and migrations later."""


class _UserRow(UsersBase):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(256), nullable=True)
    roles: Mapped[str] = mapped_column(sa.String(256))  # sorted comma list of Role values
    active: Mapped[bool] = mapped_column(sa.Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class _TokenRow(UsersBase):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    username: Mapped[str] = mapped_column(sa.ForeignKey("users.username"), index=True)
    label: Mapped[str] = mapped_column(sa.String(128))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite drops the offset on the way back; every stored time is UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _utc_or_none(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else _utc(value)


def _roles_text(roles: frozenset[Role]) -> str:
    return ",".join(sorted(role.value for role in roles))


def _roles(text: str) -> frozenset[Role]:
    return frozenset(Role(name) for name in text.split(",") if name)

"""What is shown of a user or token row: to an admin (`UserInfo`, `TokenInfo`, never a secret or
its hash) and to the audit log (roles and activation)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from serving.roles import Role
from serving.user_tables import _roles, _TokenRow, _UserRow, _utc, _utc_or_none

__all__ = ["TokenInfo", "UserInfo"]


@dataclass(frozen=True)
class UserInfo:
    """A user as listed to an admin: never the password hash."""

    username: str
    roles: frozenset[Role]
    active: bool
    has_password: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class TokenInfo:
    """An API token as listed to an admin: never the token or its hash."""

    id: int
    username: str
    label: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def _user_info(row: _UserRow) -> UserInfo:
    return UserInfo(
        username=row.username,
        roles=_roles(row.roles),
        active=row.active,
        has_password=row.password_hash is not None,
        created_at=_utc(row.created_at),
    )


def _token_info(row: _TokenRow) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        username=row.username,
        label=row.label,
        created_at=_utc(row.created_at),
        last_used_at=_utc_or_none(row.last_used_at),
        revoked_at=_utc_or_none(row.revoked_at),
    )


def _audit_view(row: _UserRow) -> dict[str, Any]:
    return {"roles": sorted(_roles(row.roles)), "active": row.active}

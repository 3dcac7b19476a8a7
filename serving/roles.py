"""Who may do what: the four roles of DESIGN.md section 6 and the authenticated `Principal`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Principal", "Role", "parse_roles"]


class Role(StrEnum):
    """A job, not a rank: `admin` manages users and tokens but is not a wildcard for the others
    (segregation of duties); give a person several roles when they do several jobs."""

    BUYER = "buyer"  # works the PO approval queue
    PLANNER = "planner"  # forecasts, explanations, overrides with a rationale
    ML_ENGINEER = "ml_engineer"  # models: promote, rollback
    ADMIN = "admin"  # users, API tokens, thresholds


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    """Roles from their names (case and surrounding spaces ignored); at least one is required."""
    roles: set[Role] = set()
    for value in values:
        name = value.strip().lower()
        try:
            roles.add(Role(name))
        except ValueError:
            raise ValueError(
                f"unknown role {value!r}; use one of {', '.join(r.value for r in Role)}"
            ) from None
    if not roles:
        raise ValueError(f"give at least one role: {', '.join(r.value for r in Role)}")
    return frozenset(roles)


@dataclass(frozen=True)
class Principal:
    """An authenticated user as the request handlers see it: a name (the audit actor) and roles."""

    username: str
    roles: frozenset[Role]

    def has_any(self, *roles: Role) -> bool:
        """True when the principal holds at least one of `roles`."""
        return not self.roles.isdisjoint(roles)

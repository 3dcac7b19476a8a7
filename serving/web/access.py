"""Who is looking at a page, what they may open, and the navigation their roles give them.

Pages read the session cookie only (browsers do not send API tokens). Nobody signed in: the
browser is sent to the login page (`LoginRequired`); signed in without the role: a 403 page.
As in the API (`serving.deps.require`), admin passes every role check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from serving.deps import SESSION_COOKIE, StateDep
from serving.roles import Principal, Role
from serving.web.errors import LoginRequired, PageError

__all__ = [
    "Buyer",
    "BuyerOrPlanner",
    "Engineer",
    "ForecastReader",
    "ModelReader",
    "NavItem",
    "Planner",
    "Viewer",
    "can",
    "home_path",
    "navigation",
    "page_user",
    "signed_in",
]

_ROLE_WORDS = {
    Role.BUYER: "buyers",
    Role.PLANNER: "planners",
    Role.ML_ENGINEER: "ML engineers",
    Role.ADMIN: "admins",
}


def signed_in(request: Request, state: StateDep) -> Principal | None:
    """The principal of the request's session cookie, or None."""
    cookie = request.cookies.get(SESSION_COOKIE)
    return None if not cookie else state.sessions.read(cookie)


def can(principal: Principal, *roles: Role) -> bool:
    """Whether `principal` holds one of `roles` (admin always can)."""
    return principal.has_any(*roles, Role.ADMIN)


def _next_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def page_user(*roles: Role) -> Callable[[Request, StateDep], Principal]:
    """A dependency: the signed-in principal holding one of `roles` (any role when none)."""

    def check(request: Request, state: StateDep) -> Principal:
        principal = signed_in(request, state)
        if principal is None:
            raise LoginRequired(_next_path(request))
        if roles and not can(principal, *roles):
            who = " or ".join(_ROLE_WORDS[r] for r in roles)
            raise PageError(
                403,
                f"This page is for {who}; {principal.username} is signed in as "
                f"{', '.join(sorted(r.value for r in principal.roles))}. "
                "Ask an admin for the role if you need it.",
            )
        return principal

    return check


Viewer = Annotated[Principal, Depends(page_user())]
Buyer = Annotated[Principal, Depends(page_user(Role.BUYER))]
BuyerOrPlanner = Annotated[Principal, Depends(page_user(Role.BUYER, Role.PLANNER))]
ForecastReader = Annotated[
    Principal, Depends(page_user(Role.PLANNER, Role.BUYER, Role.ML_ENGINEER))
]
ModelReader = Annotated[Principal, Depends(page_user(Role.PLANNER, Role.ML_ENGINEER))]
Engineer = Annotated[Principal, Depends(page_user(Role.ML_ENGINEER))]
Planner = Annotated[Principal, Depends(page_user(Role.PLANNER))]


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str
    roles: tuple[Role, ...]


# In the order the navigation shows them; a person sees the pages their roles open.
PAGES: tuple[NavItem, ...] = (
    NavItem("/queue", "PO queue", (Role.BUYER, Role.PLANNER)),
    NavItem("/planner", "Planner", (Role.PLANNER, Role.ML_ENGINEER)),
    NavItem("/models", "Models", (Role.PLANNER, Role.ML_ENGINEER)),
    NavItem("/monitoring", "Monitoring", (Role.BUYER, Role.PLANNER, Role.ML_ENGINEER)),
    NavItem("/kpis", "KPIs", (Role.BUYER, Role.PLANNER)),
)


def navigation(principal: Principal | None) -> list[NavItem]:
    """The pages `principal` may open, in navigation order."""
    if principal is None:
        return []
    return [page for page in PAGES if can(principal, *page.roles)]


def home_path(principal: Principal) -> str:
    """Where a person lands after signing in: their first job's page."""
    first = {
        Role.BUYER: "/queue",
        Role.PLANNER: "/planner",
        Role.ML_ENGINEER: "/models",
        Role.ADMIN: "/monitoring",
    }
    for role in (Role.BUYER, Role.PLANNER, Role.ML_ENGINEER, Role.ADMIN):
        if role in principal.roles:
            return first[role]
    return "/monitoring"

"""The buyer's queue page: POs needing a person first, filters (supplier, status, flags,
value), sorting, paging, and bulk approval through the same `orders.workflow.bulk_approve` as
the JSON API (each PO on its own: a refused one does not stop the others)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from orders import workflow
from orders.domain import OrderSummary, POStatus
from orders.listing import NEEDS_APPROVAL, OrderSort
from orders.repository import MAX_PAGE
from serving.api_types import parse_db_int
from serving.deps import StateDep
from serving.queue_service import AuditLogRecorder, standing
from serving.roles import Principal, Role
from serving.routers.queue import status_of
from serving.state import AppState
from serving.web.access import Buyer, BuyerOrPlanner, can
from serving.web.csrf import CsrfChecked
from serving.web.queue_shared import REASON_MAX, new_key, policy
from serving.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 100
_SORTS: tuple[str, ...] = get_args(OrderSort)


@dataclass(frozen=True)
class Filters:
    status: POStatus | None = None
    source: str | None = None
    flagged: bool | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    sort: OrderSort = "id"
    descending: bool = False
    needs_first: bool = True
    page: int = 1

    def query(self, **changes: Any) -> str:
        """The query string of these filters with `changes` (for sort and page links)."""
        values = {
            "status": self.status.value if self.status else "",
            "source": self.source or "",
            "flagged": {True: "yes", False: "no", None: ""}[self.flagged],
            "min_value": "" if self.min_value is None else str(self.min_value),
            "max_value": "" if self.max_value is None else str(self.max_value),
            "sort": self.sort,
            "order": "desc" if self.descending else "asc",
            "needs_first": "1" if self.needs_first else "0",
            "page": str(self.page),
        } | {k: str(v) for k, v in changes.items()}
        return urlencode({k: v for k, v in values.items() if v != ""})


def _money_field(name: str, text: str, problems: list[str]) -> Decimal | None:
    if not text.strip():
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        problems.append(f"{name} must be a number, e.g. 1500 or 1500.50; got {text!r}")
        return None
    if not value.is_finite() or value < 0:
        problems.append(f"{name} must be 0 or more; got {text!r}")
        return None
    return value


def _filters(
    status: str, source: str, flagged: str, min_value: str, max_value: str, sort: str, order: str,
    needs_first: str, page: int,
) -> tuple[Filters, list[str]]:  # fmt: skip
    problems: list[str] = []
    chosen: POStatus | None = None
    if status:
        try:
            chosen = POStatus(status)
        except ValueError:
            problems.append(f"unknown status {status!r}; pick one from the list")
    low = _money_field("minimum value", min_value, problems)
    high = _money_field("maximum value", max_value, problems)
    if low is not None and high is not None and low > high:
        problems.append(f"the minimum value {low} is above the maximum {high}; swap them")
        low = high = None
    if sort not in _SORTS:
        problems.append(f"cannot sort by {sort!r}; sort by {', '.join(_SORTS)}")
        sort = "id"
    found = Filters(
        status=chosen,
        source=source.strip() or None,
        flagged={"yes": True, "no": False}.get(flagged),
        min_value=low,
        max_value=high,
        sort=sort,  # type: ignore[arg-type]  # checked against _SORTS above
        descending=order == "desc",
        needs_first=needs_first != "0",
        page=max(1, page),
    )
    return found, problems


@dataclass(frozen=True)
class Row:
    order: OrderSummary
    required: int
    missing: int
    can_approve: bool


def _queue_page(
    request: Request,
    state: AppState,
    me: Principal,
    filters: Filters,
    *,
    problems: list[str] | None = None,
    outcomes: list[dict[str, Any]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rules = policy(state)
    offset = (filters.page - 1) * PAGE_SIZE
    found = state.queue.list_orders(
        status=filters.status,
        source=filters.source,
        flagged=filters.flagged,
        min_value=filters.min_value,
        max_value=filters.max_value,
        sort=filters.sort,
        descending=filters.descending,
        needs_approval_first=filters.needs_first,
        limit=PAGE_SIZE + 1,
        offset=offset,
    )
    more = len(found) > PAGE_SIZE
    buyer = can(me, Role.BUYER)
    rows = []
    for order in found[:PAGE_SIZE]:
        now = standing(order, rules)
        rows.append(Row(order, now.required, now.missing, buyer and "approve" in now.actions))
    recent = state.queue.list_orders(descending=True, limit=MAX_PAGE)
    sources = sorted({o.source for o in recent})
    waiting = sum(1 for r in rows if r.order.status in NEEDS_APPROVAL)
    return render(
        request,
        state,
        "queue.html",
        principal=me,
        title="PO queue",
        status_code=status_code,
        rows=rows,
        waiting=waiting,
        filters=filters,
        statuses=list(POStatus),
        sorts=_SORTS,
        sources=sources,
        more=more,
        problems=problems or [],
        outcomes=outcomes,
        is_buyer=buyer,
        bulk_key=new_key(),
        policy=rules,
    )


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    state: StateDep,
    me: BuyerOrPlanner,
    status: Annotated[str, Query(max_length=32)] = "",
    source: Annotated[str, Query(max_length=256)] = "",
    flagged: Annotated[str, Query(max_length=8)] = "",
    min_value: Annotated[str, Query(max_length=32)] = "",
    max_value: Annotated[str, Query(max_length=32)] = "",
    sort: Annotated[str, Query(max_length=16)] = "id",
    order: Annotated[str, Query(max_length=8)] = "asc",
    needs_first: Annotated[str, Query(max_length=4)] = "1",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    """POs needing a person first, filtered and sorted; bulk approve for buyers."""
    filters, problems = _filters(
        status, source, flagged, min_value, max_value, sort, order, needs_first, page
    )
    code = 422 if problems else 200
    return _queue_page(request, state, me, filters, problems=problems, status_code=code)


def _entries(values: list[str]) -> tuple[dict[int, int], list[str]]:
    """`<id>:<version>` checkbox values as {order id: version read}."""
    chosen: dict[int, int] = {}
    problems = []
    for value in values:
        order_text, _, version_text = value.partition(":")
        order_id, version = parse_db_int(order_text), parse_db_int(version_text, minimum=1)
        if order_id is None or version is None:
            problems.append(f"{value!r} is not a PO of this page; reload the queue")
            continue
        chosen[order_id] = version
    return chosen, problems


@router.post("/queue/bulk-approve", response_class=HTMLResponse)
def bulk_approve(
    request: Request,
    state: StateDep,
    me: Buyer,
    _: CsrfChecked,
    po: Annotated[list[str] | None, Form()] = None,
    reason: Annotated[str, Form(max_length=REASON_MAX)] = "",
    idempotency_key: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse:
    """Approve the ticked POs, each on its own: a refused one does not stop the others."""
    chosen, problems = _entries(po or [])
    if not chosen and not problems:
        problems.append("tick at least one PO waiting for approval, then approve")
    outcomes: list[dict[str, Any]] = []
    if chosen:
        done = workflow.bulk_approve(
            queue_or_engine=state.queue,
            expected_versions=chosen,
            actor=me.username,
            thresholds=policy(state),
            recorder=AuditLogRecorder(state.audit),
            reason=reason.strip() or None,
            idempotency_key=idempotency_key or None,
        )
        for outcome in done:
            error = outcome.error
            outcomes.append(
                {
                    "order_id": outcome.order_id,
                    "ok": outcome.ok,
                    "replayed": outcome.decision is not None and outcome.decision.replayed,
                    "missing": 0
                    if outcome.decision is None
                    else outcome.decision.approvals_missing,
                    "conflict": error is not None and status_of(error) == 409,
                    "message": "" if error is None else str(error),
                }
            )
    filters, _problems = _filters("", "", "", "", "", "id", "asc", "1", 1)
    failed = any(not o["ok"] for o in outcomes)
    code = 422 if problems and not outcomes else (409 if failed else 200)
    return _queue_page(
        request, state, me, filters, problems=problems, outcomes=outcomes, status_code=code
    )

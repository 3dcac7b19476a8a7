"""The queue screen's query: filters, sort keys and "needs approval first", as one SELECT.

Kept apart from `orders.repository` so the filters read as data. Every ordering ends with the
PO id, so pages (limit / offset) never repeat or skip a PO whose sort key ties.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal, get_args

import sqlalchemy as sa

from orders.domain import POStatus
from orders.models import OrderRow, PlanRow

__all__ = ["NEEDS_APPROVAL", "SORT_KEYS", "STATUS_ORDER", "OrderSort", "orders_query"]

OrderSort = Literal["id", "value", "created_at", "status"]
SORT_KEYS: tuple[str, ...] = get_args(OrderSort)

# Sorting by status follows the workflow, not the alphabet: waiting for a person first.
STATUS_ORDER: tuple[POStatus, ...] = (
    POStatus.PROPOSED,
    POStatus.PENDING_APPROVAL,
    POStatus.EDITED,
    POStatus.APPROVED,
    POStatus.AUTO_APPROVED,
    POStatus.RELEASED,
    POStatus.REJECTED,
    POStatus.SUPERSEDED,
)
# What a buyer must look at: not yet decided by anyone.
NEEDS_APPROVAL: frozenset[POStatus] = frozenset(
    {POStatus.PROPOSED, POStatus.PENDING_APPROVAL, POStatus.EDITED}
)


def _status_rank() -> sa.ColumnElement[int]:
    return sa.case(
        {status.value: rank for rank, status in enumerate(STATUS_ORDER)},
        value=sa.cast(OrderRow.status, sa.String),
        else_=len(STATUS_ORDER),
    )


def orders_query(
    *,
    status: POStatus | None = None,
    source: str | None = None,
    plan_id: int | None = None,
    flagged: bool | None = None,
    min_value: Decimal | None = None,
    max_value: Decimal | None = None,
    sort: OrderSort = "id",
    descending: bool = False,
    needs_approval_first: bool = False,
) -> sa.Select[tuple[OrderRow, dt.date]]:
    """POs with their review date, filtered (values inclusive) and ordered; no paging."""
    if sort not in SORT_KEYS:
        raise ValueError(f"sort {sort!r} is not one of {list(SORT_KEYS)}")
    if min_value is not None and max_value is not None and min_value > max_value:
        raise ValueError(f"min_value {min_value} is above max_value {max_value}; swap them")
    # Two foreign keys point at po_plans (plan_id, superseded_by_plan_id): name the join.
    query = sa.select(OrderRow, PlanRow.review_date).join(PlanRow, OrderRow.plan_id == PlanRow.id)
    if status is not None:
        query = query.where(OrderRow.status == POStatus(status))
    if source is not None:
        query = query.where(OrderRow.source == source)
    if plan_id is not None:
        query = query.where(OrderRow.plan_id == plan_id)
    if flagged is not None:
        query = query.where(OrderRow.flagged == flagged)
    if min_value is not None:
        query = query.where(OrderRow.value >= min_value)
    if max_value is not None:
        query = query.where(OrderRow.value <= max_value)
    keys: list[sa.ColumnElement[Any]] = []
    if needs_approval_first:
        waiting = sa.case((OrderRow.status.in_(NEEDS_APPROVAL), 0), else_=1)
        keys.append(waiting)
    if sort != "id":
        column = {
            "value": OrderRow.value,
            "created_at": OrderRow.created_at,
            "status": _status_rank(),
        }[sort]
        keys.append(column.desc() if descending else column.asc())
    keys.append(OrderRow.id.desc() if descending and sort == "id" else OrderRow.id.asc())
    return query.order_by(*keys)

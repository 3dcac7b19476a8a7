"""Conversions between the PO queue's domain objects and its table rows; no queries.

Kept apart from `orders.repository` so the repository reads as what it does with the database.
"""

from __future__ import annotations

import datetime as dt

from orders.domain import (
    Allocation,
    Driver,
    Explanation,
    Flag,
    LineDraft,
    OrderDraft,
    OrderLine,
    PlanDraft,
    SeriesReview,
)
from orders.models import LineRow, OrderRow

__all__ = ["as_utc", "line_row", "order_line", "order_row", "review_values", "summary_fields"]


def as_utc(value: dt.datetime) -> dt.datetime:
    """`value` as an aware UTC time, however the backend gave it back."""
    # SQLite drops the offset on the way back; every stored time is UTC.
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def line_row(line: LineDraft, *, plan_id: int) -> LineRow:
    """The `po_lines` row of a drafted line, explanation flattened into columns."""
    why = line.explanation
    allocation = why.allocation
    return LineRow(
        plan_id=plan_id,
        sku=line.sku,
        location=line.location,
        quantity=line.quantity,
        unit_cost=line.unit_cost,
        value=line.value,
        pack_size=line.pack_size,
        moq=line.moq,
        inventory_position=why.inventory_position,
        on_hand=why.on_hand,
        on_order=why.on_order,
        backorders=why.backorders,
        expected_demand=why.expected_demand,
        safety_stock=why.safety_stock,
        reorder_point=why.reorder_point,
        order_up_to=why.order_up_to,
        lead_time_p50=why.lead_time_p50,
        lead_time_p90=why.lead_time_p90,
        review_period=why.review_period,
        service_target=why.service_target,
        service_kind=why.service_kind,
        stockout_probability=why.stockout_probability,
        segment=why.segment,
        forecast_model_version=why.forecast_model_version,
        leadtime_model_version=why.leadtime_model_version,
        flags=[flag.value for flag in line.flags],
        drivers=[{"feature": d.feature, "contribution": d.contribution} for d in why.drivers],
        alloc_requested=None if allocation is None else allocation.requested,
        alloc_allocated=None if allocation is None else allocation.allocated,
        alloc_tier=None if allocation is None else allocation.tier,
    )


def review_values(review: SeriesReview, *, plan_id: int) -> dict[str, object]:
    """The `po_plan_reviews` values of one review, for a bulk insert."""
    return {
        "plan_id": plan_id,
        "sku": review.sku,
        "location": review.location,
        "expected_demand": float(review.expected_demand),
        "inventory_position": float(review.inventory_position),
        "order_quantity": int(review.order_quantity),
    }


def order_row(order: OrderDraft, *, plan_id: int, plan: PlanDraft) -> OrderRow:
    """The `purchase_orders` row of a drafted PO with its line rows; totals from the lines."""
    at = plan.created_at.astimezone(dt.UTC)
    return OrderRow(
        plan_id=plan_id,
        source_kind=order.source_kind,
        source=order.source,
        destination=order.destination,
        status=order.status,
        value=order.value,
        line_count=len(order.lines),
        flagged=order.flagged,
        created_by=plan.created_by,
        created_at=at,
        updated_at=at,
        lines=[line_row(line, plan_id=plan_id) for line in order.lines],
    )


def order_line(row: LineRow) -> OrderLine:
    """The stored line as a domain object, explanation rebuilt."""
    allocation = None
    alloc = (row.alloc_requested, row.alloc_allocated, row.alloc_tier)
    if alloc[0] is not None and alloc[1] is not None and alloc[2] is not None:
        allocation = Allocation(requested=alloc[0], allocated=alloc[1], tier=alloc[2])
    return OrderLine(
        id=row.id,
        order_id=row.order_id,
        sku=row.sku,
        location=row.location,
        quantity=row.quantity,
        unit_cost=row.unit_cost,
        value=row.value,
        explanation=Explanation(
            inventory_position=row.inventory_position,
            on_hand=row.on_hand,
            on_order=row.on_order,
            backorders=row.backorders,
            expected_demand=row.expected_demand,
            safety_stock=row.safety_stock,
            reorder_point=row.reorder_point,
            order_up_to=row.order_up_to,
            lead_time_p50=row.lead_time_p50,
            lead_time_p90=row.lead_time_p90,
            review_period=row.review_period,
            service_target=row.service_target,
            service_kind=row.service_kind,
            stockout_probability=row.stockout_probability,
            segment=row.segment,
            forecast_model_version=row.forecast_model_version,
            leadtime_model_version=row.leadtime_model_version,
            drivers=tuple(Driver(d["feature"], float(d["contribution"])) for d in row.drivers),
            allocation=allocation,
        ),
        flags=tuple(Flag(flag) for flag in row.flags),
        pack_size=row.pack_size,
        moq=row.moq,
    )


def summary_fields(row: OrderRow, review_date: dt.date) -> dict[str, object]:
    """The `OrderSummary` fields of a PO row (an `Order` adds its lines)."""
    return {
        "id": row.id,
        "plan_id": row.plan_id,
        "review_date": review_date,
        "source": row.source,
        "source_kind": row.source_kind,
        "destination": row.destination,
        "status": row.status,
        "value": row.value,
        "line_count": row.line_count,
        "flagged": row.flagged,
        "version": row.version,
        "created_by": row.created_by,
        "created_at": as_utc(row.created_at),
        "updated_at": as_utc(row.updated_at),
        "superseded_by_plan_id": row.superseded_by_plan_id,
        "edited_by": tuple(row.edited_by or ()),
        "approved_by": tuple(row.approved_by or ()),
        "released_at": None if row.released_at is None else as_utc(row.released_at),
    }

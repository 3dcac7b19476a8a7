"""Small builders of valid plan lines and reviews; a test overrides only the fields it is about."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

from orders.domain import (
    Allocation,
    Driver,
    Explanation,
    Flag,
    LineDraft,
    PlanDraft,
    SeriesReview,
    ServiceKind,
    SourceKind,
)

REVIEW = dt.date(2026, 11, 2)
CREATED = dt.datetime(2026, 11, 2, 6, 0, tzinfo=dt.UTC)


def explanation(**overrides: Any) -> Explanation:
    """Awkward floats on purpose (1/3, 1e-9, negatives) so a lossy round trip shows."""
    base = Explanation(
        inventory_position=12.75,  # 10.5 + 3.25 - 1.0
        on_hand=10.5,
        on_order=3.25,
        backorders=1.0,
        expected_demand=1 / 3 + 40,
        safety_stock=-0.125,
        reorder_point=1e-9,
        order_up_to=61.0000001,
        lead_time_p50=6.5,
        lead_time_p90=11.25,
        review_period=7.0,
        service_target=0.975,
        service_kind=ServiceKind.FILL_RATE,
        stockout_probability=0.4321,
        segment="AX",
        forecast_model_version="demand-forecaster/7",
        leadtime_model_version="lead-time/3",
        drivers=(Driver("lag_7", 3.141592653589793), Driver("price", -0.1)),
    )
    return replace(base, **overrides)


def line(**overrides: Any) -> LineDraft:
    why = overrides.pop("explanation", explanation())
    fields: dict[str, Any] = {
        "source": "ACME",
        "source_kind": SourceKind.SUPPLIER,
        "sku": "A1",
        "location": "DC1",
        "quantity": 10,
        "unit_cost": Decimal("2.5000"),
        "explanation": why,
    }
    fields.update(overrides)
    return LineDraft(**fields)


def plan(*lines: LineDraft, **overrides: Any) -> PlanDraft:
    fields: dict[str, Any] = {
        "review_date": REVIEW,
        "created_by": "planner-flow",
        "lines": lines,
        "auto_approve_below": Decimal("500"),
        "created_at": CREATED,
    }
    fields.update(overrides)
    return PlanDraft(**fields)


def four_order_plan(**overrides: Any) -> PlanDraft:
    """Five lines in four POs (sorted: dc before supplier, then source, then destination).

    dc DC1 -> S1    60.0000   flagged (allocation shortfall)  pending_approval
    ACME -> DC1    393.3100   120 x 2.5 + 7 x 13.33           auto_approved (< 500, no flag)
    ACME -> DC2     41.0000   flagged (new item)              pending_approval
    BOLT -> DC1   2999.9997   3 x 999.9999, above 500         pending_approval
    """
    return plan(
        line(sku="A1", quantity=120),
        line(sku="A2", quantity=7, unit_cost=Decimal("13.33")),
        line(
            sku="B1",
            location="DC2",
            quantity=10,
            unit_cost=Decimal("4.1"),
            flags=(Flag.NEW_ITEM,),
            explanation=explanation(leadtime_model_version=None, drivers=()),
        ),
        line(
            source="DC1",
            source_kind=SourceKind.DC,
            sku="A1",
            location="S1",
            quantity=24,
            flags=(Flag.ALLOCATION_SHORTFALL, Flag.FORECAST_CHANGE),
            explanation=explanation(
                service_kind=ServiceKind.CSL,
                allocation=Allocation(requested=30, allocated=24, tier=2),
            ),
        ),
        line(source="BOLT", sku="C1", quantity=3, unit_cost=Decimal("999.9999")),
        **overrides,
    )


def review_of(drafted: LineDraft) -> SeriesReview:
    """The review that agrees with a line: same series, numbers and quantity."""
    return SeriesReview(
        sku=drafted.sku,
        location=drafted.location,
        expected_demand=drafted.explanation.expected_demand,
        inventory_position=drafted.explanation.inventory_position,
        order_quantity=drafted.quantity,
    )


def review(**overrides: Any) -> SeriesReview:
    """A series reviewed and not ordered (stock covers it)."""
    fields: dict[str, Any] = {
        "sku": "Z1",
        "location": "DC1",
        "expected_demand": 2 / 3 + 17,
        "inventory_position": 95.5,
        "order_quantity": 0,
    }
    fields.update(overrides)
    return SeriesReview(**fields)


def reviewed_plan(**overrides: Any) -> PlanDraft:
    """`four_order_plan` with its seven reviews: its five lines' series, in the plan's order,
    then Z1 at DC1 and Z2 at S1, reviewed and not ordered (Z2 with no demand at all)."""
    draft = four_order_plan(**overrides)
    z2 = review(sku="Z2", location="S1", expected_demand=0.0, inventory_position=-2.0)
    return replace(draft, reviews=(*(review_of(ln) for ln in draft.lines), review(), z2))

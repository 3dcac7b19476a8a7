"""The rules a plan must meet before anything of it is stored; pure, no I/O.

Every problem is collected and reported at once, each naming the line or review (index, sku,
location), so a planner fixes a bad run in one pass instead of one error at a time.
"""

from __future__ import annotations

import math
from dataclasses import fields
from decimal import Decimal

from orders.domain import (
    MONEY_PLACES,
    Allocation,
    Explanation,
    Flag,
    LineDraft,
    PlanDraft,
    SeriesReview,
    ServiceKind,
    SourceKind,
)
from orders.errors import InvalidPlan

__all__ = [
    "line_problems",
    "minimum_order",
    "plan_problems",
    "quantity_problems",
    "review_problems",
    "validate_plan",
]

MAX_LISTED = 20  # a broken run can have thousands of bad lines; the first few say enough
# Relative: inventory position vs its parts, and a review's numbers vs its line's.
POSITION_TOLERANCE = 1e-6
# Column widths in orders.models; checked here so PostgreSQL never fails half-way on a long name.
MAX_NAME = 256
MAX_SEGMENT = 64


def _length_problems(**texts: str | None) -> list[str]:
    return [
        f"{name} {text[:40]!r}... is longer than {limit} characters"
        for name, text in texts.items()
        if text is not None
        and len(text) > (limit := MAX_SEGMENT if name == "segment" else MAX_NAME)
    ]


def _money_problems(name: str, amount: object) -> list[str]:
    if not isinstance(amount, Decimal):
        return [f"{name} {amount!r} must be a Decimal (use orders.domain.money)"]
    if not amount.is_finite():
        return [f"{name} {amount} must be finite"]
    problems = []
    if amount < 0:
        problems.append(f"{name} {amount} must not be negative")
    if amount != amount.quantize(MONEY_PLACES):
        problems.append(f"{name} {amount} has more than 4 decimal places (use money())")
    return problems


def _count(name: str, value: object, *, minimum: int) -> list[str]:
    # bool is an int in Python; True units is a bug, not one unit.
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        return [f"{name} {value!r} must be a whole number >= {minimum}"]
    return []


def _number(name: str, value: object, *, minimum: float | None = None) -> list[str]:
    if not isinstance(value, float | int) or isinstance(value, bool):
        return [f"{name} {value!r} must be a number"]
    if not math.isfinite(value):
        return [f"{name} {value} must be finite"]
    if minimum is not None and value < minimum:
        return [f"{name} {value} must be >= {minimum}"]
    return []


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= POSITION_TOLERANCE * max(1.0, abs(a), abs(b))


def _allocation_problems(allocation: Allocation) -> list[str]:
    problems = _count("allocation.requested", allocation.requested, minimum=0)
    problems += _count("allocation.allocated", allocation.allocated, minimum=0)
    problems += _count("allocation.tier", allocation.tier, minimum=1)
    if not problems and allocation.allocated > allocation.requested:
        problems.append(
            f"allocation.allocated {allocation.allocated} exceeds requested {allocation.requested}"
        )
    return problems


def _explanation_problems(why: Explanation) -> list[str]:
    problems = []
    for f in fields(Explanation):
        value = getattr(why, f.name)
        if isinstance(value, float | int) and not isinstance(value, bool):
            if not math.isfinite(value):
                problems.append(f"{f.name} {value} must be finite")
    if problems:
        return problems  # range checks on NaN only add noise
    for name in ("on_hand", "on_order", "backorders", "expected_demand", "review_period"):
        if getattr(why, name) < 0:
            problems.append(f"{name} {getattr(why, name)} must not be negative")
    position = why.on_hand + why.on_order - why.backorders
    if abs(why.inventory_position - position) > POSITION_TOLERANCE * max(1.0, abs(position)):
        problems.append(
            f"inventory_position {why.inventory_position} is not on_hand + on_order - backorders"
            f" = {position}"
        )
    if why.lead_time_p50 < 0 or why.lead_time_p90 < why.lead_time_p50:
        problems.append(
            f"lead times p50 {why.lead_time_p50}, p90 {why.lead_time_p90} must satisfy "
            "0 <= p50 <= p90"
        )
    if not 0 < why.service_target < 1:
        problems.append(f"service_target {why.service_target} must be strictly between 0 and 1")
    if not 0 <= why.stockout_probability <= 1:
        problems.append(f"stockout_probability {why.stockout_probability} must be in [0, 1]")
    if not isinstance(why.service_kind, ServiceKind):
        problems.append(f"service_kind {why.service_kind!r} must be one of {list(ServiceKind)}")
    if not why.segment.strip():
        problems.append("segment must not be empty")
    if not why.forecast_model_version.strip():
        problems.append("forecast_model_version must name the model version used")
    for driver in why.drivers:
        if not driver.feature.strip() or not math.isfinite(driver.contribution):
            problems.append(f"driver {driver} needs a feature name and a finite contribution")
    if why.allocation is not None:
        problems += _allocation_problems(why.allocation)
    return problems + _length_problems(
        segment=why.segment,
        forecast_model_version=why.forecast_model_version,
        leadtime_model_version=why.leadtime_model_version,
    )


def minimum_order(*, pack_size: int, moq: int) -> int:
    """Smallest valid order: a whole number of packs, at least one, and at least the MOQ
    (the same rule as `inventory.ordering.minimum_order`, for one line)."""
    return pack_size * max(1, -(-moq // pack_size))


def quantity_problems(quantity: object, *, pack_size: int, moq: int) -> list[str]:
    """What is wrong with ordering `quantity` units of a line shipped in packs of `pack_size`
    with a minimum order of `moq`; each problem names valid quantities to use instead."""
    problems = _count("quantity", quantity, minimum=1)
    if problems or not isinstance(quantity, int):
        return problems
    smallest = minimum_order(pack_size=pack_size, moq=moq)
    if quantity % pack_size:
        down = quantity - quantity % pack_size
        options = [q for q in (down, down + pack_size) if q >= smallest] or [smallest]
        problems.append(
            f"quantity {quantity} is not a whole number of packs of {pack_size}; use "
            + " or ".join(str(q) for q in options)
        )
    elif quantity < moq:
        problems.append(
            f"quantity {quantity} is below the minimum order of {moq}; use at least {smallest} "
            "or reject the PO"
        )
    return problems


def line_problems(line: LineDraft) -> list[str]:
    """What is wrong with one line; empty when it may be stored."""
    problems = []
    if not line.source.strip() or not line.sku.strip() or not line.location.strip():
        problems.append("source, sku and location must not be empty")
    if not isinstance(line.source_kind, SourceKind):
        problems.append(f"source_kind {line.source_kind!r} must be one of {list(SourceKind)}")
    if line.source_kind == SourceKind.DC and line.source == line.location:
        problems.append(f"DC {line.source!r} cannot replenish itself")
    problems += _length_problems(source=line.source, sku=line.sku, location=line.location)
    problems += _count("quantity", line.quantity, minimum=1)
    # Only the ranges: the planner's rounding (allocation, budget cuts) owns the quantity.
    problems += _count("pack_size", line.pack_size, minimum=1)
    problems += _count("moq", line.moq, minimum=0)
    problems += _money_problems("unit_cost", line.unit_cost)
    unknown = [flag for flag in line.flags if not isinstance(flag, Flag)]
    if unknown:
        problems.append(f"unknown flags {unknown}; known: {[f.value for f in Flag]}")
    if len(set(line.flags)) != len(line.flags):
        problems.append(f"flags {list(line.flags)} repeat")
    return problems + _explanation_problems(line.explanation)


def review_problems(review: SeriesReview) -> list[str]:
    """What is wrong with one series review on its own; empty when it may be stored."""
    problems = []
    if not review.sku.strip() or not review.location.strip():
        problems.append("sku and location must not be empty")
    problems += _length_problems(sku=review.sku, location=review.location)
    problems += _number("expected_demand", review.expected_demand, minimum=0)
    problems += _number("inventory_position", review.inventory_position)
    return problems + _count("order_quantity", review.order_quantity, minimum=0)


def _agreement_problems(review: SeriesReview, line: LineDraft) -> list[str]:
    # Two records of one series in one plan: the next cycle's flag must not depend on which.
    problems = []
    if review.order_quantity != line.quantity:
        problems.append(
            f"order_quantity {review.order_quantity} differs from its line's quantity "
            f"{line.quantity}"
        )
    why = line.explanation
    for name in ("expected_demand", "inventory_position"):
        mine, theirs = getattr(review, name), getattr(why, name)
        if math.isfinite(theirs) and not _close(mine, theirs):
            problems.append(f"{name} {mine} differs from its line's {theirs}")
    return problems


def _reviews_problems(plan: PlanDraft) -> list[str]:
    lines = {(line.sku, line.location): line for line in plan.lines}
    problems = []
    seen: dict[tuple[str, str], int] = {}
    for index, review in enumerate(plan.reviews):
        where = f"review {index} (sku {review.sku!r}, location {review.location!r})"
        own = review_problems(review)
        problems += [f"{where}: {problem}" for problem in own]
        key = (review.sku, review.location)
        if key in seen:
            problems.append(f"{where}: same sku and location as review {seen[key]}")
        seen.setdefault(key, index)
        if own:
            continue  # comparing a broken review with its line only repeats the problem
        line = lines.get(key)
        if line is not None:
            problems += [f"{where}: {problem}" for problem in _agreement_problems(review, line)]
        elif review.order_quantity > 0:
            problems.append(
                f"{where}: order_quantity {review.order_quantity} but the plan has no line for "
                "this series (use 0 for a series reviewed and not ordered)"
            )
    for index, line in enumerate(plan.lines):
        if (line.sku, line.location) not in seen:
            problems.append(
                f"line {index} (sku {line.sku!r}, location {line.location!r}): no review of "
                "this series; when a plan lists reviews, every ordered series must be among them"
            )
    return problems


def plan_problems(plan: PlanDraft) -> list[str]:
    """What is wrong with a plan, its lines and its reviews; empty when it may be stored."""
    problems = []
    if not plan.created_by.strip():
        problems.append("created_by must name who or what ran the plan")
    problems += _length_problems(created_by=plan.created_by)
    if plan.created_at.tzinfo is None:
        problems.append("created_at must be timezone-aware (UTC)")
    if plan.auto_approve_below is not None:
        problems += _money_problems("auto_approve_below", plan.auto_approve_below)
    seen: dict[tuple[str, str], int] = {}
    for index, line in enumerate(plan.lines):
        where = f"line {index} (sku {line.sku!r}, location {line.location!r})"
        problems += [f"{where}: {problem}" for problem in line_problems(line)]
        key = (line.sku, line.location)
        if key in seen:
            problems.append(f"{where}: same sku and location as line {seen[key]}")
        seen.setdefault(key, index)
    if plan.reviews:
        problems += _reviews_problems(plan)
    return problems


def validate_plan(plan: PlanDraft) -> None:
    """Raise `InvalidPlan` (a ValueError) listing what is wrong; nothing has been written."""
    problems = plan_problems(plan)
    if not problems:
        return
    listed = "; ".join(problems[:MAX_LISTED])
    more = f"; and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
    raise InvalidPlan(
        f"plan for review date {plan.review_date} not saved, nothing was written: "
        f"{listed}{more}. Fix the planner's output and save the plan again."
    )

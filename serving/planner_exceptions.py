"""The planner's exceptions list: series whose forecast deserves a look before the next plan.

- `forecast_change`: expected demand over lead time + review period moved more than the
  planning threshold (`planning.forecast_change`, 15% by default) between the latest plan and
  the one before it, by the same rule that flags PO lines (`planning.flags.forecast_changed`);
- `bias`: an active accuracy alert (`monitoring.alerts`, kind `accuracy_decay`) covers the
  series or its segment: live bias or error beyond tolerance, raised by monitoring.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from monitoring.alerts import Alert
from orders.repository import PurchaseOrderQueue
from planning.flags import forecast_changed

__all__ = ["ExceptionKind", "PlannerException", "bias_exceptions", "forecast_change_exceptions"]

ExceptionKind = Literal["forecast_change", "bias"]


@dataclass(frozen=True)
class PlannerException:
    """One series (or a whole scope, when `sku` is None) that needs a planner's look."""

    kind: ExceptionKind
    sku: str | None
    location: str | None
    detail: str
    change: float | None = None  # relative change of expected demand (forecast_change)


def forecast_change_exceptions(
    queue: PurchaseOrderQueue, *, threshold: float
) -> list[PlannerException]:
    """Series of the latest plan whose expected demand moved more than `threshold` (a share)
    against the previous review date's plan, largest moves first; empty before two plans."""
    latest = queue.latest_plan()
    if latest is None:
        return []
    previous = queue.previous_expected_demand(before=latest.review_date)
    if not previous:
        return []
    reviews = queue.plan_reviews(latest.plan_id)
    keys = [(r.sku, r.location) for r in reviews]
    expected = np.array([r.expected_demand for r in reviews], dtype=np.float64)
    moved = forecast_changed(expected, keys, previous, threshold)
    found = []
    for review, flagged in zip(reviews, moved, strict=True):
        if not flagged:
            continue
        before = previous[(review.sku, review.location)]
        change = review.expected_demand / before - 1.0 if before > 0 else None
        share = "new demand" if change is None else f"{change:+.0%}"
        found.append(
            PlannerException(
                kind="forecast_change",
                sku=review.sku,
                location=review.location,
                detail=(
                    f"expected demand {review.expected_demand:.1f} units at the "
                    f"{latest.review_date} review, {before:.1f} before ({share})"
                ),
                change=change,
            )
        )
    return sorted(found, key=lambda e: -abs(e.change) if e.change is not None else -np.inf)


def bias_exceptions(alerts: list[Alert]) -> list[PlannerException]:
    """Active accuracy alerts as exceptions, scoped to their series or segment."""
    found = []
    for alert in alerts:
        if alert.kind != "accuracy_decay":
            continue
        scope = [f"segment {alert.segment}"] if alert.segment else []
        if alert.model_name:
            scope.append(alert.model_name)
        prefix = f"{', '.join(scope)}: " if scope and alert.sku is None else ""
        found.append(
            PlannerException(
                kind="bias",
                sku=alert.sku,
                location=alert.location,
                detail=f"{prefix}{alert.message}",
            )
        )
    return found

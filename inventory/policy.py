"""Periodic-review order policy: inventory position, service-level stock levels, the order
decision and the stockout risk behind it.

Rules (Silver, Pyke & Thomas, ch. 6, (R, s, S) by the simple sequential method):

- Inventory position = on hand + on order - backorders: what the next order must top up.
- Protection level = the stock that meets the service target over the protection interval
  L + R (each review's order must last until the next review's order arrives): the CSL
  quantile of D_{L+R}, the fill-rate level of `service_level.order_up_to_for_fill_rate`, the
  larger of the two when both are set.
- Reorder point s = protection level; order-up-to S = s + lot size (0 gives an (R, S) policy,
  an economic lot such as the EOQ makes orders rarer and larger). Safety stock = s - E[D_{L+R}]
  (the lot adds cycle stock, not safety); it is negative when the target needs less than the
  mean, e.g. a low target on skewed demand.
- Order at a review when position <= s, quantity S - position (unrounded; `ordering` rounds).

`plan_orders` sizes by the rules above; `policy_numbers` takes a protection level found
elsewhere (the planner's lost-sales fill-rate level, `inventory.lost_sales`) and derives the
rest from the same demand samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from inventory.lead_time_demand import LeadTimeDemand
from inventory.service_level import order_up_to_for_cycle_service_level, order_up_to_for_fill_rate
from inventory.service_targets import ServiceTarget

__all__ = [
    "OrderDecision",
    "PolicyNumbers",
    "ReorderLevels",
    "inventory_position",
    "order_decision",
    "plan_orders",
    "policy_numbers",
    "protection_level",
    "reorder_levels",
    "safety_stock",
    "stockout_probability",
    "target_arrays",
]


@dataclass(frozen=True)
class ReorderLevels:
    """Reorder point s and order-up-to level S per series."""

    reorder_point: np.ndarray
    order_up_to: np.ndarray


@dataclass(frozen=True)
class OrderDecision:
    """Whether to order at this review and how much (unrounded units)."""

    place: np.ndarray
    quantity: np.ndarray


@dataclass(frozen=True)
class PolicyNumbers:
    """Everything a suggestion shows per series: the decision and the numbers behind it."""

    expected_demand: np.ndarray  # E[D_{L+R}]
    expected_lead_time: np.ndarray
    safety_stock: np.ndarray
    reorder_point: np.ndarray
    order_up_to: np.ndarray
    position: np.ndarray
    place: np.ndarray
    quantity: np.ndarray
    stockout_risk: np.ndarray  # P(D_{L+R} > position): the risk of not ordering now
    stockout_risk_after_order: np.ndarray  # P(D_{L+R} > position + quantity)


def _array(value: ArrayLike) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


def inventory_position(
    on_hand: ArrayLike, on_order: ArrayLike, backorders: ArrayLike = 0.0
) -> np.ndarray:
    """On hand + on order - backorders."""
    return np.asarray(_array(on_hand) + _array(on_order) - _array(backorders))


def safety_stock(reorder_point: ArrayLike, expected_demand: ArrayLike) -> np.ndarray:
    """Stock held beyond expected demand over L + R: s - E[D_{L+R}] (may be negative)."""
    return np.asarray(_array(reorder_point) - _array(expected_demand))


def reorder_levels(protection: ArrayLike, lot_size: ArrayLike = 0.0) -> ReorderLevels:
    """s = protection level, S = s + lot size (lot size >= 0; 0 for an order-up-to policy)."""
    lot = _array(lot_size)
    if np.any(lot < 0):
        raise ValueError("lot size must be >= 0 (use 0 for a plain order-up-to policy)")
    s = _array(protection)
    return ReorderLevels(reorder_point=s, order_up_to=np.asarray(s + lot))


def order_decision(
    position: ArrayLike, reorder_point: ArrayLike, order_up_to: ArrayLike
) -> OrderDecision:
    """Order when position <= s, up to S; nothing when S - position is not positive."""
    ip, s, big_s = _array(position), _array(reorder_point), _array(order_up_to)
    if np.any(big_s < s):
        raise ValueError("order-up-to level S must be >= reorder point s")
    gap = big_s - ip
    place = (ip <= s) & (gap > 0)
    return OrderDecision(place=np.asarray(place), quantity=np.asarray(np.where(place, gap, 0.0)))


def stockout_probability(demand_samples: ArrayLike, stock: ArrayLike) -> np.ndarray:
    """P(D > stock) per series from samples (series x samples); stock scalar or per series."""
    x = _array(demand_samples)
    x = x[None] if x.ndim == 1 else x
    level = np.broadcast_to(_array(stock), (x.shape[0],))
    return np.asarray((x > level[:, None]).mean(axis=1))


def target_arrays(targets: Sequence[ServiceTarget]) -> tuple[np.ndarray, np.ndarray]:
    """Per-series cycle service levels and fill rates (NaN where a target does not set one)."""
    csl = [np.nan if t.cycle_service_level is None else t.cycle_service_level for t in targets]
    fill = [np.nan if t.fill_rate is None else t.fill_rate for t in targets]
    return np.asarray(csl, dtype=np.float64), np.asarray(fill, dtype=np.float64)


def protection_level(
    demand: LeadTimeDemand,
    cycle_service_level: ArrayLike | None = None,
    fill_rate: ArrayLike | None = None,
) -> np.ndarray:
    """Stock meeting every set target over L + R per series: the larger of the CSL quantile and
    the fill-rate level (a NaN target is not set; every series needs at least one)."""
    n = demand.over_lead_time_and_review.shape[0]
    none = np.full(n, np.nan)
    csl = none if cycle_service_level is None else np.broadcast_to(_array(cycle_service_level), n)
    fill = none if fill_rate is None else np.broadcast_to(_array(fill_rate), n)
    unset = np.isnan(csl) & np.isnan(fill)
    if np.any(unset):
        raise ValueError(
            f"{int(unset.sum())} series have neither a cycle service level nor a fill rate "
            "target; give one (ServiceTargets.lookup resolves them)"
        )
    level = np.full(n, -np.inf)
    has_csl = ~np.isnan(csl)
    if has_csl.any():
        level[has_csl] = order_up_to_for_cycle_service_level(
            demand.over_lead_time_and_review[has_csl], csl[has_csl]
        )
    has_fill = ~np.isnan(fill)
    if has_fill.any():
        by_fill = order_up_to_for_fill_rate(
            demand.over_lead_time_and_review[has_fill],
            fill[has_fill],
            demand_l=demand.over_lead_time[has_fill],
        )
        level[has_fill] = np.maximum(level[has_fill], by_fill)
    return level


def plan_orders(
    demand: LeadTimeDemand,
    position: ArrayLike,
    targets: ServiceTarget | Sequence[ServiceTarget],
    lot_size: ArrayLike = 0.0,
) -> PolicyNumbers:
    """The (R, s, S) decision and its numbers per series, for one target or one per series."""
    n = demand.over_lead_time_and_review.shape[0]
    listed = [targets] * n if isinstance(targets, ServiceTarget) else list(targets)
    if len(listed) != n:
        raise ValueError(f"got {len(listed)} service targets for {n} series")
    csl, fill = target_arrays(listed)
    return policy_numbers(demand, position, protection_level(demand, csl, fill), lot_size)


def policy_numbers(
    demand: LeadTimeDemand,
    position: ArrayLike,
    protection: ArrayLike,
    lot_size: ArrayLike = 0.0,
) -> PolicyNumbers:
    """The (R, s, S) decision and its numbers per series at given protection levels (s), e.g.
    ones found by simulating the policy rather than by `protection_level`; expected demand,
    safety stock and stockout risks are read from the `demand` samples."""
    n = demand.over_lead_time_and_review.shape[0]
    levels = reorder_levels(np.array(np.broadcast_to(_array(protection), (n,))), lot_size)
    ip = np.broadcast_to(_array(position), (n,))
    decision = order_decision(ip, levels.reorder_point, levels.order_up_to)
    mean = demand.mean()
    return PolicyNumbers(
        expected_demand=mean,
        expected_lead_time=np.asarray(demand.lead_time.mean(axis=1)),
        safety_stock=safety_stock(levels.reorder_point, mean),
        reorder_point=levels.reorder_point,
        order_up_to=np.broadcast_to(levels.order_up_to, (n,)).copy(),
        position=ip.copy(),
        place=decision.place,
        quantity=decision.quantity,
        stockout_risk=stockout_probability(demand.over_lead_time_and_review, ip),
        stockout_risk_after_order=stockout_probability(
            demand.over_lead_time_and_review, ip + decision.quantity
        ),
    )

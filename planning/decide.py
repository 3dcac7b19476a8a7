"""One review of many series: forecast quantiles and lead times in, rounded order decisions out.

The glue between the model outputs and `inventory/` (pure maths) for an (R, S) policy:

- S for a fill-rate target (every store target under the default customer tiers, which all
  set one) is the lowest level whose lost-sales (R, S) run on Monte-Carlo demand paths meets
  it (`fill_rate_order_up_to`, `inventory.lost_sales`), on forecasts optionally recalibrated
  per series by a PIT table (`inventory.calibration`); a cycle service level set beside the
  fill rate is then not used: unmet demand is lost, and the fill rate is what the policy
  simulator scores.
- S for a target without a fill rate is the CSL quantile of the Monte-Carlo demand over the
  lead time + review period.
- s = S; expected demand, safety stock (S - E[D over L + R]) and stockout risks come from the
  Monte-Carlo lead-time demand (uncalibrated forecasts); quantities are rounded to pack size
  and MOQ.

The policy simulator (`planning.simulate`) sizes its restock levels with the same
`fill_rate_order_up_to`, so what the simulator measures is what the plan does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from inventory.calibration import GRID
from inventory.lead_time_demand import (
    DEFAULT_RHO,
    LeadTimeDemand,
    piecewise_linear_quantile,
    sample_lead_time_demand,
)
from inventory.lost_sales import lost_sales_order_up_to
from inventory.ordering import round_order_quantity
from inventory.policy import PolicyNumbers, policy_numbers, target_arrays
from inventory.service_level import order_up_to_for_cycle_service_level
from inventory.service_targets import ServiceTarget
from restock.settings import PlanningSettings

__all__ = ["Decisions", "MonteCarlo", "fill_rate_order_up_to", "review_decisions"]


@dataclass(frozen=True)
class MonteCarlo:
    """Sampling of the lead-time demand: sample paths per series, seed, period correlation
    (`rho`, or per XYZ variability class from `rho_by_xyz`: erratic demand moves in runs)."""

    n_samples: int = 1000
    seed: int = 0
    rho: float = DEFAULT_RHO
    rho_by_xyz: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, planning: PlanningSettings) -> MonteCarlo:
        return cls(
            n_samples=planning.n_samples,
            seed=planning.seed,
            rho=planning.rho,
            rho_by_xyz=dict(planning.rho_by_xyz),
        )

    def rho_for(self, segments: Iterable[object] | None, n_series: int) -> np.ndarray:
        """Per-series rho from each ABC-XYZ segment's XYZ letter (`rho` when not listed)."""
        if segments is None:
            return np.full(n_series, self.rho)
        return np.array(
            [self.rho_by_xyz.get(str(s)[1:2], self.rho) for s in segments], dtype=np.float64
        )


@dataclass(frozen=True)
class Decisions:
    """Policy numbers per series plus the rounded quantity and the lead-time quantiles used."""

    numbers: PolicyNumbers
    quantity: np.ndarray  # whole units after pack / MOQ rounding; 0 = no order
    lead_time_p50: np.ndarray  # periods
    lead_time_p90: np.ndarray


def _lead_quantile(
    quantiles: np.ndarray, levels: Sequence[float], q: float, n_series: int
) -> np.ndarray:
    """Lead-time quantile q per series from the inverse CDF the Monte Carlo samples from (it
    extrapolates beyond the outer levels, where np.interp would clamp); a shared row broadcasts."""
    knots = np.atleast_2d(np.asarray(quantiles, dtype=np.float64))
    knots = np.broadcast_to(knots, (n_series, knots.shape[-1]))
    return piecewise_linear_quantile(levels, knots, np.full((n_series, 1), q))[:, 0]


def fill_rate_order_up_to(
    demand_quantiles: np.ndarray,
    demand_levels: Sequence[float],
    lead_time_quantiles: np.ndarray,
    lead_time_levels: Sequence[float],
    *,
    review_period: np.ndarray,
    fill_rates: np.ndarray,
    sampling: MonteCarlo = MonteCarlo(),
    segments: Sequence[str] | None = None,
    calibration: np.ndarray | None = None,
    seed_offset: int = 0,
) -> np.ndarray:
    """S per series ((N,) fill rates) or per target row and series ((T, N)) meeting a fill rate
    when unmet demand is lost: the planner's and the simulator's one sizing rule.

    Demand (N, H, Q) per period, lead times (N, K) or (K,) in periods, whole review periods;
    `calibration` (N, len(inventory.calibration.GRID)) recalibrates the forecasts; the paths use
    `sampling`'s size, seed (+ `seed_offset`, e.g. one per simulated review) and per-XYZ rho.
    """
    n = demand_quantiles.shape[0]
    return lost_sales_order_up_to(
        demand_quantiles,
        demand_levels,
        lead_time_quantiles,
        lead_time_levels,
        review_period,
        fill_rates,
        n_samples=sampling.n_samples,
        seed=sampling.seed + seed_offset,
        rho=sampling.rho_for(segments, n),
        calibration=calibration,
    )


def _order_up_to(
    demand: LeadTimeDemand,
    targets: Sequence[ServiceTarget],
    fill_inputs: tuple[np.ndarray, Sequence[float], np.ndarray, Sequence[float]],
    *,
    review_period: np.ndarray,
    sampling: MonteCarlo,
    segments: Sequence[str] | None,
    calibration: np.ndarray | None,
) -> np.ndarray:
    """S per series: the lost-sales level where a fill rate is set, else the CSL quantile."""
    csl, fill = target_arrays(targets)
    level = np.empty(len(targets))
    by_fill = ~np.isnan(fill)
    if (~by_fill).any():
        level[~by_fill] = order_up_to_for_cycle_service_level(
            demand.over_lead_time_and_review[~by_fill], csl[~by_fill]
        )
    if by_fill.any():
        quantiles, levels, lead, lead_levels = fill_inputs
        rows = np.flatnonzero(by_fill)
        shared_lead = np.ndim(lead) == 1
        level[rows] = fill_rate_order_up_to(
            quantiles[rows],
            levels,
            lead if shared_lead else lead[rows],
            lead_levels,
            review_period=review_period[rows],
            fill_rates=fill[rows],
            sampling=sampling,
            segments=None if segments is None else [segments[int(i)] for i in rows],
            calibration=None if calibration is None else calibration[rows],
        )
    return level


def review_decisions(
    demand_quantiles: np.ndarray,
    demand_levels: Sequence[float],
    lead_time_quantiles: np.ndarray,
    lead_time_levels: Sequence[float],
    *,
    review_period: np.ndarray,
    position: np.ndarray,
    targets: Sequence[ServiceTarget],
    pack_size: np.ndarray,
    moq: np.ndarray,
    sampling: MonteCarlo = MonteCarlo(),
    segments: Sequence[str] | None = None,
    calibration: np.ndarray | None = None,
) -> Decisions:
    """Decide every series at once (module docstring): demand quantiles are per period
    (N, H, Q), lead-time quantiles in periods (N, K), or (K,) shared by every series, review
    periods whole periods; `calibration` (N, len(inventory.calibration.GRID)) recalibrates the
    forecasts the fill-rate levels are solved on (None: used as they are)."""
    n = demand_quantiles.shape[0]
    if n == 0:
        raise ValueError("no series to review; the plan needs at least one sku-location")
    if len(targets) != n:
        raise ValueError(f"got {len(targets)} service targets for {n} series")
    if calibration is not None and calibration.shape != (n, GRID.size):
        raise ValueError(
            f"calibration table of shape {calibration.shape} for {n} series; give one row of "
            f"{GRID.size} levels per series (inventory.calibration.identity_table)"
        )
    review = np.broadcast_to(np.asarray(review_period, dtype=np.float64), (n,))
    demand = sample_lead_time_demand(
        demand_quantiles,
        demand_levels,
        lead_time_quantiles,
        lead_time_levels,
        review,
        n_samples=sampling.n_samples,
        seed=sampling.seed,
        rho=sampling.rho_for(segments, n),
    )
    level = _order_up_to(
        demand,
        targets,
        (demand_quantiles, demand_levels, np.asarray(lead_time_quantiles), lead_time_levels),
        review_period=review,
        sampling=sampling,
        segments=segments,
        calibration=calibration,
    )
    numbers = policy_numbers(demand, position, level)
    raw = np.where(numbers.place, numbers.quantity, 0.0)
    # Round up: a pack short of S is a pack short of the service target.
    quantity = round_order_quantity(raw, pack_size, moq)
    return Decisions(
        numbers=numbers,
        quantity=np.asarray(quantity, dtype=np.int64),
        lead_time_p50=_lead_quantile(lead_time_quantiles, lead_time_levels, 0.5, n),
        lead_time_p90=_lead_quantile(lead_time_quantiles, lead_time_levels, 0.9, n),
    )

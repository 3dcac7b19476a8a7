"""One review of many series: forecast quantiles and lead times in, rounded order decisions out.

The glue between the model outputs and `inventory/` (pure maths): Monte-Carlo demand over the
lead time + review period, the (R, s, S) decision at each series' service target, and rounding
to pack size and MOQ. Used by the plan (`planning.plan`) and by the policy simulator, so what
the simulator measures is what the plan does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from inventory.lead_time_demand import (
    DEFAULT_RHO,
    piecewise_linear_quantile,
    sample_lead_time_demand,
)
from inventory.ordering import round_order_quantity
from inventory.policy import PolicyNumbers, plan_orders
from inventory.service_targets import ServiceTarget
from restock.settings import PlanningSettings

__all__ = ["Decisions", "MonteCarlo", "review_decisions"]


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
) -> Decisions:
    """Decide every series at once; demand quantiles are per period (N, H, Q), lead-time
    quantiles in periods (N, K), or (K,) shared by every series."""
    n = demand_quantiles.shape[0]
    if n == 0:
        raise ValueError("no series to review; the plan needs at least one sku-location")
    demand = sample_lead_time_demand(
        demand_quantiles,
        demand_levels,
        lead_time_quantiles,
        lead_time_levels,
        review_period,
        n_samples=sampling.n_samples,
        seed=sampling.seed,
        rho=sampling.rho_for(segments, n),
    )
    numbers = plan_orders(demand, position, list(targets))
    raw = np.where(numbers.place, numbers.quantity, 0.0)
    # Round up: a pack short of S is a pack short of the service target.
    quantity = round_order_quantity(raw, pack_size, moq)
    return Decisions(
        numbers=numbers,
        quantity=np.asarray(quantity, dtype=np.int64),
        lead_time_p50=_lead_quantile(lead_time_quantiles, lead_time_levels, 0.5, n),
        lead_time_p90=_lead_quantile(lead_time_quantiles, lead_time_levels, 0.9, n),
    )

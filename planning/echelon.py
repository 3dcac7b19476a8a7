"""Two echelons: stores are replenished from their DC, the DC from suppliers.

- A DC's demand is what its stores will pull. Per period it is the sum of the stores' demand,
  whose quantiles are not the sum of quantiles (that would assume every store peaks together);
  `aggregate_quantiles` samples each store's per-period distribution independently and reads
  the quantiles of the sum. Independence is the stated assumption: it understates the spread
  when stores move together (a regional promotion); the DC's own safety stock then leans on the
  period correlation (rho) of the lead-time Monte Carlo.
- When a DC cannot cover every store request for a sku now, `inventory.allocation.allocate`
  shares its stock by the stores' priority tier (platinum first), fair share within a tier.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from inventory.lead_time_demand import piecewise_linear_quantile

__all__ = ["aggregate_quantiles", "tier_priority"]


def aggregate_quantiles(
    quantiles: np.ndarray,
    levels: Sequence[float],
    groups: np.ndarray,
    n_groups: int,
    *,
    n_samples: int = 2000,
    seed: int = 0,
) -> np.ndarray:
    """Per-period quantiles (n_groups, H, Q) of the sum of member series' demand (N, H, Q).

    `groups[i]` is the group of series i (0 .. n_groups - 1); a group without members gets 0.
    """
    n, horizon, n_levels = quantiles.shape
    if groups.shape != (n,):
        raise ValueError(f"groups has shape {groups.shape}, expected ({n},)")
    if n and (groups.min() < 0 or groups.max() >= n_groups):
        raise ValueError(f"group codes must lie in 0..{n_groups - 1}")
    rng = np.random.default_rng(seed)
    out = np.zeros((n_groups, horizon, n_levels))
    probabilities = np.asarray(levels, dtype=np.float64)
    for step in range(horizon):
        draws = piecewise_linear_quantile(levels, quantiles[:, step, :], rng.random((n, n_samples)))
        totals = np.zeros((n_groups, n_samples))
        np.add.at(totals, groups, draws)
        out[:, step, :] = np.quantile(totals, probabilities, axis=1).T
    return np.maximum.accumulate(out, axis=2)


def tier_priority(tiers: Sequence[str], order: Sequence[str]) -> np.ndarray:
    """Allocation priority per store: the first tier of `order` gets the highest number;
    tiers not in `order` come last."""
    rank = {name: len(order) - i for i, name in enumerate(order)}
    return np.array([rank.get(t, 0) for t in tiers], dtype=np.int64)

"""Service targets -> stock levels: cycle service level and fill rate, normal and sample-based.

Two service measures (Silver, Pyke & Thomas, *Inventory and Production Management*, ch. 6):

- **Cycle service level** (CSL, "P1"): probability of no stockout in a replenishment cycle.
  Order-up-to S is the CSL quantile of demand over the protection interval L + R.
- **Fill rate** ("P2", beta): share of demand served from stock. With a normal demand and the
  standard normal loss function G(z) = E[(Z - z)+] = phi(z) - z (1 - Phi(z)), the textbook
  condition is sigma G(z) = (1 - beta) Q, Q the demand replenished per cycle (mu R in an
  order-up-to system).

The sample-based fill-rate rule uses the periodic-review shortage per cycle
E[(D_{L+R} - S)+] - E[(D_L - S)+] (Hadley & Whitin): the second term removes backorders that
were already outstanding before the cycle began, which the simpler E[(D_{L+R} - S)+] counts
again. The simple variant (pass no D_L samples) overstates the shortage and so S, noticeably
when R is short against L; it is kept because it matches the normal-loss formula exactly.
Sample functions take (series, samples) arrays, one row per series.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr, ndtri

__all__ = [
    "empirical_quantile",
    "expected_shortage",
    "inverse_normal_loss",
    "normal_loss",
    "normal_order_up_to",
    "order_up_to_for_cycle_service_level",
    "order_up_to_for_fill_rate",
    "z_for_cycle_service_level",
    "z_for_fill_rate",
]

_BISECTION_STEPS = 200  # halves a bracket of width <= loss + 41 to below float64 resolution
_Z_MAX = 40.0  # G(40) underflows to 0: every positive loss has its z below this
_CHUNK_ROWS = 256


def _probability(name: str, value: ArrayLike) -> np.ndarray:
    out = np.asarray(value, dtype=np.float64)
    if not np.all((out > 0) & (out < 1)):
        raise ValueError(
            f"{name} must lie strictly between 0 and 1 (e.g. 0.95); got {np.unique(out)[:5]}"
        )
    return out


def z_for_cycle_service_level(cycle_service_level: ArrayLike) -> np.ndarray:
    """Safety factor z with Phi(z) = CSL: the standard normal quantile (z(0.95) = 1.6449)."""
    return np.asarray(ndtri(_probability("cycle service level", cycle_service_level)))


def normal_loss(z: ArrayLike) -> np.ndarray:
    """Standard normal loss G(z) = E[(Z - z)+]: expected shortage per unit of sigma."""
    x = np.asarray(z, dtype=np.float64)
    pdf = np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)
    # ndtr(-x) is 1 - Phi(x) without the cancellation of 1 - ndtr(x) in the upper tail.
    return np.asarray(np.maximum(pdf - x * ndtr(-x), 0.0))


def inverse_normal_loss(loss: ArrayLike) -> np.ndarray:
    """The z with G(z) = loss (> 0), by bisection: G is strictly decreasing from +inf to 0."""
    target = np.asarray(loss, dtype=np.float64)
    if not np.all(np.isfinite(target) & (target > 0)):
        raise ValueError(
            "normal loss must be finite and > 0 (it is (1 - fill rate) x Q / sigma); "
            f"got {np.unique(target)[:5]}"
        )
    # G(z) > -z for every z (E[(Z - z)+] >= E[Z - z]), so G(-loss) > loss brackets from below.
    lo = -target
    hi = np.full_like(target, _Z_MAX)
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        above = normal_loss(mid) > target
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return np.asarray(0.5 * (lo + hi))


def z_for_fill_rate(
    fill_rate: ArrayLike, order_quantity: ArrayLike, sigma: ArrayLike
) -> np.ndarray:
    """Safety factor for a fill-rate target under normal demand: solves G(z) = (1-beta) Q / sigma.

    `order_quantity` is the demand replenished per cycle (expected demand per review period in
    an order-up-to system); `sigma` the standard deviation of demand over the protection
    interval. Both must be > 0.
    """
    beta = _probability("fill rate", fill_rate)
    q = np.asarray(order_quantity, dtype=np.float64)
    s = np.asarray(sigma, dtype=np.float64)
    if not (np.all(q > 0) and np.all(s > 0)):
        raise ValueError(
            "order quantity and sigma must be > 0 for the fill-rate formula; a series with no "
            "demand or no uncertainty needs no safety stock: handle it before calling"
        )
    return inverse_normal_loss((1.0 - beta) * q / s)


def normal_order_up_to(
    mean: ArrayLike,
    std: ArrayLike,
    *,
    cycle_service_level: ArrayLike | None = None,
    fill_rate: ArrayLike | None = None,
    review_demand_mean: ArrayLike | None = None,
) -> np.ndarray:
    """S = mean + z std of a normal protection-interval demand, for a CSL or a fill-rate target
    (the fill rate needs `review_demand_mean`, the Q of `z_for_fill_rate`)."""
    if cycle_service_level is not None and fill_rate is None:
        z = z_for_cycle_service_level(cycle_service_level)
    elif fill_rate is not None and cycle_service_level is None:
        if review_demand_mean is None:
            raise ValueError("a fill-rate target needs review_demand_mean (demand per cycle)")
        z = z_for_fill_rate(fill_rate, review_demand_mean, std)
    else:
        raise ValueError("give exactly one of cycle_service_level or fill_rate")
    return np.asarray(np.asarray(mean, dtype=np.float64) + z * np.asarray(std, dtype=np.float64))


def _rows(samples: ArrayLike, name: str) -> np.ndarray:
    out = np.asarray(samples, dtype=np.float64)
    if out.ndim == 1:
        out = out[None, :]
    if out.ndim != 2 or out.shape[1] == 0 or not np.all(np.isfinite(out)):
        raise ValueError(
            f"{name} must be finite samples shaped (series, samples) or (samples,); "
            f"got shape {out.shape}"
        )
    return out


def empirical_quantile(samples: ArrayLike, level: ArrayLike) -> np.ndarray:
    """Per-row quantile (linear interpolation, numpy's default) at a per-row or common level."""
    x = np.sort(_rows(samples, "samples"), axis=1)
    n_rows, n = x.shape
    p = np.broadcast_to(np.asarray(level, dtype=np.float64), (n_rows,))
    if not np.all((p >= 0) & (p <= 1)):
        raise ValueError(f"quantile levels must lie in [0, 1]; got {np.unique(p)[:5]}")
    pos = p * (n - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    rows = np.arange(n_rows)
    frac = pos - lo
    return np.asarray(x[rows, lo] + frac * (x[rows, hi] - x[rows, lo]))


def order_up_to_for_cycle_service_level(
    demand_samples: ArrayLike, cycle_service_level: ArrayLike
) -> np.ndarray:
    """Distribution-free S for a CSL: the CSL quantile of the protection-interval demand."""
    level = _probability("cycle service level", cycle_service_level)
    return empirical_quantile(demand_samples, level)


def expected_shortage(demand_samples: ArrayLike, level: ArrayLike) -> np.ndarray:
    """E[(D - S)+] per row: expected units short when stock S faces demand D."""
    x = _rows(demand_samples, "demand samples")
    s = np.broadcast_to(np.asarray(level, dtype=np.float64), (x.shape[0],))
    return np.asarray(np.maximum(x - s[:, None], 0.0).mean(axis=1))


def order_up_to_for_fill_rate(
    demand_lr: ArrayLike,
    fill_rate: ArrayLike,
    *,
    demand_l: ArrayLike | None = None,
    review_demand_mean: ArrayLike | None = None,
) -> np.ndarray:
    """Smallest S whose expected shortage per cycle is at most (1 - beta) x demand per cycle.

    With `demand_l` (samples of D_L paired with D_{L+R}, D_L <= D_{L+R} path by path as
    `lead_time_demand` draws them) the shortage is E[(D_{L+R} - S)+] - E[(D_L - S)+] and the
    demand per cycle defaults to mean(D_{L+R} - D_L); without it the shortage is
    E[(D_{L+R} - S)+] and `review_demand_mean` is required. The empirical shortage is piecewise
    linear in S with kinks at the samples, so S is found exactly by interpolating between them.
    Never negative.
    """
    a = _rows(demand_lr, "D_{L+R} samples")
    beta = np.broadcast_to(_probability("fill rate", fill_rate), (a.shape[0],))
    b: np.ndarray | None = None
    if demand_l is not None:
        b = _rows(demand_l, "D_L samples")
        if b.shape[0] != a.shape[0]:
            raise ValueError(f"D_L has {b.shape[0]} series but D_{{L+R}} has {a.shape[0]}")
    if review_demand_mean is not None:
        mu_r = np.asarray(review_demand_mean, dtype=np.float64)
    elif b is not None:
        mu_r = a.mean(axis=1) - b.mean(axis=1)
    else:
        raise ValueError(
            "without D_L samples give review_demand_mean (expected demand per review period)"
        )
    target = (1.0 - beta) * np.broadcast_to(mu_r, beta.shape)
    out = np.empty(a.shape[0])
    # Row chunks keep the working arrays small: fresh large arrays cost more than the maths.
    for lo in range(0, a.shape[0], _CHUNK_ROWS):
        rows = slice(lo, lo + _CHUNK_ROWS)
        out[rows] = _smallest_level(a[rows], None if b is None else b[rows], target[rows])
    return out


def _smallest_level(a: np.ndarray, b: np.ndarray | None, target: np.ndarray) -> np.ndarray:
    """Smallest S >= 0 with g(S) = E[(A - S)+] - E[(B - S)+] <= target per row (no B: 0).

    g is piecewise linear between the pooled sorted samples x_j, so it is evaluated at every
    x_j from tail sums and interpolated where it crosses the target.
    """
    if b is None:
        x = np.sort(a, axis=1)
        w = np.full(x.shape, 1.0 / a.shape[1])
    else:
        # Tag each sample's origin in its last mantissa bit (moving it by at most one ulp) so one
        # fast value sort pools A and B; an argsort would be ~5x slower.
        tagged = np.concatenate([a.view(np.int64) | 1, b.view(np.int64) & ~1], axis=1)
        x = np.sort(tagged.view(np.float64), axis=1)
        from_a = (x.view(np.int64) & 1).astype(bool)
        w = np.where(from_a, 1.0 / a.shape[1], -1.0 / b.shape[1])
    # g at knot x_j sums over the samples after j (ties contribute 0 either way).
    tail_wx = np.cumsum((w * x)[:, ::-1], axis=1)[:, ::-1]
    tail_w = np.cumsum(w[:, ::-1], axis=1)[:, ::-1]
    zero = np.zeros((x.shape[0], 1))
    g = np.concatenate([tail_wx[:, 1:], zero], axis=1) - x * np.concatenate(
        [tail_w[:, 1:], zero], axis=1
    )
    ok = g <= target[:, None] + 1e-12 * np.maximum(1.0, np.abs(target[:, None]))
    j = np.argmax(ok, axis=1)  # g is 0 at the largest knot, so some knot always qualifies
    rows = np.arange(x.shape[0])
    jm = np.maximum(j - 1, 0)
    x0, x1, g0, g1 = x[rows, jm], x[rows, j], g[rows, jm], g[rows, j]
    span = np.where(g0 > g1, g0 - g1, 1.0)
    inside = x0 + np.clip((g0 - target) / span, 0.0, 1.0) * (x1 - x0)
    # Below the lowest knot g has slope -sum(w): -1 without B (solve the line), 0 with B (any S
    # qualifies, so the floor 0 is the answer).
    slope = tail_w[:, 0]
    safe = np.where(slope > 0.5, slope, 1.0)
    below = np.where(slope > 0.5, x[:, 0] - (target - g[:, 0]) / safe, 0.0)
    return np.asarray(np.maximum(np.where(j == 0, below, inside), 0.0))

"""Policy simulation: replay actual demand through a replenishment policy, period by period.

Pure numpy, no I/O; loops over periods and vectorises over series, so 5,000 series x 730 periods
take a fraction of a second. Conventions (one period = one row step of the demand matrix):

- **Order of events in period t**: (1) receipts due at t arrive; (2) at a review period, the
  inventory position (on hand + on order - backorders) is compared with the reorder point and,
  if position <= reorder point, an order for order-up-to - position is placed (rounded up to the
  pack size, at least the MOQ); (3) demand of t is served from on hand. A review at t therefore
  happens at the close of period t-1 and may use `demand[:, :t]` only.
- **Lead time L** (whole periods) takes an order placed at t to the start of period t + L, before
  that period's demand: L = 0 arrives at once (the start of the period after the close at which it
  was decided) and serves demand of t. The protection interval of an order is L + R periods,
  which is what `classic_policies` plan for. Orders may **cross**: with random lead times a later
  order can arrive first; the position counts every open order, so nothing needs FIFO.
- Unmet demand is **lost** by default (retail); `backorder=True` carries it as negative net stock
  that later receipts fill first. Either way the fill rate counts only demand served from stock on
  the day it occurred.
- **Reviews** happen at `first_review`, `first_review + R`, ...; only periods from `first_review`
  on are simulated (earlier demand is history for the policy). Lead-time draws use two uniforms
  per series per review whether or not the series orders (common random numbers), so two policies
  run with one seed see the same lead times at the same reviews.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ALL_SEGMENTS",
    "LeadTimeDistribution",
    "Levels",
    "SegmentSummary",
    "SimulationResult",
    "SimulationTrace",
    "review_times",
    "simulate",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

ALL_SEGMENTS = "all"
# Float dust from level arithmetic (30 - 20.000000001) must not count as a stockout or a pack.
_TOLERANCE = 1e-9


def review_times(n_periods: int, first_review: int, review_period: int) -> IntArray:
    """Periods at which a policy reviews: first_review, first_review + R, ... below n_periods."""
    if review_period < 1:
        raise ValueError(f"review_period {review_period} must be >= 1 period")
    if not 0 <= first_review < n_periods:
        raise ValueError(
            f"first_review {first_review} is outside the {n_periods} periods of demand; "
            "pick a period inside the horizon"
        )
    return np.arange(first_review, n_periods, review_period, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class LeadTimeDistribution:
    """Per-series lead time in periods, given as quantile knots shared by all series.

    `levels` (k,) are probabilities in (0, 1), `values` (n_series, k) the lead-time quantiles. The
    quantile function is linear between knots and flat beyond the outer ones, so `mean`, `std`
    and `sample` describe the same distribution. Draws are rounded to whole periods at random
    (floor, plus one with probability equal to the fraction), which keeps the mean exact.
    """

    levels: FloatArray
    values: FloatArray

    def __post_init__(self) -> None:
        levels = np.asarray(self.levels, dtype=np.float64).ravel()
        values = np.asarray(self.values, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != levels.size or levels.size == 0:
            raise ValueError(
                f"lead-time values of shape {values.shape} do not match {levels.size} levels; "
                "pass values as (n_series, n_levels)"
            )
        if np.any((levels <= 0.0) | (levels >= 1.0)) or np.any(np.diff(levels) <= 0.0):
            raise ValueError(f"lead-time levels {levels.tolist()} must increase strictly in (0, 1)")
        if not np.all(np.isfinite(values)) or np.any(values < 0.0):
            raise ValueError("lead-time values must be finite and >= 0 periods")
        if np.any(np.diff(values, axis=1) < 0.0):
            raise ValueError("lead-time quantiles must not decrease with the level; sort them")
        object.__setattr__(self, "levels", levels)
        object.__setattr__(self, "values", values)

    @classmethod
    def fixed(cls, periods: ArrayLike, n_series: int) -> LeadTimeDistribution:
        """A deterministic lead time (one value, or one per series) in periods."""
        lead = np.broadcast_to(np.asarray(periods, dtype=np.float64), (n_series,))
        return cls(levels=np.array([0.5]), values=lead.reshape(n_series, 1).copy())

    @property
    def n_series(self) -> int:
        return int(self.values.shape[0])

    def _segments(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        # Knots padded with the flat tails: probability widths and segment end values.
        edges = np.concatenate(([0.0], self.levels, [1.0]))
        padded = np.concatenate((self.values[:, :1], self.values, self.values[:, -1:]), axis=1)
        return np.diff(edges), padded[:, :-1], padded[:, 1:]

    def mean(self) -> FloatArray:
        """Mean lead time per series (integral of the quantile function)."""
        width, lo, hi = self._segments()
        return np.asarray((width * (lo + hi) / 2.0).sum(axis=1), dtype=np.float64)

    def std(self) -> FloatArray:
        """Standard deviation of the lead time per series, before rounding to whole periods."""
        width, lo, hi = self._segments()
        second = (width * (lo * lo + lo * hi + hi * hi) / 3.0).sum(axis=1)
        return np.asarray(np.sqrt(np.maximum(second - self.mean() ** 2, 0.0)), dtype=np.float64)

    def quantile(self, u: FloatArray, rows: IntArray) -> FloatArray:
        """Lead time at probability u[i] for series rows[i] (continuous, in periods)."""
        values = self.values[rows]
        k = self.levels.size
        if k == 1:
            return np.asarray(values[:, 0], dtype=np.float64)
        j = np.clip(np.searchsorted(self.levels, u, side="right") - 1, 0, k - 2)
        weight = np.clip((u - self.levels[j]) / (self.levels[j + 1] - self.levels[j]), 0.0, 1.0)
        r = np.arange(rows.size)
        return np.asarray(values[r, j] + weight * (values[r, j + 1] - values[r, j]))

    def sample(self, u: FloatArray, v: FloatArray, rows: IntArray) -> IntArray:
        """Whole-period lead times from uniforms u (quantile) and v (mean-preserving rounding)."""
        lead = self.quantile(u, rows)
        base = np.floor(lead)
        return (base + (v < lead - base)).astype(np.int64)


@dataclass(frozen=True, eq=False)
class Levels:
    """Reorder point s and order-up-to S per series at each review, (n_series, n_reviews).

    Reviews happen at `first_review + j * review_period`. s = S is periodic order-up-to (R, S);
    s < S is (R, s, S) / min-max.
    """

    reorder_point: FloatArray
    order_up_to: FloatArray
    first_review: int
    review_period: int

    def __post_init__(self) -> None:
        s = np.asarray(self.reorder_point, dtype=np.float64)
        big_s = np.asarray(self.order_up_to, dtype=np.float64)
        if s.ndim != 2 or s.shape != big_s.shape or s.shape[1] == 0:
            raise ValueError(
                f"reorder_point {s.shape} and order_up_to {big_s.shape} must both be "
                "(n_series, n_reviews) with at least one review"
            )
        if not (np.all(np.isfinite(s)) and np.all(np.isfinite(big_s))):
            raise ValueError("levels contain NaN or inf; fill them before simulating")
        if np.any(s < 0.0):
            raise ValueError("reorder points must be >= 0")
        if np.any(s > big_s + _TOLERANCE):
            raise ValueError("a reorder point exceeds its order-up-to level; s must be <= S")
        if self.review_period < 1 or self.first_review < 0:
            raise ValueError("review_period must be >= 1 and first_review >= 0")
        object.__setattr__(self, "reorder_point", s)
        object.__setattr__(self, "order_up_to", big_s)

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.order_up_to.shape[0]), int(self.order_up_to.shape[1]))

    def review_times(self) -> IntArray:
        """The periods at which these levels apply."""
        n_reviews = self.shape[1]
        return self.first_review + self.review_period * np.arange(n_reviews, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class SimulationTrace:
    """Per-period arrays (n_series, n_periods): end-of-period on hand, receipts, orders placed."""

    on_hand: FloatArray
    receipts: FloatArray
    orders: FloatArray


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """Per-series outcomes over the simulated periods (from the first review to the end).

    fill_rate = served / demand (NaN without demand). cycle_service_level = share of review
    cycles (the R periods from one review to the next; the last one may be shorter) without a
    stockout, the textbook periodic-review definition (R = 1: share of periods). A stockout period
    has demand not served from stock; an empty-shelf period ends with nothing on hand after
    positive demand (what a stockout flag in sales data records, so it includes exact sell-outs).
    average_on_hand is end-of-period on hand (a nightly snapshot), its value at unit_cost (NaN
    when no cost was given).
    """

    periods: int
    cycles: int
    backorder: bool
    total_demand: FloatArray
    served: FloatArray
    unmet: FloatArray
    fill_rate: FloatArray
    cycle_service_level: FloatArray
    average_on_hand: FloatArray
    average_inventory_value: FloatArray
    orders_placed: IntArray
    ordered_units: FloatArray
    stockout_periods: IntArray
    empty_shelf_periods: IntArray
    trace: SimulationTrace | None = None

    def by_segment(self, labels: ArrayLike, *, include_all: bool = True) -> SegmentSummary:
        """Aggregate per segment label (one per series); `include_all` appends an 'all' row."""
        names = np.asarray(labels).astype(str).ravel()
        n = self.total_demand.size
        if names.size != n:
            raise ValueError(f"{names.size} segment labels for {n} series; give one per series")
        segments, codes = np.unique(names, return_inverse=True)
        if include_all:
            segments = np.append(segments, ALL_SEGMENTS)
            codes = np.concatenate((codes, np.full(n, segments.size - 1)))
        groups = segments.size

        def total(values: NDArray[Any]) -> FloatArray:
            weights = np.tile(np.asarray(values, dtype=np.float64), 2 if include_all else 1)
            return np.asarray(np.bincount(codes, weights=weights, minlength=groups), np.float64)

        series = np.bincount(codes, minlength=groups).astype(np.int64)
        demand, served = total(self.total_demand), total(self.served)
        with np.errstate(invalid="ignore", divide="ignore"):
            fill_rate = np.where(demand > 0.0, served / demand, np.nan)
        return SegmentSummary(
            segment=segments,
            series=series,
            demand=demand,
            served=served,
            fill_rate=fill_rate,
            cycle_service_level=total(self.cycle_service_level) / series,
            average_on_hand=total(self.average_on_hand) / series,
            inventory_value=total(self.average_inventory_value),
            orders_placed=total(self.orders_placed) / series,
            stockout_periods=total(self.stockout_periods) / series,
        )


@dataclass(frozen=True, eq=False)
class SegmentSummary:
    """One row per segment (sorted labels, then 'all'): a policy's service and stock by segment.

    fill_rate is pooled (sum served / sum demand), so big series weigh more; cycle_service_level,
    average_on_hand, orders_placed and stockout_periods are means over the segment's series;
    demand, served and inventory_value (the segment's average stock value) are sums.
    """

    segment: NDArray[np.str_]
    series: IntArray
    demand: FloatArray
    served: FloatArray
    fill_rate: FloatArray
    cycle_service_level: FloatArray
    average_on_hand: FloatArray
    inventory_value: FloatArray
    orders_placed: FloatArray
    stockout_periods: FloatArray

    def columns(self) -> dict[str, NDArray[Any]]:
        """Column name -> values, ready for `pandas.DataFrame(summary.columns())`."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _per_series(value: ArrayLike | None, n: int, name: str, default: float) -> FloatArray:
    if value is None:
        return np.full(n, default)
    array = np.asarray(value, dtype=np.float64)
    if array.ndim > 1 or (array.ndim == 1 and array.size != n):
        raise ValueError(f"{name} has shape {array.shape}; give one value or one per series ({n})")
    array = np.broadcast_to(array, (n,)).copy()
    if not np.all(np.isfinite(array)) or np.any(array < 0.0):
        raise ValueError(f"{name} must be finite and >= 0")
    return array


def _round_orders(raw: FloatArray, pack: FloatArray, moq: FloatArray) -> FloatArray:
    """At least the MOQ, then up to whole packs (pack 0 means no pack rounding)."""
    quantity = np.maximum(raw, moq)
    has_pack = pack > 0.0
    packs = np.ceil(quantity / np.where(has_pack, pack, 1.0) - _TOLERANCE)
    return np.where(has_pack, packs * pack, quantity)


def simulate(
    demand: ArrayLike,
    levels: Levels,
    lead_time: LeadTimeDistribution,
    *,
    seed: int = 0,
    initial_on_hand: ArrayLike | None = None,
    unit_cost: ArrayLike | None = None,
    pack_size: ArrayLike | None = None,
    moq: ArrayLike | None = None,
    backorder: bool = False,
    trace: bool = False,
    warm_up: int = 0,
) -> SimulationResult:
    """Run `levels` against actual `demand` (n_series, n_periods) and measure service and stock.

    initial_on_hand defaults to the order-up-to level at the first review; pack_size and moq
    (per series or one value; None = no rounding) shape each order; trace=True keeps per-period
    on hand, receipts and orders for plots and checks. `warm_up` > 0 starts that many periods
    (rounded up to whole review periods) before the first review, replaying the demand there
    with the first review's levels and measuring nothing: otherwise the first L periods are
    served from a full shelf with nothing in transit, a state no policy sets up, which flatters
    every policy's fill rate when the window is short against the lead time.
    """
    d = np.asarray(demand, dtype=np.float64)
    if d.ndim != 2 or not np.all(np.isfinite(d)) or np.any(d < 0.0):
        raise ValueError("demand must be a finite (n_series, n_periods) matrix of units >= 0")
    n, n_periods = d.shape
    times = review_times(n_periods, levels.first_review, levels.review_period)
    if levels.shape != (n, times.size):
        raise ValueError(
            f"levels are {levels.shape} but demand of shape {d.shape} has {n} series and "
            f"{times.size} reviews from period {levels.first_review} every "
            f"{levels.review_period}; compute levels for this horizon"
        )
    if lead_time.n_series != n:
        raise ValueError(f"lead time is given for {lead_time.n_series} series, demand has {n}")
    measured_from, period = levels.first_review, levels.review_period
    if warm_up < 0:
        raise ValueError(f"warm_up {warm_up} must be >= 0 periods")
    early = min(-(-warm_up // period), measured_from // period)  # whole reviews that fit
    start = measured_from - early * period
    s = np.concatenate(
        [np.repeat(levels.reorder_point[:, :1], early, axis=1), levels.reorder_point], axis=1
    )
    big_s = np.concatenate(
        [np.repeat(levels.order_up_to[:, :1], early, axis=1), levels.order_up_to], axis=1
    )
    net = (
        big_s[:, 0].copy()
        if initial_on_hand is None
        else _per_series(initial_on_hand, n, "initial_on_hand", 0.0)
    )
    cost = _per_series(unit_cost, n, "unit_cost", np.nan)
    pack = _per_series(pack_size, n, "pack_size", 0.0)
    minimum = _per_series(moq, n, "moq", 0.0)
    rng = np.random.default_rng(seed)

    receipts = np.zeros((n, n_periods))
    orders = np.zeros((n, n_periods)) if trace else None
    on_hand_trace = np.zeros((n, n_periods)) if trace else None
    on_order = np.zeros(n)
    served_total, unmet_total, on_hand_sum = np.zeros(n), np.zeros(n), np.zeros(n)
    ordered_units = np.zeros(n)
    orders_placed = np.zeros(n, dtype=np.int64)
    stockout_periods = np.zeros(n, dtype=np.int64)
    empty_shelf = np.zeros(n, dtype=np.int64)
    good_cycles = np.zeros(n, dtype=np.int64)
    cycle_short = np.zeros(n, dtype=bool)

    for t in range(start, n_periods):
        arriving = receipts[:, t].copy()
        net += arriving
        on_order -= arriving
        measured = t >= measured_from
        if (t - start) % period == 0:
            j = (t - start) // period
            if j > early:
                good_cycles += ~cycle_short
            cycle_short[:] = False
            uniforms = rng.random((2, n))
            position = net + on_order
            raw = big_s[:, j] - position
            rows = np.flatnonzero((position <= s[:, j] + _TOLERANCE) & (raw > _TOLERANCE))
            if rows.size:
                quantity = _round_orders(raw[rows], pack[rows], minimum[rows])
                arrival = t + lead_time.sample(uniforms[0, rows], uniforms[1, rows], rows)
                if measured:
                    orders_placed[rows] += 1
                    ordered_units[rows] += quantity
                now, later = arrival == t, (arrival > t) & (arrival < n_periods)
                net[rows[now]] += quantity[now]  # lead time 0: on the shelf before demand
                on_order[rows[~now]] += quantity[~now]  # past the horizon stays on order
                receipts[rows[now | later], arrival[now | later]] += quantity[now | later]
                if orders is not None:
                    orders[rows, t] = quantity
        demand_t = d[:, t]
        served = np.minimum(np.maximum(net, 0.0), demand_t)
        unmet = demand_t - served
        net -= demand_t if backorder else served
        on_hand = np.maximum(net, 0.0)
        if on_hand_trace is not None:
            on_hand_trace[:, t] = on_hand
        if not measured:
            continue
        short = unmet > _TOLERANCE
        served_total += served
        unmet_total += unmet
        on_hand_sum += on_hand
        stockout_periods += short
        empty_shelf += (demand_t > 0.0) & (on_hand <= _TOLERANCE)
        cycle_short |= short
    good_cycles += ~cycle_short

    simulated = n_periods - measured_from
    total_demand = d[:, measured_from:].sum(axis=1)
    average_on_hand = on_hand_sum / simulated
    with np.errstate(invalid="ignore", divide="ignore"):
        fill_rate = np.where(total_demand > 0.0, served_total / total_demand, np.nan)
    return SimulationResult(
        periods=simulated,
        cycles=times.size,
        backorder=backorder,
        total_demand=total_demand,
        served=served_total,
        unmet=unmet_total,
        fill_rate=fill_rate,
        cycle_service_level=good_cycles / times.size,
        average_on_hand=average_on_hand,
        average_inventory_value=average_on_hand * cost,
        orders_placed=orders_placed,
        ordered_units=ordered_units,
        stockout_periods=stockout_periods,
        empty_shelf_periods=empty_shelf,
        trace=(
            SimulationTrace(on_hand=on_hand_trace, receipts=receipts, orders=orders)
            if on_hand_trace is not None and orders is not None
            else None
        ),
    )

"""The demand process behind the demo data: what shoppers wanted, and what the shelf let them buy.

Each sku gets a profile once (level, trend, list prices, elasticity, demand pattern, life cycle);
a chunk of skus is then simulated as 2-D arrays (series x days), so a chunk costs a fixed number
of numpy operations whatever its size. The mean demand of a series on a day is a product:

    level x store x trend x weekday x season x holiday x (price / first list price) ^ elasticity
          x promo bump x life cycle (launch ramp, phase-out decay)

Regular items draw negative-binomial units around it; intermittent and lumpy items draw a
Bernoulli occurrence with an order size. Random stockout episodes (1-5 days, likelier during
promotions) then censor the draws: the shelf was empty for part or all of the day, so sales are
a thinned share of demand and the day is flagged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import pandas as pd

__all__ = [
    "CATEGORIES",
    "CategoryProfile",
    "DemandChunk",
    "RegimeShift",
    "DemoCalendar",
    "Pattern",
    "SkuProfiles",
    "demo_calendar",
    "draw_sku_profiles",
    "simulate_chunk",
]

# Mean stockout episodes started per active series-day; with 1-5 day episodes and the promo
# boost this censors about 3% of days, the order of magnitude retailers report for shelves.
_STOCKOUT_START = 0.0085
_RECENT_DAYS = 28
_NEW, _PHASE_OUT = 1, 2  # life-cycle labels while drawing profiles


@dataclass(frozen=True)
class CategoryProfile:
    """Seasonal shape and price point of one product category (multipliers on mean demand)."""

    name: str
    price: float  # median first list price
    weekend: float  # Saturday lift; Sunday gets 90% of it
    season_amp: float  # yearly first harmonic, log scale
    season_peak: int  # day of year of the yearly peak
    half_amp: float  # second harmonic: a sharper peak on the same day
    black_friday: float
    christmas: float  # reached on Dec 24 after a ramp from Dec 15
    new_year_eve: float
    july_4: float


CATEGORIES: tuple[CategoryProfile, ...] = (
    CategoryProfile("beverages", 2.5, 1.25, 0.25, 195, 0.08, 1.1, 1.3, 1.8, 1.6),
    CategoryProfile("snacks", 3.0, 1.30, 0.10, 200, 0.05, 1.2, 1.3, 1.5, 1.5),
    CategoryProfile("household", 6.0, 1.10, 0.05, 100, 0.03, 1.4, 1.1, 1.0, 1.0),
    CategoryProfile("personal_care", 8.0, 1.05, 0.10, 15, 0.03, 1.3, 1.2, 1.0, 1.0),
    CategoryProfile("garden", 15.0, 1.60, 0.70, 140, 0.20, 1.2, 0.8, 1.0, 1.3),
    CategoryProfile("toys", 20.0, 1.50, 0.30, 350, 0.15, 2.5, 2.2, 1.0, 1.0),
)


class Pattern(IntEnum):
    """Demand pattern of a sku (Syntetos-Boylan style)."""

    REGULAR = 0
    INTERMITTENT = 1
    LUMPY = 2


@dataclass(frozen=True)
class DemoCalendar:
    """The simulated days and, per category, the weekday x season x holiday multiplier."""

    dates: pd.DatetimeIndex
    multiplier: np.ndarray  # (n_categories, days)


@dataclass(frozen=True)
class RegimeShift:
    """A lasting change of one category's demand over the last `days` of a demo (a competitor
    closing, a new range, a price war): the category's multiplier times `factor` from then on.
    Monitoring should call it drift; ordinary seasonality it should not."""

    category: str
    days: int
    factor: float

    def __post_init__(self) -> None:
        names = [c.name for c in CATEGORIES]
        if self.category not in names:
            raise ValueError(
                f"unknown category '{self.category}' for the regime shift; use one of "
                f"{', '.join(names)}"
            )
        if self.days < 1:
            raise ValueError(f"a regime shift lasts at least 1 day; got days={self.days}")
        if not (np.isfinite(self.factor) and self.factor > 0):
            raise ValueError(f"the shift factor must be a positive number; got {self.factor}")

    @classmethod
    def parse(cls, text: str) -> RegimeShift:
        """`category:days:factor`, e.g. `toys:42:1.8` (toys sell 80% more over the last 42 days)."""
        parts = text.split(":")
        if len(parts) != 3:
            raise ValueError(
                f"a regime shift is category:days:factor (e.g. toys:42:1.8); got '{text}'"
            )
        try:
            return cls(parts[0], int(parts[1]), float(parts[2]))
        except ValueError as exc:
            if "shift" in str(exc):
                raise
            raise ValueError(
                f"days must be an integer and factor a number in '{text}' (e.g. toys:42:1.8)"
            ) from None

    def apply(self, calendar: DemoCalendar) -> DemoCalendar:
        k = [c.name for c in CATEGORIES].index(self.category)
        multiplier = calendar.multiplier.copy()
        multiplier[k, -min(self.days, multiplier.shape[1]) :] *= self.factor
        return DemoCalendar(calendar.dates, multiplier)


def demo_calendar(end: dt.date, days: int) -> DemoCalendar:
    """Daily dates ending at `end` and the calendar multipliers of every category on them."""
    dates = pd.date_range(end=pd.Timestamp(end), periods=days, freq="D").as_unit("us")
    dow = np.asarray(dates.dayofweek)
    doy = np.asarray(dates.dayofyear, dtype=float)
    month, day = np.asarray(dates.month), np.asarray(dates.day)
    thanksgiving = (month == 11) & (dow == 3) & (day >= 22) & (day <= 28)
    black_friday = (month == 11) & (dow == 4) & (day >= 23) & (day <= 29)
    xmas_run = np.where((month == 12) & (day >= 15) & (day <= 24), (day - 14) / 10.0, 0.0)
    out = np.empty((len(CATEGORIES), days))
    for k, cat in enumerate(CATEGORIES):
        week = np.array([1.0, 0.92, 0.95, 1.0, 1.12, cat.weekend, 0.9 * cat.weekend])
        angle = 2 * np.pi * (doy - cat.season_peak) / 365.25
        season = np.exp(cat.season_amp * np.cos(angle) + cat.half_amp * np.cos(2 * angle))
        holiday = 1.0 + (cat.christmas - 1.0) * xmas_run
        holiday = np.where(black_friday, cat.black_friday, holiday)
        holiday = np.where(thanksgiving, 0.6, holiday)
        holiday = np.where((month == 12) & (day == 25), 0.3, holiday)  # most stores close early
        holiday = np.where((month == 12) & (day == 31), cat.new_year_eve, holiday)
        holiday = np.where((month == 7) & ((day == 3) | (day == 4)), cat.july_4, holiday)
        out[k] = week[dow] / week.mean() * season * holiday
    return DemoCalendar(dates, out)


@dataclass(frozen=True)
class SkuProfiles:
    """Per-sku parameters of the demand process, arrays over all skus of a demo."""

    days: int  # length of the simulated calendar
    category: np.ndarray  # index into CATEGORIES
    pattern: np.ndarray  # Pattern values
    level: np.ndarray  # mean units/day in an average store at the first list price, at the end
    trend: np.ndarray  # log growth per year
    elasticity: np.ndarray  # price elasticity of demand (negative)
    promo_bump: np.ndarray  # extra lift on promotion beyond the price effect (display, ads)
    promo_rate: np.ndarray  # promotions started per year
    dispersion: np.ndarray  # gamma shape of the noise (regular) or of the order size
    order_size: np.ndarray  # mean units per occurrence (intermittent, lumpy); 1 for regular
    first_day: np.ndarray  # index of the first sales day (later than 0 for new items)
    last_day: np.ndarray  # index of the last sales day (earlier than the end for phase-outs)
    decay_days: np.ndarray  # length of the phase-out decay; 0 for other items
    # List price history: sku i has levels price_levels[offsets[i]:offsets[i+1]], the first one
    # from day 0 and each next one from its change day (change_day aligned with levels[1:]).
    price_levels: np.ndarray
    offsets: np.ndarray
    change_sku: np.ndarray
    change_day: np.ndarray

    @property
    def first_price(self) -> np.ndarray:
        return self.price_levels[self.offsets[:-1]]

    @property
    def last_price(self) -> np.ndarray:
        return self.price_levels[self.offsets[1:] - 1]

    @property
    def lifecycle(self) -> np.ndarray:
        """'new' for items launched inside the window, 'phase_out' for items that stop early."""
        out = np.full(len(self.category), "active", dtype=object)
        out[self.first_day > 0] = "new"
        out[self.last_day < self.days - 1] = "phase_out"
        return out


def _labels(rng: np.random.Generator, n: int, shares: dict[int, float]) -> np.ndarray:
    """Exact counts per label (at least one of each when n allows), shuffled: small demos
    still contain every kind of item the tests and the UI need."""
    out = np.zeros(n, dtype=np.int64)
    pos = 0
    for label, share in shares.items():
        count = max(1, round(share * n)) if n >= 2 * len(shares) + 2 else round(share * n)
        out[pos : pos + count] = label
        pos += count
    return rng.permutation(out)


def _between(rng: np.random.Generator, lo: int, hi: int, n: int) -> np.ndarray:
    """Integers in [lo, hi), or all lo when the range is empty."""
    return rng.integers(lo, max(hi, lo + 1), n)


def _price_history(
    rng: np.random.Generator, first: np.ndarray, days: int
) -> tuple[np.ndarray, ...]:
    """Occasional permanent list-price changes (mostly small increases), as level tables."""
    n = len(first)
    counts = rng.poisson(0.8 * days / 365, n) if days > 60 else np.zeros(n, dtype=np.int64)
    sku = np.repeat(np.arange(n), counts)
    day = rng.integers(30, max(31, days), len(sku))
    day = day[np.lexsort((day, sku))]
    log_step = rng.normal(0.03, 0.06, len(sku))
    group_start = np.cumsum(counts) - counts
    cum = np.cumsum(log_step)
    before = np.concatenate(([0.0], cum))[group_start]
    level = first[sku] * np.exp(cum - np.repeat(before, counts))
    level = np.maximum(np.round(level, 1) - 0.01, 0.19)  # keep the .x9 price points
    offsets = np.concatenate(([0], np.cumsum(counts + 1)))
    levels = np.empty(offsets[-1])
    levels[offsets[:-1]] = first
    rank = np.arange(len(sku)) - group_start[sku]
    levels[offsets[sku] + 1 + rank] = level
    return levels, offsets, sku, day


def draw_sku_profiles(rng: np.random.Generator, n_skus: int, days: int) -> SkuProfiles:
    """Draw every sku's demand parameters (the same seed gives the same catalogue)."""
    category = rng.integers(0, len(CATEGORIES), n_skus)
    cat_price = np.array([c.price for c in CATEGORIES])[category]
    first = np.maximum(np.round(cat_price * rng.lognormal(0.0, 0.5, n_skus)), 1.0) - 0.01
    pattern = _labels(rng, n_skus, {Pattern.INTERMITTENT: 0.20, Pattern.LUMPY: 0.05})
    regular = pattern == Pattern.REGULAR
    lumpy = pattern == Pattern.LUMPY
    # Cheaper items within a category sell more, as in any store.
    level = rng.lognormal(np.log(4.0), 0.9, n_skus) * np.sqrt(cat_price / first)
    level = np.where(regular, np.clip(level, 0.3, 300.0), rng.lognormal(np.log(0.4), 0.5, n_skus))
    order_size = np.where(
        regular, 1.0, np.where(lumpy, rng.uniform(8, 30, n_skus), rng.uniform(1.2, 3, n_skus))
    )
    dispersion = np.where(regular, rng.uniform(2, 15, n_skus), np.where(lumpy, 0.7, 2.0))

    # New items launch 60-365 days before the end and phase-outs stop 30-120 days before it
    # (less on short calendars, so every item keeps most of its history).
    life = _labels(rng, n_skus, {_NEW: 0.10, _PHASE_OUT: 0.08})
    age = _between(rng, min(60, days // 4), min(365, days // 2), n_skus)
    gap = _between(rng, min(30, days // 8), min(120, days // 4), n_skus)
    first_day = np.where(life == _NEW, days - age, 0)
    last_day = np.where(life == _PHASE_OUT, days - 1 - gap, days - 1)
    decay = np.minimum(rng.integers(60, 151, n_skus), (last_day - first_day) // 2)
    levels, offsets, change_sku, change_day = _price_history(rng, first, days)
    return SkuProfiles(
        days=days,
        category=category,
        pattern=pattern,
        level=level,
        trend=rng.normal(0.0, 0.12, n_skus),
        elasticity=rng.uniform(-2.5, -1.5, n_skus),
        promo_bump=rng.uniform(1.1, 1.4, n_skus),
        promo_rate=rng.uniform(2.0, 7.0, n_skus),
        dispersion=dispersion,
        order_size=order_size,
        first_day=first_day,
        last_day=last_day,
        decay_days=np.where(life == _PHASE_OUT, decay, 0),
        price_levels=levels,
        offsets=offsets,
        change_sku=change_sku,
        change_day=change_day,
    )


@dataclass
class DemandChunk:
    """One simulated chunk of skus: active rows flattened in (sku, store, date) order, plus
    per-series summaries (all stores of every sku of the chunk) that supply tables use."""

    sku: np.ndarray  # int32 sku index per row
    store: np.ndarray  # int32 store index per row
    day: np.ndarray  # int32 day index per row
    units: np.ndarray  # float32, censored sales
    price: np.ndarray  # float32
    on_promo: np.ndarray
    stockout: np.ndarray
    mean_rate: np.ndarray  # (series,) mean expected demand per active day
    recent_rate: np.ndarray  # (series,) mean expected demand over the last 28 days
    stockout_end: np.ndarray  # (series,) shelf empty on the last day


def _episodes(starts: np.ndarray, lengths: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Count of episodes covering each cell, from flat start indices (a difference array)."""
    rows, days = shape
    r, c = np.divmod(starts, days)
    stop = c + lengths
    width = days + 1
    diff = np.bincount(r * width + c, minlength=rows * width)
    diff -= np.bincount(r * width + np.minimum(stop, days), minlength=rows * width)
    return np.cumsum(diff.reshape(rows, width), axis=1)[:, :days]


def _promotions(
    rng: np.random.Generator, rate: np.ndarray, days: int
) -> tuple[np.ndarray, np.ndarray]:
    """Promotion windows (3-14 days, 10-40% off) per sku: (on_promo, discount) arrays."""
    counts = rng.poisson(rate * days / 365)
    sku = np.repeat(np.arange(len(rate)), counts)
    start = sku * days + rng.integers(0, days, len(sku))
    length = rng.integers(3, 15, len(sku))
    discount = np.round(rng.uniform(0.10, 0.40, len(sku)) * 20) / 20  # 10%, 15%, ... 40%
    shape = (len(rate), days)
    active = _episodes(start, length, shape)
    width = days + 1
    r, c = np.divmod(start, days)
    weight = np.bincount(r * width + c, weights=discount, minlength=shape[0] * width)
    weight -= np.bincount(
        r * width + np.minimum(c + length, days), weights=discount, minlength=shape[0] * width
    )
    total = np.cumsum(weight.reshape(shape[0], width), axis=1)[:, :days]
    on_promo = active > 0
    # Overlapping windows share the average of their discounts.
    discount_map = np.where(on_promo, np.round(total / np.maximum(active, 1), 2), 0.0)
    return on_promo, discount_map


def _list_prices(profiles: SkuProfiles, lo: int, hi: int, days: int) -> np.ndarray:
    """The list price of skus lo..hi on every day, from the level tables."""
    inside = (profiles.change_sku >= lo) & (profiles.change_sku < hi)
    steps = np.zeros((hi - lo, days), dtype=np.int64)
    np.add.at(steps, (profiles.change_sku[inside] - lo, profiles.change_day[inside]), 1)
    index = profiles.offsets[lo:hi, None] + np.cumsum(steps, axis=1)
    return profiles.price_levels[index]


def _life_cycle(profiles: SkuProfiles, sku: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Launch ramp-up of new items and the decay of phase-outs, as a multiplier."""
    since = np.maximum(t[None, :] - profiles.first_day[sku, None], 0)
    ramp = np.where(profiles.first_day[sku, None] > 0, 1.0 - 0.6 * np.exp(-since / 20.0), 1.0)
    decay = np.maximum(profiles.decay_days[sku, None], 1)
    x = np.clip((t[None, :] - (profiles.last_day[sku, None] - decay)) / decay, 0.0, 1.0)
    fade = np.where(profiles.decay_days[sku, None] > 0, np.exp(-4.0 * x), 1.0)
    return ramp * fade


def _draw_units(
    rng: np.random.Generator, mean: np.ndarray, profiles: SkuProfiles, series_sku: np.ndarray
) -> np.ndarray:
    """Integer demand: gamma-Poisson for regular series, occurrence x size for the others."""
    demand = np.zeros(mean.shape, dtype=np.int64)
    regular = profiles.pattern[series_sku] == Pattern.REGULAR
    if regular.any():
        shape = profiles.dispersion[series_sku[regular], None]
        demand[regular] = rng.poisson(rng.gamma(shape, mean[regular] / shape))
    if (~regular).any():
        size = profiles.order_size[series_sku[~regular], None]
        occurs = rng.random(mean[~regular].shape) < -np.expm1(-mean[~regular] / size)
        rows, cols = np.nonzero(occurs)
        size_mean = size[rows, 0] - 1.0
        shape = profiles.dispersion[series_sku[~regular][rows]]
        sizes = 1 + rng.poisson(rng.gamma(shape, size_mean / shape))
        block = np.zeros(occurs.shape, dtype=np.int64)
        block[rows, cols] = sizes
        demand[~regular] = block
    return demand


def simulate_chunk(
    rng: np.random.Generator,
    profiles: SkuProfiles,
    calendar: DemoCalendar,
    store_size: np.ndarray,
    lo: int,
    hi: int,
) -> DemandChunk:
    """Simulate skus lo..hi in every store over the calendar; one rng stream per chunk."""
    days, n_stores = len(calendar.dates), len(store_size)
    sku = np.arange(lo, hi)
    t = np.arange(days)
    list_price = _list_prices(profiles, lo, hi, days)
    on_promo, discount = _promotions(rng, profiles.promo_rate[sku], days)
    price = np.where(on_promo, np.round(list_price * (1.0 - discount), 2), list_price)
    price_effect = (price / profiles.first_price[sku, None]) ** profiles.elasticity[sku, None]
    price_effect *= np.where(on_promo, profiles.promo_bump[sku, None], 1.0)
    trend = np.exp(profiles.trend[sku, None] * (t[None, :] - (days - 1)) / 365.0)
    sku_mean = (
        profiles.level[sku, None]
        * trend
        * calendar.multiplier[profiles.category[sku]]
        * price_effect
        * _life_cycle(profiles, sku, t)
    )
    # A store's size and its affinity to the sku (assortment, local taste) scale the sku mean.
    affinity = store_size[None, :] * rng.lognormal(0.0, 0.25, (len(sku), n_stores))
    mean = (sku_mean[:, None, :] * affinity[:, :, None]).reshape(-1, days)
    series_sku = np.repeat(sku, n_stores)
    demand = _draw_units(rng, mean, profiles, series_sku)

    first = profiles.first_day[series_sku, None]
    last = profiles.last_day[series_sku, None]
    active = (t[None, :] >= first) & (t[None, :] <= last)
    promo_rows = np.repeat(on_promo, n_stores, axis=0)
    start_p = np.where(promo_rows, 3.0 * _STOCKOUT_START, _STOCKOUT_START)
    starts = np.flatnonzero((rng.random(mean.shape) < start_p) & active)
    covered = _episodes(starts, rng.integers(1, 6, len(starts)), mean.shape)
    stockout = (covered > 0) & active
    # On a stockout day the shelf was empty for all (often) or part of the day.
    cells = np.flatnonzero(stockout)
    share = np.where(rng.random(len(cells)) < 0.5, 0.0, rng.uniform(0.1, 0.8, len(cells)))
    units = demand.reshape(-1)
    units[cells] = rng.binomial(units[cells], share)

    n_active = np.maximum(active.sum(axis=1), 1)
    recent = active[:, -_RECENT_DAYS:]
    flat = active.reshape(-1)
    rows, cols = np.divmod(np.flatnonzero(flat), days)
    return DemandChunk(
        sku=series_sku[rows].astype(np.int32),
        store=(rows % n_stores).astype(np.int32),
        day=cols.astype(np.int32),
        units=units[flat].astype(np.float32),
        price=np.repeat(price, n_stores, axis=0).reshape(-1)[flat].astype(np.float32),
        on_promo=promo_rows.reshape(-1)[flat],
        stockout=stockout.reshape(-1)[flat],
        mean_rate=np.where(active, mean, 0.0).sum(axis=1) / n_active,
        recent_rate=np.where(recent, mean[:, -_RECENT_DAYS:], 0.0).sum(axis=1) / _RECENT_DAYS,
        stockout_end=stockout[:, -1],
    )

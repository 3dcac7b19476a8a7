"""A seeded, fast numpy generator of cleaned-panel-shaped daily data (M5-sized by default).

Shape of `features.build`'s input: sku, location (category), date, units, demand, price,
on_promo, stockout, censored, anomaly, gap; sorted by sku, location, date; each series dense from
its first to its last day. Like M5: 10 stores, items in 7 departments, intermittent low volumes,
weekly and yearly seasonality, promotions with a price cut, a few stockouts. Most series span the
whole range; 10% start later (new items) and 5% end early (delisted), so starts and ends differ.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

__all__ = ["M5_DAYS", "M5_SERIES", "synthetic_chunks", "synthetic_items", "synthetic_panel"]

M5_SERIES = 30_490
M5_DAYS = 1_941
START = np.datetime64("2011-01-29")
LOCATIONS = 10
DEPARTMENTS = (
    "FOODS_1",
    "FOODS_2",
    "FOODS_3",
    "HOBBIES_1",
    "HOBBIES_2",
    "HOUSEHOLD_1",
    "HOUSEHOLD_2",
)
# Chunks are a fixed number of series so the output depends on the seed only, not on memory.
_CHUNK = 1_000


def _labels(n_series: int) -> tuple[pd.CategoricalDtype, pd.CategoricalDtype, int]:
    n_loc = min(LOCATIONS, n_series)
    n_sku = -(-n_series // n_loc)
    skus = pd.CategoricalDtype([f"SKU_{i:05d}" for i in range(n_sku)])
    locs = pd.CategoricalDtype([f"STORE_{i:02d}" for i in range(n_loc)])
    return skus, locs, n_loc


def synthetic_items(n_series: int) -> pd.DataFrame:
    """Item master (sku, category) for the panel's skus."""
    skus, _, _ = _labels(n_series)
    n = len(skus.categories)
    return pd.DataFrame(
        {"sku": list(skus.categories), "category": [DEPARTMENTS[i % 7] for i in range(n)]}
    )


def _series_params(n_series: int, n_days: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng([seed, 0])
    first = np.zeros(n_series, dtype=np.int64)
    last = np.full(n_series, n_days, dtype=np.int64)
    late = rng.random(n_series) < 0.10
    first[late] = rng.integers(1, n_days // 2, late.sum())
    early = (rng.random(n_series) < 0.05) & ~late
    last[early] = rng.integers(n_days // 2, n_days, early.sum())
    return {
        "first": first,
        "last": last,
        "level": rng.lognormal(-0.3, 1.1, n_series),
        "weekly": rng.uniform(0.0, 0.35, n_series),
        "yearly": rng.uniform(0.0, 0.25, n_series),
        "price": rng.lognormal(1.2, 0.7, n_series).astype(np.float32),
    }


def synthetic_chunks(
    n_series: int = M5_SERIES, n_days: int = M5_DAYS, *, seed: int = 0
) -> Iterator[pd.DataFrame]:
    """The panel as consecutive frames of whole series (same categories in every frame)."""
    skus, locs, n_loc = _labels(n_series)
    p = _series_params(n_series, n_days, seed)
    for c, lo in enumerate(range(0, n_series, _CHUNK)):
        hi = min(lo + _CHUNK, n_series)
        rng = np.random.default_rng([seed, 1, c])
        ids = np.arange(lo, hi)
        lengths = p["last"][ids] - p["first"][ids]
        series = np.repeat(ids, lengths)
        day = np.arange(len(series)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        day += p["first"][series]
        dow = (day + 5) % 7  # 2011-01-29 was a Saturday: weekends sell more
        season = (
            1.0
            + p["weekly"][series] * np.where(dow >= 5, 1.0, -0.3)
            + p["yearly"][series] * np.sin(2 * np.pi * day / 365.25)
        )
        on_promo = rng.random(len(series)) < 0.04
        rate = p["level"][series] * season * np.where(on_promo, 1.8, 1.0)
        demand = rng.poisson(rate).astype(np.float32)
        stockout = rng.random(len(series)) < 0.01
        units = np.where(stockout, np.floor(demand * 0.5), demand).astype(np.float32)
        price = p["price"][series] * np.where(on_promo, np.float32(0.8), np.float32(1.0))
        yield pd.DataFrame(
            {
                "sku": pd.Categorical.from_codes(series // n_loc, dtype=skus),
                "location": pd.Categorical.from_codes(series % n_loc, dtype=locs),
                "date": (START + day).astype("datetime64[us]"),
                "units": units,
                "demand": demand,
                "price": price.astype(np.float32),
                "on_promo": on_promo,
                "stockout": stockout,
                "censored": stockout,
                "anomaly": rng.random(len(series)) < 0.001,
                "gap": np.zeros(len(series), dtype=bool),
            }
        )


def synthetic_panel(n_series: int, n_days: int, *, seed: int = 0) -> pd.DataFrame:
    """The whole panel in one frame."""
    return pd.concat(list(synthetic_chunks(n_series, n_days, seed=seed)), ignore_index=True)

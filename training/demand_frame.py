"""Matrices of the direct multi-horizon demand model: horizons, buckets, future rows, X / y.

A horizon of H periods is split into buckets; bucket b (steps first..last) is one direct model
whose features come from `default_spec(frequency).shifted(last)`, so every feature of a row at
t reads the target at t - last or earlier. Trained on history, a row is "a forecast made `last`
periods before its date"; at prediction time step h <= last of origin T reads T + h - last <= T.
Columns of every bucket's matrix take the base spec's names (position by position), so all
boosters share one feature vocabulary for importance and SHAP; `lag_k` in bucket b is the target
k + last - 1 periods before the row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from features.build import ITEM_TOTAL, build_features, item_totals
from features.dataset import Frequency
from features.series_codes import SeriesCodes
from features.spec import ITEM_PREFIX, FeatureSpec

__all__ = [
    "SERIES",
    "Bucket",
    "Matrix",
    "buckets_for",
    "extend_panel",
    "has_season",
    "horizon_for",
    "periods_before",
    "step_dates",
    "trim_history",
    "bucket_matrix",
    "horizon_rows",
    "series_blocks",
    "LEVEL_FLOOR",
    "series_level",
    "union_spec",
    "with_relative",
]

# Below a tenth of a unit per period a level is noise (a slow mover's zeros), not a scale: a
# floored level keeps log(level) finite and level-divided features bounded.
LEVEL_FLOOR = 0.1
# A year-on-year change beyond halving or doubling is a launch, a closure or a data break, not
# a trend to carry into next season.
GROWTH_BOUNDS = (0.5, 2.0)

SERIES: list[str] = ["sku", "location"]

# A planning horizon per frequency: four weeks of days, a quarter of weeks, a year of months.
_HORIZONS = {Frequency.DAILY: 28, Frequency.WEEKLY: 13, Frequency.MONTHLY: 12}


@dataclass(frozen=True)
class Bucket:
    """Horizon steps first..last (inclusive) served by one direct model."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if not 1 <= self.first <= self.last:
            raise ValueError(f"a bucket needs 1 <= first <= last; got {self.first}..{self.last}")

    @property
    def name(self) -> str:
        return f"{self.first}-{self.last}"


# Short buckets where the latest lags matter most; a long one for the tail of the horizon.
_BUCKETS = {
    Frequency.DAILY: (Bucket(1, 7), Bucket(8, 14), Bucket(15, 28)),
    Frequency.WEEKLY: (Bucket(1, 4), Bucket(5, 13)),
    Frequency.MONTHLY: (Bucket(1, 3), Bucket(4, 12)),
}


def horizon_for(frequency: Frequency | str) -> int:
    """Forecast horizon in periods: daily 28, weekly 13, monthly 12."""
    return _HORIZONS[Frequency(frequency)]


def buckets_for(frequency: Frequency | str) -> tuple[Bucket, ...]:
    """The direct-model buckets covering 1..horizon_for(frequency)."""
    return _BUCKETS[Frequency(frequency)]


def step_dates(last: pd.Series, steps: np.ndarray, frequency: Frequency) -> np.ndarray:
    """Date `steps` periods after each `last` date, on the series' own grid (weekly keeps the
    weekday, monthly month starts)."""
    base = last.to_numpy()
    if frequency is Frequency.MONTHLY:
        months = base.astype("datetime64[M]") + steps.astype(np.int64)
        return months.astype("datetime64[D]").astype(base.dtype)
    days = steps.astype(np.int64) * frequency.days
    return base + days.astype("timedelta64[D]").astype(f"timedelta64[{_unit(base)}]")


def periods_before(date: pd.Timestamp, n: int, frequency: Frequency) -> pd.Timestamp:
    """The date n periods before `date` (a split point n periods from the end)."""
    if frequency is Frequency.MONTHLY:
        return pd.Timestamp(date) - pd.DateOffset(months=n)
    return pd.Timestamp(date) - pd.Timedelta(days=n * frequency.days)


def _unit(values: np.ndarray) -> str:
    return str(np.datetime_data(values.dtype)[0])


def series_blocks(panel: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop row of each series; a panel keeps each series' rows together (sorted by
    series and date, as cleaning writes it), so a series is a run of equal keys."""
    n = len(panel)
    change = np.zeros(max(n - 1, 0), dtype=bool)
    for column in SERIES:
        values = panel[column]
        keys = (
            values.cat.codes.to_numpy()
            if isinstance(values.dtype, pd.CategoricalDtype)
            else values.to_numpy()
        )
        change |= keys[1:] != keys[:-1]
    cut = np.flatnonzero(change) + 1
    return np.r_[0, cut], np.r_[cut, n]


def trim_history(history: pd.DataFrame, keep: int) -> pd.DataFrame:
    """The last `keep` periods of each series: all a prediction reads, far less to featurise."""
    starts, stops = series_blocks(history)
    if not len(history) or (stops - starts).max() <= keep:
        return history
    first = np.maximum(starts, stops - keep)
    sizes = stops - first
    rows = np.arange(sizes.sum()) + np.repeat(first - (np.cumsum(sizes) - sizes), sizes)
    return history.iloc[rows]


def with_item_totals(panel: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """The panel with its item totals (ITEM_TOTAL) when the spec pools and it has none: summed
    once here, not by every featurising pass over it (one per bucket), and before any trimming,
    so every location's rows at a date count."""
    if not spec.pooled or ITEM_TOTAL in panel.columns:
        return panel
    return panel.assign(**{ITEM_TOTAL: item_totals(panel, spec.target)})


def extend_panel(
    history: pd.DataFrame,
    frequency: Frequency,
    horizon: int,
    *,
    future: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """History plus `horizon` future rows per series, with a `step` column (0 = history).

    Future rows have unknown demand (NaN), the series' last price and no promotion unless
    `future` (sku, location, date and price and/or on_promo) plans them. Each series continues
    its own grid from its own last date. Rows stay grouped by series and sorted by date.
    """
    if len(history) == 0:
        raise ValueError("history is empty; give at least one period per series to forecast")
    starts, stops = series_blocks(history)
    sizes = stops - starts
    total = sizes + horizon
    block = np.repeat(np.arange(len(starts)), total)
    offset = np.arange(total.sum()) - np.repeat(np.cumsum(total) - total, total)
    # Each future row starts as a copy of its series' last row (keys, price), then changes.
    source = np.where(offset < sizes[block], starts[block] + offset, stops[block] - 1)
    steps = np.maximum(offset - sizes[block] + 1, 0)
    out = history.iloc[source].reset_index(drop=True)
    out["step"] = steps
    ahead = steps > 0
    dates = out["date"].to_numpy().copy()
    dates[ahead] = step_dates(out.loc[ahead, "date"], steps[ahead], frequency)
    out["date"] = dates
    for column in ("units", "demand", ITEM_TOTAL):
        if column in out.columns:
            values = out[column].to_numpy(copy=True)
            values[ahead] = np.nan
            out[column] = values
    for flag in ("on_promo", "stockout", "censored", "anomaly", "gap"):
        if flag in out.columns:
            values = out[flag].to_numpy(copy=True)
            values[ahead] = False
            out[flag] = values
    if future is not None:
        planned = _apply_plans(out.loc[ahead], future)
        for column in ("price", "on_promo"):
            if column in planned.columns:
                values = out[column].to_numpy(copy=True)
                values[ahead] = planned[column].to_numpy()
                out[column] = values
    return out


def _apply_plans(fut: pd.DataFrame, future: pd.DataFrame) -> pd.DataFrame:
    """Overwrite price / on_promo of future rows with planned values where `future` gives them."""
    missing = [c for c in (*SERIES, "date") if c not in future.columns]
    if missing:
        raise ValueError(f"future frame lacks key column(s) {missing}; give sku, location, date")
    planned = [c for c in ("price", "on_promo") if c in future.columns]
    if not planned:
        return fut
    keys = future[[*SERIES, "date"]].astype({"sku": str, "location": str})
    keys["date"] = pd.to_datetime(keys["date"]).astype(fut["date"].dtype)
    plans = pd.concat([keys, future[planned]], axis=1).drop_duplicates([*SERIES, "date"])
    left = fut[[*SERIES, "date"]].astype({"sku": str, "location": str})
    merged = left.merge(plans, on=[*SERIES, "date"], how="left", validate="many_to_one")
    out = fut.copy()
    if "price" in planned:
        price = merged["price"].to_numpy(dtype=np.float64, na_value=np.nan)
        out["price"] = np.where(np.isnan(price), out["price"], price).astype(np.float32)
    if "on_promo" in planned:
        promo = merged["on_promo"].to_numpy(dtype=object)
        known = pd.notna(promo)
        out["on_promo"] = np.where(known, promo, out["on_promo"].to_numpy()).astype(bool)
    return out


@dataclass(frozen=True)
class Matrix:
    """One bucket's model matrix: features (base names), target, and the rows' key and flags."""

    x: np.ndarray  # float32 (rows x features)
    y: np.ndarray  # float64 target (NaN on future rows)
    frame: pd.DataFrame  # sku, location, date, step (when present), censored, anomaly, gap


def bucket_matrix(
    panel: pd.DataFrame,
    base: FeatureSpec,
    bucket: Bucket,
    *,
    calendar: pd.DataFrame | None,
    codes: SeriesCodes,
    rows: np.ndarray | None = None,
) -> Matrix:
    """Features of `base.shifted(bucket.last)` for the panel, renamed to the base names; `rows`
    (a boolean mask) keeps a subset after building (features need the full history)."""
    spec = base.shifted(bucket.last)
    built = build_features(panel, spec, calendar=calendar, codes=codes)
    keep = np.ones(len(panel), dtype=bool) if rows is None else rows
    x = np.column_stack(
        [built[name].to_numpy(dtype=np.float32)[keep] for name in spec.feature_names]
    )
    x = with_relative(x, base)
    info = [c for c in (*SERIES, "date", "step", "censored", "anomaly", "gap") if c in panel]
    frame = panel.loc[keep, info].reset_index(drop=True)
    y = built[spec.target].to_numpy(dtype=np.float64, na_value=np.nan)[keep]
    return Matrix(x=x, y=y, frame=frame)


def union_spec(base: FeatureSpec, buckets: tuple[Bucket, ...]) -> FeatureSpec:
    """Every feature any bucket's shifted spec reads, each once (lags and rolling windows of
    all buckets; covariates are shared), so one featurising pass serves every bucket."""
    specs = [base.shifted(bucket.last) for bucket in buckets]
    lags = sorted({k for spec in specs for k in spec.lags})
    rolling = tuple(dict.fromkeys(r for spec in specs for r in spec.rolling))
    pooled = tuple(dict.fromkeys(n for spec in specs for n in spec.pooled))
    return replace(
        base,
        lags=tuple(lags),
        rolling=rolling,
        level=(),
        seasonal=(),
        relative=(),
        pooled=pooled,
        pooling=0.0,
    )


def horizon_rows(
    panel: pd.DataFrame,
    base: FeatureSpec,
    buckets: tuple[Bucket, ...],
    *,
    calendar: pd.DataFrame | None,
    codes: SeriesCodes,
) -> pd.DataFrame:
    """The future rows of an extended panel that some bucket serves: sku, location, date,
    step, bucket (index into `buckets`) and the features under their base names, in panel
    order (series, then step).

    Equal to `bucket_matrix` per bucket (every feature is computed column by column, so a
    column of the union spec is the same column of any spec holding it), at one featurising
    pass instead of one per bucket: the pandas overhead of a pass, not the arithmetic,
    dominates a single series' cold forecast in serving.
    """
    steps = panel["step"].to_numpy()
    bucket = np.full(len(panel), -1, dtype=np.int64)
    for b, each in enumerate(buckets):
        bucket[(steps >= each.first) & (steps <= each.last)] = b
    rows = np.flatnonzero(bucket >= 0)
    union = union_spec(base, buckets)
    built = build_features(panel, union, calendar=calendar, codes=codes)
    position = {name: j for j, name in enumerate(union.feature_names)}
    values = built[list(union.feature_names)].to_numpy(dtype=np.float32)[rows]
    x = np.empty((len(rows), len(base.feature_names)), dtype=np.float32)
    served = bucket[rows]
    for b, each in enumerate(buckets):
        mine = served == b
        columns = [position[name] for name in base.shifted(each.last).feature_names]
        x[mine] = values[np.ix_(mine, columns)]
    keys = panel.iloc[rows][[*SERIES, "date", "step"]].reset_index(drop=True)
    keys["bucket"] = served
    x = with_relative(x, base)
    return pd.concat([keys, pd.DataFrame(x, columns=list(base.model_names))], axis=1)


def series_level(x: np.ndarray, base: FeatureSpec) -> np.ndarray | None:
    """Each row's base forecast (see `FeatureSpec.level` / `seasonal` / `pooling`), floored at
    LEVEL_FLOOR, from a matrix whose leading columns are `base.feature_names`; None when the
    spec sets no level."""
    if not base.level:
        return None
    column = _columns(x, base)
    level = np.full(len(x), np.nan)
    for name in base.level:
        level = np.where(np.isnan(level), column(name), level)
    # Seasons whose growth is known are averaged; where none is, the first one ungrown.
    total, known = np.zeros(len(x)), np.zeros(len(x))
    first: np.ndarray | None = None
    for triple in _triples(base):
        back = _season_back(x, base, triple)
        growth = _growth(x, base, triple)
        grown = back * np.where(np.isnan(growth), 1.0, growth)
        first = grown if first is None else first
        ok = np.isfinite(grown) & (grown > LEVEL_FLOOR) & np.isfinite(growth)
        total += np.where(ok, grown, 0.0)
        known += ok
    if first is not None:
        fallback = np.where(np.isfinite(first) & (first > LEVEL_FLOOR), first, level)
        with np.errstate(invalid="ignore", divide="ignore"):
            level = np.where(known > 0, total / known, fallback)
    level = np.where(np.isfinite(level), level, LEVEL_FLOOR)
    return np.maximum(level, LEVEL_FLOOR)


def has_season(x: np.ndarray, base: FeatureSpec) -> np.ndarray | None:
    """Rows whose base reads a season back (some seasonal triple's period is known), from a
    matrix as `series_level` takes; None when the spec sets no seasonal base."""
    if not base.seasonal:
        return None
    column = _columns(x, base)
    known = np.zeros(len(x), dtype=bool)
    for triple in _triples(base):
        known |= np.isfinite(column(triple[0]))
    return known


def _triples(base: FeatureSpec) -> list[tuple[str, ...]]:
    return [base.seasonal[i : i + 3] for i in range(0, len(base.seasonal), 3)]


def _columns(x: np.ndarray, base: FeatureSpec) -> Callable[[str], np.ndarray]:
    names = base.feature_names
    return lambda name: x[:, names.index(name)].astype(np.float64)


def _season_back(x: np.ndarray, base: FeatureSpec, triple: tuple[str, ...]) -> np.ndarray:
    """The same period a season back: the series' own value, or with `pooling` that share of
    its mean then shaped like its item's total (the item's value over the item's mean), when
    the item's are known. Walmart bases, 3 folds: WMAE 1,608 own, 1,486 with 0.3 pooled."""
    column = _columns(x, base)
    same, _, earlier = triple
    own = column(same)
    pooled = {same, earlier} <= set(base.pooled)
    if not (base.pooling and pooled):
        return own
    with np.errstate(divide="ignore", invalid="ignore"):  # no item sales then: own week below
        shaped = column(earlier) * (column(ITEM_PREFIX + same) / column(ITEM_PREFIX + earlier))
    mixed = (1.0 - base.pooling) * own + base.pooling * shaped
    return np.where(np.isfinite(shaped), mixed, own)


def _growth(x: np.ndarray, base: FeatureSpec, triple: tuple[str, ...]) -> np.ndarray:
    """Recent mean over the same mean a season earlier, within GROWTH_BOUNDS (NaN when
    unknown): the change since a season back that a seasonal base carries forward."""
    column = _columns(x, base)
    _, recent, earlier = triple
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = column(recent) / np.maximum(column(earlier), LEVEL_FLOOR)
    return np.where(np.isfinite(growth), np.clip(growth, *GROWTH_BOUNDS), np.nan)


def with_relative(x: np.ndarray, base: FeatureSpec) -> np.ndarray:
    """`x` (columns `base.feature_names`) with the derived columns appended, so that
    `base.model_names` name the result: `base.relative` divided by the row's base, then the
    season-on-season growth when the base is seasonal."""
    level = series_level(x, base)
    if level is None:
        return x
    names = base.feature_names
    columns = [names.index(name) for name in base.relative]
    derived = [x[:, columns] / level[:, None]]
    if base.seasonal:
        growth = _growth(x, base, _triples(base)[0])
        derived.append(np.where(np.isnan(growth), 1.0, growth)[:, None])
    return np.concatenate([x, *(d.astype(np.float32) for d in derived)], axis=1)

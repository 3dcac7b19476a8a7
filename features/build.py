"""Leakage-free feature building: the spec's features for every row of the cleaned panel.

Layout. The cleaned panel is sorted by sku, location, date and each series is dense on its grid,
so a chunk of series becomes a matrix with one row per series: G NaN guard columns, then the
series left-aligned (column G + i holds its i-th period), NaN after its end. G is the spec's
`max_lookback`. A lag is then a column shift, a rolling mean/std a difference of row-wise
cumulative sums and a rolling max/min a van Herk / Gil-Werman block scan; the guard makes windows
at a series' start read NaN, never the previous series. Each panel row is gathered back through
its flat position in the matrix, so the output keeps the input order.

Pooled features (`FeatureSpec.pooled`) are the same lags and windows of the item's total over
its locations at each date (column ITEM_TOTAL when the panel carries it, e.g. serving's one
series' slice of the whole panel; else summed over the panel given, so pass every location).

Leakage. A target feature at period t reads columns t - lag or t - offset - window + 1 .. t - offset
(lag, offset >= 1) of its own row only: perturbing the target at t or later cannot change it.
Rolling windows are NaN-aware and need `features.spec.min_periods(window)` observed values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features.calendar_features import CalendarLookup
from features.dataset import Frequency
from features.events import aligned_lags
from features.series_codes import SeriesCodes
from features.spec import ITEM_PREFIX, SEASON, FeatureSpec, min_periods
from restock.progress import progress_bar

__all__ = [
    "ITEM_TOTAL",
    "KEY",
    "FeatureArrays",
    "build_features",
    "iter_feature_arrays",
    "item_totals",
    "iter_feature_chunks",
    "output_columns",
]

KEY: tuple[str, str, str] = ("sku", "location", "date")
FLAGS: tuple[str, str] = ("censored", "anomaly")
ITEM_TOTAL = "item_total"


def output_columns(spec: FeatureSpec) -> tuple[str, ...]:
    """Columns of a built frame: key, target, flags (to weight or drop rows), then features."""
    return (*KEY, spec.target, *FLAGS, *spec.feature_names)


def build_features(
    panel: pd.DataFrame,
    spec: FeatureSpec,
    *,
    calendar: pd.DataFrame | None = None,
    codes: SeriesCodes | None = None,
) -> pd.DataFrame:
    """All features of the panel in one frame, same rows and order (memory grows with the panel;
    use `iter_feature_chunks` for big ones)."""
    # One chunk holding every series (a panel has no more series than rows).
    chunks = iter_feature_chunks(
        panel, spec, chunk_series=max(1, len(panel)), calendar=calendar, codes=codes
    )
    frame = next(chunks, None)
    return _empty(panel, spec) if frame is None else frame


def iter_feature_chunks(
    panel: pd.DataFrame,
    spec: FeatureSpec,
    *,
    chunk_series: int,
    calendar: pd.DataFrame | None = None,
    codes: SeriesCodes | None = None,
    progress: bool = False,
) -> Iterator[pd.DataFrame]:
    """Features for `chunk_series` whole series at a time, in panel order (bounded memory).

    `calendar` (date, is_holiday[, event_name]) overrides the built-in holiday list; `codes`
    defaults to codes of this panel, built once so every chunk agrees.
    """
    chunks = iter_feature_arrays(
        panel, spec, chunk_series=chunk_series, calendar=calendar, codes=codes, progress=progress
    )
    return (_frame(panel.iloc[c.rows], spec, c) for c in chunks)


@dataclass(frozen=True)
class FeatureArrays:
    """One chunk of `iter_feature_arrays`: panel rows `rows` (positions), their float32 target
    and each feature of the spec (float32; encodings int32), in spec order."""

    rows: slice
    target: np.ndarray
    features: dict[str, np.ndarray]


def iter_feature_arrays(
    panel: pd.DataFrame,
    spec: FeatureSpec,
    *,
    chunk_series: int,
    calendar: pd.DataFrame | None = None,
    codes: SeriesCodes | None = None,
    progress: bool = False,
) -> Iterator[FeatureArrays]:
    """`iter_feature_chunks` as bare arrays, without the keys and flags: for callers that copy
    the features into a matrix anyway (`features.matrix`), a frame per chunk is memory wasted."""
    if chunk_series < 1:
        raise ValueError(f"chunk_series must be >= 1; got {chunk_series}")
    _check_columns(panel, spec)
    starts = _series_starts(panel)
    if spec.encodings and codes is None:
        codes = SeriesCodes.from_panel(panel)
    lookup = None
    if spec.calendar and len(panel):
        days = _days(panel["date"])
        lookup = CalendarLookup.build(
            int(days.min()), int(days.max()), spec.frequency, calendar=calendar
        )
    item = item_totals(panel, spec.target) if spec.pooled else None
    return _chunks(panel, spec, starts, chunk_series, lookup, codes, item, progress)


def item_totals(panel: pd.DataFrame, target: str = "demand") -> np.ndarray:
    """Per row, the item's (sku's) total target over the panel's locations at that date (NaN
    where no location has a value); the panel's ITEM_TOTAL column when it has one."""
    if ITEM_TOTAL in panel.columns:
        return panel[ITEM_TOTAL].to_numpy(dtype=np.float64, na_value=np.nan)
    values = panel[target].to_numpy(dtype=np.float64, na_value=np.nan)
    frame = pd.DataFrame({"sku": panel["sku"].to_numpy(), "date": panel["date"].to_numpy()})
    frame["y"] = values
    groups = frame.groupby(["sku", "date"], sort=False, observed=True)["y"]
    total = groups.transform("sum").to_numpy(dtype=np.float64)
    return np.where(groups.transform("count").to_numpy() > 0, total, np.nan)


def _chunks(
    panel: pd.DataFrame,
    spec: FeatureSpec,
    starts: np.ndarray,
    chunk_series: int,
    lookup: CalendarLookup | None,
    codes: SeriesCodes | None,
    item: np.ndarray | None,
    progress: bool,
) -> Iterator[FeatureArrays]:
    n_series = len(starts) - 1
    with progress_bar("building features", n_series, enabled=progress) as advance:
        for first in range(0, n_series, chunk_series):
            last = min(first + chunk_series, n_series)
            lo, hi = int(starts[first]), int(starts[last])
            local = starts[first : last + 1] - lo
            pooled = None if item is None else item[lo:hi]
            target, feats = _chunk_features(panel.iloc[lo:hi], local, spec, lookup, codes, pooled)
            yield FeatureArrays(slice(lo, hi), target, feats)
            advance(last - first)


def _check_columns(panel: pd.DataFrame, spec: FeatureSpec) -> None:
    needed = [*KEY, spec.target]
    if spec.price_features:
        needed.append("price")
    if spec.promo_features:
        needed.append("on_promo")
    missing = [c for c in needed if c not in panel.columns]
    if missing:
        raise ValueError(
            f"panel lacks columns {missing} that the feature spec needs; build features from the "
            "cleaned panel (features.clean) or drop those features from the spec"
        )
    if not pd.api.types.is_datetime64_any_dtype(panel["date"]):
        raise ValueError(f"panel 'date' must be datetime64, not {panel['date'].dtype}")


def _label_codes(column: pd.Series) -> np.ndarray:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy()
    return pd.factorize(column)[0]


def _series_starts(panel: pd.DataFrame) -> np.ndarray:
    """Row where each series starts, plus len(panel); refuses a series split over blocks."""
    n = len(panel)
    if n == 0:
        return np.zeros(1, dtype=np.int64)
    sku, loc = _label_codes(panel["sku"]), _label_codes(panel["location"])
    change = (sku[1:] != sku[:-1]) | (loc[1:] != loc[:-1])
    starts = np.concatenate(([0], np.flatnonzero(change) + 1, [n])).astype(np.int64)
    first = starts[:-1]
    pair = sku[first].astype(np.int64) * (int(loc.max()) + 2) + loc[first]
    if len(np.unique(pair)) != len(first):
        raise ValueError(
            "a (sku, location) series appears in more than one block of rows; sort the panel by "
            "sku, location, date"
        )
    return starts


def _days(dates: pd.Series) -> np.ndarray:
    return dates.to_numpy().astype("datetime64[D]").astype(np.int64)


def _check_dense(part: pd.DataFrame, starts: np.ndarray, frequency: Frequency) -> None:
    dates = part["date"].to_numpy()
    if frequency is Frequency.MONTHLY:
        steps, unit = np.diff(dates.astype("datetime64[M]").astype(np.int64)), 1
    else:
        steps = np.diff(dates.astype("datetime64[D]").astype(np.int64))
        unit = 1 if frequency is Frequency.DAILY else 7
    bad = steps != unit
    bad[starts[1:-1] - 1] = False  # the step into a new series is not a step
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        at = part.iloc[row]
        raise ValueError(
            f"series ({at['sku']!r}, {at['location']!r}) is not dense at {at['date']:%Y-%m-%d} "
            f"(expected one row per {frequency.value} period, sorted by date); build features "
            "from the cleaned panel (features.clean fills gaps)"
        )


@dataclass(frozen=True)
class _Layout:
    """Where each panel row sits in the (series x guard + longest series) matrix."""

    shape: tuple[int, int]
    flat: np.ndarray  # int64 flat position of each row

    guard: int

    @classmethod
    def of(cls, starts: np.ndarray, guard: int) -> _Layout:
        lengths = np.diff(starts)
        width = guard + int(lengths.max())
        series = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        pos = np.arange(int(starts[-1]), dtype=np.int64) - starts[series]
        return cls((len(lengths), width), series * width + guard + pos, guard)

    def matrix(self, values: np.ndarray) -> np.ndarray:
        out = np.full(self.shape, np.nan)
        out.ravel()[self.flat] = values
        return out


class _Windows:
    """Lags and rolling statistics of one value series, gathered at the panel rows."""

    def __init__(self, values: np.ndarray, layout: _Layout) -> None:
        self.m = layout.matrix(values)
        self.flat = layout.flat
        self.guard = layout.guard
        self._cache: dict[str, np.ndarray] = {}

    def lag(self, k: int | np.ndarray) -> np.ndarray:
        """The value k periods back (k per row or one for all); NaN past the guard."""
        if isinstance(k, int):
            return self.m.ravel()[self.flat - k]
        inside = k <= self.guard  # further back would read the previous series' row
        return np.where(inside, self.m.ravel()[self.flat - np.where(inside, k, 0)], np.nan)

    def _get(self, name: str) -> np.ndarray:
        """Computed once, on first use: 'finite', 'centred' values, the row's 'centre', and
        row-wise cumulative sums 'n' (observed values), 'x' and 'xx' (of centred values)."""
        if name not in self._cache:
            self._cache[name] = self._compute(name)
        return self._cache[name]

    def _compute(self, name: str) -> np.ndarray:
        if name == "finite":
            return np.isfinite(self.m)
        if name == "centre":
            # Centring on the series' first observed value keeps sums of squares small (exact
            # std); that value is never later than any window holding an observation.
            first = np.argmax(self._get("finite"), axis=1)
            centre = self.m[np.arange(len(self.m)), first]
            return np.where(np.isfinite(centre), centre, 0.0)
        if name == "centred":
            centred = self.m - self._get("centre")[:, None]
            return np.where(self._get("finite"), centred, 0.0)
        if name == "n":
            return np.cumsum(self._get("finite"), axis=1, dtype=np.int32).ravel()
        if name == "x":
            return np.cumsum(self._get("centred"), axis=1).ravel()
        centred = self._get("centred")
        return np.cumsum(centred * centred, axis=1).ravel()

    def _window_sum(self, name: str, end: np.ndarray, window: int) -> np.ndarray:
        total = self._get(name)
        return total[end] - total[end - window]

    def rolling(self, stat: str, window: int, offset: int) -> np.ndarray:
        end = self.flat - offset
        n = self._window_sum("n", end, window)
        need = max(min_periods(window), 2 if stat == "std" else 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            if stat == "mean":
                row_centre = self._get("centre")[self.flat // self.m.shape[1]]
                value = self._window_sum("x", end, window) / n + row_centre
            elif stat == "std":
                t1 = self._window_sum("x", end, window)
                t2 = self._window_sum("xx", end, window)
                value = np.sqrt(np.maximum(t2 - t1 * t1 / n, 0.0) / (n - 1))
            else:
                value = self._extreme(np.fmax if stat == "max" else np.fmin, window, end)
        return np.where(n >= need, value, np.nan)

    def _extreme(self, op: np.ufunc, window: int, end: np.ndarray) -> np.ndarray:
        # van Herk / Gil-Werman: per block of `window` columns a running prefix and suffix
        # extreme; any window is one suffix plus one prefix, so 3 passes whatever its length.
        # fmax/fmin skip NaN. The guard keeps every window inside its own row.
        flat = self.m.ravel()
        blocks = -(-flat.size // window)
        padded = np.full(blocks * window, np.nan)
        padded[: flat.size] = flat
        shaped = padded.reshape(blocks, window)
        prefix = op.accumulate(shaped, axis=1).ravel()
        suffix = op.accumulate(shaped[:, ::-1], axis=1)[:, ::-1].ravel()
        return op(suffix[end - window + 1], prefix[end])


def _frame(part: pd.DataFrame, spec: FeatureSpec, chunk: FeatureArrays) -> pd.DataFrame:
    out: dict[str, Any] = {c: part[c].array for c in KEY}
    out[spec.target] = chunk.target
    for flag in FLAGS:
        out[flag] = (
            part[flag].to_numpy(dtype=bool, na_value=False)
            if flag in part.columns
            else np.zeros(len(part), dtype=bool)
        )
    out.update(chunk.features)
    return pd.DataFrame(out, index=part.index, copy=False)


def _chunk_features(
    part: pd.DataFrame,
    starts: np.ndarray,
    spec: FeatureSpec,
    lookup: CalendarLookup | None,
    codes: SeriesCodes | None,
    item: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The chunk's float32 target and its features in spec order (`item`: the rows' item
    totals, for the pooled features)."""
    _check_dense(part, starts, spec.frequency)
    layout = _Layout.of(starts, guard=spec.max_lookback)
    target = part[spec.target].to_numpy(dtype=np.float64, na_value=np.nan)
    feats: dict[str, np.ndarray] = {}
    demand = _Windows(target, layout)
    lags = _lags(spec, _days(part["date"])) if spec.aligned_events else {}
    for k in spec.lags:
        feats[f"lag_{k}"] = _f32(demand.lag(lags.get(k, k)))
    for r in spec.rolling:
        feats[r.name] = _f32(demand.rolling(r.stat, r.window, r.offset))
    del demand
    if spec.pooled:
        assert item is not None  # iter_feature_arrays sums them when the spec pools
        totals = _Windows(item, layout)
        rolls = {r.name: r for r in spec.rolling}
        for name in spec.pooled:
            window = rolls.get(name)
            if window is None:
                k = int(name.removeprefix("lag_"))
                values = totals.lag(lags.get(k, k))
            else:
                values = totals.rolling(window.stat, window.window, window.offset)
            feats[ITEM_PREFIX + name] = _f32(values)
    if lookup is not None:
        for name, values in lookup.features(spec.calendar, _days(part["date"])).items():
            feats[name] = _f32(values)
    if spec.price_features:
        for name, values in _price_features(part, spec, layout).items():
            feats[name] = _f32(values)
    if spec.promo_features:
        promo = part["on_promo"].to_numpy(dtype=np.float64, na_value=np.nan)
        if "on_promo" in spec.promo_features:
            feats["on_promo"] = _f32(promo)
        if "promo_lag1" in spec.promo_features:
            feats["promo_lag1"] = _f32(_Windows(promo, layout).lag(1))
    for name in spec.encodings:
        assert codes is not None  # iter_feature_arrays builds them when the spec has encodings
        feats[name] = codes.encode(name, part)
    return target.astype(np.float32), {name: feats.pop(name) for name in spec.feature_names}


def _lags(spec: FeatureSpec, days: np.ndarray) -> dict[int, np.ndarray]:
    """Per-row lags of the spec's seasonal lags aligned on its movable events."""
    season = SEASON[spec.frequency]
    return {
        k: aligned_lags(
            days,
            k,
            period_days=spec.frequency.days,
            years_back=k // season,
            events=spec.aligned_events,
            window=spec.event_window,
        )
        for k in spec.lags
        if spec.is_aligned(k)
    }


def _f32(values: np.ndarray) -> np.ndarray:
    # Cast each feature as soon as it exists: a chunk holds ~30 of them, float64 would double it.
    # Calendar values already are float32: no copy then.
    return values.astype(np.float32, copy=False)


def _price_features(part: pd.DataFrame, spec: FeatureSpec, layout: _Layout) -> dict[str, Any]:
    price = part["price"].to_numpy(dtype=np.float64, na_value=np.nan)
    windows = _Windows(price, layout)
    feats: dict[str, Any] = {"price": price}
    with np.errstate(invalid="ignore", divide="ignore"):
        if "price_ratio" in spec.price_features:
            feats["price_ratio"] = price / windows.rolling("mean", spec.price_window, 1)
        if "price_change" in spec.price_features:
            feats["price_change"] = price / windows.lag(1) - 1.0
    return {name: feats[name] for name in spec.price_features}


def _empty(panel: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    frame = panel.loc[:, list(KEY)].iloc[:0].copy()
    for name in output_columns(spec)[len(KEY) :]:
        dtype = bool if name in FLAGS else np.int32 if name in spec.encodings else np.float32
        frame[name] = np.array([], dtype=dtype)
    return frame

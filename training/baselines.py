"""Baseline forecasts every model must beat: statsforecast's classical methods on the panel.

`baseline_forecasts` forecasts the `horizon` periods after each series' last date of the history
(the cleaned panel truncated at the backtest origin). Methods, by name:

| method | statsforecast model | intervals |
|---|---|---|
| seasonal_naive | SeasonalNaive(season); Naive() for series shorter than one season | yes |
| moving_average | WindowAverage(window); HistoricAverage() for series under one window | no |
| auto_ets | AutoETS(season, model); series under two seasons get seasonal_naive | yes |
| croston | CrostonClassic() | no |
| tsb | TSB(alpha_d=0.2, alpha_p=0.2) | no |
| mstl | MSTL(season), AutoETS("ZZN") trend; under two seasons: seasonal_naive | yes |

- season = `frequency.season_length` (7 daily, 52 weekly, 12 monthly).
- window: 28 for daily data (four whole weeks, so the weekday pattern averages out and the level
  is less noisy than over 7 days), the season length otherwise (a whole year of weeks or months).
- auto_ets search space (`ets_model` overrides it): weekly "ZZA" (BENCHMARK_PROTOCOL: the full
  search picks non-seasonal models on Walmart); daily "ZNA" (additive weekday season, no trend:
  a trend is rarely identifiable in daily item demand over a few weeks' horizon, and the trend
  search made "ZZZ" ~9x slower, 19 s instead of 2 s on the demo's 160 series, without being
  more accurate there); monthly "ZZZ" (short series, cheap). At season 52 "ZZA" is slow:
  ~4 min for Walmart's 3,067 long series at one origin (~75 ms each, 2 shared cores). "AZA"
  (additive errors) took half that time, as accurate on that fold; "ANA" is 7x faster but clearly
  less accurate (no trend). Under two seasons a seasonal ETS has too little data to start
  from, so those series get the seasonal-naive rule instead (the protocol's fallback).
- mstl is not among the defaults the backtest routes between: it is the seasonal member a
  weekly model is combined with (`training.blend`), the decomposition the Walmart protocol's
  best statistical peer uses. ~25 ms per series of 3 years at season 52.
- Point-only models: statsforecast gives them intervals only with conformal calibration, which
  needs several horizons of history, so their quantile columns are NaN.
- A model that raises on a series is replaced for that series by SeasonalNaive(season) (Naive()
  when some series of the group are shorter than a season): one bad series never stops a run.
- Forecasts and bounds are clipped at 0 (demand is not negative).

Time is handed to statsforecast as integer positions on each series' own grid (the cleaned panel
is dense), and dates are put back by stepping from the series' last date: each series keeps its
own weekday (Walmart's Fridays) even when series of one panel use different weekdays, and no
frequency string is guessed. The output's `attrs` hold `models` (method -> model -> series count)
and `seconds` (method -> wall time).
"""

from __future__ import annotations

import re
import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features.dataset import Frequency
from training.metrics import quantile_column

__all__ = [
    "DAILY_WINDOW",
    "METHODS",
    "DEFAULT_METHODS",
    "TSB_ALPHA",
    "baseline_forecasts",
    "default_ets_model",
    "interval_quantiles",
    "moving_average_window",
]

DEFAULT_METHODS: tuple[str, ...] = (
    "seasonal_naive",
    "moving_average",
    "auto_ets",
    "croston",
    "tsb",
)
# Every method `baseline_forecasts` knows: the defaults plus the combination member.
METHODS: tuple[str, ...] = (*DEFAULT_METHODS, "mstl")
DAILY_WINDOW = 28
TSB_ALPHA = 0.2  # both smoothing constants, demand size and demand probability
_HISTORY_COLUMNS = ("sku", "location", "date", "demand")
_ALIAS = "model"


def moving_average_window(frequency: Frequency) -> int:
    """Periods averaged by the moving_average baseline: 28 days, else one season."""
    frequency = Frequency(frequency)
    return DAILY_WINDOW if frequency is Frequency.DAILY else frequency.season_length


def default_ets_model(frequency: Frequency) -> str:
    """AutoETS search space per frequency (module docstring): ZNA daily, ZZA weekly, ZZZ monthly."""
    return {"daily": "ZNA", "weekly": "ZZA", "monthly": "ZZZ"}[Frequency(frequency).value]


def interval_quantiles(level: int) -> tuple[float, float]:
    """The (lower, upper) quantiles of a central `level`% interval: 80 -> (0.1, 0.9)."""
    if not 0 < level < 100:
        raise ValueError(f"interval level {level} must be between 0 and 100 (e.g. 80)")
    low = (100 - level) / 200
    return round(low, 9), round(1 - low, 9)


@dataclass(frozen=True)
class _Panel:
    """The history as statsforecast input, one integer id per series."""

    keys: pd.DataFrame  # sku, location of each series id, in the history's dtypes
    frame: pd.DataFrame  # unique_id, ds (position on the series grid), y
    lengths: np.ndarray  # periods per series
    last: np.ndarray  # last date per series (datetime64, the history's unit)


@dataclass(frozen=True)
class _Plan:
    """One statsforecast model applied to a subset of series for one method."""

    label: str
    series: np.ndarray  # bool per series id
    model: Any
    intervals: bool


def _ticks(dates: np.ndarray, frequency: Frequency) -> tuple[np.ndarray, int]:
    """Integer period ticks of dates and the ticks per period (months, or days)."""
    if frequency is Frequency.MONTHLY:
        return dates.astype("datetime64[M]").astype(np.int64), 1
    step = 7 if frequency is Frequency.WEEKLY else 1
    return dates.astype("datetime64[D]").astype(np.int64), step


def _prepare(history: pd.DataFrame, frequency: Frequency) -> _Panel:
    missing = [c for c in _HISTORY_COLUMNS if c not in history.columns]
    if missing:
        raise ValueError(
            f"history lacks column(s) {missing}; pass the cleaned panel "
            "(features.clean.clean_sales) truncated at the forecast origin"
        )
    y = history["demand"].to_numpy(dtype=np.float64)
    if not np.isfinite(y).all():
        raise ValueError(
            f"history has {int((~np.isfinite(y)).sum())} missing or infinite demand values; "
            "pass the cleaned panel, whose demand is always filled"
        )
    groups = history.groupby(["sku", "location"], observed=True, sort=True)
    sid = groups.ngroup().to_numpy()
    dates = history["date"].to_numpy()
    order = np.lexsort((dates, sid))
    sid, y, dates = sid[order], y[order], dates[order]
    lengths = np.bincount(sid, minlength=groups.ngroups)
    start = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    end = start + lengths - 1
    ticks, step = _ticks(dates, frequency)
    # Dense means consecutive rows of a series are exactly one period apart.
    off_grid = (np.diff(sid) == 0) & (np.diff(ticks) != step)
    if off_grid.any():
        bad = groups.size().index[int(sid[1:][off_grid][0])]
        raise ValueError(
            f"series {bad} is not one row per {frequency.value} period; pass the dense cleaned "
            "panel (features.clean.clean_sales), which fills gaps"
        )
    frame = pd.DataFrame(
        {"unique_id": sid, "ds": np.arange(len(sid)) - start[sid], "y": y}, copy=False
    )
    return _Panel(
        keys=groups.size().index.to_frame(index=False),
        frame=frame,
        lengths=lengths,
        last=dates[end],
    )


def _plans(method: str, frequency: Frequency, lengths: np.ndarray, ets_model: str) -> list[_Plan]:
    """Which model forecasts which series for `method` (see the module docstring)."""
    from statsforecast.models import (
        MSTL,
        TSB,
        AutoETS,
        CrostonClassic,
        HistoricAverage,
        Naive,
        SeasonalNaive,
        WindowAverage,
    )

    season = frequency.season_length
    seasonal = lengths >= season
    everyone = np.ones(len(lengths), dtype=bool)
    naive_rule = [
        _Plan(f"SeasonalNaive({season})", seasonal, SeasonalNaive(season, alias=_ALIAS), True),
        _Plan("Naive", ~seasonal, Naive(alias=_ALIAS), True),
    ]
    if method == "seasonal_naive":
        return naive_rule
    if method == "moving_average":
        window = moving_average_window(frequency)
        full = lengths >= window
        return [
            _Plan(f"WindowAverage({window})", full, WindowAverage(window, alias=_ALIAS), False),
            _Plan("HistoricAverage", ~full, HistoricAverage(alias=_ALIAS), False),
        ]
    if method == "auto_ets":
        long = lengths >= 2 * season
        ets = AutoETS(season_length=season, model=ets_model, alias=_ALIAS)
        return [
            _Plan(f"AutoETS({season}, {ets_model})", long, ets, True),
            *(_Plan(p.label, p.series & ~long, p.model, p.intervals) for p in naive_rule),
        ]
    if method == "croston":
        return [_Plan("CrostonClassic", everyone, CrostonClassic(alias=_ALIAS), False)]
    if method == "tsb":
        tsb = TSB(alpha_d=TSB_ALPHA, alpha_p=TSB_ALPHA, alias=_ALIAS)
        return [_Plan(f"TSB({TSB_ALPHA}, {TSB_ALPHA})", everyone, tsb, False)]
    if method == "mstl":
        long = lengths >= 2 * season
        mstl = MSTL(season, trend_forecaster=AutoETS(model="ZZN"), alias=_ALIAS)
        return [
            _Plan(f"MSTL({season}, AutoETS ZZN trend)", long, mstl, True),
            *(_Plan(p.label, p.series & ~long, p.model, p.intervals) for p in naive_rule),
        ]
    raise ValueError(f"unknown baseline method '{method}'; choose from {list(METHODS)}")


def _run(
    plan: _Plan, panel: _Panel, frequency: Frequency, horizon: int, level: tuple[int, ...]
) -> pd.DataFrame:
    """statsforecast output (unique_id, ds, model[, model-lo-L, model-hi-L]) for a plan."""
    from statsforecast import StatsForecast
    from statsforecast.models import Naive, SeasonalNaive

    season = frequency.season_length
    all_seasonal = panel.lengths[plan.series].min() >= season
    fallback = SeasonalNaive(season) if all_seasonal else Naive()
    frame = panel.frame[plan.series[panel.frame["unique_id"].to_numpy()]]
    forecaster = StatsForecast(models=[plan.model], freq=1, n_jobs=1, fallback_model=fallback)
    with warnings.catch_warnings():
        # Near-perfect fits divide by ~0 residual variance inside statsforecast; harmless here.
        warnings.simplefilter("ignore", RuntimeWarning)
        levels = list(level) if plan.intervals and level else None
        result: pd.DataFrame = forecaster.forecast(h=horizon, df=frame, level=levels)
    return result


def _future_dates(last: np.ndarray, steps: np.ndarray, frequency: Frequency) -> np.ndarray:
    """The date `steps` periods after `last`, on each series' own grid."""
    unit = np.datetime_data(last.dtype)[0]
    if frequency is Frequency.MONTHLY:
        months = last.astype("datetime64[M]") + steps
        return months.astype("datetime64[D]").astype(f"datetime64[{unit}]")
    days = 7 if frequency is Frequency.WEEKLY else 1
    return (last.astype("datetime64[D]") + steps * days).astype(f"datetime64[{unit}]")


def _check_arguments(
    methods: tuple[str, ...], horizon: int, level: tuple[int, ...], ets_model: str | None
) -> None:
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1 period, got {horizon}")
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods or len(set(methods)) != len(methods):
        raise ValueError(f"methods {list(methods)} must be distinct names among {list(METHODS)}")
    for value in level:
        interval_quantiles(value)
    if ets_model is not None and not re.fullmatch(r"[AMZ][NAMZ][NAMZ]", ets_model):
        # statsforecast would raise on every series and silently hand all to the fallback.
        raise ValueError(
            f"ets_model '{ets_model}' is not an ETS code: error A/M/Z, trend N/A/M/Z, season "
            "N/A/M/Z, e.g. 'ZZA' or 'ANA' (damping is searched by AutoETS itself)"
        )


def baseline_forecasts(
    history: pd.DataFrame,
    *,
    horizon: int,
    frequency: Frequency,
    methods: tuple[str, ...] = DEFAULT_METHODS,
    level: tuple[int, ...] = (80,),
    ets_model: str | None = None,
) -> pd.DataFrame:
    """Forecast `horizon` periods after each series' last date with each baseline method.

    Long output: sku, location, date, method, p50, then one column per interval bound of `level`
    (80 -> p10, p90), NaN for point-only methods. See the module docstring for the models.
    """
    frequency = Frequency(frequency)
    _check_arguments(methods, horizon, level, ets_model)
    bounds = sorted({q for value in level for q in interval_quantiles(value)})
    columns = ["sku", "location", "date", "method", "p50", *map(quantile_column, bounds)]
    if history.empty:
        return pd.DataFrame(columns=columns)
    panel = _prepare(history, frequency)
    ets = ets_model or default_ets_model(frequency)
    pieces: list[pd.DataFrame] = []
    used: dict[str, dict[str, int]] = {}
    seconds: dict[str, float] = {}
    for method in methods:
        started = time.perf_counter()
        used[method] = {}
        for plan in _plans(method, frequency, panel.lengths, ets):
            if not plan.series.any():
                continue
            used[method][plan.label] = int(plan.series.sum())
            out = _run(plan, panel, frequency, horizon, level)
            sid = out["unique_id"].to_numpy(dtype=np.int64)
            piece = {
                "series": sid,
                "step": out["ds"].to_numpy(dtype=np.int64) - panel.lengths[sid] + 1,
                "p50": out[_ALIAS].to_numpy(dtype=np.float64),
            }
            for value in level:
                low, high = interval_quantiles(value)
                for q, side in ((low, "lo"), (high, "hi")):
                    name = f"{_ALIAS}-{side}-{value}"
                    piece[quantile_column(q)] = (
                        out[name].to_numpy(dtype=np.float64) if name in out else np.nan
                    )
            pieces.append(pd.DataFrame(piece).assign(method=method))
        seconds[method] = round(time.perf_counter() - started, 3)
    long = pd.concat(pieces, ignore_index=True)
    rank = {m: i for i, m in enumerate(methods)}
    long = long.sort_values(
        ["method", "series", "step"], key=lambda c: c.map(rank) if c.name == "method" else c
    )
    sid = long["series"].to_numpy()
    result = panel.keys.iloc[sid].reset_index(drop=True)
    result["date"] = _future_dates(panel.last[sid], long["step"].to_numpy(), frequency)
    result["method"] = long["method"].to_numpy()
    for column in columns[4:]:
        result[column] = np.maximum(long[column].to_numpy(dtype=np.float64), 0.0)
    result.attrs["models"] = used
    result.attrs["seconds"] = seconds
    return result

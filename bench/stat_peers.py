"""statsforecast peers on BENCHMARK_PROTOCOL input, with the protocol's short-series fallback.

`stat_forecasts` runs each `Peer` on the series long enough for it; shorter series get
SeasonalNaive(season) (Naive when shorter than one season), counted in the output's
`attrs["fallback"]`. Point-only models get conformal intervals (`ConformalIntervals`, two
windows of one horizon) so every peer has a P10-P90 band. Forecasts and bounds are clipped at 0
(demand is not negative), as restock's own baselines are.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Peer", "stat_forecasts"]

LEVEL = 80


@dataclass(frozen=True)
class Peer:
    """A statsforecast model, built fresh per run, for series of at least `min_length` periods."""

    name: str
    make: Callable[[str], Any]  # alias -> model instance
    min_length: int = 1


def _run(
    frame: pd.DataFrame, model: Any, fallback: Any, *, horizon: int, freq: str, n_jobs: int
) -> pd.DataFrame:
    from statsforecast import StatsForecast

    forecaster = StatsForecast(models=[model], freq=freq, n_jobs=n_jobs, fallback_model=fallback)
    with warnings.catch_warnings():
        # Near-perfect fits divide by ~0 residual variance inside statsforecast; harmless here.
        warnings.simplefilter("ignore")
        out: pd.DataFrame = forecaster.forecast(
            df=frame[["unique_id", "ds", "y"]], h=horizon, level=[LEVEL]
        )
    return out


def _tidy(out: pd.DataFrame, alias: str, method: str) -> pd.DataFrame:
    def col(name: str) -> np.ndarray:
        if name not in out:
            return np.full(len(out), np.nan)
        return np.maximum(out[name].to_numpy(dtype=np.float64), 0.0)

    return pd.DataFrame(
        {
            "series": out["unique_id"].to_numpy(),
            "date": out["ds"].to_numpy(),
            "method": method,
            "p50": col(alias),
            "p10": col(f"{alias}-lo-{LEVEL}"),
            "p90": col(f"{alias}-hi-{LEVEL}"),
        }
    )


def stat_forecasts(
    history: pd.DataFrame,
    peers: list[Peer],
    *,
    horizon: int,
    freq: str,
    season: int,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Forecasts of every peer for `horizon` periods after each series' last date.

    `history`: series, ds, y, dense per series. Long output: series, date, method, p50, p10, p90.
    """
    from statsforecast.models import Naive, SeasonalNaive

    frame = history.rename(columns={"series": "unique_id"})
    lengths = frame.groupby("unique_id", sort=False, observed=True).size()
    pieces: list[pd.DataFrame] = []
    fallback: dict[str, int] = {}
    for peer in peers:
        long = lengths.index[lengths >= peer.min_length]
        short = lengths[lengths < peer.min_length]
        fallback[peer.name] = int(short.size)
        groups = [
            (long, peer.make("m"), SeasonalNaive(season, alias="m")),
            (short.index[short >= season], SeasonalNaive(season, alias="m"), None),
            (short.index[short < season], Naive(alias="m"), None),
        ]
        for ids, model, backup in groups:
            if len(ids):
                part = frame[frame["unique_id"].isin(ids)]
                out = _run(part, model, backup, horizon=horizon, freq=freq, n_jobs=n_jobs)
                pieces.append(_tidy(out, "m", peer.name))
    result = pd.concat(pieces, ignore_index=True)
    result.attrs["fallback"] = fallback
    return result

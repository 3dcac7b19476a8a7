"""The Nixtla mlforecast + LightGBM peer: a recursive global model on declared lags.

Features are declared the mlforecast way (lags, `RollingMean` on lag 1, date features, static
columns); LightGBM gets the same parameters as restock (`training.demand.DEFAULT_PARAMS` unless
given) and a fixed number of trees. `dropna=False`, so rows whose longest lag is not yet
available still train (LightGBM handles the NaN), as they do for restock. The P10-P90 band
comes from mlforecast's conformal intervals (two windows of one horizon); series too short
for them are forecast by Naive (with its own band) and counted in `attrs["fallback"]`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["lgbm_params", "make_forecaster", "mlforecast_forecasts", "week_of_year"]

LEVEL = 80


def week_of_year(dates: pd.DatetimeIndex) -> np.ndarray:
    """ISO week number: the weekly date feature (pandas dropped `DatetimeIndex.week`)."""
    return np.asarray(dates.isocalendar().week, dtype=np.int32)


def lgbm_params(rounds: int, params: dict[str, Any] | None = None, seed: int = 0) -> dict[str, Any]:
    """LGBMRegressor keyword arguments: restock's LightGBM parameters and `rounds` trees."""
    from training.demand import DEFAULT_PARAMS

    return {**DEFAULT_PARAMS, **(params or {}), "n_estimators": rounds, "random_state": seed}


def make_forecaster(
    *,
    freq: str,
    lags: Sequence[int],
    rolling: Sequence[int],
    date_features: Sequence[str | Callable[..., Any]],
    rounds: int,
    params: dict[str, Any] | None = None,
    seed: int = 0,
) -> Any:
    """An unfitted MLForecast with one LightGBM model named `lgbm`."""
    from lightgbm import LGBMRegressor
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean

    return MLForecast(
        models={"lgbm": LGBMRegressor(**lgbm_params(rounds, params, seed))},
        freq=freq,
        lags=list(lags),
        lag_transforms={1: [RollingMean(window_size=w) for w in rolling]} if rolling else None,
        date_features=list(date_features),
    )


def mlforecast_forecasts(
    history: pd.DataFrame,
    *,
    horizon: int,
    freq: str,
    lags: Sequence[int],
    rolling: Sequence[int],
    date_features: Sequence[str | Callable[..., Any]],
    statics: Sequence[str] = (),
    rounds: int,
    params: dict[str, Any] | None = None,
    method: str = "mlforecast_lgbm",
    seed: int = 0,
) -> pd.DataFrame:
    """Forecast `horizon` periods after each series' last date (`history`: series, ds, y and
    the static columns). Long output: series, date, method, p50, p10, p90 (clipped at 0)."""
    from mlforecast.utils import PredictionIntervals

    from bench.stat_peers import Peer, stat_forecasts

    frame = history.rename(columns={"series": "unique_id"})[["unique_id", "ds", "y", *statics]]
    lengths = frame.groupby("unique_id", sort=False, observed=True).size()
    # Conformal intervals need two windows of one horizon plus one period to fit on.
    long = lengths.index[lengths > 2 * horizon]
    forecaster = make_forecaster(
        freq=freq,
        lags=lags,
        rolling=rolling,
        date_features=date_features,
        rounds=rounds,
        params=params,
        seed=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Found null values in ...": intended, dropna=False
        forecaster.fit(
            frame[frame["unique_id"].isin(long)],
            static_features=list(statics),
            dropna=False,
            prediction_intervals=PredictionIntervals(n_windows=2, h=horizon),
        )
        out = forecaster.predict(horizon, level=[LEVEL])
    pieces = [
        pd.DataFrame(
            {
                "series": out["unique_id"].to_numpy(),
                "date": out["ds"].to_numpy(),
                "method": method,
                **{
                    q: np.maximum(out[c].to_numpy(dtype=np.float64), 0.0)
                    for q, c in (("p50", "lgbm"), ("p10", f"lgbm-lo-{LEVEL}"))
                },
                "p90": np.maximum(out[f"lgbm-hi-{LEVEL}"].to_numpy(dtype=np.float64), 0.0),
            }
        )
    ]
    short = history[~history["series"].isin(long)]
    if len(short):
        from statsforecast.models import Naive

        naive = Peer(method, lambda alias: Naive(alias=alias))
        pieces.append(
            stat_forecasts(
                short[["series", "ds", "y"]], [naive], horizon=horizon, freq=freq, season=1
            )
        )
    result = pd.concat(pieces, ignore_index=True)
    result.attrs["fallback"] = {method: int(lengths.size - long.size)}
    return result

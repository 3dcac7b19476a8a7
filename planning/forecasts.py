"""Demand forecasts for the plan: the champion's quantiles per store series, and why.

Drivers are the SHAP contributions (LightGBM `pred_contrib`) of the first forecast step, in the
model's log-link space: a contribution of +0.2 multiplies the expected demand by e^0.2 = 1.22.
Routed series (forecast by a baseline, see `training/routed.py`) say so instead of drivers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from training.backtest import MODEL_METHOD
from training.quantiles import QUANTILE_COLUMNS, QUANTILES
from training.routed import RoutedForecaster

__all__ = ["SeriesForecasts", "forecast_series", "top_drivers"]

_KEYS = ["sku", "location"]


@dataclass
class SeriesForecasts:
    """Per series a (steps x quantiles) table, plus the method and drivers behind it."""

    keys: pd.DataFrame  # sku, location, routed_to; row i owns quantiles[i]
    quantiles: np.ndarray  # (series, horizon, len(levels)) per-period demand
    levels: tuple[float, ...]
    drivers: dict[tuple[str, str], list[dict[str, float | str]]]

    def index(self) -> dict[tuple[str, str], int]:
        return {
            (str(s), str(loc)): i
            for i, (s, loc) in enumerate(zip(self.keys["sku"], self.keys["location"], strict=True))
        }


def top_drivers(
    forecaster: RoutedForecaster, history: pd.DataFrame, *, top: int = 3
) -> dict[tuple[str, str], list[dict[str, float | str]]]:
    """The `top` features with the largest |SHAP| on each series' first forecast step."""
    model = forecaster.model
    frame = model.prediction_frame(history)
    first = frame[frame["step"] == 1].reset_index(drop=True)
    if first.empty:
        return {}
    contributions = model.contributions(first)
    names = list(model.feature_names)
    values = contributions[names].to_numpy(dtype=np.float64)
    order = np.argsort(-np.abs(values), axis=1)[:, :top]
    out: dict[tuple[str, str], list[dict[str, float | str]]] = {}
    for i, (sku, location) in enumerate(zip(first["sku"], first["location"], strict=True)):
        out[(str(sku), str(location))] = [
            {"feature": names[j], "contribution": round(float(values[i, j]), 4)} for j in order[i]
        ]
    return out


def forecast_series(
    forecaster: RoutedForecaster, history: pd.DataFrame, *, drivers: bool = True
) -> SeriesForecasts:
    """Quantile forecasts of every series in `history` (a cleaned panel) for the model horizon."""
    history = history.astype({"sku": "category", "location": "category"})
    history = history.sort_values([*_KEYS, "date"], ignore_index=True)
    out = forecaster.predict(history)
    out = out.astype({"sku": "str", "location": "str"}).sort_values([*_KEYS, "step"])
    keys = out.drop_duplicates(_KEYS)[[*_KEYS, "routed_to"]].reset_index(drop=True)
    horizon = int(out["step"].max())
    if len(out) != len(keys) * horizon:
        raise ValueError(
            f"forecast has {len(out)} rows for {len(keys)} series x {horizon} steps; "
            "every series needs the full horizon"
        )
    values = out[list(QUANTILE_COLUMNS)].to_numpy(dtype=np.float64)
    cube = values.reshape(len(keys), horizon, len(QUANTILE_COLUMNS))
    explained = top_drivers(forecaster, history) if drivers else {}
    routed = keys["routed_to"].to_numpy() != MODEL_METHOD
    for sku, location, method in keys.loc[routed, [*_KEYS, "routed_to"]].itertuples(index=False):
        explained[(sku, location)] = [{"feature": f"routed to {method}", "contribution": 0.0}]
    return SeriesForecasts(keys=keys, quantiles=cube, levels=tuple(QUANTILES), drivers=explained)

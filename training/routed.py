"""The deployed demand forecaster: the global model plus the segment routes the backtest chose.

`run_backtest` scores `restock_routed` out of sample and returns the routes chosen on all folds;
this object applies exactly those routes at inference, so what serving forecasts is what the gate
judged. Baselines run only for the series whose class is routed, and only the methods used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from features.segment import segment
from restock.settings import SegmentationThresholds
from training.backtest import MODEL_METHOD
from training.baselines import baseline_forecasts
from training.demand import DemandModel
from training.routing import apply_routes, route_classes

__all__ = ["RoutedForecaster"]

_KEYS = ["sku", "location"]


@dataclass
class RoutedForecaster:
    """`model` for every series, except classes in `routes` (class -> baseline method)."""

    model: DemandModel
    routes: dict[str, str] = field(default_factory=dict)
    min_history: int = 0
    thresholds: SegmentationThresholds = field(default_factory=SegmentationThresholds)

    @property
    def horizon(self) -> int:
        return self.model.horizon

    def classes(self, history: pd.DataFrame) -> pd.DataFrame:
        """sku, location, route_class, routed_to for every series of `history`."""
        frame = segment(history, self.model.frequency, self.thresholds)
        classes = route_classes(history, frame, min_history=self.min_history)
        return classes.assign(
            routed_to=classes["route_class"].map(self.routes).fillna(MODEL_METHOD)
        )

    def predict(self, history: pd.DataFrame) -> pd.DataFrame:
        """Quantile forecasts per series and step, with `routed_to` naming the method used."""
        forecast = self.model.predict(history).assign(method=MODEL_METHOD)
        if not self.routes:
            return forecast.assign(routed_to=MODEL_METHOD).drop(columns="method")
        classes = self.classes(history)
        routed = classes[classes["routed_to"] != MODEL_METHOD]
        if routed.empty:
            return forecast.assign(routed_to=MODEL_METHOD).drop(columns="method")
        chosen = routed[_KEYS].merge(history, on=_KEYS, how="inner")
        for key in _KEYS:  # the merge drops unused categories' order; keep the history's
            chosen[key] = chosen[key].astype(history[key].dtype)
        baselines = baseline_forecasts(
            chosen,
            horizon=self.horizon,
            frequency=self.model.frequency,
            methods=tuple(sorted(set(routed["routed_to"]))),
        )
        forecasts = pd.concat([forecast, _like(baselines, forecast)], ignore_index=True)
        out = apply_routes(
            forecasts,
            classes.drop(columns="routed_to"),
            self.routes,
            model=MODEL_METHOD,
            name=MODEL_METHOD,
        )
        return out.drop(columns="method")


def _like(baselines: pd.DataFrame, forecast: pd.DataFrame) -> pd.DataFrame:
    """Baseline rows with the model frame's key dtypes, so concat keeps categories."""
    out = baselines.copy()
    for key in _KEYS:
        if key in forecast.columns:
            out[key] = out[key].astype(forecast[key].dtype)
    return out

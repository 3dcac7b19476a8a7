"""The deployed demand forecaster: the global model plus the combination and segment routes
the backtest chose.

`run_backtest` scores `restock_routed` out of sample and returns the blend and routes chosen on
all folds; this object applies exactly those at inference, so what serving forecasts is what the
gate judged. The blend member runs for every series the model forecasts; other baselines only
for the series whose class is routed, and only the methods used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.segment import segment
from restock.settings import SegmentationThresholds
from training.backtest import MODEL_METHOD
from training.baselines import baseline_forecasts
from training.blend import Blend, apply_blend, combine
from training.demand import DemandModel
from training.quantiles import QUANTILE_COLUMNS, finalize_quantiles
from training.routing import apply_routes, route_classes

__all__ = ["RoutedForecaster"]

_KEYS = ["sku", "location"]


@dataclass
class RoutedForecaster:
    """`model` (combined per `blend`) for every series, except classes in `routes` (class ->
    baseline method)."""

    model: DemandModel
    routes: dict[str, str] = field(default_factory=dict)
    min_history: int = 0
    thresholds: SegmentationThresholds = field(default_factory=SegmentationThresholds)
    # Last field, with a default: forecasters pickled before it existed load as unblended.
    blend: Blend | None = None

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
        forecast = self.combined(history, self.model.predict(history))
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

    def combined(self, history: pd.DataFrame, forecast: pd.DataFrame) -> pd.DataFrame:
        """The model's `forecast` of `history`'s series, combined with the blend member's."""
        forecast = forecast.assign(method=MODEL_METHOD)
        if self.blend is None:
            return forecast
        member = self._member(history)
        both = pd.concat([forecast, _like(member, forecast)], ignore_index=True)
        return apply_blend(both, self.blend, model=MODEL_METHOD)

    def combine_rows(
        self, history: pd.DataFrame, rows: pd.DataFrame, values: np.ndarray
    ) -> np.ndarray:
        """Quantile rows `values` (QUANTILE_COLUMNS) the model scored for forecast `rows` (sku,
        location, date) of `history`'s series, combined per the blend; as given without one.
        Serving scores buckets itself and combines here, so it serves what `predict` does."""
        if self.blend is None or len(rows) == 0:
            return values
        member = self._member(history)[["sku", "location", "date", "p50"]]
        keys = ["sku", "location"]
        member = member.astype({k: "str" for k in keys})
        wanted = rows[["sku", "location", "date"]].astype({k: "str" for k in keys})
        found = wanted.merge(member, on=["sku", "location", "date"], how="left")
        median = values[:, QUANTILE_COLUMNS.index("p50")]
        theirs = found["p50"].to_numpy(dtype=np.float64)
        return finalize_quantiles(combine(values, median, theirs, self.blend.weight))

    def _member(self, history: pd.DataFrame) -> pd.DataFrame:
        assert self.blend is not None
        return baseline_forecasts(
            history,
            horizon=self.horizon,
            frequency=self.model.frequency,
            methods=(self.blend.method,),
        )


def _like(baselines: pd.DataFrame, forecast: pd.DataFrame) -> pd.DataFrame:
    """Baseline rows with the model frame's key dtypes, so concat keeps categories."""
    out = baselines.copy()
    for key in _KEYS:
        if key in forecast.columns:
            out[key] = out[key].astype(forecast[key].dtype)
    return out

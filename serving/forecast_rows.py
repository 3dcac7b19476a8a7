"""How the forecast service computes series it has not cached: the prediction-frame rows of only
the horizon buckets a request needs, scored into forecast steps (extending a cached entry), and
routed series forecast whole by their baseline with the route classes of the whole panel."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from serving.forecast_types import ForecastStep, SeriesForecast
from serving.model_store import ServedModel
from serving.panel_index import PanelIndex
from training.backtest import MODEL_METHOD
from training.demand import DemandModel
from training.quantiles import QUANTILE_COLUMNS
from training.routed import RoutedForecaster

__all__ = ["Key", "compute_entries"]

_KEYS = ["sku", "location"]
Key = tuple[str, str]


@dataclass
class _KnownClasses(RoutedForecaster):
    """The deployed forecaster with route classes computed once on the whole panel (as the plan
    does), instead of re-segmenting the few series of a request."""

    known: pd.DataFrame = field(default_factory=pd.DataFrame)

    def classes(self, history: pd.DataFrame) -> pd.DataFrame:
        return self.known


@dataclass(frozen=True)
class _Routes:
    routed_to: dict[Key, str]  # only series a baseline forecasts
    classes: pd.DataFrame  # sku, location, route_class, routed_to of every series
    rows: dict[Key, int]  # row of each series in `classes`


@dataclass(frozen=True)
class _Entry:
    """A series' forecast as far as computed: whole buckets, extended when a request needs more."""

    forecast: SeriesForecast
    rows: pd.DataFrame | None  # prediction_frame rows of those steps (model forecasts only)
    buckets: int  # leading buckets computed (routed series: all of them)


def _bucket_frame(model: DemandModel, history: pd.DataFrame, first: int, stop: int) -> pd.DataFrame:
    """`prediction_frame` rows of buckets first..stop-1 only (bucket indices of the full model).

    The buckets are independent direct models, so the model cut to them is a valid model whose
    horizon ends at the last one: a 7-day request featurises one bucket of three, not all.
    """
    part = replace(
        model,
        buckets=model.buckets[first:stop],
        boosters=model.boosters[first:stop],
        residuals=model.residuals[first:stop],
    )
    frame = part.prediction_frame(history)
    return frame.assign(bucket=frame["bucket"].to_numpy() + first)


def _blocks(frame: pd.DataFrame) -> dict[Key, np.ndarray]:
    """Row positions of each series in a forecast frame."""
    groups = frame.groupby(_KEYS, observed=True, sort=False).indices
    return {(str(k[0]), str(k[1])): np.asarray(v) for k, v in groups.items()}  # type: ignore[index]


def _steps(block: pd.DataFrame, quantiles: np.ndarray) -> tuple[ForecastStep, ...]:
    order = np.argsort(block["step"].to_numpy(), kind="stable")
    dates = pd.to_datetime(block["date"].iloc[order]).dt.date.tolist()
    return tuple(
        ForecastStep(
            step=int(step),
            date=date,
            quantiles={c: float(v) for c, v in zip(QUANTILE_COLUMNS, row, strict=True)},
        )
        for step, date, row in zip(
            block["step"].to_numpy()[order], dates, quantiles[order], strict=True
        )
    )


def compute_entries(
    served: ServedModel,
    forecaster: RoutedForecaster,
    panel: PanelIndex,
    routes: _Routes,
    todo: dict[Key, _Entry | None],
    need: int,
) -> dict[Key, _Entry]:
    """Entries of `todo` up to bucket `need` (extending what is cached), one frame per
    starting bucket; routed series are forecast whole, as the plan does."""
    model = forecaster.model
    frequency = str(model.frequency.value)
    out: dict[Key, _Entry] = {}
    by_start: dict[int, list[Key]] = {}
    for k, entry in todo.items():
        if k not in routes.routed_to:
            by_start.setdefault(0 if entry is None else entry.buckets, []).append(k)
    keep = model.feature_spec.max_lookback + model.horizon + 1
    pooled = bool(model.feature_spec.pooled)
    for start, group in by_start.items():
        history = panel.history(group, keep, item_totals=pooled)
        frame = _bucket_frame(model, history, start, need)
        values = model.score(frame)
        if forecaster.blend is not None:
            # The blend member (a per-series decomposition) reads whole histories.
            full = panel.history(group, None, item_totals=False)
            values = forecaster.combine_rows(full, frame, values)
        for k, rows in _blocks(frame).items():
            block = frame.iloc[rows].reset_index(drop=True)
            new = _steps(block, values[rows])
            before = todo[k]
            if before is not None and before.rows is not None:
                new = before.forecast.steps + new
                block = pd.concat([before.rows, block], ignore_index=True)
            fc = _series(served, panel, k, MODEL_METHOD, frequency, new)
            out[k] = _Entry(fc, block, need)
    routed = [k for k in todo if k in routes.routed_to]
    if routed:
        known = routes.classes.iloc[[routes.rows[k] for k in routed]]
        deployed = _KnownClasses(
            model,
            routes=forecaster.routes,
            min_history=forecaster.min_history,
            thresholds=forecaster.thresholds,
            blend=forecaster.blend,
            known=known.reset_index(drop=True),
        )
        # Full histories, as in the plan: baselines (moving averages, ETS) read them all.
        history = panel.history(routed, None, item_totals=pooled)
        frame = deployed.predict(history).reset_index(drop=True)
        values = frame[list(QUANTILE_COLUMNS)].to_numpy(dtype=np.float64)
        for k, rows in _blocks(frame).items():
            block = frame.iloc[rows]
            method = str(block["routed_to"].iloc[0])
            new = _steps(block, values[rows])
            fc = _series(served, panel, k, method, frequency, new)
            out[k] = _Entry(fc, None, len(model.buckets))
    return out


def _series(
    served: ServedModel,
    panel: PanelIndex,
    key: Key,
    routed_to: str,
    frequency: str,
    steps: tuple[ForecastStep, ...],
) -> SeriesForecast:
    last = panel.frame["date"].iloc[panel.ranges[key][1] - 1]
    return SeriesForecast(
        sku=key[0],
        location=key[1],
        model_version=served.version,
        routed_to=routed_to,
        frequency=frequency,
        origin=pd.Timestamp(last).date(),
        panel_version=panel.version,
        steps=steps,
    )

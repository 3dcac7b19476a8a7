"""What the forecast service answers and the domain errors it raises (the API maps
`UnknownSeries` to 404, `BadRequest` to 422, `NoModel` and `NoPanel` to 503)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from training.backtest import MODEL_METHOD

__all__ = [
    "BadHorizon",
    "BadRequest",
    "ForecastError",
    "ForecastStep",
    "NoModel",
    "NoPanel",
    "SeriesForecast",
    "UnknownSeries",
]


class ForecastError(Exception):
    """A forecast request cannot be answered; the message says why and what to do."""


class NoModel(ForecastError):
    """No champion demand model is loaded."""


class NoPanel(ForecastError):
    """The home has no cleaned panel to forecast from."""


class UnknownSeries(ForecastError):
    """The sku-location is not in the cleaned panel."""

    def __init__(self, sku: str, location: str, message: str) -> None:
        super().__init__(message)
        self.sku = sku
        self.location = location


class BadRequest(ForecastError):
    """An argument out of range (the API answers 422)."""


class BadHorizon(BadRequest):
    """A horizon outside 1..the model's horizon."""

    def __init__(self, horizon: object, maximum: int) -> None:
        super().__init__(
            f"horizon must be a whole number of periods from 1 to {maximum} (the champion's "
            f"horizon); got {horizon!r}"
        )
        self.horizon = horizon
        self.maximum = maximum


@dataclass(frozen=True)
class ForecastStep:
    step: int
    date: dt.date
    quantiles: dict[str, float]  # p10, p50, p90, p95, p98: demand in that period


@dataclass(frozen=True)
class SeriesForecast:
    """Quantile forecasts of one sku-location for steps 1..horizon after `origin`."""

    sku: str
    location: str
    model_version: int
    routed_to: str  # the model (`restock_lgbm`) or the baseline its class is routed to
    frequency: str
    origin: dt.date  # the last period of history
    panel_version: str
    steps: tuple[ForecastStep, ...]

    @property
    def horizon(self) -> int:
        return len(self.steps)

    @property
    def routed(self) -> bool:
        return self.routed_to != MODEL_METHOD

    def head(self, horizon: int) -> SeriesForecast:
        return replace(self, steps=self.steps[:horizon])

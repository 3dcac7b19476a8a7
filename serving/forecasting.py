"""Forecasts of the champion demand model for one sku-location or a batch, and their drivers.

History comes from the home's cleaned panel (`<home>/data/cleaned/panel.parquet`), loaded once
and indexed by series; `reload_panel()` swaps in a newer file. Answers equal the plan's
(`planning.forecasts.forecast_series` on the whole panel), at a fraction of the cost:

- A model-forecast series is featurised from its own recent history only, and only for the
  horizon buckets a request needs (a 7-day forecast builds one bucket's features of three);
  a later, longer request extends the cached steps. The same frame rows serve the quantiles
  (`DemandModel.score`, what `predict` returns) and, on demand,
  the SHAP explanation of exactly the steps asked. Features and TreeSHAP are the whole cost.
- Route classes (which series a baseline forecasts) are the whole panel's, computed once per
  model and panel version as the plan does; a routed series gets its full history, as in the
  plan, and says `routed_to` instead of drivers.
- Results are cached per (model version, sku, location, panel version): a promotion, a
  rollback or a new panel changes the key, so nothing stale is ever answered.
- Concurrent cache misses are computed together (`serving.coalesce`): under load one pass of
  feature building serves every request that arrived while the previous pass ran.

Domain errors say what to do; the API maps `UnknownSeries` to 404, `BadRequest` (`BadHorizon`)
to 422, `NoModel` and `NoPanel` to 503.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from restock.settings import Settings
from serving.coalesce import Coalescer
from serving.drivers import (
    Explanation,
    GroupImportance,
    StepDrivers,
    explain_steps,
    global_importance,
    routed_explanation,
    step_drivers,
)
from serving.forecast_rows import _KEYS, Key, _Entry, _Routes, compute_entries
from serving.forecast_types import (
    BadHorizon,
    BadRequest,
    ForecastError,
    ForecastStep,
    NoModel,
    NoPanel,
    SeriesForecast,
    UnknownSeries,
)
from serving.lru import Lru
from serving.model_store import ModelSource, ServedModel
from serving.panel_index import PanelIndex
from training.backtest import MODEL_METHOD
from training.registry import DEMAND_MODEL
from training.routed import RoutedForecaster

__all__ = [
    "BadHorizon",
    "BadRequest",
    "ForecastError",
    "ForecastService",
    "ForecastStep",
    "NoModel",
    "NoPanel",
    "SeriesForecast",
    "UnknownSeries",
]


class ForecastService:
    """Forecasts and explanations from the served champion and the home's cleaned panel."""

    def __init__(self, store: ModelSource, settings: Settings, *, cache_size: int = 2048) -> None:
        self._store = store
        self._path = settings.paths.cleaned / "panel.parquet"
        self._panel: PanelIndex | None = None
        self._panel_lock = threading.Lock()
        self._routes: tuple[tuple[int, str], _Routes] | None = None
        self._routes_lock = threading.Lock()
        self._entries: Lru[tuple[int, str, str, str], _Entry] = Lru(cache_size)
        self._drivers: Lru[tuple[int, str, str, str], StepDrivers] = Lru(cache_size)
        self._importance: Lru[int, tuple[GroupImportance, ...]] = Lru(4)
        self.batches: Coalescer[Key, _Entry | None, _Entry] = Coalescer()

    # -- panel -----------------------------------------------------------------------------

    def _current_panel(self) -> PanelIndex:
        panel = self._panel
        if panel is None:
            self.reload_panel()
            panel = self._panel
            assert panel is not None  # reload_panel sets it or raises NoPanel
        return panel

    def reload_panel(self) -> bool:
        """Read the panel file again if it changed (or was never read); True when swapped."""
        with self._panel_lock:
            try:
                stat = self._path.stat()
            except FileNotFoundError:
                raise NoPanel(
                    f"no cleaned panel at {self._path}; run `restock features` (after `restock "
                    "ingest`) first"
                ) from None
            version = f"{stat.st_mtime_ns:x}-{stat.st_size:x}"
            if self._panel is not None and self._panel.version == version:
                return False
            self._panel = PanelIndex.load(self._path, version)
            return True

    @property
    def panel_version(self) -> str:
        return self._current_panel().version

    def series(self) -> list[Key]:
        """Every (sku, location) that can be forecast, in panel order."""
        return list(self._current_panel().ranges)

    def warm(self) -> None:
        """Load the panel and the champion's route classes now rather than on a first request."""
        served, forecaster = self._demand()
        self._route_table(served, forecaster, self._current_panel())

    def version_key(self) -> tuple[int, str] | None:
        """(model version, panel version) the answers are computed for now; None without a
        model or a panel. A change of it means the cache is cold again."""
        try:
            served, _ = self._demand()
            return served.version, self.panel_version
        except ForecastError:
            return None

    # -- model -----------------------------------------------------------------------------

    def _demand(self) -> tuple[ServedModel, RoutedForecaster]:
        served = self._store.current(DEMAND_MODEL)
        if served is None:
            status = self._store.status().get(DEMAND_MODEL)
            hint = status.hint if status is not None and status.hint else "run `restock train`"
            raise NoModel(f"no demand model is loaded: {hint}")
        forecaster = getattr(served.python_model, "forecaster", None)
        if not isinstance(forecaster, RoutedForecaster):
            raise NoModel(
                f"{DEMAND_MODEL} version {served.version} is not a restock demand forecaster "
                f"({type(served.python_model).__name__}); promote a version `restock train` made"
            )
        return served, forecaster

    def _route_table(
        self, served: ServedModel, forecaster: RoutedForecaster, panel: PanelIndex
    ) -> _Routes:
        key = (served.version, panel.version)
        with self._routes_lock:
            if self._routes is not None and self._routes[0] == key:
                return self._routes[1]
            classes = pd.DataFrame(columns=[*_KEYS, "route_class", "routed_to"])
            if forecaster.routes:
                classes = forecaster.classes(panel.frame).reset_index(drop=True)
            skus, locations = classes["sku"].astype(str), classes["location"].astype(str)
            keys = list(zip(skus, locations, strict=True))
            methods = classes["routed_to"].astype(str).tolist()
            routes = _Routes(
                routed_to={k: m for k, m in zip(keys, methods, strict=True) if m != MODEL_METHOD},
                classes=classes,
                rows={k: i for i, k in enumerate(keys)},
            )
            self._routes = (key, routes)
            return routes

    @staticmethod
    def _horizon(horizon: int | None, maximum: int) -> int:
        if horizon is None:
            return maximum
        valid = isinstance(horizon, int | np.integer) and not isinstance(horizon, bool)
        if not valid or not 1 <= horizon <= maximum:
            raise BadHorizon(horizon, maximum)
        return int(horizon)

    # -- answers ---------------------------------------------------------------------------

    def forecast(self, sku: str, location: str, *, horizon: int | None = None) -> SeriesForecast:
        """Quantiles of one sku-location for steps 1..horizon (default: the model's)."""
        return self.forecast_many([(sku, location)], horizon=horizon)[0]

    def forecast_many(
        self, keys: Sequence[tuple[str, str]], *, horizon: int | None = None
    ) -> list[SeriesForecast]:
        """Forecasts of several sku-locations, in the order asked, computed in one pass for
        those not cached. Any unknown series fails the whole request (the first one is named)."""
        served, forecaster = self._demand()
        steps = self._horizon(horizon, forecaster.horizon)
        wanted = [(str(s), str(loc)) for s, loc in keys]
        entries = self._entries_for(served, forecaster, wanted, steps)
        return [entry.forecast.head(steps) for entry in entries]

    def explain(
        self, sku: str, location: str, *, horizon: int | None = None, top: int = 3
    ) -> Explanation:
        """The `top` driver groups of a forecast over its first `horizon` steps, in units."""
        if top < 1:
            raise BadRequest(f"top must be at least 1 driver group; got {top}")
        served, forecaster = self._demand()
        steps = self._horizon(horizon, forecaster.horizon)
        (entry,) = self._entries_for(served, forecaster, [(str(sku), str(location))], steps)
        fc = entry.forecast
        if entry.rows is None or fc.routed:
            return routed_explanation(
                sku=fc.sku,
                location=fc.location,
                model_version=fc.model_version,
                routed_to=fc.routed_to,
                horizon=steps,
            )
        key = (fc.model_version, fc.sku, fc.location, fc.panel_version)
        drivers = self._drivers.get(key)
        done = 0 if drivers is None else len(drivers.bias)
        if done < steps:  # TreeSHAP is the costly part: only the steps not explained yet
            more = step_drivers(forecaster.model, entry.rows.iloc[done:steps])
            drivers = more if drivers is None else drivers.extend(more)
            self._drivers.put(key, drivers)
        assert drivers is not None
        explanation = explain_steps(
            drivers,
            sku=fc.sku,
            location=fc.location,
            model_version=fc.model_version,
            routed_to=fc.routed_to,
            horizon=steps,
            top=top,
            frequency=fc.frequency,
        )
        if forecaster.blend is None:
            return explanation
        # The drivers explain the model's mean; the served quantiles are the combination's.
        note = f"; the served forecast is {forecaster.blend.describe()}"
        return replace(explanation, summary=explanation.summary + note)

    def importance(self) -> tuple[int, tuple[GroupImportance, ...]]:
        """The champion's version and its gain share per driver group, largest first."""
        served, forecaster = self._demand()
        groups = self._importance.get(served.version)
        if groups is None:
            groups = global_importance(forecaster.model)
            self._importance.put(served.version, groups)
        return served.version, groups

    # -- computing -------------------------------------------------------------------------

    def _entries_for(
        self, served: ServedModel, forecaster: RoutedForecaster, keys: list[Key], steps: int
    ) -> list[_Entry]:
        panel = self._current_panel()
        missing = [k for k in keys if k not in panel.ranges]
        if missing:
            raise panel.unknown(*missing[0])
        buckets = forecaster.model.buckets
        need = next(i + 1 for i, b in enumerate(buckets) if b.last >= steps)
        cache_key = {k: (served.version, k[0], k[1], panel.version) for k in keys}
        found: dict[Key, _Entry] = {}
        todo: dict[Key, _Entry | None] = {}
        for k in dict.fromkeys(keys):
            entry = self._entries.get(cache_key[k])
            if entry is not None and entry.buckets >= need:
                found[k] = entry
            else:
                todo[k] = entry
        if todo:
            # Concurrent misses of the same model, panel and horizon share one pass.
            computed = self.batches.submit(
                (served.version, panel.version, need),
                todo,
                lambda work: self._compute(served, forecaster, panel, work, need),
            )
            for k, entry in computed.items():
                self._entries.put(cache_key[k], entry)
                found[k] = entry
        return [found[k] for k in keys]

    def _compute(
        self,
        served: ServedModel,
        forecaster: RoutedForecaster,
        panel: PanelIndex,
        todo: dict[Key, _Entry | None],
        need: int,
    ) -> dict[Key, _Entry]:
        """Entries of `todo` up to bucket `need`, against this model's and panel's route table."""
        routes = self._route_table(served, forecaster, panel)
        return compute_entries(served, forecaster, panel, routes, todo, need)

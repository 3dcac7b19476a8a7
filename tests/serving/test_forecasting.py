"""The forecast service answers what the plan computes, for one series or a batch, with domain
errors that say what to do, caches keyed by model and panel version, and explanations in units.
The last test runs it on a real MLflow registry through a promotion and a rollback."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest

from features.clean import clean_sales
from features.dataset import Frequency
from features.ingest import validate_dataset
from features.loaders.demo import DemoConfig, generate_demo
from planning.forecasts import SeriesForecasts, forecast_series
from restock.settings import Settings
from serving.forecasting import (
    BadHorizon,
    BadRequest,
    ForecastService,
    NoModel,
    NoPanel,
    SeriesForecast,
    UnknownSeries,
)
from serving.model_store import ModelStatus, ModelStore, ServedModel
from tests.training.constant_model import ConstantModel
from training.backtest import MODEL_METHOD
from training.blend import Blend
from training.demand import DemandModel
from training.pyfuncs import DemandPyfunc, plain_columns
from training.quantiles import QUANTILE_COLUMNS
from training.registry import DEMAND_MODEL, open_registry, promote, register, rollback
from training.routed import RoutedForecaster
from training.tracking import configure_tracking, ensure_experiment, log_training_run

FAST = {"num_leaves": 15, "min_data_in_leaf": 20}
ROUTES = {"intermittent": "moving_average"}
H = 28


class FixedModels:
    """A model source holding given models (what `ModelStore` serves, without a registry)."""

    def __init__(self, *served: ServedModel) -> None:
        self.served = {s.name: s for s in served}

    def current(self, name: str) -> ServedModel | None:
        return self.served.get(name)

    def status(self) -> dict[str, ModelStatus]:
        hint = "no champion: run `restock train`"
        return {DEMAND_MODEL: ModelStatus(DEMAND_MODEL, None, None, None, None, False, hint)}


def _served(forecaster: RoutedForecaster, version: int = 1) -> ServedModel:
    return ServedModel(DEMAND_MODEL, version, DemandPyfunc(forecaster), dt.datetime.now(dt.UTC))


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """The tiny demo (8 skus x 2 stores, daily), cleaned."""
    raw = generate_demo(DemoConfig.preset("tiny"))
    dataset, _, _ = validate_dataset(raw, today=dt.date(2026, 11, 1))
    return clean_sales(dataset.sales, Frequency.DAILY)


@pytest.fixture(scope="module")
def forecaster(panel: pd.DataFrame) -> RoutedForecaster:
    model = DemandModel.fit(panel, Frequency.DAILY, params=FAST, num_boost_round=15)
    return RoutedForecaster(model, routes=ROUTES, min_history=10)


@pytest.fixture(scope="module")
def plan(forecaster: RoutedForecaster, panel: pd.DataFrame) -> SeriesForecasts:
    """What the replenishment plan forecasts for every series."""
    return forecast_series(forecaster, panel, drivers=False)


@pytest.fixture
def home(settings: Settings, panel: pd.DataFrame) -> Settings:
    settings.paths.cleaned.mkdir(parents=True)
    panel.to_parquet(settings.paths.cleaned / "panel.parquet")
    return settings


@pytest.fixture
def service(home: Settings, forecaster: RoutedForecaster) -> ForecastService:
    return ForecastService(FixedModels(_served(forecaster)), home)


def _values(forecast: SeriesForecast) -> np.ndarray:
    return np.array([[s.quantiles[c] for c in QUANTILE_COLUMNS] for s in forecast.steps])


def _routed(plan: SeriesForecasts) -> list[tuple[str, str]]:
    keys = plan.keys[plan.keys["routed_to"] != MODEL_METHOD]
    return list(zip(keys["sku"], keys["location"], strict=True))


def _own(plan: SeriesForecasts) -> list[tuple[str, str]]:
    keys = plan.keys[plan.keys["routed_to"] == MODEL_METHOD]
    return list(zip(keys["sku"], keys["location"], strict=True))


def test_every_series_gets_exactly_the_plans_forecast(
    service: ForecastService, plan: SeriesForecasts
) -> None:
    assert _routed(plan) and _own(plan), "the tiny demo has routed and model series"
    index = plan.index()
    for i, (sku, location) in enumerate(plan.keys[["sku", "location"]].itertuples(index=False)):
        got = service.forecast(sku, location)
        np.testing.assert_array_equal(_values(got), plan.quantiles[index[(sku, location)]])
        assert got.routed_to == plan.keys["routed_to"].iloc[i]
        assert got.model_version == 1 and got.frequency == "daily" and got.horizon == H


def test_concurrent_requests_share_passes_and_still_get_the_plans_forecast(
    home: Settings, forecaster: RoutedForecaster, plan: SeriesForecasts
) -> None:
    # Cache of one: every request is a miss, so all of them go through the coalescer.
    service = ForecastService(FixedModels(_served(forecaster)), home, cache_size=1)
    keys = [tuple(k) for k in plan.keys[["sku", "location"]].itertuples(index=False)] * 3
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda k: service.forecast(*k), keys))
    index = plan.index()
    for (sku, location), got in zip(keys, answers, strict=True):
        assert (got.sku, got.location) == (sku, location)
        np.testing.assert_array_equal(_values(got), plan.quantiles[index[(sku, location)]])
    assert service.batches.passes + service.batches.merged == len(keys)


def test_a_short_horizon_is_the_start_of_the_full_one(
    service: ForecastService, plan: SeriesForecasts
) -> None:
    sku, location = _own(plan)[0]
    week = service.forecast(sku, location, horizon=7)  # computes the first bucket only
    full = service.forecast(sku, location)  # extends the cached steps
    assert week.steps == full.steps[:7]
    np.testing.assert_array_equal(_values(full), plan.quantiles[plan.index()[(sku, location)]])
    origin = pd.Timestamp(full.origin)
    assert [s.step for s in full.steps] == list(range(1, H + 1))
    assert [s.date for s in full.steps] == [
        (origin + pd.Timedelta(days=d)).date() for d in range(1, H + 1)
    ]


def test_a_blended_champion_serves_the_plans_combined_forecast(
    home: Settings, forecaster: RoutedForecaster, panel: pd.DataFrame, plan: SeriesForecasts
) -> None:
    blended = replace(forecaster, blend=Blend("mstl", 0.4))
    combined = forecast_series(blended, panel, drivers=False)
    service = ForecastService(FixedModels(_served(blended)), home)
    index, before = combined.index(), plan.index()
    for sku, location in _own(plan)[:3] + _routed(plan)[:1]:
        week = service.forecast(sku, location, horizon=7)  # first bucket, then extended
        full = service.forecast(sku, location)
        assert week.steps == full.steps[:7]
        np.testing.assert_allclose(
            _values(full), combined.quantiles[index[(sku, location)]], rtol=1e-12
        )
    sku, location = _own(plan)[0]
    moved = combined.quantiles[index[(sku, location)]] - plan.quantiles[before[(sku, location)]]
    assert np.abs(moved).max() > 0, "the member moves the model's forecast"
    explained = service.explain(sku, location, top=2)
    assert explained.summary.endswith("the served forecast is 60% model + 40% mstl")


def test_a_batch_keeps_the_order_asked(service: ForecastService, plan: SeriesForecasts) -> None:
    keys = [_own(plan)[1], _routed(plan)[0], _own(plan)[1], _own(plan)[2]]
    batch = service.forecast_many(keys, horizon=10)
    assert [(f.sku, f.location) for f in batch] == keys
    assert all(f.horizon == 10 for f in batch)
    for key, got in zip(keys, batch, strict=True):
        np.testing.assert_array_equal(_values(got), plan.quantiles[plan.index()[key]][:10])


@pytest.mark.parametrize("horizon", [0, -1, H + 1, 2.5, True, "7"])
def test_a_horizon_outside_the_model_is_refused(service: ForecastService, horizon: object) -> None:
    with pytest.raises(BadHorizon, match=f"from 1 to {H}"):
        service.forecast("SKU00001", "S001", horizon=horizon)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sku", "location", "message"),
    [
        (
            "SKU00001",
            "S999",
            "sku 'SKU00001' has no history at location 'S999'; it is sold at S001, S002",
        ),
        ("SKU0001", "S001", "unknown sku 'SKU0001'.*8 skus.*did you mean SKU00001"),
    ],
)
def test_an_unknown_series_says_what_exists(
    service: ForecastService, sku: str, location: str, message: str
) -> None:
    with pytest.raises(UnknownSeries, match=message) as caught:
        service.forecast_many([("SKU00002", "S001"), (sku, location)])
    assert (caught.value.sku, caught.value.location) == (sku, location)


def test_no_model_and_no_panel_name_the_command(
    home: Settings, settings: Settings, forecaster: RoutedForecaster
) -> None:
    with pytest.raises(NoModel, match="restock train"):
        ForecastService(FixedModels(), home).forecast("SKU00001", "S001")
    constant = ServedModel(DEMAND_MODEL, 3, ConstantModel(1.0), dt.datetime.now(dt.UTC))
    with pytest.raises(NoModel, match="version 3 is not a restock demand forecaster"):
        ForecastService(FixedModels(constant), home).forecast("SKU00001", "S001")
    empty = Settings(home=settings.home.parent / "empty", show_progress=False)
    with pytest.raises(NoPanel, match="restock features"):
        ForecastService(FixedModels(_served(forecaster)), empty).forecast("SKU00001", "S001")


def test_answers_follow_the_model_version_and_the_panel(
    home: Settings, forecaster: RoutedForecaster, panel: pd.DataFrame
) -> None:
    source = FixedModels(_served(forecaster, version=1))
    service = ForecastService(source, home)
    first = service.forecast("SKU00002", "S001")
    assert service.forecast("SKU00002", "S001") is not first  # head() copies ...
    assert service.forecast("SKU00002", "S001").steps is first.steps  # ... the cached steps
    source.served[DEMAND_MODEL] = _served(forecaster, version=2)  # e.g. a rollback
    assert service.forecast("SKU00002", "S001").model_version == 2
    assert not service.reload_panel()  # unchanged file: nothing to do
    shorter = panel[panel["date"] < panel["date"].max()]
    shorter.to_parquet(home.paths.cleaned / "panel.parquet")
    os.utime(home.paths.cleaned / "panel.parquet", ns=(1, 1))  # a distinct version, surely
    assert service.reload_panel()
    moved = service.forecast("SKU00002", "S001")
    assert moved.origin == first.origin - dt.timedelta(days=1)
    assert moved.panel_version != first.panel_version


def test_explanation_adds_up_to_the_expected_demand(
    service: ForecastService, forecaster: RoutedForecaster, plan: SeriesForecasts
) -> None:
    sku, location = _own(plan)[0]
    week = service.explain(sku, location, horizon=7, top=2)
    full = service.explain(sku, location, top=7)  # extends the explained steps
    assert len(week.drivers) == 2 and len(full.drivers) == 7
    for out in (week, full):
        assert out.expected is not None and out.baseline is not None
        total = out.baseline + sum(d.impact for d in out.drivers) + out.other
        assert total == pytest.approx(out.expected, rel=1e-9)
    assert full.other == 0.0
    assert all(d.text.endswith("units over the next 7 days") for d in week.drivers)
    # The expected demand is the boosters' mean over those steps.
    model = forecaster.model
    rows = model.prediction_frame(service._current_panel().history([(sku, location)], None))
    x = rows[list(model.feature_names)].to_numpy(dtype=np.float32)
    means = [model.boosters[b].predict(x[i : i + 1])[0] for i, b in enumerate(rows["bucket"])]
    assert week.expected == pytest.approx(sum(means[:7]), rel=1e-9)
    assert full.expected == pytest.approx(sum(means), rel=1e-9)


def test_explaining_needs_at_least_one_driver(service: ForecastService) -> None:
    with pytest.raises(BadRequest, match="top must be at least 1"):
        service.explain("SKU00002", "S001", top=0)


def test_a_routed_series_explains_its_route(
    service: ForecastService, plan: SeriesForecasts
) -> None:
    sku, location = _routed(plan)[0]
    out = service.explain(sku, location, horizon=7)
    assert out.routed_to == "moving_average" and out.drivers == ()
    assert "moving_average baseline" in out.summary


def test_importance_is_per_model_version(service: ForecastService) -> None:
    version, groups = service.importance()
    assert version == 1
    assert sum(g.share for g in groups) == pytest.approx(1.0)
    assert service.importance()[1] is groups  # cached


@pytest.fixture
def registry_home(
    tmp_path: Path, panel: pd.DataFrame, forecaster: RoutedForecaster
) -> Iterator[Settings]:
    """A home with the panel and two registered versions of the demand forecaster."""
    settings = Settings(home=tmp_path / "home", show_progress=False)
    settings.paths.cleaned.mkdir(parents=True)
    panel.to_parquet(settings.paths.cleaned / "panel.parquet")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", "unset-by-test")
        mp.setenv("MLFLOW_REGISTRY_URI", "unset-by-test")
        configure_tracking(settings.paths)
        ensure_experiment("demand", settings.paths)
        registry = open_registry(settings.paths)
        run = log_training_run(
            experiment="demand",
            run_name="tiny",
            params={},
            metrics={},
            tags={},
            artifacts={},
            # Without routes: logging predicts on the example, and baselines would cost seconds.
            model=DemandPyfunc(RoutedForecaster(forecaster.model)),
            input_example=plain_columns(panel.head(40)),
        )
        for _ in range(2):  # two versions of one logged model: which one answers is the point
            register(
                registry=registry, model_uri=run.model_uri, name=DEMAND_MODEL, metrics={}, tags={}
            )
        yield settings
        mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
        mlflow.set_registry_uri(None)  # type: ignore[arg-type]


@pytest.mark.filterwarnings("ignore:Hint. Inferred schema contains integer:UserWarning")
def test_forecasts_follow_a_promotion_and_a_rollback(
    registry_home: Settings, plan: SeriesForecasts
) -> None:
    registry = open_registry(registry_home.paths)
    store = ModelStore(registry_home)
    service = ForecastService(store, registry_home)
    with pytest.raises(NoModel, match="restock train"):
        service.forecast("SKU00002", "S001")
    sku, location = _own(plan)[0]
    for version, move in [(1, "promote"), (2, "promote"), (1, "rollback")]:
        if move == "promote":
            promote(registry=registry, name=DEMAND_MODEL, version=version, actor="t", reason="r")
        else:
            rollback(registry=registry, name=DEMAND_MODEL, actor="t", reason="r")
        assert store.refresh() == [DEMAND_MODEL]
        got = service.forecast(sku, location, horizon=7)
        assert got.model_version == version
        np.testing.assert_array_equal(
            _values(got), plan.quantiles[plan.index()[(sku, location)]][:7]
        )


def test_the_prefetcher_warms_the_first_series_once_per_model_and_panel(
    home: Settings, forecaster: RoutedForecaster, panel: pd.DataFrame
) -> None:
    from serving.prefetch import Prefetcher

    service = ForecastService(FixedModels(_served(forecaster)), home)
    ahead = Prefetcher(service, limit=5, chunk=2)
    assert ahead.run_once() == 5 and ahead.warmed_for == service.version_key()
    passes = service.batches.passes
    for sku, location in service.series()[:5]:
        service.forecast(sku, location)
        service.explain(sku, location)
    assert service.batches.passes == passes  # every answer was ready
    assert ahead.run_once() == 0  # nothing moved: nothing to do
    # A new panel moves the key: the next check warms again.
    panel.to_parquet(home.paths.cleaned / "panel.parquet")
    assert service.reload_panel()
    assert ahead.run_once() == 5


def test_the_prefetcher_without_a_model_does_nothing_and_never_raises(home: Settings) -> None:
    from serving.prefetch import Prefetcher

    ahead = Prefetcher(ForecastService(FixedModels(), home), limit=5)
    assert ahead.run_once() == 0 and ahead.warmed_for is None

"""One monitoring run over a real home (tiny demo ingested and featured, a real MLflow registry,
a real demand model): a new champion worse than its predecessor is rolled back, the alias moves
and what serving loads follows, the alerts and reports are written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest

from features.dataset import Frequency
from features.pipeline import run_features, run_ingest
from features.sources import Source
from monitoring.alerts import Alerts
from monitoring.decision import Rollback
from monitoring.forecast_log import ForecastLog
from monitoring.notify import Notifier
from monitoring.run import latest_run_summary, monitor
from restock.settings import Settings
from serving.monitoring_source import RunSummarySource
from tests.monitoring.webhook_server import Script, webhook_server
from tests.training.constant_model import ConstantModel
from training.demand import DemandModel
from training.loading import LoadedModel, load_registered
from training.pyfuncs import DemandPyfunc
from training.registry import DEMAND_MODEL, open_registry, promote, register
from training.routed import RoutedForecaster
from training.tracking import configure_tracking, ensure_experiment, log_training_run

EXAMPLE = pd.DataFrame({"sku_code": [0, 1], "price": [1.0, 2.0]})
pytestmark = pytest.mark.slow  # ~25 s: a home, a registry, a model, two Evidently runs


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Tiny demo home: ingested, featured; v1 then v2 of demand-forecaster promoted."""
    settings = Settings(
        home=tmp_path_factory.mktemp("monitor") / "home", as_of="2026-11-01", show_progress=False
    )
    run_ingest(settings, Source.DEMO, None, demo_size="tiny")
    run_features(settings)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", "unset-by-test")
        mp.setenv("MLFLOW_REGISTRY_URI", "unset-by-test")
        configure_tracking(settings.paths)
        ensure_experiment("demand", settings.paths)
        registry = open_registry(settings.paths, database_url=settings.database)
        for value in (1.0, 2.0):
            run = log_training_run(
                experiment="demand",
                run_name=f"constant-{value}",
                params={},
                metrics={},
                tags={},
                artifacts={},
                model=ConstantModel(value),
                input_example=EXAMPLE,
            )
            version = register(
                registry=registry,
                model_uri=run.model_uri,
                name=DEMAND_MODEL,
                metrics={"MASE": 0.8, "coverage80": 0.8},
                tags={},
            )
            promote(
                registry=registry,
                name=DEMAND_MODEL,
                version=version,
                actor="gate",
                reason="promotion gate passed",
            )
        yield settings
        mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
        mlflow.set_registry_uri(None)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def champion(home: Settings) -> LoadedModel:
    panel = pd.read_parquet(home.paths.cleaned / "panel.parquet")
    fast = {"num_leaves": 15, "min_data_in_leaf": 20}
    model = DemandModel.fit(panel, Frequency.DAILY, params=fast, num_boost_round=15)
    return LoadedModel(DEMAND_MODEL, 2, DemandPyfunc(RoutedForecaster(model)))


def _log_forecasts(settings: Settings, version: int, origins: list[str], error: float) -> None:
    """Forecasts at `origins` for 7 days whose P50 is the actual demand x (1 + error); one
    band in five misses the actual, so P10-P90 covers 80%."""
    panel = pd.read_parquet(settings.paths.cleaned / "panel.parquet")
    panel = panel.astype({"sku": "str", "location": "str"})
    log = ForecastLog(settings.database)
    for origin in map(pd.Timestamp, origins):
        rows = panel[(panel["date"] > origin) & (panel["date"] <= origin + pd.Timedelta(days=7))]
        actual = rows["demand"].to_numpy(dtype=np.float64)
        miss = np.arange(len(rows)) % 5 == 0
        frame = rows[["sku", "location", "date"]].assign(
            step=(rows["date"] - origin).dt.days,
            p50=actual * (1 + error),
            p10=np.where(miss, actual + 1, actual * 0.8),
            p90=actual * 1.3 + 1,
        )
        log.record(frame, model_name=DEMAND_MODEL, model_version=version, origin=origin.date())


def test_a_worse_new_champion_is_rolled_back_and_serving_follows(
    home: Settings, champion: LoadedModel
) -> None:
    _log_forecasts(home, 1, ["2026-08-06", "2026-08-13", "2026-08-20", "2026-08-27"], 0.05)
    _log_forecasts(home, 2, ["2026-09-03", "2026-09-10", "2026-09-17", "2026-09-22"], 1.0)
    script = Script()
    with webhook_server(script) as url:
        settings = home.model_copy(
            update={"monitoring": home.monitoring.model_copy(update={"webhook_url": url})}
        )
        notifier = Notifier.from_settings(settings)
        run = monitor(settings, champion=champion, notifier=notifier)
        notifier.close(timeout=10)

    print("\n".join(run.lines()))
    assert isinstance(run.decision, Rollback), run.lines()
    assert (run.decision.from_version, run.decision.to_version) == (2, 1)
    assert run.rolled_back_to == 1
    assert run.live.versions[2].MASE > 1.1 * run.live.versions[1].MASE
    # The alias moved, the move is recorded with the reason, and what serving loads follows.
    registry = open_registry(home.paths, database_url=home.database)
    last = registry.history.read(model_name=DEMAND_MODEL)[-1]
    assert (last.action, last.to_version, last.actor) == ("rollback", 1, "restock monitor")
    assert "worse than the version it replaced" in last.reason
    served = load_registered(home, name=DEMAND_MODEL)
    assert served is not None and served.version == 1
    # Alerts: stored, the rollback critical, POSTed.
    active = Alerts(home.database).active()
    assert [a.severity for a in active if a.kind == "rollback"] == ["critical"]
    assert "rollback" in [p["kind"] for p in script.received]
    # Drift of both kinds was judged against a recorded reference, and reported.
    assert run.drift is not None
    assert {r.subject for r in run.drift.results} == {"features", "predictions"}
    assert all(r.judged and r.reference is not None for r in run.drift.results)
    assert any(p.suffix == ".html" for p in run.drift.reports)
    assert run.summary_path is not None
    summary = json.loads(run.summary_path.read_text())
    assert latest_run_summary(home) == summary
    assert summary["decision"]["action"] == "rollback" and summary["rolled_back_to"] == 1
    assert "stockout_causes" in summary and "service_levels" in summary
    text = "\n".join(run.lines())
    assert "decision rollback" in text and "champion rolled back to v1" in text
    # What the on-call web page shows comes from this summary.
    page = RunSummarySource(home)
    drift = page.drift()
    assert drift is not None and {d.model_name.split("(")[-1] for d in drift} == {
        "features)",
        "predictions)",
    }
    assert all(d.report is not None for d in drift)
    assert {r.name for r in page.reports()} >= {d.report for d in drift if d.report}
    levels = page.service_levels()
    assert levels and all(0 < row.target < 1 for row in levels)
    assert page.stockout_causes() is not None


def test_after_the_rollback_the_same_evidence_rolls_back_no_further(
    home: Settings, champion: LoadedModel
) -> None:
    # Runs after the test above: v1 is champion again, the promotion of v2 is undone.
    again = monitor(home, champion=LoadedModel(DEMAND_MODEL, 1, champion.python_model))
    assert not isinstance(again.decision, Rollback), again.lines()
    assert again.rolled_back_to is None
    assert load_registered(home, name=DEMAND_MODEL).version == 1  # type: ignore[union-attr]
    counts = again.causes.counts
    assert counts.loc["all", "total"] == len(again.causes.stockouts) > 0


def test_a_home_without_features_says_what_to_run(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "empty", show_progress=False)
    with pytest.raises(ValueError, match="restock ingest"):
        monitor(settings)
    assert latest_run_summary(settings) is None
    assert RunSummarySource(settings).drift() is None

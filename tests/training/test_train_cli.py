"""Training end to end through the CLI: real Prefect runs, a real MLflow store, the gate,
the alias history and rollback, on the tiny demo."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pandas as pd
import pytest
from typer.testing import CliRunner

from restock.cli import app
from restock.settings import Settings
from training.pyfuncs import plain_columns
from training.registry import DEMAND_MODEL, LEADTIME_MODEL, champion, history, open_registry
from training.tracking import configure_tracking

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]


@pytest.fixture
def trained_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RESTOCK_AS_OF", "2026-11-01")
    monkeypatch.setenv("RESTOCK_SHOW_PROGRESS", "false")
    monkeypatch.setenv("RESTOCK_TRAINING__FOLDS", "2")
    monkeypatch.setenv("RESTOCK_TRAINING__NUM_BOOST_ROUND", "60")
    home = tmp_path / "home"
    runner = CliRunner()
    done = runner.invoke(app, ["demo", "--size", "tiny", "--no-drift", "--home", str(home)])
    assert done.exit_code == 0, done.output
    assert "restock_lgbm" in done.output and "seasonal_naive" in done.output
    return home


def _cli(home: Path, *args: str) -> str:
    done = CliRunner().invoke(app, [*args, "--home", str(home)], env={"COLUMNS": "250"})
    assert done.exit_code == 0, done.output
    return done.output


def test_train_registers_gates_and_rolls_back(trained_home: Path) -> None:
    registry = open_registry(Settings(home=trained_home).paths)
    moves = history(registry=registry, name=DEMAND_MODEL)
    assert (moves[0].alias, moves[0].to_version, moves[0].action) == ("challenger", 1, "register")
    # The demo has receipts, so the lead-time model was trained and registered too.
    assert history(registry=registry, name=LEADTIME_MODEL)[0].to_version == 1
    _cli(trained_home, "train", "--no-leadtime")  # version 2, gated against version 1
    _cli(trained_home, "models", "promote", "1", "--reason", "baseline")
    _cli(trained_home, "models", "promote", "2", "--reason", "try the new one")
    assert int(champion(registry=registry, name=DEMAND_MODEL).version) == 2  # type: ignore[union-attr]
    _cli(trained_home, "models", "rollback", "--reason", "worse live accuracy")
    assert int(champion(registry=registry, name=DEMAND_MODEL).version) == 1  # type: ignore[union-attr]
    after = history(registry=registry, name=DEMAND_MODEL)
    assert after[-1].action == "rollback" and after[-1].reason == "worse live accuracy"
    assert [m.id for m in after] == sorted(m.id for m in after)  # append-only, in order
    assert "champion" in _cli(trained_home, "models", "list")
    assert "rollback" in _cli(trained_home, "models", "history")


def test_registered_forecaster_predicts_from_the_panel(trained_home: Path) -> None:
    settings = Settings(home=trained_home)
    configure_tracking(settings.paths, settings.tracking_uri)
    forecaster = mlflow.pyfunc.load_model(f"models:/{DEMAND_MODEL}/1")
    panel = pd.read_parquet(settings.paths.cleaned / "panel.parquet")
    out = forecaster.predict(plain_columns(panel))
    series = panel[["sku", "location"]].drop_duplicates()
    assert len(out) == len(series) * 28
    assert {"p10", "p50", "p90", "p98", "routed_to"} <= set(out.columns)
    assert (out["p98"] >= out["p10"]).all() and (out["p10"] >= 0).all()

"""MLflow tracking on a real SQLite store in a temporary restock home."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from restock.home import HomePaths
from tests.training.constant_model import ConstantModel
from training.tracking import (
    RunResult,
    TrackingNotConfigured,
    configure_tracking,
    default_tracking_uri,
    ensure_experiment,
    git_commit,
    log_training_run,
    pinned_requirements,
)

EXAMPLE = pd.DataFrame({"sku_code": [0, 1, 2], "price": [1.5, 2.0, 2.5]})


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomePaths]:
    """A home with tracking configured; process-wide MLflow state is restored afterwards."""
    paths = HomePaths(tmp_path_factory.mktemp("tracking") / "home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", "unset-by-test")
        mp.setenv("MLFLOW_REGISTRY_URI", "unset-by-test")
        configure_tracking(paths)
        yield paths
        mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
        mlflow.set_registry_uri(None)  # type: ignore[arg-type]


def _log(paths: HomePaths, tmp_path: Path, **overrides: Any) -> RunResult:
    spec = tmp_path / "feature_spec.json"
    spec.write_text(json.dumps({"lags": [7, 14]}))
    reports = tmp_path / "reports"
    reports.mkdir(exist_ok=True)
    (reports / "a.txt").write_text("a")
    (reports / "b.txt").write_text("b")
    ensure_experiment("demand", paths)
    kwargs: dict[str, Any] = {
        "experiment": "demand",
        "run_name": "train-1",
        "params": {"num_trees": 50, "objective": "quantile"},
        "metrics": {"MASE": 0.8, "coverage80": 0.79},
        "tags": {"data_hash": "abc123"},
        "artifacts": {"spec": spec, "reports": reports},
        "model": ConstantModel(4.0),
        "input_example": EXAMPLE,
    }
    return log_training_run(**(kwargs | overrides))


def test_default_uri_is_in_the_home_whatever_the_cwd(
    home: HomePaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = f"sqlite:///{home.root.resolve()}/mlruns/mlflow.db"
    assert default_tracking_uri(home) == expected
    monkeypatch.chdir(tmp_path)
    assert configure_tracking(home) == expected
    assert mlflow.get_tracking_uri() == expected
    assert mlflow.get_registry_uri() == expected
    assert (home.mlruns / "artifacts").is_dir()


def test_ensure_experiment_is_idempotent_and_keeps_artifacts_in_home(home: HomePaths) -> None:
    first = ensure_experiment("lead-time-exp", home)
    assert ensure_experiment("lead-time-exp", home) == first
    experiment = MlflowClient().get_experiment(first)
    assert experiment.artifact_location == str((home.mlruns / "artifacts").resolve())
    MlflowClient().delete_experiment(first)
    assert ensure_experiment("lead-time-exp", home) == first  # restored, not a clash
    assert MlflowClient().get_experiment(first).lifecycle_stage == "active"


def test_log_training_run_logs_everything_in_one_run(home: HomePaths, tmp_path: Path) -> None:
    result = _log(home, tmp_path)
    run = MlflowClient().get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert run.info.run_name == "train-1"
    assert run.data.params == {"num_trees": "50", "objective": "quantile"}
    assert run.data.metrics == {"MASE": 0.8, "coverage80": 0.79}
    assert run.data.tags["data_hash"] == "abc123"
    assert run.data.tags["restock.git_commit"] == git_commit()
    assert run.data.tags["restock.version"] == "0.1.0"
    client = MlflowClient()
    assert [a.path for a in client.list_artifacts(result.run_id, "spec")] == [
        "spec/feature_spec.json"
    ]
    assert sorted(a.path for a in client.list_artifacts(result.run_id, "reports")) == [
        "reports/a.txt",
        "reports/b.txt",
    ]
    assert result.model_uri.startswith("models:/m-")
    loaded = mlflow.pyfunc.load_model(result.model_uri)
    np.testing.assert_array_equal(loaded.predict(EXAMPLE), [4.0, 4.0, 4.0])
    # Model files live in the home, with exactly the pinned requirements and no copy of
    # whatever uv.lock happened to be in the current directory.
    model_dir = home.mlruns / "artifacts" / "models" / result.model_uri.removeprefix("models:/")
    files = {p.name for p in (model_dir / "artifacts").iterdir()}
    assert "MLmodel" in files and "uv.lock" not in files
    requirements = (model_dir / "artifacts" / "requirements.txt").read_text().splitlines()
    assert requirements == pinned_requirements()
    assert [r.split("==")[0] for r in requirements] == [
        "mlflow",
        "lightgbm",
        "pandas",
        "numpy",
        "scikit-learn",
        "statsforecast",
    ]
    # The logged model carries the metrics too (MLflow 3 model page).
    logged = client.get_logged_model(result.model_uri.removeprefix("models:/"))
    assert {m.key: m.value for m in logged.metrics or []} == {"MASE": 0.8, "coverage80": 0.79}


def test_category_columns_are_refused(home: HomePaths, tmp_path: Path) -> None:
    example = EXAMPLE.assign(location=pd.Categorical(["a", "b", "a"]))
    with pytest.raises(ValueError, match=r"category columns \['location'\].*integer codes"):
        _log(home, tmp_path, input_example=example)


def test_failure_inside_the_run_marks_it_failed(home: HomePaths, tmp_path: Path) -> None:
    with pytest.raises(mlflow.exceptions.MlflowException):
        _log(home, tmp_path, run_name="broken", params={"bad key!": 1})
    runs = MlflowClient().search_runs(
        [ensure_experiment("demand", home)], filter_string="attributes.run_name = 'broken'"
    )
    assert [r.info.status for r in runs] == ["FAILED"]


def test_missing_inputs_are_refused_before_any_run(home: HomePaths, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.json"):
        _log(home, tmp_path, artifacts={"spec": tmp_path / "nope.json"})
    with pytest.raises(ValueError, match="ensure_experiment"):
        _log(home, tmp_path, experiment="never-created")


def test_unconfigured_tracking_is_refused(
    home: HomePaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    monkeypatch.setattr("mlflow.tracking._tracking_service.utils._tracking_uri", None)
    with pytest.raises(TrackingNotConfigured, match="configure_tracking"):
        ensure_experiment("demand", home)


def test_git_commit_outside_git_is_unknown(tmp_path: Path) -> None:
    assert git_commit(tmp_path) == "unknown"
    commit = git_commit()
    assert commit == "unknown" or len(commit) == 40

"""MLflow tracking: where runs are stored, and one call that logs a whole training run.

DESIGN.md section 9: MLflow 3 defaults to `sqlite:///mlflow.db` in the *current directory*, so a
later process started elsewhere silently opens another database. Every entry point therefore
calls `configure_tracking(paths)` first, which points tracking and the registry at the restock
home (`<home>/mlruns/mlflow.db`, artifacts in `<home>/mlruns/artifacts`).

pandas `category` columns break pyfunc predict after a round trip through MLflow: models take
integer codes (LightGBM `categorical_feature=[...]`), and `log_training_run` refuses an input
example with category columns.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd
from mlflow import MlflowClient
from mlflow.models import infer_signature
from mlflow.pyfunc import PythonModel

from restock.home import HomePaths

__all__ = [
    "MODEL_REQUIREMENTS",
    "RunResult",
    "TrackingNotConfigured",
    "configure_tracking",
    "default_tracking_uri",
    "ensure_experiment",
    "git_commit",
    "log_training_run",
    "pinned_requirements",
]

# What a logged model needs to be loaded and to predict; pinned to the running versions.
# statsforecast: routed series are forecast by a baseline at inference (training/routed.py).
MODEL_REQUIREMENTS: tuple[str, ...] = (
    "mlflow",
    "lightgbm",
    "pandas",
    "numpy",
    "scikit-learn",
    "statsforecast",
)
TAG_GIT_COMMIT = "restock.git_commit"
TAG_VERSION = "restock.version"


class TrackingNotConfigured(RuntimeError):
    """MLflow would fall back to its current-directory default; call `configure_tracking`."""


@dataclass(frozen=True)
class RunResult:
    run_id: str
    model_uri: str  # `models:/<model_id>`: what `training.registry.register` takes


def default_tracking_uri(paths: HomePaths) -> str:
    """`sqlite:///<home>/mlruns/mlflow.db`, absolute, so the cwd never matters."""
    return f"sqlite:///{(paths.mlruns / 'mlflow.db').resolve().as_posix()}"


def configure_tracking(paths: HomePaths, tracking_uri: str | None = None) -> str:
    """Point MLflow tracking and registry at the home's store (or `tracking_uri`); return the URI.

    Sets process-wide MLflow state on purpose: `mlflow.pyfunc.load_model("models:/...")` and the
    fluent logging API read it.
    """
    uri = tracking_uri or default_tracking_uri(paths)
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    (paths.mlruns / "artifacts").mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return uri


def _require_configured() -> None:
    if not mlflow.is_tracking_uri_set():
        raise TrackingNotConfigured(
            "MLflow tracking is not configured and would open ./mlflow.db in the current "
            "directory; call training.tracking.configure_tracking(paths) first"
        )


def ensure_experiment(name: str, paths: HomePaths) -> str:
    """Id of experiment `name`, created with artifacts under `<home>/mlruns/artifacts` if missing.

    A deleted experiment of that name is restored (MLflow keeps the name reserved).
    """
    _require_configured()
    client = MlflowClient()
    found = client.get_experiment_by_name(name)
    if found is None:
        location = (paths.mlruns / "artifacts").resolve()
        location.mkdir(parents=True, exist_ok=True)
        return client.create_experiment(name, artifact_location=str(location))
    if found.lifecycle_stage == "deleted":
        client.restore_experiment(found.experiment_id)
    return str(found.experiment_id)


def pinned_requirements(packages: tuple[str, ...] = MODEL_REQUIREMENTS) -> list[str]:
    """`name==version` for each installed package; explicit requirements spare MLflow 4-11 s of
    inference (DESIGN.md section 9). Packages that are not installed are left out."""
    pins = []
    for package in packages:
        try:
            pins.append(f"{package}=={importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return pins


def git_commit(repo: Path | None = None) -> str:
    """HEAD of the git checkout holding restock (or `repo`); "unknown" outside git."""
    folder = repo or Path(__file__).resolve().parent
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and commit else "unknown"


def _restock_version() -> str:
    try:
        return importlib.metadata.version("restock")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@contextmanager
def _no_uv_autodetect() -> Iterator[None]:
    # MLflow copies uv.lock and pyproject.toml from the *current directory* into every model;
    # what ends up in the model would depend on where the command was started.
    previous = os.environ.get("MLFLOW_UV_AUTO_DETECT")
    os.environ["MLFLOW_UV_AUTO_DETECT"] = "false"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("MLFLOW_UV_AUTO_DETECT", None)
        else:
            os.environ["MLFLOW_UV_AUTO_DETECT"] = previous


def _check_inputs(input_example: pd.DataFrame, artifacts: Mapping[str, Path]) -> None:
    categories = [
        str(c)
        for c, dtype in input_example.dtypes.items()
        if isinstance(dtype, pd.CategoricalDtype)
    ]
    if categories:
        raise ValueError(
            f"input example has pandas category columns {categories}, which break MLflow pyfunc "
            "predict; pass integer codes instead (LightGBM categorical_feature=[...])"
        )
    missing = {key: str(path) for key, path in artifacts.items() if not Path(path).exists()}
    if missing:
        raise FileNotFoundError(f"artifacts to log do not exist: {missing}")


def log_training_run(
    *,
    experiment: str,
    run_name: str,
    params: Mapping[str, object],
    metrics: Mapping[str, float],
    tags: Mapping[str, str],
    artifacts: Mapping[str, Path],
    model: PythonModel,
    model_name_in_run: str = "model",
    input_example: pd.DataFrame,
    pip_requirements: list[str] | None = None,
    code_paths: list[str] | None = None,
) -> RunResult:
    """Log params, metrics, tags, artifacts and the pyfunc model in one run of `experiment`.

    `artifacts` maps a folder inside the run to a file or folder to copy there. The model is
    called once as `model.predict(None, input_example)` to infer its signature, so it must not
    need a context; inputs must hold no pandas `category` columns (they break pyfunc predict).
    Requirements default to `pinned_requirements()`. A failure inside marks the run FAILED.
    """
    _require_configured()
    _check_inputs(input_example, artifacts)
    found = MlflowClient().get_experiment_by_name(experiment)
    if found is None or found.lifecycle_stage == "deleted":
        raise ValueError(
            f"experiment {experiment!r} does not exist; create it with "
            "training.tracking.ensure_experiment(name, paths) so its artifacts stay in the home"
        )
    requirements = pip_requirements if pip_requirements is not None else pinned_requirements()
    signature = infer_signature(input_example, model.predict(None, input_example))
    all_tags = {TAG_GIT_COMMIT: git_commit(), TAG_VERSION: _restock_version(), **tags}
    with mlflow.start_run(experiment_id=found.experiment_id, run_name=run_name) as run:
        mlflow.set_tags(all_tags)
        if params:
            mlflow.log_params(dict(params))
        for key, path in artifacts.items():
            if Path(path).is_dir():
                mlflow.log_artifacts(str(path), artifact_path=key)
            else:
                mlflow.log_artifact(str(path), artifact_path=key)
        with _no_uv_autodetect():
            info = mlflow.pyfunc.log_model(
                name=model_name_in_run,
                python_model=model,
                signature=signature,
                input_example=input_example,
                pip_requirements=requirements,
                code_paths=code_paths,
            )
        if metrics:
            # Linked to the logged model too, so the model page shows its own metrics.
            mlflow.log_metrics({k: float(v) for k, v in metrics.items()}, model_id=info.model_id)
    return RunResult(run_id=run.info.run_id, model_uri=info.model_uri)

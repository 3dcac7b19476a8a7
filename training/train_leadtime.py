"""Train the lead-time model: time-ordered holdout against the baselines, fit on all receipts,
log to MLflow, register as challenger and let the gate decide."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from features.storage import load_dataset
from restock.settings import Settings
from training.gate import GateThresholds
from training.leadtime import LeadTimeModel
from training.leadtime_baselines import evaluate_leadtime
from training.outcome import ModelOutcome, register_outcome
from training.pyfuncs import LeadTimePyfunc, plain_columns
from training.registry import LEADTIME_MODEL
from training.tracking import configure_tracking, ensure_experiment, log_training_run

__all__ = ["LEADTIME_GATE", "train_leadtime"]

EXPERIMENT = "restock-lead-time"
# Lead time is judged on MAE in days and on its P90, which safety lead time relies on.
LEADTIME_GATE = GateThresholds(
    primary_metric="mae",
    coverage_metric="p90_coverage",
    coverage_target=0.90,
    coverage_tolerance=0.05,
)
_MODEL_ROWS = ("model", "model_frozen")


def _numbers(row: pd.Series) -> dict[str, float]:
    return {str(k): float(v) for k, v in row.items() if pd.notna(v)}


def train_leadtime(settings: Settings) -> ModelOutcome | None:
    """Evaluate, fit, log, register and gate the lead-time model; None without receipts."""
    paths = settings.paths
    dataset = load_dataset(paths)
    receipts = dataset.receipts
    if receipts.empty:
        return None
    table = evaluate_leadtime(receipts)
    metrics = _numbers(table.loc["model"])  # type: ignore[arg-type]
    baselines = {
        str(name): _numbers(row)
        for name, row in table.iterrows()
        if name not in _MODEL_ROWS and pd.notna(row["mae"])
    }
    model = LeadTimeModel.fit(receipts)
    configure_tracking(paths, settings.tracking_uri)
    ensure_experiment(EXPERIMENT, paths)
    example = plain_columns(receipts.tail(50))
    with tempfile.TemporaryDirectory() as tmp:
        table_path = Path(tmp) / "holdout.csv"
        table.to_csv(table_path)
        run = log_training_run(
            experiment=EXPERIMENT,
            run_name=f"{dataset.name}-lead-time",
            params={"receipts": len(receipts), "quantiles": ",".join(model.columns)},
            metrics={
                f"{method}.{name}": float(value)
                for method, row in table.iterrows()
                for name, value in row.items()
                if pd.notna(value)
            },
            tags={"restock.dataset": dataset.name},
            artifacts={"holdout": table_path},
            model=LeadTimePyfunc(model),
            input_example=example,
        )
    return register_outcome(
        settings,
        name=LEADTIME_MODEL,
        run=run,
        metrics=metrics,
        baselines=baselines,
        thresholds=LEADTIME_GATE,
        dataset=dataset.name,
        table=table.reset_index(),
        evaluation=(
            f"time-ordered holdout (last 20%, {int(table['n_test'].iloc[0])} receipts): "
            "MAE in days, P90 coverage"
        ),
    )

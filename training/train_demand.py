"""Train the demand forecaster end to end: backtest against baselines, fit on the whole history,
log everything to MLflow, register as challenger and let the gate decide on promotion."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from features.loaders.errors import SourceError
from features.series_codes import SeriesCodes
from features.storage import load_dataset
from features.store import FeatureStore
from restock.home import HomePaths
from restock.settings import Settings
from training.backtest import (
    CHAMPION_METHOD,
    MODEL_METHOD,
    ROUTED_METHOD,
    BacktestConfig,
    BacktestResult,
    run_backtest,
)
from training.demand import DemandModel
from training.gate import GateThresholds, HeadToHead
from training.loading import LoadedModel, load_registered
from training.outcome import ModelOutcome, register_outcome
from training.plots import plot_calibration, plot_drivers, plot_forecasts
from training.pyfuncs import DemandPyfunc, plain_columns
from training.registry import DEMAND_MODEL
from training.routed import RoutedForecaster
from training.tracking import configure_tracking, ensure_experiment, log_training_run

__all__ = ["gate_thresholds", "load_training_panel", "train_demand"]

EXPERIMENT = "restock-demand"


def gate_thresholds(settings: Settings) -> GateThresholds:
    t = settings.training
    return GateThresholds(
        primary_metric=t.primary_metric,
        min_improvement=t.min_improvement,
        coverage_target=t.coverage_target,
        coverage_tolerance=t.coverage_tolerance,
        fresh_tolerance=t.fresh_tolerance,
    )


def load_training_panel(settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cleaned panel and segments `restock features` wrote, or a clear error."""
    folder = settings.paths.cleaned
    panel_path, segments_path = folder / "panel.parquet", folder / "segments.parquet"
    if not panel_path.is_file() or not segments_path.is_file():
        raise SourceError(
            f"no cleaned panel in {folder}; run `restock features` (after `restock ingest`) first"
        )
    return pd.read_parquet(panel_path), pd.read_parquet(segments_path)


def _artifacts(
    folder: Path,
    backtest: BacktestResult,
    model: DemandModel,
    panel: pd.DataFrame,
) -> dict[str, Path]:
    backtest.table.to_csv(folder / "backtest.csv", index=False)
    backtest.per_fold.to_csv(folder / "backtest_per_fold.csv", index=False)
    # The routing decision per class and per series: what the registered forecaster applies.
    (folder / "routes.json").write_text(json.dumps(backtest.routes, indent=2))
    backtest.assignments.to_csv(folder / "route_assignments.csv", index=False)
    (folder / "feature_spec.json").write_text(json.dumps(model.spec, indent=2, default=str))
    importance = model.feature_importance()
    importance.to_csv(folder / "feature_importance.csv", index=False)
    plots = folder / "plots"
    plot_forecasts(backtest.forecasts, panel, ROUTED_METHOD, plots / "forecast_vs_actual.png")
    plot_calibration(backtest.forecasts, ROUTED_METHOD, plots / "calibration.png")
    plot_drivers(_shap_summary(model, panel), plots / "shap_summary.png")
    return {
        "backtest": folder / "backtest.csv",
        "backtest_per_fold": folder / "backtest_per_fold.csv",
        "spec": folder / "feature_spec.json",
        "importance": folder / "feature_importance.csv",
        "routing": folder / "routes.json",
        "routing_series": folder / "route_assignments.csv",
        "plots": plots,
    }


def _shap_summary(model: DemandModel, panel: pd.DataFrame, rows: int = 2000) -> pd.DataFrame:
    """Mean |SHAP| per feature over a sample of the next-period prediction rows."""
    frame = model.prediction_frame(panel)
    sample = frame.sample(min(rows, len(frame)), random_state=0)
    contributions = model.contributions(sample)
    features = [c for c in contributions.columns if c in model.feature_names]
    means = contributions[features].abs().mean()
    return pd.DataFrame({"feature": means.index, "mean_abs_shap": means.to_numpy()})


def _incumbent(loaded: LoadedModel | None) -> dict[str, Any]:
    """The champion to score beside the challenger, and since when it has not seen the data."""
    forecaster = getattr(getattr(loaded, "python_model", None), "forecaster", None)
    info = getattr(getattr(forecaster, "model", None), "info", None) or {}
    if forecaster is None or "train_end" not in info:
        return {}
    return {
        "incumbent": forecaster,
        "incumbent_trained_until": pd.Timestamp(info["train_end"]),
    }


def train_demand(settings: Settings, *, progress: bool = False) -> ModelOutcome:
    """Backtest, fit, log, register and gate the demand forecaster on the home's panel."""
    paths = settings.paths
    dataset = load_dataset(paths)
    panel, segments = load_training_panel(settings)
    codes = SeriesCodes.from_panel(panel, dataset.items)
    incumbent = load_registered(settings, name=DEMAND_MODEL)
    config = BacktestConfig(
        folds=settings.training.folds,
        num_boost_round=settings.training.num_boost_round,
        **_incumbent(incumbent),
    )
    backtest = run_backtest(
        panel,
        dataset.frequency,
        config,
        calendar=dataset.calendar,
        codes=codes,
        segments=segments,
        thresholds=settings.segmentation,
        progress=progress,
    )
    model = DemandModel.fit(
        panel,
        dataset.frequency,
        calendar=dataset.calendar,
        codes=codes,
        num_boost_round=config.num_boost_round,
        progress=progress,
    )
    forecaster = RoutedForecaster(
        model,
        routes=dict(backtest.routes),
        min_history=backtest.min_history,
        thresholds=settings.segmentation,
        blend=backtest.blend,
    )
    head = backtest.head_to_head(ROUTED_METHOD)
    overall = backtest.overall().drop(index=CHAMPION_METHOD, errors="ignore")
    # The gate judges what serving will run: the model with its routes, scored out of sample.
    metrics = backtest.metrics(ROUTED_METHOD)
    ours = {MODEL_METHOD, ROUTED_METHOD, CHAMPION_METHOD}
    baselines = {m: backtest.metrics(m) for m in overall.index if m not in ours}
    configure_tracking(paths, settings.tracking_uri)
    ensure_experiment(EXPERIMENT, paths)
    last = panel["date"].max()
    example = plain_columns(panel[panel["date"] > last - pd.Timedelta(days=120)].head(400))
    with tempfile.TemporaryDirectory() as tmp:
        run = log_training_run(
            experiment=EXPERIMENT,
            run_name=f"{dataset.name}-{dataset.frequency.value}",
            params={
                "frequency": dataset.frequency.value,
                "horizon": backtest.horizon,
                "folds": len(backtest.origins),
                "num_boost_round": config.num_boost_round,
                "series": len(segments),
                "training_start": str(panel["date"].min().date()),
                "training_end": str(last.date()),
                "origins": ",".join(str(o.date()) for o in backtest.origins),
                "routes": json.dumps(backtest.routes, sort_keys=True),
                "min_history": backtest.min_history,
                "blend": "none" if backtest.blend is None else backtest.blend.describe(),
            },
            metrics={
                f"{method}.{name}": value
                for method, row in overall.iterrows()
                for name, value in row.items()
                if isinstance(value, int | float) and pd.notna(value)
            },
            tags={"restock.dataset": dataset.name, "restock.data_hash": _data_hash(paths)},
            artifacts=_artifacts(Path(tmp), backtest, model, panel),
            model=DemandPyfunc(forecaster),
            input_example=example,
        )
    return register_outcome(
        settings,
        name=DEMAND_MODEL,
        run=run,
        metrics=metrics,
        baselines=baselines,
        thresholds=gate_thresholds(settings),
        dataset=dataset.name,
        table=overall.reset_index(),
        head_to_head=None
        if head is None or incumbent is None
        else HeadToHead(head[0], head[1], head[2], incumbent.version),
        evaluation=(
            f"rolling-origin backtest, {len(backtest.origins)} folds x {backtest.horizon} "
            "periods, pooled over all series (lower MASE is better)"
        ),
    )


def _data_hash(paths: HomePaths) -> str:
    """The feature store key of the latest entry: a hash of the cleaned panel and the spec."""
    return FeatureStore(paths.feature_store).latest() or "unknown"

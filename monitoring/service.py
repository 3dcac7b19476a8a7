"""Monitoring services over a restock home: each step of the closed loop as one typed function.

Flows and the CLI call these (each can run on its own); `monitoring.run.monitor` chains them.
They read the home (ingest, cleaned panel, feature store, forecast log, registry, alias history),
compute with the pure modules (`reference`, `drift`, `live`, `service_level`, `root_cause`,
`decision`) and write only reports (under `<home>/reports/monitoring/`) and, for
`apply_rollback`, the registry's champion alias.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd
from mlflow.exceptions import MlflowException

from features.loaders.errors import SourceError
from features.store import FeatureStore
from monitoring.decision import Decision, NoOp, Rollback, decide
from monitoring.drift import DriftResult, detect_drift
from monitoring.drift_inputs import monitored_features, origin_before, predictions_at, read_window
from monitoring.forecast_log import ForecastLog
from monitoring.home_inputs import ChampionView, HomeData, feature_entry_for, load_home_data
from monitoring.live import LivePerformance, score_live
from monitoring.reference import choose_reference, latest_window
from monitoring.root_cause import cause_counts, classify_stockouts
from monitoring.service_level import ServiceBreach, service_breaches, service_levels
from restock.settings import Settings
from training.registry import CHAMPION, RegistryError, metric_tags, open_registry, rollback

__all__ = [
    "DriftChecks",
    "DriftUnavailable",
    "ServiceReport",
    "StockoutCauses",
    "apply_rollback",
    "check_drift",
    "check_service_levels",
    "decide_for_champion",
    "explain_stockouts",
    "monitoring_reports",
    "score_forecasts",
]


class DriftUnavailable(RuntimeError):
    """Drift cannot be judged yet (no comparable reference window or no matching features);
    the message says why and what to run."""


def monitoring_reports(settings: Settings) -> Path:
    """`<home>/reports/monitoring/`: drift JSON + HTML and run summaries."""
    return settings.paths.reports / "monitoring"


@dataclass(frozen=True)
class DriftChecks:
    """Feature and prediction drift of one model version, and the report files written."""

    features: DriftResult
    predictions: DriftResult
    reports: tuple[Path, ...]

    @property
    def results(self) -> list[DriftResult]:
        return [self.features, self.predictions]


def check_drift(
    settings: Settings,
    *,
    champion: ChampionView,
    model_name: str,
    model_version: int,
    data: HomeData | None = None,
    save: bool = True,
) -> DriftChecks:
    """Feature drift (feature store) and prediction drift (the champion's forecasts) between the
    latest window and the seasonally matched reference from the champion's training window."""
    data = data or load_home_data(settings)
    policy = settings.monitoring
    frequency = data.dataset.frequency
    periods = policy.window_periods or champion.horizon
    last = pd.Timestamp(data.panel["date"].max()).date()
    store = FeatureStore(settings.paths.feature_store)
    try:
        choice = choose_reference(
            current=latest_window(last, periods, frequency),
            training=champion.training,
            periods=periods,
            frequency=frequency,
        )
        key = feature_entry_for(store, champion.spec)
    except (ValueError, SourceError) as e:
        raise DriftUnavailable(str(e)) from e
    numerical, categorical = monitored_features(champion.spec)
    compare = partial(
        detect_drift,
        settings=policy,
        reference_choice=choice,
        model_name=model_name,
        model_version=model_version,
    )
    features = compare(
        read_window(store, key, choice.reference, numerical + categorical),
        read_window(store, key, choice.current, numerical + categorical),
        subject="features",
        numerical=numerical,
        categorical=categorical,
    )
    forecaster, panel = champion.forecaster, data.panel
    predictions = compare(
        predictions_at(forecaster, panel, origin_before(choice.reference, frequency)),
        predictions_at(forecaster, panel, origin_before(choice.current, frequency)),
        subject="predictions",
        numerical=list(policy.prediction_columns),
    )
    reports: list[Path] = []
    if save:
        for report in (features, predictions):
            json_path, html_path = report.save(monitoring_reports(settings))
            reports += [json_path] + ([html_path] if html_path is not None else [])
    return DriftChecks(features.result, predictions.result, tuple(reports))


def score_forecasts(
    settings: Settings, *, model_name: str, data: HomeData | None = None
) -> LivePerformance:
    """Live accuracy of the logged forecasts whose target date lies in the last
    `live_window_days` of actuals, per model version and segment."""
    data = data or load_home_data(settings)
    last = pd.Timestamp(data.panel["date"].max()).date()
    start = last - dt.timedelta(days=settings.monitoring.live_window_days - 1)
    logged = ForecastLog(settings.database).read(model_name=model_name, start=start, end=last)
    return score_live(
        logged,
        data.panel,
        segments=data.segments,
        tracking_limit=settings.monitoring.tracking_signal_limit,
    )


@dataclass(frozen=True)
class ServiceReport:
    """Achieved vs target per segment and period, and the sustained breaches."""

    table: pd.DataFrame
    breaches: list[ServiceBreach]


def check_service_levels(settings: Settings, *, data: HomeData | None = None) -> ServiceReport:
    """Service level per segment and period; breaches after `consecutive_periods` below."""
    data = data or load_home_data(settings)
    policy = settings.monitoring
    table = service_levels(
        data.panel,
        data.segments,
        data.targets,
        frequency=data.dataset.frequency,
        period_days=policy.service_period_days,
        last_periods=max(13, policy.consecutive_periods),
    )
    return ServiceReport(table, service_breaches(table, consecutive=policy.consecutive_periods))


@dataclass(frozen=True)
class StockoutCauses:
    """Each judged stockout with its cause, and the counts per segment and cause."""

    stockouts: pd.DataFrame
    counts: pd.DataFrame


def explain_stockouts(
    settings: Settings, *, model_name: str, data: HomeData | None = None
) -> StockoutCauses:
    """Root cause of every stockout in the last `live_window_days` covered by the forecast log."""
    data = data or load_home_data(settings)
    last = pd.Timestamp(data.panel["date"].max()).date()
    start = last - dt.timedelta(days=settings.monitoring.live_window_days - 1)
    logged = ForecastLog(settings.database).read(model_name=model_name, start=start, end=last)
    panel = data.panel[data.panel["date"] >= pd.Timestamp(start)]
    stockouts = classify_stockouts(
        panel,
        forecasts=logged,
        receipts=data.dataset.receipts,
        quarantined=data.quarantined_sales,
        segments=data.segments,
        service_levels=data.service_levels(),
        parents=data.parents(),
        lookback_days=settings.monitoring.supply_lookback_days,
    )
    return StockoutCauses(stockouts, cause_counts(stockouts))


def decide_for_champion(
    settings: Settings,
    *,
    model_name: str,
    drift: Sequence[DriftResult],
    live: LivePerformance,
    now: dt.datetime | None = None,
) -> Decision:
    """`decide` with the registry's current champion, its registered backtest metrics and the
    model's alias history."""
    registry = open_registry(
        settings.paths, tracking_uri=settings.tracking_uri, database_url=settings.database
    )
    try:
        aliases = registry.client.get_registered_model(model_name).aliases
    except MlflowException as e:
        if e.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        return NoOp(f"{model_name} is not registered; run `restock train`")
    version = aliases.get(CHAMPION)
    expected: dict[str, float] = {}
    if version is not None:
        expected = metric_tags(registry.client.get_model_version(model_name, str(version)))
    return decide(
        model_name=model_name,
        champion_version=None if version is None else int(version),
        expected=expected,
        drift=drift,
        live=live.versions,
        history=registry.history.read(model_name=model_name),
        now=now or dt.datetime.now(dt.UTC),
        policy=settings.monitoring,
    )


def apply_rollback(
    settings: Settings, decision: Rollback, *, actor: str = "restock monitor"
) -> int:
    """Move the champion back as decided (recorded in the alias history with the reason);
    serving picks it up on its next registry poll. Returns the version now champion."""
    registry = open_registry(
        settings.paths, tracking_uri=settings.tracking_uri, database_url=settings.database
    )
    version = rollback(
        registry=registry, name=decision.model_name, actor=actor, reason=decision.reason
    )
    if version != decision.to_version:
        raise RegistryError(
            f"rollback of {decision.model_name} moved champion to v{version}, not the decided "
            f"v{decision.to_version}: the alias history changed since the decision; re-run it"
        )
    return version

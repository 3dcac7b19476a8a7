"""Prefect flows for the data pipeline: `ingest_data` (load + validate) and `build_features`
(ingest when a source is given, then clean, segment and build the feature store)."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from features.ingest import IngestReport
from features.pipeline import (
    FeaturePlan,
    FeaturesReport,
    build_partition,
    feature_partitions,
    features_report,
    prepare_features,
    run_features,
    run_ingest,
)
from features.sources import Source
from features.store import WrittenParts
from flows.runners import task_runner
from restock.settings import Settings

__all__ = ["build_features", "ingest_data"]

# Frames never travel between tasks (steps read and write the home), so nothing needs caching
# or persisting by Prefect; hashing big inputs for cache keys would only cost time.
_TASK = {"cache_policy": NO_CACHE, "persist_result": False}


@task(name="ingest", **_TASK)  # type: ignore[call-overload]
def ingest_task(
    settings: Settings, source: Source, path: Path | None, demo_size: str, demo_faults: bool
) -> IngestReport:
    return run_ingest(settings, source, path, demo_size=demo_size, demo_faults=demo_faults)


@task(name="features", **_TASK)  # type: ignore[call-overload]
def features_task(settings: Settings) -> FeaturesReport:
    return run_features(settings)


@flow(name="ingest_data", persist_result=False)
def ingest_data(
    settings: Settings,
    source: Source,
    path: Path | None = None,
    demo_size: str = "small",
    demo_faults: bool = False,
) -> IngestReport:
    """Load one source into the home's canonical tables, quarantining bad rows."""
    report: IngestReport = ingest_task(settings, source, path, demo_size, demo_faults)
    return report


@task(name="prepare-features", **_TASK)  # type: ignore[call-overload]
def prepare_task(settings: Settings) -> FeaturePlan:
    return prepare_features(settings)


@task(name="feature-partition", **_TASK)  # type: ignore[call-overload]
def partition_task(
    plan: FeaturePlan, staging: Path, partition: int, rows: tuple[int, int], chunk_series: int
) -> WrittenParts:
    return build_partition(plan, staging, partition, rows, chunk_series)


def _partitioned_features(settings: Settings) -> FeaturesReport:
    """Features built in `settings.flows.feature_partitions` tasks on the flow's task runner,
    each staging its parts; one commit makes the entry appear whole, or not at all."""
    plan: FeaturePlan = prepare_task(settings)
    if plan.reused:
        return features_report(plan)
    staging = plan.store.stage(plan.key)
    try:
        futures = [
            partition_task.submit(plan, staging, p, rows, settings.feature_chunk_series)
            for p, rows in enumerate(feature_partitions(plan, settings.flows.feature_partitions))
        ]
        written = [f.result() for f in futures]
    except BaseException:
        plan.store.discard(staging)
        raise
    plan.store.commit(plan.key, staging, written, dict(plan.manifest))
    plan.store.prune(settings.feature_store_keep, protect=(plan.key,))
    return features_report(plan)


@flow(name="build_features", persist_result=False)
def _build_features(
    settings: Settings,
    source: Source | None = None,
    path: Path | None = None,
    demo_size: str = "small",
    demo_faults: bool = False,
) -> tuple[IngestReport | None, FeaturesReport]:
    ingest_report = ingest_task(settings, source, path, demo_size, demo_faults) if source else None
    features_report_: FeaturesReport = (
        _partitioned_features(settings)
        if settings.flows.feature_partitions > 1
        else features_task(settings)
    )
    return ingest_report, features_report_


def build_features(
    settings: Settings,
    source: Source | None = None,
    path: Path | None = None,
    demo_size: str = "small",
    demo_faults: bool = False,
) -> tuple[IngestReport | None, FeaturesReport]:
    """Ingest (when `source` is given), then clean, segment and build the feature store, on
    the task runner the settings choose (threads, or Dask for partitioned feature building)."""
    run = _build_features.with_options(task_runner=task_runner(settings))
    return run(settings, source, path, demo_size, demo_faults)

"""Prefect flows for the data pipeline: `ingest_data` (load + validate) and `build_features`
(ingest when a source is given, then clean, segment and build the feature store)."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from features.ingest import IngestReport
from features.pipeline import FeaturesReport, run_features, run_ingest
from features.sources import Source
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


@flow(name="build_features", persist_result=False)
def build_features(
    settings: Settings,
    source: Source | None = None,
    path: Path | None = None,
    demo_size: str = "small",
    demo_faults: bool = False,
) -> tuple[IngestReport | None, FeaturesReport]:
    """Ingest (when `source` is given), then clean, segment and build the feature store."""
    ingest_report = ingest_task(settings, source, path, demo_size, demo_faults) if source else None
    features_report: FeaturesReport = features_task(settings)
    return ingest_report, features_report

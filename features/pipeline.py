"""The data pipeline's steps as plain functions over a restock home (flows wrap these).

Steps read and write the home folder rather than passing frames between them, so each step can
be re-run on its own (`restock features` after `restock ingest`) and a crash loses nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from features.build import iter_feature_chunks
from features.clean import clean_sales
from features.dataset import Frequency
from features.default_specs import default_spec
from features.ingest import IngestReport, validate_dataset
from features.loaders.errors import SourceError
from features.plots import plot_segments
from features.segment import segment
from features.series_codes import SeriesCodes
from features.sources import Source, load_source
from features.storage import atomic_folder, load_dataset, save_ingest
from features.store import FeatureStore, WrittenParts, feature_manifest, fingerprint_frame
from restock.progress import progress_bar
from restock.settings import Settings

__all__ = [
    "FeaturePlan",
    "FeaturesReport",
    "build_partition",
    "clean_in_chunks",
    "feature_partitions",
    "features_report",
    "prepare_features",
    "run_features",
    "run_ingest",
]


def run_ingest(
    settings: Settings,
    source: Source,
    path: Path | None,
    *,
    demo_size: str = "small",
    demo_faults: bool = False,
) -> IngestReport:
    """Load a source, validate it against the contracts, and store tables and quarantine."""
    raw = load_source(
        source,
        path,
        demo_size=demo_size,
        demo_faults=demo_faults,
        demo_shift=settings.demo.shift,
        demo_hidden_days=settings.demo.hidden_days,
    )
    dataset, report, quarantine = validate_dataset(raw, today=settings.today())
    save_ingest(dataset, report, quarantine, settings.paths.ensure())
    return report


@dataclass
class FeaturesReport:
    """What `run_features` produced and the numbers a planner checks first."""

    dataset: str
    frequency: str
    rows: int
    series: int
    filled_gaps: int
    censored: int
    anomalies: int
    promo_share: float
    segments: dict[str, int]
    intermittency: dict[str, int]
    store_key: str
    store_path: str
    feature_columns: list[str]
    reused: bool
    seconds: float
    segments_plot: str


def _series_bounds(sales: pd.DataFrame) -> np.ndarray:
    """Row offsets where each (sku, location) series starts in a frame sorted by series."""
    sku = (
        sales["sku"].cat.codes.to_numpy()
        if isinstance(sales["sku"].dtype, pd.CategoricalDtype)
        else pd.factorize(sales["sku"])[0]
    )
    loc = (
        sales["location"].cat.codes.to_numpy()
        if isinstance(sales["location"].dtype, pd.CategoricalDtype)
        else pd.factorize(sales["location"])[0]
    )
    change = np.flatnonzero((np.diff(sku) != 0) | (np.diff(loc) != 0)) + 1
    return np.concatenate([[0], change, [len(sales)]])


def clean_in_chunks(sales: pd.DataFrame, frequency: Frequency, settings: Settings) -> pd.DataFrame:
    """Clean whole series a chunk at a time, bounding the memory of the per-series work."""
    ordered = sales.sort_values(["sku", "location", "date"], kind="stable", ignore_index=True)
    bounds = _series_bounds(ordered)
    step = settings.feature_chunk_series
    n_series = len(bounds) - 1
    parts: list[pd.DataFrame] = []
    filled = 0
    with progress_bar("cleaning", n_series, enabled=settings.show_progress) as advance:
        for start in range(0, n_series, step):
            stop = min(start + step, n_series)
            part = clean_sales(
                ordered.iloc[bounds[start] : bounds[stop]],
                frequency,
                anomaly_mad_k=settings.anomaly_mad_k,
            )
            filled += int(part.attrs.get("filled_gaps", 0))
            parts.append(part)
            advance(stop - start)
    panel = (
        pd.concat(parts, ignore_index=True)
        if parts
        else clean_sales(ordered, frequency, anomaly_mad_k=settings.anomaly_mad_k)
    )
    panel.attrs["filled_gaps"] = filled
    return panel


@dataclass
class FeaturePlan:
    """What building features needs once cleaning and segmentation are done and saved: the
    panel, the spec, the store entry (key, manifest) and whether it already exists."""

    dataset: str
    frequency: Frequency
    panel: pd.DataFrame
    segments: pd.DataFrame
    store: FeatureStore
    key: str
    reused: bool
    manifest: dict[str, object]
    codes: SeriesCodes
    calendar: pd.DataFrame | None
    plot: Path
    started: float


def prepare_features(settings: Settings) -> FeaturePlan:
    """Clean and segment the ingested sales (saved to the home), and settle the store entry."""
    started = time.perf_counter()
    paths = settings.paths.ensure()
    dataset = load_dataset(paths)
    if dataset.sales.empty:
        raise SourceError(
            f"the ingested dataset '{dataset.name}' has no sales (a receipts-only source such as "
            "SCMS feeds the lead-time model, not demand features); ingest a sales source first"
        )
    try:
        panel = clean_in_chunks(dataset.sales, dataset.frequency, settings)
    except ValueError as exc:  # the data breaks a grid rule: tell the user, not a traceback
        raise SourceError(f"cannot clean the sales of '{dataset.name}': {exc}") from exc
    unit_cost = dataset.items.set_index("sku")["unit_cost"]
    segments = segment(panel, dataset.frequency, settings.segmentation, unit_cost=unit_cost)
    with atomic_folder(paths.cleaned) as folder:
        panel.to_parquet(folder / "panel.parquet", index=False)
        segments.to_parquet(folder / "segments.parquet", index=False)
    plot = plot_segments(segments, settings.segmentation, paths.reports / "segments.png")
    spec = default_spec(dataset.frequency)
    store = FeatureStore(paths.feature_store)
    input_fingerprint = fingerprint_frame(panel)
    key = store.key(input_fingerprint, spec)
    # Codes come from the item master too, so serving can encode skus the panel lacks.
    codes = SeriesCodes.from_panel(panel, dataset.items)
    manifest = feature_manifest(
        spec,
        input_fingerprint,
        dataset=dataset.name,
        series_codes=codes.to_dict(),
        first_date=str(panel["date"].min().date()),
        last_date=str(panel["date"].max().date()),
    )
    return FeaturePlan(
        dataset=dataset.name,
        frequency=dataset.frequency,
        panel=panel,
        segments=segments,
        store=store,
        key=key,
        reused=store.exists(key),
        manifest=manifest,
        codes=codes,
        calendar=dataset.calendar,
        plot=plot,
        started=started,
    )


def feature_partitions(plan: FeaturePlan, count: int) -> list[tuple[int, int]]:
    """Row ranges of `count` partitions of whole series (the panel is sorted by series)."""
    starts = _series_bounds(plan.panel)
    n_series = len(starts) - 1
    cuts = np.linspace(0, n_series, min(count, max(n_series, 1)) + 1).round().astype(int)
    return [(int(starts[a]), int(starts[b])) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]


def build_partition(
    plan: FeaturePlan, staging: Path, partition: int, rows: tuple[int, int], chunk_series: int
) -> WrittenParts:
    """Build and stage the features of one partition's series (`FeatureStore.commit` ends it)."""
    part = plan.panel.iloc[rows[0] : rows[1]]
    chunks = iter_feature_chunks(
        part,
        default_spec(plan.frequency),
        chunk_series=chunk_series,
        calendar=plan.calendar,
        codes=plan.codes,
    )
    return plan.store.write_parts(staging, chunks, partition=partition)


def features_report(plan: FeaturePlan) -> FeaturesReport:
    panel, segments = plan.panel, plan.segments
    spec = default_spec(plan.frequency)
    return FeaturesReport(
        dataset=plan.dataset,
        frequency=plan.frequency.value,
        rows=len(panel),
        series=len(segments),
        filled_gaps=int(panel.attrs.get("filled_gaps", 0)),
        censored=int(panel["censored"].sum()),
        anomalies=int(panel["anomaly"].sum()),
        promo_share=float(panel["on_promo"].mean()) if len(panel) else 0.0,
        segments={str(k): int(v) for k, v in segments["segment"].value_counts().items()},
        intermittency={str(k): int(v) for k, v in segments["intermittency"].value_counts().items()},
        store_key=plan.key,
        store_path=str(plan.store.path(plan.key)),
        feature_columns=list(spec.feature_names),
        reused=plan.reused,
        seconds=time.perf_counter() - plan.started,
        segments_plot=str(plan.plot),
    )


def run_features(settings: Settings) -> FeaturesReport:
    """Clean and segment the ingested sales, then build (or reuse) the feature store entry in
    one streaming pass (the flow can also build it in partitions, see `build_partition`)."""
    plan = prepare_features(settings)
    if not plan.reused:
        chunks = iter_feature_chunks(
            plan.panel,
            default_spec(plan.frequency),
            chunk_series=settings.feature_chunk_series,
            calendar=plan.calendar,
            codes=plan.codes,
            progress=settings.show_progress,
        )
        plan.store.write(plan.key, chunks, dict(plan.manifest))
    plan.store.prune(settings.feature_store_keep, protect=(plan.key,))
    return features_report(plan)

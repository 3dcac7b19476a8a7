"""What monitoring reads from a restock home, with errors that name the command that fixes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from features.dataset import Dataset
from features.loaders.errors import SourceError
from features.spec import FeatureSpec
from features.storage import load_dataset, load_quarantine
from features.store import FeatureStore
from inventory.service_targets import ServiceTargets
from monitoring.reference import Window
from planning.targets import service_targets
from restock.settings import Settings

__all__ = [
    "ChampionView",
    "HomeData",
    "champion_view",
    "feature_entry_for",
    "load_home_data",
]


@dataclass(frozen=True)
class HomeData:
    """The ingested dataset, the cleaned panel and segments, the service targets, and the sales
    rows validation quarantined."""

    dataset: Dataset
    panel: pd.DataFrame
    segments: pd.DataFrame
    targets: ServiceTargets
    quarantined_sales: pd.DataFrame

    def parents(self) -> dict[str, str]:
        """Store -> the DC that replenishes it."""
        locations = self.dataset.locations
        if "parent" not in locations.columns:
            return {}
        known = locations[locations["parent"].notna()]
        stores, dcs = known["location"].astype("str"), known["parent"].astype("str")
        return dict(zip(stores, dcs, strict=True))

    def service_levels(self) -> dict[str, float]:
        """Segment -> cycle service level (its fill rate when no level is set)."""
        out = {}
        for segment in self.segments["segment"].astype("str").unique():
            target = self.targets.lookup(segment)
            level = target.cycle_service_level or target.fill_rate
            if level is not None:
                out[segment] = float(level)
        return out


def load_home_data(settings: Settings) -> HomeData:
    """Read the home's last ingest and `restock features` output."""
    paths = settings.paths
    dataset = load_dataset(paths)
    folder = paths.cleaned
    panel_path, segments_path = folder / "panel.parquet", folder / "segments.parquet"
    if not panel_path.is_file() or not segments_path.is_file():
        raise SourceError(
            f"no cleaned panel in {folder}; run `restock features` (after `restock ingest`) first"
        )
    return HomeData(
        dataset=dataset,
        panel=pd.read_parquet(panel_path),
        segments=pd.read_parquet(segments_path),
        targets=service_targets(dataset.service_policy),
        quarantined_sales=load_quarantine(paths, "sales"),
    )


@dataclass(frozen=True)
class ChampionView:
    """What drift needs from a loaded demand champion."""

    forecaster: Any  # has predict(history) -> quantile rows (training.routed.RoutedForecaster)
    spec: FeatureSpec
    training: Window
    horizon: int


def champion_view(python_model: Any) -> ChampionView:
    """Unwrap `LoadedModel.python_model` (a DemandPyfunc) into what drift checks read."""
    forecaster = getattr(python_model, "forecaster", python_model)
    model = getattr(forecaster, "model", None)
    info = getattr(model, "info", None) or {}
    if model is None or "train_start" not in info or "train_end" not in info:
        raise TypeError(
            f"{type(python_model).__name__} is not a restock demand forecaster (no feature spec "
            "or training window); monitor the `demand-forecaster` model"
        )
    training = Window(
        pd.Timestamp(info["train_start"]).date(), pd.Timestamp(info["train_end"]).date()
    )
    return ChampionView(
        forecaster=forecaster, spec=model.feature_spec, training=training, horizon=model.horizon
    )


def feature_entry_for(store: FeatureStore, spec: FeatureSpec) -> str:
    """The newest feature-store entry built with `spec` (the champion's features)."""
    fingerprint = spec.fingerprint()
    matching = [k for k in store.keys() if store.manifest(k).get("spec_fingerprint") == fingerprint]
    if not matching:
        raise SourceError(
            f"no feature store entry under {store.root} was built with the champion's feature "
            "spec; run `restock features`"
        )
    return max(matching, key=lambda k: (store.manifest(k)["created_at"], k))

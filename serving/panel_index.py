"""The home's cleaned panel indexed by series, for fast per-series history slices."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from features.build import ITEM_TOTAL, item_totals
from serving.forecast_types import UnknownSeries
from training.demand_frame import series_blocks

__all__ = ["Key", "PanelIndex"]

_KEYS = ["sku", "location"]
Key = tuple[str, str]
_SHOWN = 5  # known locations / close skus listed in an UnknownSeries message


@dataclass(frozen=True)
class PanelIndex:
    """The cleaned panel sorted by series and date, with each series' row range."""

    frame: pd.DataFrame
    version: str
    ranges: dict[Key, tuple[int, int]]
    locations: dict[str, list[str]]  # sku -> its locations, for error messages
    _cache: dict[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, path: Path, version: str) -> PanelIndex:
        frame = pd.read_parquet(path)
        frame = frame.astype({k: "category" for k in _KEYS})
        frame = frame.sort_values([*_KEYS, "date"], kind="stable", ignore_index=True)
        skus = frame["sku"].cat.codes.to_numpy()
        locs = frame["location"].cat.codes.to_numpy()
        starts, stops = series_blocks(frame)
        sku_names = frame["sku"].cat.categories.astype(str)[skus[starts]]
        loc_names = frame["location"].cat.categories.astype(str)[locs[starts]]
        ranges: dict[Key, tuple[int, int]] = {}
        locations: dict[str, list[str]] = {}
        for sku, location, a, b in zip(sku_names, loc_names, starts, stops, strict=True):
            ranges[(sku, location)] = (int(a), int(b))
            locations.setdefault(sku, []).append(location)
        return cls(frame=frame, version=version, ranges=ranges, locations=locations)

    def history(
        self, keys: Sequence[Key], keep: int | None, *, item_totals: bool = False
    ) -> pd.DataFrame:
        """The rows of `keys` (the last `keep` of each when given), grouped by series; with
        `item_totals`, each row's item total over every location of the panel (ITEM_TOTAL: a
        model with pooled features reads it, and one series' slice cannot sum it)."""
        spans = [self.ranges[k] for k in keys]
        if keep is not None:
            spans = [(max(a, b - keep), b) for a, b in spans]
        if len(spans) == 1:
            rows: slice | np.ndarray = slice(spans[0][0], spans[0][1])
        else:
            rows = np.concatenate([np.arange(a, b) for a, b in spans])
        part = self.frame.iloc[rows]
        return part.assign(**{ITEM_TOTAL: self._item_totals()[rows]}) if item_totals else part

    def _item_totals(self) -> np.ndarray:
        # On first use only: a panel served to models without pooled features never pays the
        # whole-panel group-by (seconds at M5 size).
        if "totals" not in self._cache:
            self._cache["totals"] = item_totals(self.frame)
        return self._cache["totals"]

    def unknown(self, sku: str, location: str) -> UnknownSeries:
        known = self.locations.get(sku)
        if known is not None:
            listed = ", ".join(known[:_SHOWN]) + (
                f" (+{len(known) - _SHOWN} more)" if len(known) > _SHOWN else ""
            )
            message = f"sku {sku!r} has no history at location {location!r}; it is sold at {listed}"
        else:
            close = difflib.get_close_matches(sku, list(self.locations), n=_SHOWN)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            message = (
                f"unknown sku {sku!r}: not in the cleaned panel ({len(self.locations)} skus){hint}"
            )
        return UnknownSeries(sku, location, message)

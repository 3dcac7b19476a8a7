"""Integer codes of skus, locations and categories: LightGBM's categorical features.

Built once from the full panel (and item master) so every chunk, every retrain on the same labels
and serving agree; saved as JSON beside the model. Codes follow sorted labels, so they do not
depend on row order. An unknown label encodes as -1, which LightGBM treats as missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["UNKNOWN_CATEGORY", "SeriesCodes"]

UNKNOWN_CATEGORY = "unknown"


def _labels(column: pd.Series) -> list[str]:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(v) for v in column.cat.categories]
    return [str(v) for v in pd.unique(column.dropna())]


@dataclass(frozen=True)
class SeriesCodes:
    """Sorted labels per key; a label's code is its position. `sku_category[i]` is the
    category code of `skus[i]`."""

    skus: tuple[str, ...]
    locations: tuple[str, ...]
    categories: tuple[str, ...] = (UNKNOWN_CATEGORY,)
    sku_category: tuple[int, ...] = ()
    _index: dict[str, pd.Index] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if not self.sku_category:
            object.__setattr__(self, "sku_category", (0,) * len(self.skus))
        if len(self.sku_category) != len(self.skus):
            raise ValueError("sku_category must give one category code per sku")

    @classmethod
    def from_panel(cls, panel: pd.DataFrame, items: pd.DataFrame | None = None) -> SeriesCodes:
        """Codes for every sku and location of the panel (and every sku of `items`); categories
        from `items` (sku, category) or a panel `category` column, else 'unknown'."""
        skus = set(_labels(panel["sku"]))
        category_of: dict[str, str] = {}
        source = items if items is not None and "category" in items.columns else None
        if source is None and "category" in panel.columns:
            source = panel[["sku", "category"]].drop_duplicates("sku")
        if items is not None:
            skus.update(_labels(items["sku"]))
        if source is not None:
            pairs = source[["sku", "category"]].drop_duplicates("sku")
            category_of = dict(
                zip(pairs["sku"].astype(str), pairs["category"].astype(str), strict=True)
            )
        ordered = sorted(skus)
        categories = sorted({category_of.get(s, UNKNOWN_CATEGORY) for s in ordered})
        cat_code = {c: i for i, c in enumerate(categories)}
        return cls(
            skus=tuple(ordered),
            locations=tuple(sorted(set(_labels(panel["location"])))),
            categories=tuple(categories) or (UNKNOWN_CATEGORY,),
            sku_category=tuple(cat_code[category_of.get(s, UNKNOWN_CATEGORY)] for s in ordered),
        )

    def _lookup(self, name: str, labels: tuple[str, ...]) -> pd.Index:
        if name not in self._index:
            self._index[name] = pd.Index(labels)
        return self._index[name]

    def codes(self, name: str, column: pd.Series) -> np.ndarray:
        """int32 code of each value of a sku or location column (-1 when unknown)."""
        labels = {"sku": self.skus, "location": self.locations}[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            rows, uniques = column.cat.codes.to_numpy(), column.cat.categories
        else:
            rows, uniques = pd.factorize(column)
        table = self._lookup(name, labels).get_indexer(pd.Index(uniques).astype(str))
        table = np.append(table, -1).astype(np.int32)  # row code -1 (missing) picks the -1
        return table[rows]

    def encode(self, feature: str, panel: pd.DataFrame) -> np.ndarray:
        """The int32 values of one encoding feature (sku_code, location_code, category_code)."""
        if feature == "sku_code":
            return self.codes("sku", panel["sku"])
        if feature == "location_code":
            return self.codes("location", panel["location"])
        if feature == "category_code":
            per_sku = np.append(np.asarray(self.sku_category, dtype=np.int32), -1)
            return per_sku[self.codes("sku", panel["sku"])]
        raise ValueError(
            f"unknown encoding '{feature}'; use sku_code, location_code or category_code"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "skus": list(self.skus),
            "locations": list(self.locations),
            "categories": list(self.categories),
            "sku_category": list(self.sku_category),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SeriesCodes:
        return cls(
            skus=tuple(data["skus"]),
            locations=tuple(data["locations"]),
            categories=tuple(data["categories"]),
            sku_category=tuple(int(c) for c in data["sku_category"]),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> SeriesCodes:
        return cls.from_dict(json.loads(text))

"""Deliberately broken rows for the demo, so a first run shows quarantine at work.

Each fault is one row of one kind (the kinds `restock ingest` must catch in real files); the
demo's summary then shows exactly these reasons with a count of one each.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from features.dataset import RawTables

__all__ = ["FAULTS", "inject_faults"]

# reason code the validator must give -> how to break a copy of a good row
FAULTS: dict[str, dict[str, Any]] = {
    "negative": {"units": -4.0},
    "non_finite": {"units": np.nan},
    "non_positive": {"price": 0.0},
    "unknown_sku": {"sku": "SKU-NOT-IN-ITEMS"},
    "unknown_location": {"location": "STORE-NOT-IN-LOCATIONS"},
    "future_date": {"date": pd.Timestamp("2099-01-01")},
    "duplicate_key": {},
}


def inject_faults(raw: RawTables, *, seed: int = 0) -> RawTables:
    """Append one broken copy of a random sales row per entry of `FAULTS`."""
    sales = raw.tables["sales"]
    rng = np.random.default_rng(seed)
    picks = sales.iloc[rng.choice(len(sales), size=len(FAULTS), replace=False)]
    broken = picks.astype({"sku": "str", "location": "str"}).reset_index(drop=True)
    for i, changes in enumerate(FAULTS.values()):
        for column, value in changes.items():
            broken.loc[i, column] = value
    plain = sales.astype({"sku": "str", "location": "str"})
    combined = pd.concat([plain, broken.astype(plain.dtypes.to_dict())], ignore_index=True)
    combined = combined.astype({"sku": "category", "location": "category"})
    return RawTables({**raw.tables, "sales": combined}, raw.sources, raw.frequency, raw.name)

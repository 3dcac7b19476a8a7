"""Documented defaults for every table except `sales`, which is the only one a user must give.

- items: one per sold sku; category and supplier "unknown"; unit_price = the sku's median
  selling price; unit_cost unknown; pack size 1; no MOQ; lifecycle "active".
- locations: one per selling location; kind "store", region "unknown", no parent DC.
- inventory: empty, meaning no snapshot: planning then assumes zero stock on hand and on order.
- receipts: empty (the lead-time model then falls back to the policy's stated assumption).
- service_policy: `DEFAULT_SERVICE_POLICY`: high-value, steady items (AX) get the highest cycle
  service level; cheap, erratic items (CZ) the lowest, because safety stock for erratic demand
  is expensive and a stockout of a C item costs little.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.contracts import CONTRACTS, Contract, Kind

__all__ = [
    "DEFAULT_SERVICE_POLICY",
    "default_items",
    "default_locations",
    "default_service_policy",
    "default_table",
    "empty_table",
]

# Cycle service level per ABC x XYZ; '*' catches segments not listed (e.g. new items).
DEFAULT_SERVICE_POLICY: dict[str, float] = {
    "AX": 0.98, "AY": 0.97, "AZ": 0.95,
    "BX": 0.96, "BY": 0.95, "BZ": 0.92,
    "CX": 0.93, "CY": 0.90, "CZ": 0.85,
    "*": 0.95,
}  # fmt: skip


def empty_table(contract: Contract) -> pd.DataFrame:
    """A zero-row table with the contract's columns and types."""
    dtypes = {
        Kind.TEXT: "str",
        Kind.CATEGORY: "category",
        Kind.FLOAT: "float64",
        Kind.INT: "int64",
        Kind.BOOL: "bool",
        Kind.DATE: "datetime64[ns]",
    }
    return pd.DataFrame({c.name: pd.Series(dtype=dtypes[c.kind]) for c in contract.columns})


def default_items(sales: pd.DataFrame) -> pd.DataFrame:
    """One item per sku seen in sales, priced at its median selling price."""
    price = sales.groupby("sku", observed=True)["price"].median()
    skus = pd.Index(sales["sku"].astype("str").unique(), dtype="str").sort_values()
    median_price = price.reindex(skus).to_numpy(dtype="float64", na_value=np.nan)
    n = len(skus)
    return pd.DataFrame(
        {
            "sku": skus,
            "category": pd.Series(["unknown"] * n, dtype="str"),
            "unit_cost": np.full(n, np.nan),
            "unit_price": median_price,
            "supplier": pd.Series(["unknown"] * n, dtype="str"),
            "pack_size": np.ones(n, dtype="int64"),
            "moq": np.zeros(n, dtype="int64"),
            "lifecycle": pd.Series(["active"] * n, dtype="str"),
        }
    )


def default_locations(sales: pd.DataFrame) -> pd.DataFrame:
    """One store per location seen in sales, with no parent DC."""
    names = pd.Index(sales["location"].astype("str").unique(), dtype="str").sort_values()
    n = len(names)
    return pd.DataFrame(
        {
            "location": names,
            "kind": pd.Series(["store"] * n, dtype="str"),
            "region": pd.Series(["unknown"] * n, dtype="str"),
            "parent": pd.Series([None] * n, dtype="str"),
        }
    )


def default_service_policy() -> pd.DataFrame:
    """`DEFAULT_SERVICE_POLICY` as a table following the service_policy contract."""
    segments = list(DEFAULT_SERVICE_POLICY)
    return pd.DataFrame(
        {
            "segment": pd.Series(segments, dtype="str"),
            "cycle_service_level": [DEFAULT_SERVICE_POLICY[s] for s in segments],
            "fill_rate": np.full(len(segments), np.nan),
            "review_period": np.ones(len(segments), dtype="int64"),
        }
    )


def default_table(name: str, sales: pd.DataFrame) -> pd.DataFrame:
    """The documented default for table `name` when the source does not provide it."""
    if name == "items":
        return default_items(sales)
    if name == "locations":
        return default_locations(sales)
    if name == "service_policy":
        return default_service_policy()
    return empty_table(CONTRACTS[name])

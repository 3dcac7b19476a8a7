"""Car parts monthly demand (Hyndman et al., expsmooth): the classic intermittent-demand set.

Input: one long parquet/CSV file (or a folder holding `carparts.parquet`/`.csv`) with columns
series_idx, series_name, period ("1998-01"), value (blank/NaN = missing).

Mapping: `sku = f"part{series_name}"`, a single location `"all"`, `date` = first day of the
month, `units = value`, no price, promotion or stockout information.

Missing values are set to 0, as BENCHMARK_PROTOCOL.md prescribes for this set (a month without a
record had no demand). This is the one place this loader changes a value, so it is counted: the
count is logged at INFO level by the `features.loaders.carparts` logger and stored on the sales
frame as `sales.attrs["missing_set_to_zero"]` (RawTables has no notes field). Only genuinely
empty values are filled: text that is present but not a number stays NaN and is quarantined.
Items and locations are not in the file; ingest derives them from sales (`features.defaults`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from features.dataset import Frequency, RawTables
from features.loaders._source import map_unique, read_source, require_file, to_float
from features.loaders.errors import SourceError

__all__ = ["CARPARTS_COLUMNS", "MISSING_ATTR", "load_carparts"]

log = logging.getLogger(__name__)

CARPARTS_COLUMNS = ("series_name", "period", "value")
MISSING_ATTR = "missing_set_to_zero"
_MISSING_TEXT = ("", "na", "nan", "null", "none")
_HINT = "give the long car parts file (series_idx, series_name, period, value) or its folder"


def _resolve(path: Path) -> Path:
    if not path.exists():
        raise SourceError(f"car parts path {path} does not exist; {_HINT}")
    if path.is_file():
        return path
    return require_file(path, "carparts", "car parts", _HINT)


def _empty(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(values):
        return values.isna().to_numpy(dtype=bool)
    text = values.astype("str").str.strip().str.lower()
    return (values.isna() | text.isin(_MISSING_TEXT)).to_numpy(dtype=bool)


def _first_of_month(periods: pd.Series) -> pd.Series:
    return pd.to_datetime(periods.astype("str").str.strip(), format="%Y-%m", errors="coerce")


def load_carparts(path: Path) -> RawTables:
    """Read the car parts long file into raw monthly sales; missing demand becomes 0 (counted)."""
    file = _resolve(Path(path))
    raw = read_source(file, CARPARTS_COLUMNS, "car parts").reset_index(drop=True)
    missing = _empty(raw["value"])
    units = to_float(raw["value"]).to_numpy(dtype="float64", copy=True)
    units[missing] = 0.0
    name = raw["series_name"].astype("str").str.strip()
    sales = pd.DataFrame(
        {
            "sku": "part" + name.mask(name == ""),
            "location": pd.Series(["all"] * len(raw), dtype="str"),
            "date": map_unique(raw["period"], _first_of_month),
            "units": units,
        }
    )
    sales.attrs[MISSING_ATTR] = int(missing.sum())
    log.info(
        "car parts %s: %d of %d monthly values were missing and set to 0 (benchmark protocol)",
        file,
        int(missing.sum()),
        len(raw),
    )
    return RawTables(
        {"sales": sales}, {"sales": str(file)}, frequency=Frequency.MONTHLY, name="carparts"
    )

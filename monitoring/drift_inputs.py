"""What a drift check compares: which feature columns, which rows, which predictions.

**Columns.** The target (`demand`), lags, rolling windows and price features are numerical;
promotion flags and the category code are categorical. Calendar features are left out (the
current window's week of year or year differs from any reference by construction: that is the
calendar, not drift) and so are the sku and location codes (their mix says which series exist,
which new-item flags already cover).

**Rows.** Feature-store rows whose date lies in a window, read with a date filter so only the
window's row groups are decoded.

**Predictions.** The champion's forecast from the period before a window starts, on the panel
cut at that origin: reference and current predictions are made the same way, by the same model,
from the same kind of history, so a difference is in the data, not in how it was produced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

import pandas as pd
import pyarrow.dataset as ds

from features.dataset import Frequency
from features.spec import FeatureSpec
from features.store import FeatureStore
from monitoring.reference import Window, shift_periods

__all__ = [
    "Forecaster",
    "monitored_features",
    "origin_before",
    "predictions_at",
    "read_window",
]

_LEFT_OUT_ENCODINGS = ("sku_code", "location_code")
_CATEGORICAL_PROMO = ("on_promo", "promo_lag1")


class Forecaster(Protocol):
    """Anything with the routed forecaster's `predict(history) -> quantile rows`."""

    def predict(self, history: pd.DataFrame) -> pd.DataFrame: ...


def monitored_features(spec: FeatureSpec) -> tuple[list[str], list[str]]:
    """(numerical, categorical) columns of the feature store that drift is judged on."""
    numerical = [spec.target, *(f"lag_{k}" for k in spec.lags)]
    numerical += [r.name for r in spec.rolling]
    numerical += list(spec.price_features)
    categorical = [p for p in spec.promo_features if p in _CATEGORICAL_PROMO]
    numerical += [p for p in spec.promo_features if p not in _CATEGORICAL_PROMO]
    categorical += [e for e in spec.encodings if e not in _LEFT_OUT_ENCODINGS]
    return numerical, categorical


def read_window(
    store: FeatureStore, key: str, window: Window, columns: Sequence[str]
) -> pd.DataFrame:
    """The entry's rows dated within `window` (both ends included), only `columns` (+ date)."""
    paths = [str(p) for p in store.part_paths(key)]
    wanted = list(dict.fromkeys(["date", *columns]))
    known = store.manifest(key)["columns"]
    missing = [c for c in wanted if c not in known]
    if missing:
        raise ValueError(
            f"feature store entry {key} lacks column(s) {missing}; rebuild it with "
            "`restock features` for the champion's feature spec"
        )
    if not paths:
        return pd.DataFrame({c: [] for c in wanted})
    dataset = ds.dataset(paths, format="parquet")
    start, end = pd.Timestamp(window.start), pd.Timestamp(window.end)
    date_type = dataset.schema.field("date").type
    lo = ds.scalar(start.to_datetime64()).cast(date_type)
    hi = ds.scalar(end.to_datetime64()).cast(date_type)
    table = dataset.to_table(
        columns=wanted, filter=(ds.field("date") >= lo) & (ds.field("date") <= hi)
    )
    return table.to_pandas()


def origin_before(window: Window, frequency: Frequency | str) -> dt.date:
    """The forecast origin whose next periods are the window: one period before its start."""
    return shift_periods(window.start, -1, frequency)


def predictions_at(forecaster: Forecaster, panel: pd.DataFrame, origin: dt.date) -> pd.DataFrame:
    """The forecaster's quantiles from `origin`, for the series observed on that date.

    `panel` is the cleaned panel (sku, location, date, demand, ...); rows after the origin are
    dropped first, so nothing the forecast could not have known is used.
    """
    when = pd.Timestamp(origin)
    history = panel[panel["date"] <= when]
    alive = history.loc[history["date"] == when, ["sku", "location"]].drop_duplicates()
    if alive.empty:
        raise ValueError(
            f"no series has data on the forecast origin {origin}; the panel covers "
            f"{panel['date'].min()} .. {panel['date'].max()}"
        )
    history = history.merge(alive, on=["sku", "location"], how="inner")
    history = history.astype({"sku": "category", "location": "category"})
    history = history.sort_values(["sku", "location", "date"], ignore_index=True)
    return forecaster.predict(history)

"""Lead-time features from receipts: category codes, season, size and recent supplier levels.

The recent-level features are what lets the model follow lead times that shift over time (the
SCMS test period is much faster than its training period): for each order, the median lead time
of the supplier's (and supplier-mode's) last receipts that had *arrived before the order date*.
A receipt still in transit on the order date is unknown to the buyer then, so it never counts.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CATEGORICAL",
    "HISTORY_COLUMNS",
    "LEVEL_KEYS",
    "UNKNOWN_CODE",
    "CodeMaps",
    "build_features",
    "feature_names",
    "lead_time_days",
    "lead_time_history",
    "recent_levels",
]

CATEGORICAL = ("supplier", "mode", "origin", "product_group")
# Code 0 means "unknown or rare": categories unseen in training, and those seen too rarely to
# learn from, share it, so an unseen supplier gets the rare-supplier behaviour, not a crash.
UNKNOWN_CODE = 0
# Groups with a recent level, finest last; () is the level of all suppliers together.
LEVEL_KEYS: tuple[tuple[str, ...], ...] = ((), ("supplier",), ("supplier", "mode"))
HISTORY_COLUMNS = ("supplier", "mode", "received_on", "lead_days")


def lead_time_days(receipts: pd.DataFrame) -> pd.Series:
    """Lead time of each receipt in days: received_on - ordered_on (float, NaN where unknown)."""
    delta = pd.to_datetime(receipts["received_on"]) - pd.to_datetime(receipts["ordered_on"])
    return (delta / pd.Timedelta(days=1)).astype("float64")


def lead_time_history(receipts: pd.DataFrame) -> pd.DataFrame:
    """The compact history the recent levels read: supplier, mode, received_on, lead_days."""
    out = pd.DataFrame(
        {
            "supplier": _text(receipts, "supplier"),
            "mode": _text(receipts, "mode"),
            "received_on": pd.to_datetime(receipts["received_on"]).astype("datetime64[us]"),
            "lead_days": lead_time_days(receipts).to_numpy(),
        }
    )
    keep = out["received_on"].notna() & out["lead_days"].notna() & (out["lead_days"] >= 0)
    return out.loc[keep].reset_index(drop=True)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A categorical column as text; absent or missing values read as the contract's 'unknown'."""
    if column not in frame.columns:
        return pd.Series("unknown", index=frame.index, dtype="str")
    return frame[column].astype("str").fillna("unknown").reset_index(drop=True)


@dataclass(frozen=True)
class CodeMaps:
    """Integer codes of the categorical columns (1..K); rare or unseen values get code 0."""

    maps: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    @classmethod
    def fit(cls, frame: pd.DataFrame, *, min_count: int = 5) -> CodeMaps:
        """Code each value seen at least `min_count` times, most frequent first."""
        maps: dict[str, dict[str, int]] = {}
        for column in CATEGORICAL:
            counts = _text(frame, column).value_counts()
            kept = sorted(counts[counts >= min_count].index, key=lambda v: (-counts[v], v))
            maps[column] = {value: code for code, value in enumerate(kept, start=1)}
        return cls(maps)

    def encode(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The codes of `frame`'s categorical columns, `UNKNOWN_CODE` for values not in the maps."""
        out = {}
        for column in CATEGORICAL:
            mapping = dict(self.maps.get(column, {}))
            codes = _text(frame, column).map(mapping).fillna(UNKNOWN_CODE)
            out[column] = codes.to_numpy(dtype=np.int32)
        return pd.DataFrame(out)

    def to_dict(self) -> dict[str, Any]:
        return {column: dict(mapping) for column, mapping in self.maps.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, int]]) -> CodeMaps:
        return cls({c: {str(k): int(v) for k, v in m.items()} for c, m in data.items()})


def _level_name(keys: Sequence[str]) -> str:
    return "level_" + ("_".join(keys) if keys else "all")


def recent_levels(orders: pd.DataFrame, history: pd.DataFrame, *, window: int = 10) -> pd.DataFrame:
    """Per order and `LEVEL_KEYS` group: median lead time of the group's last `window` receipts
    received strictly before `ordered_on`, their count, and the days since the latest of them.

    `history` has `HISTORY_COLUMNS` (see `lead_time_history`); NaN where nothing had arrived yet.
    """
    if window < 1:
        raise ValueError(f"window={window} must be at least 1 receipt")
    left = pd.DataFrame(
        {
            "supplier": _text(orders, "supplier"),
            "mode": _text(orders, "mode"),
            "ordered_on": pd.to_datetime(orders["ordered_on"]).astype("datetime64[us]").to_numpy(),
            "_row": np.arange(len(orders)),
        }
    ).sort_values("ordered_on", kind="stable")
    out = pd.DataFrame(index=pd.RangeIndex(len(orders)))
    for keys in LEVEL_KEYS:
        matched = _asof_level(left, history, list(keys), window)
        name = _level_name(keys)
        out[name] = matched["level"]
        out[name + "_n"] = np.log1p(matched["count"].fillna(0.0))
        out[name + "_age"] = matched["age"]
    return out


def _asof_level(
    left: pd.DataFrame, history: pd.DataFrame, keys: list[str], window: int
) -> pd.DataFrame:
    """Rolling level per group at each receipt date, joined as of each order date (strictly)."""
    hist = history.sort_values([*keys, "received_on"], kind="stable").reset_index(drop=True)
    lead = hist["lead_days"]
    if keys:
        grouped = lead.groupby([hist[k] for k in keys], sort=False)
        drop: list[Hashable] = list(range(len(keys)))  # the group levels rolling adds
        level = grouped.rolling(window, min_periods=1).median().droplevel(drop).sort_index()
        count = grouped.cumcount() + 1
    else:
        level = lead.rolling(window, min_periods=1).median()
        count = pd.Series(np.arange(1, len(hist) + 1), index=hist.index)
    right = hist[[*keys, "received_on"]].assign(
        level=level.to_numpy(), count=count.to_numpy(dtype="float64")
    )
    # Several receipts on one day: the day's last row holds the level after all of them.
    right = right.drop_duplicates([*keys, "received_on"], keep="last")
    right = right.sort_values("received_on", kind="stable")
    merged = pd.merge_asof(
        left,
        right,
        left_on="ordered_on",
        right_on="received_on",
        by=keys or None,
        direction="backward",
        allow_exact_matches=False,  # received on the order day: not yet known when ordering
    )
    gap = merged["ordered_on"].to_numpy() - merged["received_on"].to_numpy()
    age = gap / np.timedelta64(1, "D")
    result = pd.DataFrame(
        {
            "level": merged["level"],
            "count": merged["count"],
            "age": age,
        }
    ).set_index(merged["_row"].to_numpy())
    return result.sort_index()


def feature_names(*, use_promised: bool = False) -> tuple[str, ...]:
    """The model's feature columns in order (categorical first)."""
    names = [_level_name(keys) for keys in LEVEL_KEYS]
    levels = tuple(f"{name}{suffix}" for name in names for suffix in ("", "_n", "_age"))
    base = (*CATEGORICAL, "month", "quarter", "log_qty", "log_value", *levels)
    return (*base, "promised_days") if use_promised else base


def build_features(
    frame: pd.DataFrame,
    history: pd.DataFrame,
    codes: CodeMaps,
    *,
    window: int = 10,
    use_promised: bool = False,
) -> pd.DataFrame:
    """The model matrix of `frame` (orders): codes, season, log size, recent levels from `history`.

    Never reads `received_on` of `frame` itself, so the same call serves training and new orders.
    """
    ordered = pd.to_datetime(frame["ordered_on"]).reset_index(drop=True)
    out = codes.encode(frame)
    out["month"] = ordered.dt.month.to_numpy(dtype=np.int32)
    out["quarter"] = ordered.dt.quarter.to_numpy(dtype=np.int32)
    out["log_qty"] = np.log1p(_numeric(frame, "qty").clip(lower=0.0))
    out["log_value"] = np.log1p(_numeric(frame, "value").clip(lower=0.0))
    levels = recent_levels(frame, history, window=window)
    out = pd.concat([out, levels], axis=1)
    if use_promised:
        if "promised_on" not in frame.columns:
            raise ValueError(
                "use_promised=True needs a promised_on column; add it or fit with "
                "use_promised=False"
            )
        promised = pd.to_datetime(frame["promised_on"]).reset_index(drop=True) - ordered
        out["promised_days"] = (promised / pd.Timedelta(days=1)).to_numpy(dtype="float64")
    return out[list(feature_names(use_promised=use_promised))]


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=pd.RangeIndex(len(frame)), dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64").reset_index(drop=True)

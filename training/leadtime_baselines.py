"""Lead-time baselines and the holdout evaluation that sets the model against them.

BENCHMARK_PROTOCOL (SCMS) names the baselines: global median, per-vendor median, per (vendor,
mode) median, per-vendor P90. Each is fitted on the training split only; a vendor (or
vendor-mode) unseen there falls back to the next coarser level, ending at the global value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from training.leadtime import LeadTimeConfig, LeadTimeModel
from training.leadtime_features import lead_time_days

__all__ = [
    "BASELINES",
    "GroupQuantileBaseline",
    "evaluate_leadtime",
    "fit_baselines",
    "holdout_split",
]

# name -> (levels, finest first; the quantile each predicts)
BASELINES: Mapping[str, tuple[tuple[tuple[str, ...], ...], float]] = {
    "global_median": (((),), 0.5),
    "vendor_median": ((("supplier",), ()), 0.5),
    "vendor_mode_median": ((("supplier", "mode"), ("supplier",), ()), 0.5),
    "vendor_p90": ((("supplier",), ()), 0.9),
}


@dataclass(frozen=True)
class GroupQuantileBaseline:
    """A quantile of lead time per group, looked up at the finest level that saw the group."""

    levels: tuple[tuple[str, ...], ...]
    quantile: float
    # One table per level: its key columns and `value` (the global level: one row, no keys).
    tables: tuple[pd.DataFrame, ...]

    @classmethod
    def fit(
        cls,
        receipts: pd.DataFrame,
        *,
        levels: tuple[tuple[str, ...], ...],
        quantile: float = 0.5,
    ) -> GroupQuantileBaseline:
        """The `quantile` of lead time per group of each level (negative lead times ignored)."""
        if not levels or levels[-1] != ():
            raise ValueError(f"levels {levels} must end with () (global) so every row has a value")
        lead = lead_time_days(receipts)
        ok = lead.notna().to_numpy() & (lead >= 0).to_numpy()
        if not ok.any():
            raise ValueError("no receipt has a known, non-negative lead time; nothing to fit")
        frame = receipts.loc[ok].assign(_lead=lead[ok].to_numpy())
        tables = []
        for keys in levels:
            if keys:
                table = frame.groupby(list(keys))["_lead"].quantile(quantile).reset_index()
            else:
                table = pd.DataFrame({"_lead": [frame["_lead"].quantile(quantile)]})
            tables.append(table.rename(columns={"_lead": "value"}))
        return cls(levels=tuple(levels), quantile=quantile, tables=tuple(tables))

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """The baseline's lead time (days) for each row of `frame`, finest known level first."""
        out = np.full(len(frame), np.nan)
        for keys, table in zip(self.levels, self.tables, strict=True):
            if not keys:
                out = np.where(np.isnan(out), float(table["value"].iloc[0]), out)
                continue
            lookup = frame[list(keys)].reset_index(drop=True).astype("str")
            joined = lookup.merge(table.astype({k: "str" for k in keys}), on=list(keys), how="left")
            out = np.where(np.isnan(out), joined["value"].to_numpy(dtype="float64"), out)
        return out


def fit_baselines(receipts: pd.DataFrame) -> dict[str, GroupQuantileBaseline]:
    """Every baseline of `BASELINES`, fitted on `receipts` (the training split)."""
    return {
        name: GroupQuantileBaseline.fit(receipts, levels=levels, quantile=q)
        for name, (levels, q) in BASELINES.items()
    }


def holdout_split(
    receipts: pd.DataFrame, *, test_fraction: float = 0.2
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """BENCHMARK_PROTOCOL's time-ordered holdout: sort by (ordered_on, po_line), last share = test.

    Rows without a lead time, or with a negative one, are dropped first; po_line sorts as an
    integer when every value is numeric (SCMS IDs), else as text.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction={test_fraction} must be inside (0, 1)")
    lead = lead_time_days(receipts)
    kept = receipts.loc[lead.notna().to_numpy() & (lead >= 0).to_numpy()]
    line = pd.to_numeric(kept["po_line"], errors="coerce")
    tie = line if line.notna().all() else kept["po_line"].astype("str")
    order = np.lexsort((tie.to_numpy(), kept["ordered_on"].to_numpy()))
    ordered = kept.iloc[order].reset_index(drop=True)
    n_test = round(len(ordered) * test_fraction)
    if n_test < 1 or n_test >= len(ordered):
        raise ValueError(
            f"{len(ordered)} receipts with a lead time cannot be split {test_fraction:.0%} "
            "for test; give more receipts"
        )
    return ordered.iloc[:-n_test], ordered.iloc[-n_test:]


def evaluate_leadtime(
    receipts: pd.DataFrame,
    *,
    test_fraction: float = 0.2,
    config: LeadTimeConfig | None = None,
) -> pd.DataFrame:
    """MAE (days) and P90 coverage on the holdout: protocol baselines, model, recent-level naive.

    Baselines are fitted on the training split. `model` reads the recent levels from every
    receipt received before each test order (what a buyer knows when ordering);
    `model_frozen` only from training receipts; `vendor_recent_median` is the supplier's recent
    level alone (fallback: per-vendor median). One row per method, indexed by method.
    """
    train, test = holdout_split(receipts, test_fraction=test_fraction)
    actual = lead_time_days(test).to_numpy()
    known = pd.concat([train, test], ignore_index=True)
    points: dict[str, np.ndarray] = {}
    upper: dict[str, np.ndarray] = {}
    baselines = fit_baselines(train)
    for name, baseline in baselines.items():
        (upper if baseline.quantile == 0.9 else points)[name] = baseline.predict(test)
    model = LeadTimeModel.fit_config(train, config or LeadTimeConfig())
    level = model.features(test, history=known)["level_supplier"].to_numpy()
    vendor = points["vendor_median"]
    points["vendor_recent_median"] = np.where(np.isnan(level), vendor, level)
    for name, history in (("model", known), ("model_frozen", None)):
        predicted = model.predict(test, history=history)
        points[name] = (
            predicted["p50"].to_numpy() if "p50" in predicted else np.full(len(test), np.nan)
        )
        if "p90" in predicted:
            upper[name] = predicted["p90"].to_numpy()
    rows = []
    for name in [*points, *(n for n in upper if n not in points)]:
        point, high = points.get(name), upper.get(name)
        rows.append(
            {
                "method": name,
                "mae": float(np.mean(np.abs(point - actual))) if point is not None else np.nan,
                "p90_coverage": float(np.mean(actual <= high)) if high is not None else np.nan,
                "n_test": len(test),
            }
        )
    return pd.DataFrame(rows).set_index("method")

"""Scoring planner overrides against actuals afterwards: was the override right? Each one's P50
and the model's P50 it replaced, on the covered periods that have an actual, by MAE.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from planning.override_record import Override

__all__ = ["ACCURACY_COLUMNS", "baseline_frame", "override_accuracy"]

_KEYS = ["sku", "location"]
ACCURACY_COLUMNS = [
    "override_id", "sku", "location", "kind", "value", "created_by", "revoked",
    "periods", "pending", "mae_model", "mae_override", "improvement", "override_better",
]  # fmt: skip


def baseline_frame(overrides: Iterable[Override]) -> pd.DataFrame:
    """The model P50 each override was made against: override_id, sku, location, date, p50."""
    rows = [
        (o.id, o.sku, o.location, pd.Timestamp(d), p50) for o in overrides for d, p50 in o.baseline
    ]
    frame = pd.DataFrame(rows, columns=["override_id", *_KEYS, "date", "p50"])
    return frame.astype({"date": "datetime64[ns]", "p50": "float64"})


def override_accuracy(
    overrides: Iterable[Override],
    model_forecasts: pd.DataFrame,
    actuals: pd.DataFrame,
    *,
    actual: str = "demand",
) -> pd.DataFrame:
    """Per override, MAE of its P50 and of the model's P50 on the covered periods with actuals.

    `model_forecasts`: sku, location, date, p50 (and `override_id` to give each override its
    own baseline, as `baseline_frame` does); `actuals`: sku, location, date, `actual`.
    `improvement` = model MAE - override MAE (> 0: the override was right); `pending` counts
    covered periods without an actual yet. Overrides without a model P50 on their periods are
    left out (nothing to compare with).
    """
    model = model_forecasts.assign(
        sku=model_forecasts["sku"].astype(str),
        location=model_forecasts["location"].astype(str),
        date=pd.to_datetime(model_forecasts["date"]),
    )
    truth = actuals.assign(
        sku=actuals["sku"].astype(str),
        location=actuals["location"].astype(str),
        date=pd.to_datetime(actuals["date"]),
    )[[*_KEYS, "date", actual]].rename(columns={actual: "_actual"})
    by_id = "override_id" in model.columns
    out = []
    for o in overrides:
        own = model["override_id"] == o.id if by_id else True
        mine = model[own & (model["sku"] == o.sku) & (model["location"] == o.location)]
        mine = mine[o.covers(mine["date"].to_numpy())]
        if mine.empty:
            continue
        both = mine.merge(truth, on=[*_KEYS, "date"], how="left")
        seen = both[both["_actual"].notna()]
        p50 = seen["p50"].to_numpy(dtype=np.float64)
        real = seen["_actual"].to_numpy(dtype=np.float64)
        mine_p50 = p50 * (1 + o.value / 100) if o.kind == "percent" else np.full_like(p50, o.value)
        mae_model = float(np.abs(p50 - real).mean()) if len(seen) else math.nan
        mae_override = float(np.abs(mine_p50 - real).mean()) if len(seen) else math.nan
        gain = mae_model - mae_override
        out.append(
            (o.id, o.sku, o.location, o.kind, o.value, o.created_by, o.revoked_at is not None,
             len(seen), len(both) - len(seen), mae_model, mae_override, gain,
             None if not len(seen) else bool(gain > 0))
        )  # fmt: skip
    return pd.DataFrame(out, columns=ACCURACY_COLUMNS)

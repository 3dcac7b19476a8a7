"""Forecast combination: the model's median averaged with a per-series seasonal decomposition.

A global LightGBM over lag features and a per-series MSTL err in different places: the model
reads last year's week through its seasonal base and corrects it from what every series did
since; MSTL smooths each series' own season and trend. Their average beats both (the classical
forecast-combination result; on Walmart the two were far from the same errors). The weight is
chosen like the routes (`training.routing`): on folds before the one being scored, from a small
grid capped at an equal share, so the model stays the majority and a reported fold is combined
out of sample. A weight of 0 is no combination.

A combined series keeps the model's band shape, rescaled so its median is the combined one (as a
routed series does): the policy's P95/P98 move with the level the combination believes in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.dataset import Frequency
from training.quantiles import QUANTILE_COLUMNS, finalize_quantiles

__all__ = [
    "BLEND_GRID",
    "Blend",
    "apply_blend",
    "blend_members",
    "choose_blend",
]

# Member shares tried: up to an equal share, so the combination never hands the model's
# series-specific knowledge (promotions, stockouts, calendar) a minority.
BLEND_GRID: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
_KEYS = ["sku", "location", "date"]


@dataclass(frozen=True)
class Blend:
    """The model's median combined with `method`'s (a `training.baselines` method) at `weight`."""

    method: str
    weight: float

    def __post_init__(self) -> None:
        if not 0.0 < self.weight <= 0.5:
            raise ValueError(
                f"blend weight {self.weight} must be in (0, 0.5]: the model keeps the majority "
                "share, and a weight of 0 is no blend (None)"
            )

    def describe(self) -> str:
        return f"{1 - self.weight:.0%} model + {self.weight:.0%} {self.method}"


def blend_members(frequency: Frequency) -> tuple[str, ...]:
    """Methods a model of this frequency may be combined with: MSTL for weekly data.

    Weekly is where it was measured (Walmart, a 52-week season whose single lag-52 reading is
    noisy); daily and monthly models have not been, so they are not combined.
    """
    return ("mstl",) if Frequency(frequency) is Frequency.WEEKLY else ()


def _paired(scored: pd.DataFrame, model: str, method: str) -> pd.DataFrame:
    """Rows where both the model and `method` forecast a scored period: model, member, actual."""
    keys = [*_KEYS, "fold"] if "fold" in scored.columns else list(_KEYS)
    ours = scored.loc[scored["method"] == model, [*keys, "p50", "actual"]]
    theirs = scored.loc[scored["method"] == method, [*keys, "p50"]]
    pair = ours.merge(theirs, on=keys, suffixes=("", "_member"))
    return pair[np.isfinite(pair["p50_member"].to_numpy(dtype=np.float64))]


def choose_blend(
    scored: pd.DataFrame,
    *,
    model: str,
    members: tuple[str, ...],
    grid: tuple[float, ...] = BLEND_GRID,
    min_rows: int = 30,
) -> Blend | None:
    """The member and weight with the lowest MAE of the combined median on `scored` (forecast
    rows with `actual`); None when no weight above 0 beats the model alone, or with fewer than
    `min_rows` paired rows (too little evidence to bet on)."""
    best: tuple[float, Blend | None] = (np.inf, None)
    for method in members:
        pair = _paired(scored, model, method)
        if len(pair) < min_rows:
            continue
        ours = pair["p50"].to_numpy(dtype=np.float64)
        theirs = pair["p50_member"].to_numpy(dtype=np.float64)
        actual = pair["actual"].to_numpy(dtype=np.float64)
        for weight in grid:
            mae = float(np.abs((1 - weight) * ours + weight * theirs - actual).mean())
            if mae < best[0]:
                best = (mae, Blend(method, weight) if weight > 0 else None)
    return best[1]


def apply_blend(forecasts: pd.DataFrame, blend: Blend | None, *, model: str) -> pd.DataFrame:
    """The model's rows of `forecasts` with the median combined per `blend` and the other
    quantiles rescaled to it (shifted where the model's median is 0); rows the member did not
    forecast keep the model's. Without a blend: the model's rows unchanged."""
    own = forecasts[forecasts["method"] == model].reset_index(drop=True)
    if blend is None:
        return own
    member = forecasts.loc[forecasts["method"] == blend.method, [*_KEYS, "p50"]]
    member = member.rename(columns={"p50": "_member"})
    merged = own.merge(member, on=_KEYS, how="left")
    present = [c for c in QUANTILE_COLUMNS if c in merged.columns]
    values = merged[present].to_numpy(dtype=np.float64)
    median = merged["p50"].to_numpy(dtype=np.float64)
    theirs = merged["_member"].to_numpy(dtype=np.float64)
    combined = combine(values, median, theirs, blend.weight)
    merged[present] = finalize_quantiles(combined)
    return merged.drop(columns="_member")


def combine(
    values: np.ndarray, median: np.ndarray, member: np.ndarray, weight: float
) -> np.ndarray:
    """Quantile rows `values` moved so their median is (1 - weight) * median + weight * member:
    scaled by the ratio where the median is positive, shifted where it is 0; rows with no finite
    member value are returned as they are."""
    usable = np.isfinite(member)
    target = np.where(usable, (1 - weight) * median + weight * np.where(usable, member, 0), median)
    positive = median > 0
    ratio = np.where(positive, target / np.where(positive, median, 1.0), 1.0)
    scaled = values * ratio[:, None]
    shifted = values + (target - median)[:, None]
    return np.where(positive[:, None], scaled, shifted)

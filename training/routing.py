"""Segment routing: send the series a baseline forecasts better to that baseline.

A global model is weakest where a series says little about itself: very short histories (a
department that opened weeks ago gets its department's usual volume) and near-dead or lumpy
series. Each series gets a *route class* from its own history: `short` when it has fewer than
`min_history` observed periods, else its intermittency class (smooth, intermittent, erratic,
lumpy, no_demand). Per class, the backtest picks the method with the lowest MAE, using only
folds *before* the one being scored (so the routed forecast is judged out of sample); classes
with too few scored rows stay with the model. A routed series keeps the model's band shape,
rescaled so its median is the baseline's point forecast: the policy still gets P95/P98 that
move with the level the better method believes in.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from training.quantiles import QUANTILE_COLUMNS, finalize_quantiles

__all__ = ["ROUTABLE", "SHORT", "apply_routes", "choose_routes", "route_classes"]

SHORT = "short"
# Classes where a global model is structurally weak: a series that says little about itself
# (short), or whose demand is mostly zeros. Smooth and erratic series stay with the model: a
# baseline beating it there is usually a season (seasonal naive wins holiday folds on Walmart
# and loses the rest), not a structural gap.
ROUTABLE: frozenset[str] = frozenset({SHORT, "intermittent", "lumpy", "no_demand"})
_KEYS = ["sku", "location"]


def route_classes(
    history: pd.DataFrame, segments: pd.DataFrame, *, min_history: int
) -> pd.DataFrame:
    """sku, location, route_class: `short` below `min_history` observed periods, else the
    series' intermittency class (from `segments`, computed on the same history)."""
    observed = history[~history["gap"].to_numpy()]
    length = observed.groupby(_KEYS, observed=True).size().rename("periods").reset_index()
    classes = segments[[*_KEYS, "intermittency"]].merge(length, on=_KEYS, how="left")
    short = classes["periods"].fillna(0).to_numpy() < min_history
    route = np.where(short, SHORT, classes["intermittency"].astype("str").to_numpy())
    return classes[_KEYS].assign(route_class=route)


def choose_routes(
    scored: pd.DataFrame,
    *,
    model: str,
    min_rows: int = 30,
    routable: frozenset[str] = ROUTABLE,
) -> dict[str, str]:
    """Per route class, the method with the lowest MAE on `scored` (forecast rows with `actual`
    and `route_class`); ties, classes outside `routable` and classes with under `min_rows`
    model rows keep the model.

    With a `fold` column the winner must also beat the model on most folds where the class has
    `min_rows` rows: a method that won one season by a mile (a holiday fold) but loses the
    others stays out. Routing a class is a bet on its future; one lucky fold is not evidence.
    """
    if scored.empty:
        return {}
    rows = scored.assign(abs_error=(scored["actual"] - scored["p50"]).abs())
    routes: dict[str, str] = {}
    for route_class, group in rows.groupby("route_class"):
        if str(route_class) not in routable:
            continue
        mae = group.groupby("method")["abs_error"].mean()
        counts = group.groupby("method").size()
        if model not in mae.index or counts.get(model, 0) < min_rows:
            continue
        best = str(mae.idxmin())
        if best == model or not mae[best] < mae[model]:
            continue
        if "fold" in group.columns and not _wins_most_folds(group, best, model, min_rows):
            continue
        routes[str(route_class)] = best
    return routes


def _wins_most_folds(group: pd.DataFrame, method: str, model: str, min_rows: int) -> bool:
    wins = losses = 0
    pair = group[group["method"].isin([method, model])]
    for _, fold in pair.groupby("fold"):
        mae = fold.groupby("method")["abs_error"].mean()
        counts = fold.groupby("method").size()
        if counts.get(model, 0) < min_rows or method not in mae.index:
            continue
        if mae[method] < mae[model]:
            wins += 1
        else:
            losses += 1
    return wins > losses


def apply_routes(
    forecasts: pd.DataFrame,
    classes: pd.DataFrame,
    routes: Mapping[str, str],
    *,
    model: str,
    name: str,
) -> pd.DataFrame:
    """The model's forecasts with routed series' quantiles rescaled to their baseline's point
    forecast; rows are labelled `name` and carry the method each series used in `routed_to`."""
    own = forecasts[forecasts["method"] == model].merge(classes, on=_KEYS, how="left")
    own["routed_to"] = own["route_class"].map(dict(routes)).fillna(model)
    routed = own["routed_to"].to_numpy() != model
    if routed.any():
        points = forecasts[["sku", "location", "date", "method", "p50"]].rename(
            columns={"method": "routed_to", "p50": "_point"}
        )
        own = own.merge(points, on=[*_KEYS, "date", "routed_to"], how="left")
        routed = own["routed_to"].to_numpy() != model
        present = [c for c in QUANTILE_COLUMNS if c in own.columns]
        values = own[present].to_numpy(dtype=np.float64)
        median = own["p50"].to_numpy(dtype=np.float64)
        point = own["_point"].to_numpy(dtype=np.float64)
        usable = routed & np.isfinite(point)
        ratio = np.where(median > 0, point / np.maximum(median, 1e-9), np.nan)
        scaled = values * ratio[:, None]
        # A zero model median cannot be rescaled: every quantile takes the baseline's point.
        flat = np.repeat(point[:, None], len(present), axis=1)
        replacement = np.where(np.isfinite(ratio)[:, None], scaled, flat)
        values[usable] = replacement[usable]
        own[present] = finalize_quantiles(values)
        own = own.drop(columns=["_point"])
    return own.drop(columns=["route_class"]).assign(method=name)

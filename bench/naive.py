"""The textbook pandas way to build the same features: groupby shift and rolling per series.

The reference contender of `bench features`, and an independent check of `features.build`: same
spec, same min_periods, same codes, so outputs must match to float32 precision. Daily data only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.calendar_features import us_retail_holidays
from features.series_codes import SeriesCodes
from features.spec import FeatureSpec, min_periods

__all__ = ["naive_features"]


def naive_features(panel: pd.DataFrame, spec: FeatureSpec, codes: SeriesCodes) -> pd.DataFrame:
    """Features of a sorted daily panel with `groupby(...).shift` and `transform(rolling)`."""
    keys = ["sku", "location"]
    flags = [c for c in ("censored", "anomaly") if c in panel.columns]
    out = panel[[*keys, "date", spec.target, *flags]].copy()
    groups = panel.groupby(keys, observed=True, sort=False)
    y = groups[spec.target]
    for k in spec.lags:
        out[f"lag_{k}"] = y.shift(k)
    for r in spec.rolling:
        need = max(min_periods(r.window), 2 if r.stat == "std" else 1)
        out[r.name] = y.transform(
            lambda s, r=r, need=need: getattr(
                s.shift(r.offset).rolling(r.window, min_periods=need), r.stat
            )()
        )
    date = panel["date"]
    holidays = pd.to_datetime(us_retail_holidays(date.min().year - 1, date.max().year + 1)).as_unit(
        "us"
    )
    calendar = {
        "dayofweek": lambda: date.dt.dayofweek,
        "dayofmonth": lambda: date.dt.day,
        "dayofyear": lambda: date.dt.dayofyear,
        "weekofyear": lambda: date.dt.isocalendar().week,
        "month": lambda: date.dt.month,
        "quarter": lambda: date.dt.quarter,
        "year": lambda: date.dt.year,
        "is_weekend": lambda: date.dt.dayofweek >= 5,
        "is_holiday": lambda: date.isin(holidays),
        "days_to_holiday": lambda: _days_to_next(date, holidays),
    }
    for name in spec.calendar:
        out[name] = calendar[name]()
    if spec.price_features:
        price = groups["price"]
        w = spec.price_window
        mean = price.transform(lambda s: s.shift(1).rolling(w, min_periods=min_periods(w)).mean())
        feats = {
            "price": panel["price"],
            "price_ratio": panel["price"] / mean,
            "price_change": panel["price"] / price.shift(1) - 1.0,
        }
        for name in spec.price_features:
            out[name] = feats[name]
    if "on_promo" in spec.promo_features:
        out["on_promo"] = panel["on_promo"]
    if "promo_lag1" in spec.promo_features:
        out["promo_lag1"] = groups["on_promo"].shift(1).astype("float64")
    for name in spec.encodings:
        out[name] = codes.encode(name, panel)
    for name in spec.feature_names:
        if name in spec.categorical_features:
            out[name] = out[name].astype(np.int32)
        else:
            out[name] = out[name].astype(np.float32)
    return out


def _days_to_next(date: pd.Series, holidays: pd.DatetimeIndex) -> pd.Series:
    days = pd.DataFrame({"date": date.drop_duplicates().sort_values()})
    table = pd.DataFrame({"date": holidays, "holiday": holidays})
    nxt = pd.merge_asof(days, table, on="date", direction="forward")
    gap = (nxt["holiday"] - nxt["date"]).dt.days
    return date.map(pd.Series(gap.to_numpy(), index=nxt["date"]))

"""Small synthetic cleaned panels for monitoring tests: seasonal demand, optional shifts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

END = dt.date(2026, 9, 30)


def seasonal_panel(
    *,
    series: int = 30,
    days: int = 800,
    end: dt.date = END,
    shift_from: dt.date | None = None,
    shift: float = 1.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Daily cleaned panel: a yearly cycle (+-60%) and a weekday pattern on Poisson demand;
    from `shift_from` on, demand is multiplied by `shift` (a regime change)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(end=pd.Timestamp(end), periods=days, freq="D")
    doy = dates.dayofyear.to_numpy()
    season = 1.0 + 0.6 * np.sin(2 * np.pi * doy / 365.25)
    weekday = np.array([0.8, 0.9, 1.0, 1.0, 1.1, 1.4, 1.2])[dates.dayofweek.to_numpy()]
    frames = []
    for i in range(series):
        level = rng.uniform(3.0, 12.0)
        mean = level * season * weekday
        if shift_from is not None:
            mean = np.where(dates >= pd.Timestamp(shift_from), mean * shift, mean)
        units = rng.poisson(mean).astype("float32")
        frames.append(
            pd.DataFrame(
                {
                    "sku": f"SKU{i:03d}",
                    "location": "S1" if i % 2 else "S2",
                    "date": dates,
                    "units": units,
                    "demand": units,
                    "price": np.float32(5.0 + i % 3),
                    "on_promo": False,
                    "stockout": False,
                    "censored": False,
                    "anomaly": False,
                    "gap": False,
                }
            )
        )
    panel = pd.concat(frames, ignore_index=True)
    panel["date"] = panel["date"].astype("datetime64[us]")
    panel = panel.astype({"sku": "category", "location": "category"})
    return panel.sort_values(["sku", "location", "date"], ignore_index=True)

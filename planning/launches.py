"""Forecasts for launches: series with a price plan ahead but no sales history yet.

A buyer knows an item is launching before its first sale (it has a price and a launch date in
the plan), but the demand model has nothing of the series to read. Until it sells, the launch
borrows the forecast of its analogues, the established series of the same category at the same
location (else the same category anywhere, else every series): the mean of their quantiles per
step, zero before the launch step. Averaging quantiles gives a typical item of the category
with a band as wide as the category's own, which is what a buyer would stock a newcomer by.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["analogue_quantiles"]


def _mean_of(quantiles: np.ndarray, rows: np.ndarray) -> np.ndarray | None:
    return None if not rows.any() else quantiles[rows].mean(axis=0)


def analogue_quantiles(
    quantiles: ArrayLike,
    known: ArrayLike,
    category: ArrayLike,
    location: ArrayLike,
    launch_step: ArrayLike,
) -> np.ndarray:
    """Fill the quantiles of unknown series that launch inside the horizon from analogues.

    `quantiles` (N, H, Q) per-period demand quantiles; `known` (N,) True where the model
    forecast the series; `category`, `location` (N,); `launch_step` (N,) the first horizon step
    with a plan for an unknown series (H or more: not launching within the horizon, left at 0).
    Known series are returned unchanged; nothing is read from the future demand itself.
    """
    cube = np.array(quantiles, dtype=np.float64, copy=True)
    if cube.ndim != 3:
        raise ValueError(f"quantiles must be (series, horizon, levels); got shape {cube.shape}")
    n, horizon = cube.shape[0], cube.shape[1]
    forecast = np.asarray(known, dtype=bool)
    cats = np.asarray(category).astype(str)
    locs = np.asarray(location).astype(str)
    start = np.asarray(launch_step, dtype=np.int64)
    for name, values in (("known", forecast), ("category", cats), ("location", locs)):
        if values.shape != (n,):
            raise ValueError(f"{name} has shape {values.shape}; expected ({n},)")
    if start.shape != (n,):
        raise ValueError(f"launch_step has shape {start.shape}; expected ({n},)")
    for i in np.flatnonzero(~forecast & (start < horizon)):
        same_category = forecast & (cats == cats[i])
        borrowed = _mean_of(cube, same_category & (locs == locs[i]))
        if borrowed is None:
            borrowed = _mean_of(cube, same_category)
        if borrowed is None:
            borrowed = _mean_of(cube, forecast)
        if borrowed is None:
            continue  # nothing forecast at all: the launch stays at zero
        cube[i] = borrowed
        cube[i, : max(int(start[i]), 0)] = 0.0
    return cube

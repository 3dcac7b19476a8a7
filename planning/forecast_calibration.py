"""Online PIT recalibration of the forecasts a replay makes, per XYZ variability class.

At each review the policy simulator forecasts the next horizon; once those periods have been
sold, the PIT of each actual under its forecast says how calibrated the forecast was. Pooling
the PITs of a class (X, Y, Z: forecastability is what XYZ measures) gives the quantile map of
`inventory.calibration` for the next reviews. Only periods before the current review are
scored, so nothing is learnt from the future; until a class has `min_count` PITs its forecasts
are used as they are. `group_table` pools PITs per class; the plan uses it on the forecast log
(`planning.plan_calibration`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from inventory.calibration import identity_table, pit_table, probability_integral_transform

__all__ = ["MIN_COUNT", "PitHistory", "group_table"]

# PITs a class needs before its map replaces the identity: with 200 independent PITs the
# standard error of their 95th percentile is about 1.5 points.
MIN_COUNT = 200


@dataclass
class PitHistory:
    """PITs of past forecasts per group; `table()` is the calibration table for every series."""

    groups: np.ndarray
    min_count: int = MIN_COUNT
    seed: int = 0
    _forecasts: list[tuple[int, np.ndarray, tuple[float, ...]]] = field(default_factory=list)
    _scored: int = 0
    _pits: list[np.ndarray] = field(default_factory=list)
    _weights: list[np.ndarray] = field(default_factory=list)

    def record(self, origin: int, quantiles: np.ndarray, levels: Sequence[float]) -> None:
        """Keep the forecast made for periods origin, origin + 1, ...: (N, H, Q) at `levels`."""
        if quantiles.ndim != 3 or quantiles.shape[0] != self.groups.size:
            raise ValueError(
                f"forecast of shape {quantiles.shape} for {self.groups.size} series; give "
                "(series, horizon, levels)"
            )
        self._forecasts.append((origin, quantiles, tuple(float(v) for v in levels)))

    def observe(self, demand: np.ndarray, until: int) -> None:
        """Score every kept forecast step whose period is before `until` (demand (N, periods))."""
        for period in range(self._scored, until):
            for origin, cube, levels in self._forecasts:
                step = period - origin
                if 0 <= step < cube.shape[1]:
                    # Weighted by the forecast's own median, never by the outcome scored.
                    median = int(np.argmin(np.abs(np.asarray(levels) - 0.5)))
                    self._weights.append(cube[:, step, median])
                    self._pits.append(
                        probability_integral_transform(
                            cube[:, step, :],
                            levels,
                            demand[:, period],
                            seed=self.seed + period * 7919 + origin,
                        )
                    )
        self._scored = max(self._scored, until)
        # Forecasts whose every step is scored are no longer needed.
        self._forecasts = [f for f in self._forecasts if f[0] + f[1].shape[1] > self._scored]

    def table(self) -> np.ndarray:
        """(N, len(GRID)) calibration rows: each series gets its group's map, or the identity
        while the group has fewer than `min_count` PITs."""
        if not self._pits:
            return identity_table(self.groups.size)
        pits, weights = np.stack(self._pits), np.stack(self._weights)  # (scored steps, N)
        scored = np.broadcast_to(self.groups, pits.shape)
        return group_table(
            self.groups, scored.ravel(), pits.ravel(), weights.ravel(), min_count=self.min_count
        )


def group_table(
    groups: np.ndarray,
    pit_groups: np.ndarray,
    pits: np.ndarray,
    weights: np.ndarray,
    *,
    min_count: int = MIN_COUNT,
) -> np.ndarray:
    """(N, len(GRID)) calibration rows for series of `groups` (N,): each gets the weighted PIT
    map of its group's PITs (`pit_groups`, `pits`, `weights`: one per scored forecast step), or
    the identity while its group has fewer than `min_count` PITs."""
    table = identity_table(groups.size)
    for group in np.unique(groups):
        mine = pit_groups == group
        if int(mine.sum()) >= min_count:
            table[groups == group] = pit_table(pits[mine], weights[mine])
    return table

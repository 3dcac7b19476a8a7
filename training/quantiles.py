"""Forecast quantiles from a point forecast and its out-of-sample residuals (pure numpy).

Conformal-style recipe: residuals `actual - prediction` of a held-out calibration window are
grouped into bins of the predicted level (equal-count bins: demand noise grows with the level,
so one global residual distribution would be too wide for slow movers and too narrow for fast
ones); each bin keeps the empirical quantiles of its residuals. A new prediction takes the
quantiles of its bin, added to it (`additive`) or scaled by it (`relative`: residual divided by
`max(prediction, floor)`, so the spread also follows the level inside a bin). Finally values are
clipped at 0 (demand is never negative) and sorted per row, so quantiles never cross whatever
the table holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np

__all__ = [
    "QUANTILES",
    "QUANTILE_COLUMNS",
    "ResidualMode",
    "ResidualTable",
    "finalize_quantiles",
    "fit_residual_table",
    "quantile_column",
]

# P10..P98: P50 is the central forecast, P10-P90 the planner's band, P95/P98 feed safety stock.
QUANTILES: tuple[float, ...] = (0.1, 0.5, 0.9, 0.95, 0.98)

ResidualMode = Literal["additive", "relative"]
MODES: tuple[str, ...] = get_args(ResidualMode)


def quantile_column(level: float) -> str:
    """Column name of a quantile level: 0.1 -> 'p10', 0.975 -> 'p97.5'."""
    pct = round(level * 100, 6)
    return f"p{int(pct)}" if float(pct).is_integer() else f"p{pct:g}"


QUANTILE_COLUMNS: tuple[str, ...] = tuple(quantile_column(q) for q in QUANTILES)


@dataclass(frozen=True)
class ResidualTable:
    """Residual quantiles per bin of the predicted level.

    `edges` are the inner bin boundaries (ascending; a prediction equal to an edge falls in the
    upper bin); `values[i][j]` is the `quantiles[j]` residual of bin i; `counts[i]` how many
    residuals bin i was estimated from.
    """

    quantiles: tuple[float, ...]
    edges: tuple[float, ...]
    values: tuple[tuple[float, ...], ...]
    counts: tuple[int, ...]
    mode: ResidualMode = "additive"
    floor: float = 1.0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"residual mode '{self.mode}' is not one of {MODES}")
        if len(self.values) != len(self.edges) + 1 or len(self.counts) != len(self.values):
            raise ValueError(
                f"a table with {len(self.edges)} edges needs {len(self.edges) + 1} bins of values "
                f"and counts; got {len(self.values)} and {len(self.counts)}"
            )
        if any(len(row) != len(self.quantiles) for row in self.values):
            raise ValueError("every bin needs one residual per quantile level")
        if list(self.edges) != sorted(self.edges):
            raise ValueError(f"bin edges must be ascending; got {self.edges}")
        if self.floor <= 0:
            raise ValueError(f"floor must be > 0 (it divides residuals); got {self.floor}")

    def bins(self, prediction: np.ndarray) -> np.ndarray:
        """Bin index of each prediction."""
        return np.searchsorted(np.asarray(self.edges, dtype=np.float64), prediction, side="right")

    def apply(self, prediction: np.ndarray) -> np.ndarray:
        """(n, len(quantiles)) raw quantiles: prediction plus its bin's residual quantiles
        (not yet clipped or sorted: see `finalize_quantiles`)."""
        pred = np.asarray(prediction, dtype=np.float64)
        residual = np.asarray(self.values, dtype=np.float64)[self.bins(pred)]
        if self.mode == "relative":
            residual = residual * np.maximum(pred, self.floor)[:, None]
        out: np.ndarray = pred[:, None] + residual
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "quantiles": list(self.quantiles),
            "edges": list(self.edges),
            "values": [list(row) for row in self.values],
            "counts": list(self.counts),
            "mode": self.mode,
            "floor": self.floor,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResidualTable:
        return cls(
            quantiles=tuple(float(q) for q in data["quantiles"]),
            edges=tuple(float(e) for e in data["edges"]),
            values=tuple(tuple(float(v) for v in row) for row in data["values"]),
            counts=tuple(int(c) for c in data["counts"]),
            mode=data.get("mode", "additive"),
            floor=float(data.get("floor", 1.0)),
        )


def fit_residual_table(
    prediction: np.ndarray,
    actual: np.ndarray,
    quantiles: tuple[float, ...] = QUANTILES,
    *,
    n_bins: int = 10,
    min_count: int = 50,
    mode: ResidualMode = "additive",
    floor: float = 1.0,
) -> ResidualTable:
    """Residual quantiles in up to `n_bins` equal-count bins of the prediction, each holding at
    least `min_count` residuals (fewer bins when data is short; one bin below `min_count`)."""
    pred = np.asarray(prediction, dtype=np.float64)
    act = np.asarray(actual, dtype=np.float64)
    if pred.shape != act.shape or pred.ndim != 1:
        raise ValueError(
            f"prediction and actual must be 1-d and equally long; got {pred.shape}, {act.shape}"
        )
    keep = np.isfinite(pred) & np.isfinite(act)
    pred, act = pred[keep], act[keep]
    if len(pred) == 0:
        raise ValueError(
            "no finite (prediction, actual) pair to calibrate quantiles on; give a calibration "
            "window with observed demand"
        )
    if not quantiles or any(not 0 < q < 1 for q in quantiles):
        raise ValueError(f"quantile levels must lie strictly between 0 and 1; got {quantiles}")
    if mode not in MODES:
        raise ValueError(f"residual mode '{mode}' is not one of {MODES}")
    if min_count < 1 or n_bins < 1:
        raise ValueError(f"n_bins and min_count must be >= 1; got {n_bins}, {min_count}")
    residual = act - pred
    if mode == "relative":
        residual = residual / np.maximum(pred, floor)
    edges = _equal_count_edges(pred, n_bins, min_count)
    index = np.searchsorted(edges, pred, side="right")
    values, counts = [], []
    for b in range(len(edges) + 1):
        r = residual[index == b]
        values.append(tuple(float(v) for v in np.quantile(r, quantiles)))
        counts.append(len(r))
    return ResidualTable(
        quantiles=tuple(float(q) for q in quantiles),
        edges=tuple(float(e) for e in edges),
        values=tuple(values),
        counts=tuple(counts),
        mode=mode,
        floor=float(floor),
    )


def _equal_count_edges(pred: np.ndarray, n_bins: int, min_count: int) -> np.ndarray:
    """Inner edges of equal-count bins; ties (many identical predictions) merge bins, and a bin
    left with fewer than `min_count` values is merged into its upper neighbour (the last one into
    its lower), so every bin has enough residuals for its tail quantiles."""
    bins = max(1, min(n_bins, len(pred) // min_count))
    ordered = np.sort(pred)
    cut = ordered[(np.arange(1, bins) * len(ordered)) // bins]
    edges = np.unique(cut)
    while len(edges):
        counts = np.bincount(np.searchsorted(edges, pred, side="right"), minlength=len(edges) + 1)
        small = np.flatnonzero(counts < min_count)
        if not len(small):
            break
        b = int(small[0])
        # Dropping edge b merges bin b into bin b + 1; the last bin merges down instead.
        edges = np.delete(edges, min(b, len(edges) - 1))
    return edges


def finalize_quantiles(values: np.ndarray) -> np.ndarray:
    """Clip at 0 and sort each row: quantiles that are non-negative and never cross."""
    out = np.clip(np.asarray(values, dtype=np.float64), 0.0, None)
    out.sort(axis=1)
    return out

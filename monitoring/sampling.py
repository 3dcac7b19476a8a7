"""Deterministic row sampling, so drift on millions of rows takes seconds and repeats exactly.

Evidently's cost grows with rows (30 columns: ~3 s at 20,000 rows, ~8 s at 100,000, minutes at
1M), while a drift distance estimated from 20,000 rows is already within about 0.01 of the full
data's, far below the 0.1 threshold. A seeded uniform sample of row positions, kept in their
original order, gives the same rows for the same input every run: the same data never flips
between "drift" and "no drift".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["sample_rows"]


def sample_rows(frame: pd.DataFrame, size: int, *, seed: int = 0) -> pd.DataFrame:
    """At most `size` rows of `frame`, drawn uniformly without replacement with `seed`, in their
    original order; the frame itself when it is not larger than `size`."""
    if size < 1:
        raise ValueError(f"sample size must be >= 1; got {size}")
    if len(frame) <= size:
        return frame
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(frame), size=size, replace=False, shuffle=False))
    return frame.iloc[rows]

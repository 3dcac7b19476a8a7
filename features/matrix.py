"""The spec's features as one float32 matrix for LightGBM, written chunk by chunk (lean memory).

Building a frame per chunk, copying it into a full matrix and then selecting the known rows
(`x[known]`) holds the features two or three times over. Here each chunk's kept rows go
straight into one preallocated buffer, a column at a time (contiguous writes; a row-major
matrix would take strided ones). The buffer is allocated for every panel row, but only the
pages written become resident, and the columns are moved together at the end. The result is
column-major (Fortran order), which `lightgbm.Dataset` reads without a copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.build import iter_feature_arrays
from features.series_codes import SeriesCodes
from features.spec import FeatureSpec

__all__ = ["FeatureMatrix", "feature_matrix"]


@dataclass(frozen=True)
class FeatureMatrix:
    """Kept rows only: `x` float32 (rows x spec features, column-major), `y` the float32
    target, `kept` a boolean mask over the panel rows saying which rows they are."""

    x: np.ndarray
    y: np.ndarray
    kept: np.ndarray


def feature_matrix(
    panel: pd.DataFrame,
    spec: FeatureSpec,
    *,
    chunk_series: int,
    dropna: bool = False,
    known_target: bool = True,
    rows: np.ndarray | None = None,
    calendar: pd.DataFrame | None = None,
    codes: SeriesCodes | None = None,
) -> FeatureMatrix:
    """Features and target of the kept panel rows, in panel order.

    Kept: rows whose target is known (`known_target=False` keeps unknown ones too, e.g. rows to
    predict), with no unknown feature if `dropna` (mlforecast's `dropna=True`), within `rows` (a
    boolean mask over the panel, e.g. not a gap) if given. Other arguments as
    `features.build.iter_feature_chunks`.
    """
    n, names = len(panel), spec.feature_names
    if rows is not None and rows.shape != (n,):
        raise ValueError(f"rows must be a boolean mask of the {n} panel rows; got {rows.shape}")
    # Column j fills buf[j * n :] while building; np.empty leaves unwritten pages unallocated.
    buf = np.empty(n * len(names), dtype=np.float32)
    y = np.empty(n, dtype=np.float32)
    kept = np.zeros(n, dtype=bool)
    at = 0
    for chunk in iter_feature_arrays(
        panel, spec, chunk_series=chunk_series, calendar=calendar, codes=codes
    ):
        keep = np.isfinite(chunk.target) if known_target else np.ones(len(chunk.target), bool)
        if rows is not None:
            keep &= rows[chunk.rows]
        if dropna:
            for values in chunk.features.values():
                if values.dtype.kind == "f":
                    keep &= np.isfinite(values)
        k = int(np.count_nonzero(keep))
        for j, name in enumerate(names):
            values = chunk.features[name].astype(np.float32, copy=False)  # encodings are int32
            np.compress(keep, values, out=buf[j * n + at : j * n + at + k])
        np.compress(keep, chunk.target, out=y[at : at + k])
        kept[chunk.rows] = keep
        at += k
    # Close the gaps between columns: column j moves from j * n to j * at (never later).
    for j in range(1, len(names)):
        buf[j * at : (j + 1) * at] = buf[j * n : j * n + at]
    x = buf[: at * len(names)].reshape(len(names), at).T
    return FeatureMatrix(x=x, y=y[:at], kept=kept)

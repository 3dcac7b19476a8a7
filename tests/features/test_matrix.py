"""features.matrix: the chunk-by-chunk float32 matrix equals the frame path, bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.synthetic import synthetic_items, synthetic_panel
from features.build import build_features, iter_feature_arrays, iter_feature_chunks
from features.dataset import Frequency
from features.default_specs import default_spec
from features.matrix import feature_matrix
from features.series_codes import SeriesCodes
from features.spec import FeatureSpec, RollingFeature

SPEC = FeatureSpec(
    frequency=Frequency.DAILY,
    lags=(1, 7, 28),
    rolling=(RollingFeature(7, "mean"), RollingFeature(14, "std"), RollingFeature(5, "max")),
    calendar=("dayofweek", "month"),
)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    frame = synthetic_panel(30, 200, seed=5)
    # Holes in the target: rows to drop, and NaN-aware windows around them.
    demand = frame["demand"].to_numpy().copy()
    demand[np.random.default_rng(2).random(len(demand)) < 0.05] = np.nan
    return frame.assign(demand=demand)


def _expected(
    panel: pd.DataFrame, spec: FeatureSpec, codes: SeriesCodes | None, dropna: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    built = build_features(panel, spec, codes=codes)
    x = built[list(spec.feature_names)].to_numpy(dtype=np.float32)
    y = built[spec.target].to_numpy(dtype=np.float32)
    known = np.isfinite(y) & (np.isfinite(x).all(axis=1) if dropna else True)
    return x[known], y[known], known


@pytest.mark.parametrize("chunk_series", [1, 7, 1_000])
@pytest.mark.parametrize("dropna", [True, False])
def test_matrix_equals_frame_path(panel: pd.DataFrame, chunk_series: int, dropna: bool) -> None:
    x, y, known = _expected(panel, SPEC, None, dropna)
    out = feature_matrix(panel, SPEC, chunk_series=chunk_series, dropna=dropna)
    assert out.x.dtype == np.float32 and out.x.flags.f_contiguous
    np.testing.assert_array_equal(out.kept, known)
    np.testing.assert_array_equal(out.x, x)  # NaN in the same places, values bit-equal
    np.testing.assert_array_equal(out.y, y)
    assert 0 < len(out.y) < len(panel)


def test_default_spec_with_encodings(panel: pd.DataFrame) -> None:
    spec = default_spec(Frequency.DAILY)
    codes = SeriesCodes.from_panel(panel, synthetic_items(30))
    assert spec.encodings  # int32 codes become float32 columns
    x, y, _ = _expected(panel, spec, codes, dropna=False)
    out = feature_matrix(panel, spec, chunk_series=4, codes=codes)
    np.testing.assert_array_equal(out.x, x)
    np.testing.assert_array_equal(out.y, y)


def test_rows_mask_restricts_the_rows(panel: pd.DataFrame) -> None:
    rows = (panel["date"] >= panel["date"].min() + pd.Timedelta(days=100)).to_numpy()
    full = feature_matrix(panel, SPEC, chunk_series=10)
    part = feature_matrix(panel, SPEC, chunk_series=10, rows=rows)
    np.testing.assert_array_equal(part.kept, full.kept & rows)
    np.testing.assert_array_equal(part.x, full.x[rows[full.kept]])


def test_unknown_targets_are_kept_on_request(panel: pd.DataFrame) -> None:
    built = build_features(panel, SPEC)
    out = feature_matrix(panel, SPEC, chunk_series=10, known_target=False)
    assert out.kept.all()
    np.testing.assert_array_equal(out.y, built[SPEC.target].to_numpy())
    np.testing.assert_array_equal(out.x, built[list(SPEC.feature_names)].to_numpy(np.float32))


def test_rows_mask_of_the_wrong_length_is_refused(panel: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="boolean mask of the"):
        feature_matrix(panel, SPEC, chunk_series=10, rows=np.ones(3, dtype=bool))


def test_arrays_are_the_chunks_without_keys(panel: pd.DataFrame) -> None:
    frames = iter_feature_chunks(panel, SPEC, chunk_series=9)
    arrays = iter_feature_arrays(panel, SPEC, chunk_series=9)
    for frame, chunk in zip(frames, arrays, strict=True):
        np.testing.assert_array_equal(frame.index, panel.index[chunk.rows])
        np.testing.assert_array_equal(frame[SPEC.target].to_numpy(), chunk.target)
        assert list(chunk.features) == list(SPEC.feature_names)
        for name, values in chunk.features.items():
            np.testing.assert_array_equal(frame[name].to_numpy(), values)

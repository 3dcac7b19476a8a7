"""Car parts loader: monthly long file, missing demand set to 0 and counted, clear errors."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.dataset import Frequency
from features.loaders.carparts import MISSING_ATTR, load_carparts
from features.loaders.errors import SourceError
from tests.shared_data import needs_shared_data, shared_data_dir


def _rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "series_idx": [0, 0, 0, 1, 1, 1],
            "series_name": ["21029627", "21029627", "21029627", "7", "7", "7"],
            "period": ["1998-01", "1998-02", "1998-03", "1998-01", "1998-02", "1998/03"],
            "value": [0.0, np.nan, 2.0, 1.0, 3.0, np.nan],
        }
    )


@pytest.mark.parametrize("name", ["carparts.parquet", "carparts.csv", "other_name.csv"])
def test_maps_long_file_and_counts_missing(
    tmp_path: Path, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / name
    rows = _rows()
    rows.to_parquet(path) if name.endswith(".parquet") else rows.to_csv(path, index=False)
    with caplog.at_level(logging.INFO, logger="features.loaders.carparts"):
        raw = load_carparts(path if name.startswith("other") else tmp_path)
    assert raw.name == "carparts" and raw.frequency is Frequency.MONTHLY
    sales = raw.tables["sales"]
    assert sales["sku"].tolist() == ["part21029627"] * 3 + ["part7"] * 3
    assert set(sales["location"]) == {"all"}
    assert sales["units"].tolist() == [0.0, 0.0, 2.0, 1.0, 3.0, 0.0]
    assert sales.attrs[MISSING_ATTR] == 2
    assert "2 of 6 monthly values were missing" in caplog.text
    assert sales["date"].iloc[:5].tolist() == list(
        pd.to_datetime(["1998-01-01", "1998-02-01", "1998-03-01", "1998-01-01", "1998-02-01"])
    )
    assert pd.isna(sales["date"].iloc[5])  # bad period text: kept for validation to quarantine


def test_text_that_is_not_a_number_is_not_filled(tmp_path: Path) -> None:
    path = tmp_path / "carparts.csv"
    path.write_text("series_idx,series_name,period,value\n0,1,1998-01,\n0,1,1998-02,lots\n")
    sales = load_carparts(path).tables["sales"]
    assert sales["units"].iloc[0] == 0.0 and np.isnan(sales["units"].iloc[1])
    assert sales.attrs[MISSING_ATTR] == 1


def test_errors_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        load_carparts(tmp_path / "nope.parquet")
    with pytest.raises(SourceError, match="has no carparts.parquet or carparts.csv"):
        load_carparts(tmp_path)
    _rows().drop(columns=["period"]).to_csv(tmp_path / "carparts.csv", index=False)
    with pytest.raises(SourceError, match="lacks the car parts column"):
        load_carparts(tmp_path)


@needs_shared_data("carparts_intermittent")
def test_real_carparts_shapes() -> None:
    root = shared_data_dir()
    assert root is not None
    sales = load_carparts(root / "carparts_intermittent").tables["sales"]
    assert sales["sku"].nunique() == 2_674 and sales["date"].nunique() == 51
    assert len(sales) == 2_674 * 51
    assert sales["date"].min() == pd.Timestamp("1998-01-01")
    assert sales["date"].max() == pd.Timestamp("2002-03-01")
    assert sales["units"].notna().all() and sales.attrs[MISSING_ATTR] == 6_122
    assert 0.6 < (sales["units"] == 0).mean() < 0.8  # the set is ~71% zeros

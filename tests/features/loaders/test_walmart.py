"""Walmart loader: store x dept series, markdown promotions, holiday calendar, clear errors."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.dataset import Frequency
from features.ingest import validate_dataset
from features.loaders.errors import SourceError
from features.loaders.walmart import load_walmart
from tests.shared_data import needs_shared_data, shared_data_dir

WEEKS = ["2010-02-05", "2010-02-12", "2010-02-19"]


def _write(folder: Path, suffix: str, drop: tuple[str, ...] = ()) -> None:
    train = pd.DataFrame(
        {
            "Store": [1, 1, 1, 2, 2],
            "Dept": [1, 1, 1, 10, 10],
            "Date": [*WEEKS, WEEKS[0], "not a date"],
            "Weekly_Sales": [100.0, -5.5, 300.0, 40.0, 50.0],
            "IsHoliday": [False, True, False, False, False],
        }
    ).drop(columns=list(drop))
    features = pd.DataFrame(
        {
            "Store": [1, 1, 1, 2, 1],
            "Date": [*WEEKS, WEEKS[0], "2010-02-26"],
            "IsHoliday": [False, True, False, False, False],
            **{f"MarkDown{i}": [np.nan] * 5 for i in range(1, 6)},
        }
    )
    features.loc[1, "MarkDown3"] = 12.0  # store 1, week 2: a markdown
    features.loc[2, "MarkDown1"] = 0.0  # a zero markdown is not a promotion
    features.loc[4, "IsHoliday"] = True  # a holiday week after the sales history
    stores = pd.DataFrame({"Store": [1, 2], "Type": ["A", "B"], "Size": [151315, 202307]})
    for name, frame in (("train", train), ("features", features), ("stores", stores)):
        if suffix == ".parquet":
            frame.to_parquet(folder / f"{name}.parquet")
        else:
            frame.to_csv(folder / f"{name}.csv", index=False, na_rep="NA")


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_maps_series_promotions_and_calendar(tmp_path: Path, suffix: str) -> None:
    _write(tmp_path, suffix)
    raw = load_walmart(tmp_path)
    assert raw.name == "walmart" and raw.frequency is Frequency.WEEKLY
    sales = raw.tables["sales"]
    assert sales["sku"].tolist() == ["dept1"] * 3 + ["dept10"] * 2
    assert sales["location"].tolist() == ["store1"] * 3 + ["store2"] * 2
    assert sales["units"].tolist() == [100.0, -5.5, 300.0, 40.0, 50.0]  # negatives kept
    assert sales["on_promo"].tolist() == [False, True, False, False, False]
    assert not sales["stockout"].any() and "price" not in sales.columns
    # An unparseable date keeps its row as NaT so validation can quarantine it.
    assert sales["date"].isna().tolist() == [False] * 4 + [True]
    assert pd.api.types.is_string_dtype(sales["sku"]) and sales["units"].dtype == "float64"

    calendar = raw.tables["calendar"]
    assert calendar["date"].dt.strftime("%Y-%m-%d").tolist() == [*WEEKS, "2010-02-26"]
    assert calendar["is_holiday"].tolist() == [False, True, False, True]
    items, locations = raw.tables["items"], raw.tables["locations"]
    assert items["sku"].tolist() == ["dept1", "dept10"] and set(items["category"]) == {"dept"}
    assert items["unit_price"].isna().all()
    assert locations["location"].tolist() == ["store1", "store2"]
    assert locations["region"].tolist() == ["typeA", "typeB"]
    assert set(locations["kind"]) == {"store"} and locations["parent"].isna().all()


def test_validation_quarantines_negative_sales_and_bad_dates(tmp_path: Path) -> None:
    _write(tmp_path, ".parquet")
    _, report, _ = validate_dataset(load_walmart(tmp_path), today=dt.date(2026, 1, 1))
    assert report.table("sales").reasons == {"negative": 1, "bad_date": 1}
    assert report.table("sales").valid == 3


def test_missing_folder_and_files_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        load_walmart(tmp_path / "nowhere")
    with pytest.raises(SourceError, match="has no train.parquet or train.csv"):
        load_walmart(tmp_path)


def test_missing_columns_are_listed(tmp_path: Path) -> None:
    _write(tmp_path, ".csv", drop=("Weekly_Sales", "Dept"))
    with pytest.raises(SourceError, match="'Dept', 'Weekly_Sales'") as info:
        load_walmart(tmp_path)
    assert "train.csv" in str(info.value)


@needs_shared_data("walmart_store_sales")
def test_real_walmart_shapes() -> None:
    root = shared_data_dir()
    assert root is not None
    start = time.perf_counter()
    raw = load_walmart(root / "walmart_store_sales")
    elapsed = time.perf_counter() - start
    sales = raw.tables["sales"]
    assert len(sales) == 421_570
    assert sales.groupby(["sku", "location"]).ngroups == 3_331
    assert sales["location"].nunique() == 45 and len(raw.tables["locations"]) == 45
    assert len(raw.tables["items"]) == 81
    assert (sales["date"].dt.dayofweek == 4).all()  # W-FRI
    assert sales["date"].min() == pd.Timestamp("2010-02-05")
    assert sales["date"].max() == pd.Timestamp("2012-10-26")
    assert int((sales["units"] < 0).sum()) == 1_285
    assert 0.2 < sales["on_promo"].mean() < 0.5
    calendar = raw.tables["calendar"]
    assert calendar["is_holiday"].any() and calendar["date"].is_unique
    assert elapsed < 2.0, f"Walmart load took {elapsed:.2f} s"

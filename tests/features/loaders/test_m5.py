"""M5 loader on a tiny M5-format fixture: melt, price join, pre-launch trimming, chunking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.dataset import Frequency
from features.ingest import validate_dataset
from features.loaders.errors import SourceError
from features.loaders.m5 import load_m5

DAYS = 40
START = pd.Timestamp("2011-01-29")  # M5 weeks start on Saturday
ITEMS = {"HOBBIES_1_001": "HOBBIES_1", "FOODS_3_090": "FOODS_3", "HOUSEHOLD_2_005": "HOUSEHOLD_2"}
STORES = {"CA_1": "CA", "TX_2": "TX"}
# First priced week (0-based) per series; None = never priced, so no rows at all.
LAUNCH_WEEK = {
    ("HOBBIES_1_001", "CA_1"): 0,
    ("HOBBIES_1_001", "TX_2"): 2,
    ("FOODS_3_090", "CA_1"): 0,
    ("FOODS_3_090", "TX_2"): None,
    ("HOUSEHOLD_2_005", "CA_1"): 5,
    ("HOUSEHOLD_2_005", "TX_2"): 1,
}
GAP = ("FOODS_3_090", "CA_1", 3)  # a week without a price after launch: kept, price unknown


def _week(i: int) -> int:
    return 11101 + i


def _price(item: str, store: str, week: int) -> float:
    return round(1.0 + 0.25 * list(ITEMS).index(item) + 0.5 * (store == "TX_2") + 0.01 * week, 2)


def _frames() -> dict[str, pd.DataFrame]:
    dates = pd.date_range(START, periods=DAYS + 2, freq="D")
    calendar = pd.DataFrame(
        {
            "date": dates.strftime("%Y-%m-%d"),
            "wm_yr_wk": [_week(i // 7) for i in range(len(dates))],
            "weekday": dates.day_name(),
            "d": [f"d_{i + 1}" for i in range(len(dates))],
            "event_name_1": [None] * len(dates),
            "event_type_1": [None] * len(dates),
            "snap_CA": [int(i % 3 == 0) for i in range(len(dates))],
            "snap_TX": [0] * len(dates),
            "snap_WI": [1] * len(dates),
        }
    )
    calendar.loc[8, ["event_name_1", "event_type_1"]] = ["SuperBowl", "Sporting"]
    series = [(item, store) for item in ITEMS for store in STORES]
    wide = pd.DataFrame(
        {
            "id": [f"{i}_{s}_evaluation" for i, s in series],
            "item_id": [i for i, _ in series],
            "dept_id": [ITEMS[i] for i, _ in series],
            "cat_id": [ITEMS[i].split("_")[0] for i, _ in series],
            "store_id": [s for _, s in series],
            "state_id": [STORES[s] for _, s in series],
        }
    )
    units = (np.arange(len(series))[:, None] + np.arange(DAYS)[None, :]) % 4
    wide = pd.concat(
        [wide, pd.DataFrame(units, columns=[f"d_{j + 1}" for j in range(DAYS)])], axis=1
    )
    prices = [
        (store, item, _week(w), _price(item, store, w))
        for (item, store), first in LAUNCH_WEEK.items()
        if first is not None
        for w in range(first, 7)
        if (item, store, w) != GAP
    ]
    sell_prices = pd.DataFrame(prices, columns=["store_id", "item_id", "wm_yr_wk", "sell_price"])
    return {"sales_train_evaluation": wide, "calendar": calendar, "sell_prices": sell_prices}


def _write(
    folder: Path, suffix: str = ".csv", frames: dict[str, pd.DataFrame] | None = None
) -> None:
    for name, frame in (frames or _frames()).items():
        if suffix == ".parquet":
            frame.to_parquet(folder / f"{name}.parquet")
        else:
            frame.to_csv(folder / f"{name}.csv", index=False)


def _expected_rows() -> int:
    return sum(DAYS - 7 * w for w in LAUNCH_WEEK.values() if w is not None)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_melts_joins_prices_and_trims_pre_launch(tmp_path: Path, suffix: str) -> None:
    _write(tmp_path, suffix)
    raw = load_m5(tmp_path)
    assert raw.name == "m5" and raw.frequency is Frequency.DAILY
    sales = raw.tables["sales"]
    assert len(sales) == _expected_rows() == 144
    assert not sales.duplicated(["sku", "location", "date"]).any()
    first = sales.groupby(["sku", "location"], observed=True)["date"].min()
    for (item, store), week in LAUNCH_WEEK.items():
        if week is None:
            assert (item, store) not in first.index  # never on sale: no observations
        else:
            assert first[(item, store)] == START + pd.Timedelta(days=7 * week)
    assert sales["date"].max() == START + pd.Timedelta(days=DAYS - 1)

    days = (sales["date"] - START).dt.days.to_numpy()
    series_pos = [
        list(ITEMS).index(i) * 2 + list(STORES).index(s)
        for i, s in zip(sales["sku"].astype(str), sales["location"].astype(str), strict=True)
    ]
    assert sales["units"].to_numpy().tolist() == ((np.array(series_pos) + days) % 4).tolist()

    expected_price = [
        np.nan if (i, s, d // 7) == GAP else _price(i, s, d // 7)
        for i, s, d in zip(
            sales["sku"].astype(str), sales["location"].astype(str), days.tolist(), strict=True
        )
    ]
    np.testing.assert_allclose(sales["price"].to_numpy(), expected_price)
    assert sales["price"].isna().sum() == 7  # the gap week stays, price unknown
    assert not sales["on_promo"].any() and not sales["stockout"].any()
    assert isinstance(sales["sku"].dtype, pd.CategoricalDtype)
    assert sales["units"].dtype == "float64" and sales["price"].dtype == "float64"


def test_items_locations_and_calendar(tmp_path: Path) -> None:
    _write(tmp_path)
    raw = load_m5(tmp_path)
    items = raw.tables["items"].set_index("sku")
    assert items["category"].to_dict() == ITEMS
    assert items.loc["FOODS_3_090", "unit_price"] == pytest.approx(1.28)  # median sell price
    locations = raw.tables["locations"]
    assert locations["location"].tolist() == ["CA_1", "TX_2"]
    assert locations["region"].tolist() == ["CA", "TX"] and set(locations["kind"]) == {"store"}
    calendar = raw.tables["calendar"]
    assert len(calendar) == DAYS + 2 and calendar["date"].iloc[0] == START
    assert calendar["is_holiday"].sum() == 1 and calendar["is_holiday"].iloc[8]
    assert calendar["event_name"].iloc[8] == "SuperBowl"
    assert calendar["snap_CA"].dtype == bool and calendar["snap_CA"].sum() == 14
    _, report, _ = validate_dataset(raw, today=dt.date(2026, 1, 1))
    assert report.table("sales").quarantined == 0 and report.series == 5


@pytest.mark.parametrize("chunk_rows", [1, 4, 1000])
def test_chunking_does_not_change_the_result(tmp_path: Path, chunk_rows: int) -> None:
    _write(tmp_path)
    reference = load_m5(tmp_path).tables["sales"]
    chunked = load_m5(tmp_path, chunk_rows=chunk_rows).tables["sales"]
    pd.testing.assert_frame_equal(
        chunked.astype({"sku": str, "location": str}),
        reference.astype({"sku": str, "location": str}),
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_max_series_keeps_the_first_rows(tmp_path: Path, suffix: str) -> None:
    _write(tmp_path, suffix)
    raw = load_m5(tmp_path, max_series=3, chunk_rows=2)
    sales = raw.tables["sales"]
    assert set(zip(sales["sku"].astype(str), sales["location"].astype(str), strict=True)) == {
        ("HOBBIES_1_001", "CA_1"),
        ("HOBBIES_1_001", "TX_2"),
        ("FOODS_3_090", "CA_1"),
    }
    assert len(raw.tables["items"]) == 2


def test_evaluation_file_is_preferred_over_validation(tmp_path: Path) -> None:
    frames = _frames()
    short = frames["sales_train_evaluation"].drop(columns=[f"d_{j}" for j in range(21, DAYS + 1)])
    _write(tmp_path, frames={**frames, "sales_train_validation": short})
    assert load_m5(tmp_path).tables["sales"]["date"].nunique() == DAYS
    (tmp_path / "sales_train_evaluation.csv").unlink()
    assert load_m5(tmp_path).tables["sales"]["date"].nunique() == 20


def test_errors_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        load_m5(tmp_path / "missing")
    with pytest.raises(SourceError, match="no sales_train_evaluation or sales_train_validation"):
        load_m5(tmp_path)
    frames = _frames()
    _write(tmp_path, frames={**frames, "calendar": frames["calendar"].drop(columns=["wm_yr_wk"])})
    with pytest.raises(SourceError, match="'wm_yr_wk'") as info:
        load_m5(tmp_path)
    assert "calendar.csv" in str(info.value)
    _write(tmp_path, frames={**frames, "calendar": frames["calendar"].iloc[:30]})
    with pytest.raises(SourceError, match="day columns missing from the calendar"):
        load_m5(tmp_path)
    _write(
        tmp_path, frames={**frames, "sell_prices": frames["sell_prices"].drop(columns="item_id")}
    )
    with pytest.raises(SourceError, match="'item_id'"):
        load_m5(tmp_path)
    (tmp_path / "sell_prices.csv").unlink()
    with pytest.raises(SourceError, match="has no sell_prices.parquet or sell_prices.csv"):
        load_m5(tmp_path)

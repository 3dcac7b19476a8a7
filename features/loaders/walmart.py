"""Walmart Recruiting store sales (Kaggle 2014): weekly sales per store x department.

Files in the folder, each as parquet or CSV: `train` (Store, Dept, Date, Weekly_Sales, IsHoliday),
`features` (Store, Date, MarkDown1-5, IsHoliday, ...) and `stores` (Store, Type, Size).

Mapping to the contracts:
- a series is a store x department: `sku = f"dept{Dept}"`, `location = f"store{Store}"`;
- `date` is the week as given: weeks end on Friday (`W-FRI`);
- `units = Weekly_Sales`. The data set has revenue, not units: "units" here are dollars, and no
  `price` column is produced (a price of 1.0 would be invented; validation fills it as unknown);
- `on_promo` is True when any of MarkDown1-5 is above zero for that store-week (markdowns are
  Walmart's promotions); weeks absent from `features` count as no promotion;
- `stockout` is False: the data says nothing about stock;
- negative weekly sales (returns exceeding sales) are kept as they are: they are real rows of the
  file, and validation quarantines them as `negative` units so the ingest summary shows how many
  there are instead of the loader hiding them. (The benchmark clips them to 0 for model input
  only and scores on the original values; see BENCHMARK_PROTOCOL.md.)
- items: one per department (category "dept", unit price unknown); locations: one store per row
  of `stores`, region `f"type{Type}"`, no parent DC;
- `tables["calendar"]` has one row per week (date, is_holiday): every week of `train` and
  `features`, so holiday flags of weeks after the training data are known to forecasts too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from features.dataset import Frequency, RawTables
from features.loaders._source import (
    integer_ids,
    map_unique,
    read_source,
    require_file,
    require_folder,
    to_bool,
    to_float,
)

__all__ = ["MARKDOWN_COLUMNS", "load_walmart"]

MARKDOWN_COLUMNS = tuple(f"MarkDown{i}" for i in range(1, 6))
_HINT = "point the path at the folder holding the Kaggle files train, features and stores"
_SOURCE = "walmart"


def _dates(values: pd.Series) -> pd.Series:
    # The files carry ISO dates; anything else becomes NaT and validation quarantines the row.
    return map_unique(
        values,
        lambda v: pd.to_datetime(v.astype("str").str.strip(), format="%Y-%m-%d", errors="coerce"),
    )


def _promo_weeks(features: pd.DataFrame) -> pd.DataFrame:
    """(location, date, on_promo) per store-week: any markdown above zero."""
    markdowns = np.column_stack([to_float(features[c]).to_numpy() for c in MARKDOWN_COLUMNS])
    with np.errstate(invalid="ignore"):
        promo = np.nan_to_num(markdowns, nan=0.0).max(axis=1) > 0
    weeks = pd.DataFrame(
        {
            "location": "store" + integer_ids(features["Store"]),
            "date": _dates(features["Date"]),
            "on_promo": promo,
        }
    )
    # A store-week listed twice is a promotion if either row says so.
    return weeks.groupby(["location", "date"], sort=False)["on_promo"].any().reset_index()


def _calendar(train: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    weeks = pd.concat(
        [
            pd.DataFrame({"date": _dates(f["Date"]), "is_holiday": to_bool(f["IsHoliday"])})
            for f in (train, features)
        ],
        ignore_index=True,
    ).dropna(subset=["date"])
    return weeks.groupby("date")["is_holiday"].any().reset_index()


def _items(depts: pd.Series) -> pd.DataFrame:
    numbers = pd.to_numeric(depts.str.removeprefix("dept"), errors="coerce")
    skus = (
        pd.DataFrame({"sku": depts, "n": numbers})
        .dropna(subset=["sku"])
        .drop_duplicates("sku")
        .sort_values(["n", "sku"])["sku"]
        .reset_index(drop=True)
    )
    return pd.DataFrame(
        {
            "sku": skus.astype("str"),
            "category": pd.Series(["dept"] * len(skus), dtype="str"),
            "unit_price": np.full(len(skus), np.nan),
        }
    )


def _locations(stores: pd.DataFrame) -> pd.DataFrame:
    n = len(stores)
    return pd.DataFrame(
        {
            "location": "store" + integer_ids(stores["Store"]),
            "kind": pd.Series(["store"] * n, dtype="str"),
            "region": "type" + stores["Type"].astype("str").str.strip(),
            "parent": pd.Series([None] * n, dtype="str"),
        }
    ).reset_index(drop=True)


def load_walmart(folder: Path) -> RawTables:
    """Read the Kaggle Walmart folder into raw sales, items, locations and a holiday calendar."""
    folder = Path(folder)
    require_folder(folder, _SOURCE, _HINT)
    paths = {s: require_file(folder, s, _SOURCE, _HINT) for s in ("train", "features", "stores")}
    train = read_source(
        paths["train"], ("Store", "Dept", "Date", "Weekly_Sales", "IsHoliday"), _SOURCE
    )
    features = read_source(
        paths["features"], ("Store", "Date", "IsHoliday", *MARKDOWN_COLUMNS), _SOURCE
    )
    stores = read_source(paths["stores"], ("Store", "Type"), _SOURCE)

    n = len(train)
    sales = pd.DataFrame(
        {
            "sku": "dept" + integer_ids(train["Dept"]),
            "location": "store" + integer_ids(train["Store"]),
            "date": _dates(train["Date"]),
            "units": to_float(train["Weekly_Sales"]),
        }
    )
    sales = sales.merge(_promo_weeks(features), on=["location", "date"], how="left")
    sales["on_promo"] = sales["on_promo"].fillna(False).astype(bool)
    sales["stockout"] = np.zeros(n, dtype=bool)

    tables = {
        "sales": sales,
        "items": _items(sales["sku"]),
        "locations": _locations(stores),
        "calendar": _calendar(train, features),
    }
    sources = {
        "sales": str(paths["train"]),
        "items": str(paths["train"]),
        "locations": str(paths["stores"]),
        "calendar": f"{paths['train']} + {paths['features']}",
    }
    return RawTables(tables, sources, frequency=Frequency.WEEKLY, name="walmart")

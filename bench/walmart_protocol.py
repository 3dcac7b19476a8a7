"""Walmart under BENCHMARK_PROTOCOL: the model input, the scored rows, the series scales.

- Series `Store_Dept`, weeks ending Friday. Model input: each series reindexed from its own
  first to its own last week, added weeks 0, negative sales clipped to 0 (input only).
- Scored rows: the (series, week) rows of `train.parquet` after a cutoff and within 13 weeks,
  with the original (possibly negative) `Weekly_Sales`, weight 5 on holiday weeks; series that
  start after a cutoff are left out of that fold.
Keys use restock's loader naming (sku `dept<D>`, location `store<S>`) so restock's forecasts
join on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from bench.scoring import naive_scales

__all__ = ["CUTOFFS", "FREQ", "HORIZON", "eval_rows", "load_train", "model_input", "scales"]

CUTOFFS = ("2012-01-27", "2012-04-27", "2012-07-27")
HORIZON = 13
FREQ = "W-FRI"
SEASON = 52


def load_train(folder: Path, stores: Sequence[int] | None = None) -> pd.DataFrame:
    """train.parquet with keys: series, sku, location, date, sales, weight (5 on holidays)."""
    train = pd.read_parquet(folder / "train.parquet")
    if stores is not None:
        train = train[train["Store"].isin(list(stores))]
    store, dept = train["Store"].astype("int64"), train["Dept"].astype("int64")
    return pd.DataFrame(
        {
            "series": store.astype("str") + "_" + dept.astype("str"),
            "sku": "dept" + dept.astype("str"),
            "location": "store" + store.astype("str"),
            "store": store,
            "dept": dept,
            "date": pd.to_datetime(train["Date"]),
            "sales": train["Weekly_Sales"].astype("float64"),
            "weight": np.where(train["IsHoliday"].astype(bool), 5.0, 1.0),
        }
    ).reset_index(drop=True)


def model_input(train: pd.DataFrame) -> pd.DataFrame:
    """Dense weekly input per series: series, store, dept (categories), ds, y (>= 0)."""
    first = train.groupby("series", sort=True)["date"].agg(["min", "max"])
    weeks = ((first["max"] - first["min"]).dt.days // 7 + 1).to_numpy()
    series = np.repeat(first.index.to_numpy(), weeks)
    offset = np.arange(weeks.sum()) - np.repeat(np.cumsum(weeks) - weeks, weeks)
    ds = np.repeat(first["min"].to_numpy(), weeks) + offset * np.timedelta64(7, "D")
    grid = pd.DataFrame({"series": series, "ds": ds})
    sales = train[["series", "date", "sales"]].rename(columns={"date": "ds"})
    grid = grid.merge(sales, on=["series", "ds"], how="left")
    keys = train.drop_duplicates("series").set_index("series")
    return pd.DataFrame(
        {
            "series": grid["series"],
            "store": pd.Categorical(grid["series"].map(keys["store"])),
            "dept": pd.Categorical(grid["series"].map(keys["dept"])),
            "ds": grid["ds"],
            "y": grid["sales"].fillna(0.0).clip(lower=0.0),
        }
    )


def eval_rows(train: pd.DataFrame, inputs: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """The protocol's scored rows of the fold whose last training week is `cutoff`."""
    end = cutoff + pd.Timedelta(weeks=HORIZON)
    started = inputs.loc[inputs["ds"] <= cutoff, "series"].unique()
    window = train[(train["date"] > cutoff) & (train["date"] <= end)]
    window = window[window["series"].isin(started)]
    return window[["series", "sku", "location", "date", "sales", "weight"]].rename(
        columns={"sales": "actual"}
    )


def scales(history: pd.DataFrame) -> pd.DataFrame:
    """One-step naive scales of the input up to a cutoff, from at least one horizon of pairs."""
    return naive_scales(history[["series", "y"]], min_pairs=HORIZON)

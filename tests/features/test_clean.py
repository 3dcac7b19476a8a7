"""Cleaning: dense grid, censored demand, anomaly flags, price fill; strictly per series."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from features.clean import PANEL_COLUMNS, clean_sales
from features.dataset import Frequency

STARTS = {
    Frequency.DAILY: "2024-01-01",
    Frequency.WEEKLY: "2024-01-05",  # a Friday
    Frequency.MONTHLY: "2024-01-01",
}


def grid(frequency: Frequency, n: int) -> pd.DatetimeIndex:
    step = {Frequency.DAILY: "D", Frequency.WEEKLY: "7D", Frequency.MONTHLY: "MS"}[frequency]
    return pd.date_range(STARTS[frequency], periods=n, freq=step)


def series(
    units: list[float] | np.ndarray,
    frequency: Frequency = Frequency.DAILY,
    *,
    sku: str = "a",
    location: str = "x",
    stockout: Sequence[int] = (),
    promo: Sequence[int] = (),
    price: float | list[float] = 1.0,
) -> pd.DataFrame:
    """One dense series; `stockout` and `promo` list the row numbers flagged."""
    n = len(units)
    return pd.DataFrame(
        {
            "sku": sku,
            "location": location,
            "date": grid(frequency, n),
            "units": np.asarray(units, dtype=float),
            "price": price,
            "on_promo": np.isin(np.arange(n), promo),
            "stockout": np.isin(np.arange(n), stockout),
        }
    )


def random_sales(n_series: int, n_days: int, seed: int = 0) -> pd.DataFrame:
    """Several daily series with gaps, stockouts, promos and unknown prices, shuffled."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        frame = series(rng.poisson(3.0, n_days), sku=f"s{i}", location=f"l{i % 2}")
        frame["stockout"] = rng.random(n_days) < 0.1
        frame["on_promo"] = rng.random(n_days) < 0.1
        frame["price"] = np.where(rng.random(n_days) < 0.3, np.nan, 2.0 + i)
        frames.append(frame[rng.random(n_days) > 0.1])
    return pd.concat(frames).sample(frac=1.0, random_state=seed).reset_index(drop=True)


def by_key(panel: pd.DataFrame, sku: str) -> pd.DataFrame:
    return panel[panel["sku"] == sku].reset_index(drop=True)


def test_gaps_are_filled_flagged_and_counted() -> None:
    a = series([5, 6, 7, 8]).assign(
        date=pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-04", "2024-01-07"])
    )
    b = series([1, 2], sku="b").assign(date=pd.to_datetime(["2024-01-03", "2024-01-04"]))
    sales = pd.concat([b, a]).sample(frac=1.0, random_state=3)

    panel = clean_sales(sales, Frequency.DAILY)

    assert len(panel) == len(sales) + panel.attrs["filled_gaps"] == 6 + 3
    assert panel["gap"].sum() == 3
    first = by_key(panel, "a")
    assert list(first["date"]) == list(pd.date_range("2024-01-01", "2024-01-07"))
    assert list(first["gap"]) == [False, False, True, False, True, True, False]
    assert list(first["units"]) == [5, 6, 0, 7, 0, 0, 8]
    filled = panel[panel["gap"]]
    assert (filled["demand"] == 0).all()
    assert not filled[["on_promo", "stockout", "censored", "anomaly"]].any().any()
    assert list(panel["sku"]) == ["a"] * 7 + ["b"] * 2


@pytest.mark.parametrize(
    ("frequency", "units", "stockout", "expected"),
    [
        # weekly: mean of the last 8 reference periods, 12..26
        (Frequency.WEEKLY, [10, 12, 14, 16, 18, 20, 22, 24, 26, 5], [9], 19.0),
        # monthly: mean of the last 6, 2..7
        (Frequency.MONTHLY, [1, 2, 3, 4, 5, 6, 7, 0], [7], 4.5),
        # daily seasonal: rows 0, 7, 14, 21 (same weekday) hold 10, 17, 24, 31
        (Frequency.DAILY, [10 + i for i in range(28)] + [3], [28], 20.5),
        # daily with one same-weekday row only: trailing mean of rows 0..9 (10..19)
        (Frequency.DAILY, [10 + i for i in range(10)] + [3], [10], 14.5),
        # an earlier censored period is not a reference: mean of 10 and 20
        (Frequency.WEEKLY, [10, 50, 20, 5], [1, 3], 15.0),
        # sales above the estimate stand: demand is at least what was sold
        (Frequency.WEEKLY, [2, 2, 2, 9], [3], 9.0),
        # no reference period at all: demand stays as sold
        (Frequency.WEEKLY, [4], [0], 4.0),
    ],
)
def test_censored_demand_matches_hand_computed_estimate(
    frequency: Frequency, units: list[float], stockout: list[int], expected: float
) -> None:
    panel = clean_sales(series(units, frequency, stockout=stockout), frequency)

    last = panel.iloc[-1]
    assert bool(last["censored"])
    assert last["units"] == units[-1]
    assert last["demand"] == pytest.approx(expected, rel=1e-6)


def test_estimate_and_flags_use_only_the_past() -> None:
    sales = random_sales(3, 150, seed=1)
    changed = sales.copy()
    later = changed["date"] >= pd.Timestamp("2024-03-01")
    changed.loc[later, "units"] = changed.loc[later, "units"] * 10 + 7
    changed.loc[later, "stockout"] = ~changed.loc[later, "stockout"]

    before = clean_sales(sales, Frequency.DAILY)
    after = clean_sales(changed, Frequency.DAILY)

    early = before["date"] < pd.Timestamp("2024-03-01")
    columns = ["demand", "censored", "anomaly"]
    pd.testing.assert_frame_equal(before.loc[early, columns], after.loc[early, columns])
    assert not before.loc[~early, "demand"].equals(after.loc[~early, "demand"])


def test_demand_is_units_except_on_censored_periods_where_it_is_not_lower() -> None:
    panel = clean_sales(random_sales(5, 200), Frequency.DAILY)

    assert (panel["demand"] >= panel["units"]).all()
    regular = ~panel["censored"]
    assert (panel.loc[regular, "demand"] == panel.loc[regular, "units"]).all()
    assert panel["censored"].equals(panel["stockout"])
    assert (panel.loc[panel["censored"], "demand"] > panel.loc[panel["censored"], "units"]).any()


STEADY = [9.0, 10.0, 11.0, 10.0, 9.0, 10.0, 11.0] * 12  # median 10, MAD 1


@pytest.mark.parametrize(
    ("row", "value", "promo", "stockout", "flagged"),
    [
        (70, 60.0, False, False, True),  # far above median + 5 * 1.4826 * MAD and 3 x mean
        (70, 60.0, True, False, False),  # a promotion explains the spike
        (70, 60.0, False, True, False),  # a censored period is never an anomaly
        (70, 25.0, False, False, False),  # robust z > 5 but below 3 x the mean size
        (20, 60.0, False, False, False),  # fewer than 28 reference periods before it
    ],
)
def test_spike_is_flagged_unless_explained(
    row: int, value: float, promo: bool, stockout: bool, flagged: bool
) -> None:
    units = list(STEADY)
    units[row] = value
    sales = series(units, promo=[row] if promo else [], stockout=[row] if stockout else [])

    panel = clean_sales(sales, Frequency.DAILY, anomaly_mad_k=5.0)

    assert list(np.flatnonzero(panel["anomaly"])) == ([row] if flagged else [])
    assert panel["units"].iloc[row] == value  # a flag only: units are never changed


def test_intermittent_sales_are_not_anomalies_but_a_bulk_order_is() -> None:
    units = np.zeros(200)
    units[::5] = 1.0
    units[::15] = 2.0
    units[180] = 20.0

    panel = clean_sales(series(units), Frequency.DAILY)

    assert list(np.flatnonzero(panel["anomaly"])) == [180]


@pytest.mark.parametrize("k", [3.0, 50.0])
def test_a_larger_k_flags_less(k: float) -> None:
    units = list(STEADY)
    units[70] = 40.0  # robust z = 30 / 1.4826 ~ 20.2
    panel = clean_sales(series(units), Frequency.DAILY, anomaly_mad_k=k)
    assert panel["anomaly"].any() == (k < 20.2)


def test_weekly_series_keep_their_own_weekday() -> None:
    friday = series([1, 2, 3], Frequency.WEEKLY).assign(
        date=pd.to_datetime(["2024-01-05", "2024-01-12", "2024-01-26"])
    )
    monday = series([4, 5], Frequency.WEEKLY, sku="b").assign(
        date=pd.to_datetime(["2024-01-01", "2024-01-15"])
    )

    panel = clean_sales(pd.concat([friday, monday]), Frequency.WEEKLY)

    assert panel.attrs["filled_gaps"] == 2
    assert list(by_key(panel, "a")["date"]) == list(
        pd.to_datetime(["2024-01-05", "2024-01-12", "2024-01-19", "2024-01-26"])
    )
    assert set(by_key(panel, "a")["date"].dt.dayofweek) == {4}
    assert list(by_key(panel, "b")["date"].dt.dayofweek) == [0, 0, 0]


def test_monthly_gaps_are_month_starts() -> None:
    sales = series([1, 2], Frequency.MONTHLY).assign(
        date=pd.to_datetime(["2023-11-01", "2024-02-01"])
    )
    panel = clean_sales(sales, Frequency.MONTHLY)
    assert list(panel["date"]) == list(pd.date_range("2023-11-01", periods=4, freq="MS"))
    assert list(panel["gap"]) == [False, True, True, False]


@pytest.mark.parametrize(
    ("frequency", "dates", "message"),
    [
        (Frequency.MONTHLY, ["2024-01-01", "2024-02-15"], "first day of the month"),
        (Frequency.WEEKLY, ["2024-01-05", "2024-01-13"], "7 days apart"),
        (Frequency.DAILY, ["2024-01-05", "2024-01-05"], "duplicate period"),
    ],
)
def test_off_grid_or_duplicate_dates_are_refused(
    frequency: Frequency, dates: list[str], message: str
) -> None:
    sales = series([1, 2], frequency).assign(date=pd.to_datetime(dates))
    with pytest.raises(ValueError, match=message):
        clean_sales(sales, frequency)


def test_missing_columns_name_the_fix() -> None:
    with pytest.raises(ValueError, match="features.validate"):
        clean_sales(series([1]).drop(columns="stockout"), Frequency.DAILY)


def test_price_is_filled_within_each_series_only() -> None:
    a = series([1] * 5, sku="a", price=[np.nan, 2.0, np.nan, 3.0, np.nan])
    b = series([1] * 3, sku="b", price=np.nan)
    c = series([1] * 3, sku="c", price=[5.0, np.nan, np.nan]).drop(index=1)  # with a gap
    sales = pd.concat([c, b, a]).sample(frac=1.0, random_state=0)

    panel = clean_sales(sales, Frequency.DAILY)

    assert list(by_key(panel, "a")["price"]) == [2, 2, 2, 3, 3]
    assert by_key(panel, "b")["price"].isna().all()
    assert list(by_key(panel, "c")["price"]) == [5, 5, 5]


def test_columns_dtypes_and_order() -> None:
    sales = random_sales(4, 30)
    sales["location"] = sales["location"].astype("category").cat.add_categories(["unused"])

    panel = clean_sales(sales, Frequency.DAILY)

    assert tuple(panel.columns) == PANEL_COLUMNS
    assert isinstance(panel["sku"].dtype, pd.CategoricalDtype)
    assert list(panel["location"].cat.categories) == ["l0", "l1", "unused"]
    for column in ("units", "demand", "price"):
        assert panel[column].dtype == np.float32
    for column in ("on_promo", "stockout", "censored", "anomaly", "gap"):
        assert panel[column].dtype == bool
    assert panel["date"].dtype == sales["date"].dtype
    keys = panel[["sku", "location", "date"]].astype({"sku": str, "location": str})
    assert keys.equals(keys.sort_values(["sku", "location", "date"]))
    assert panel.index.equals(pd.RangeIndex(len(panel)))


def test_chunks_of_whole_series_give_the_same_panel() -> None:
    sales = random_sales(6, 120, seed=4)
    whole = clean_sales(sales, Frequency.DAILY)
    first = sales["sku"].isin(["s0", "s1", "s2"])
    parts = [
        clean_sales(sales[first], Frequency.DAILY),
        clean_sales(sales[~first], Frequency.DAILY),
    ]
    chunked = pd.concat(parts, ignore_index=True).astype({"sku": str, "location": str})
    expected = whole.astype({"sku": str, "location": str})
    pd.testing.assert_frame_equal(chunked, expected)
    assert sum(p.attrs["filled_gaps"] for p in parts) == whole.attrs["filled_gaps"]


def test_empty_sales_give_an_empty_panel() -> None:
    panel = clean_sales(series([1.0]).iloc[:0], Frequency.DAILY)
    assert panel.empty
    assert tuple(panel.columns) == PANEL_COLUMNS
    assert panel.attrs["filled_gaps"] == 0

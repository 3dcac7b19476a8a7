"""The demo generator: reproducible, contract-shaped, and carrying the signals models must learn."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.contracts import CONTRACTS
from features.dataset import Frequency, RawTables
from features.ingest import validate_dataset
from features.loaders import demo
from features.loaders.demo import DemoConfig, generate_demo, write_demo

TINY = DemoConfig.preset("tiny")
SMALL = DemoConfig.preset("small")


@pytest.fixture(scope="module")
def tiny() -> RawTables:
    return generate_demo(TINY)


@pytest.fixture(scope="module")
def small() -> RawTables:
    return generate_demo(SMALL)


@pytest.fixture(scope="module")
def sales(small: RawTables) -> pd.DataFrame:
    return small.tables["sales"]


def _series_means(sales: pd.DataFrame, flag: str) -> pd.DataFrame:
    """Mean units per series with and without `flag`, for series that have both."""
    means = sales.groupby(["sku", "location", flag], observed=True)["units"].mean().unstack(flag)
    return means.dropna()


# --- reproducibility -------------------------------------------------------------------------


def test_same_config_gives_identical_tables(tiny: RawTables) -> None:
    again = generate_demo(TINY)
    for name, table in tiny.tables.items():
        pd.testing.assert_frame_equal(table, again.tables[name], obj=name)


def test_another_seed_gives_other_data(tiny: RawTables) -> None:
    other = generate_demo(dataclasses.replace(TINY, seed=TINY.seed + 1))
    assert not tiny.tables["sales"]["units"].equals(other.tables["sales"]["units"])
    assert not tiny.tables["receipts"]["received_on"].equals(
        other.tables["receipts"]["received_on"]
    )


# --- shape and contracts ---------------------------------------------------------------------


def test_raw_tables_envelope(tiny: RawTables) -> None:
    assert set(tiny.tables) == set(CONTRACTS)
    assert tiny.frequency is Frequency.DAILY and tiny.name == "demo"
    assert set(tiny.sources.values()) == {"<demo>"}


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_every_contract_column_is_present(tiny: RawTables, name: str) -> None:
    missing = set(CONTRACTS[name].names) - set(tiny.tables[name].columns)
    assert not missing


def test_sales_dtypes(tiny: RawTables) -> None:
    sales = tiny.tables["sales"]
    assert isinstance(sales["sku"].dtype, pd.CategoricalDtype)
    assert isinstance(sales["location"].dtype, pd.CategoricalDtype)
    assert pd.api.types.is_datetime64_dtype(sales["date"])
    assert (sales["date"] == sales["date"].dt.normalize()).all()
    assert sales["units"].dtype == np.float32 and sales["price"].dtype == np.float32
    assert sales["on_promo"].dtype == bool and sales["stockout"].dtype == bool
    assert sales["sku"].iloc[0] == "SKU00001" and set(sales["location"]) == {"S001", "S002"}


def test_units_are_whole_and_prices_positive(sales: pd.DataFrame) -> None:
    units = sales["units"].to_numpy()
    assert (units >= 0).all() and (units == np.round(units)).all()
    assert (sales["price"] > 0).all()


def test_sales_sorted_with_unique_keys(sales: pd.DataFrame) -> None:
    key = ["sku", "location", "date"]
    assert not sales.duplicated(key).any()
    order = np.lexsort(
        (sales["date"], sales["location"].cat.codes, sales["sku"].cat.codes)  # last key first
    )
    assert (order == np.arange(len(sales))).all()


def test_demo_passes_validation_untouched(small: RawTables) -> None:
    _, report, _ = validate_dataset(small, today=SMALL.end)
    assert report.quarantined == 0
    assert not any(t.defaulted or t.ignored_columns for t in report.tables)


def test_references_resolve(small: RawTables) -> None:
    t = small.tables
    stores = t["locations"].loc[t["locations"]["kind"] == "store", "location"]
    dcs = t["locations"].loc[t["locations"]["kind"] == "dc", "location"]
    assert set(t["sales"]["sku"].astype("str")) == set(t["items"]["sku"])
    assert set(t["sales"]["location"].astype("str")) == set(stores)
    assert set(t["locations"]["parent"].dropna()) == set(dcs)
    assert t["locations"].loc[t["locations"]["kind"] == "dc", "parent"].isna().all()
    assert set(t["receipts"]["location"]) <= set(dcs)
    inventory = t["inventory"]
    assert len(inventory) == len(t["items"]) * len(t["locations"])
    assert not inventory.duplicated(["sku", "location"]).any()
    assert (inventory["as_of"] == pd.Timestamp(SMALL.end)).all()
    assert (inventory[["on_hand", "on_order", "backorders"]] >= 0).all().all()


# --- sizes and life cycle --------------------------------------------------------------------


def test_rows_are_series_times_days_minus_life_cycle_trimming(small: RawTables) -> None:
    sales = small.tables["sales"]
    spans = sales.groupby(["sku", "location"], observed=True)["date"].agg(["min", "max", "size"])
    assert len(spans) == SMALL.n_skus * SMALL.n_stores
    # No gaps inside a series: a row for every day between its first and last sale.
    assert ((spans["max"] - spans["min"]).dt.days + 1 == spans["size"]).all()
    trimmed = (SMALL.days - spans["size"]).sum()
    assert len(sales) == SMALL.n_skus * SMALL.n_stores * SMALL.days - trimmed


def test_new_items_start_late_and_phase_outs_end_early(small: RawTables) -> None:
    sales, items = small.tables["sales"], small.tables["items"]
    spans = sales.groupby("sku", observed=True)["date"].agg(["min", "max"])
    spans.index = spans.index.astype("str")
    life = items.set_index("sku")["lifecycle"]
    start, end = (
        pd.Timestamp(SMALL.end) - pd.Timedelta(days=SMALL.days - 1),
        pd.Timestamp(SMALL.end),
    )
    assert {"new", "active", "phase_out"} <= set(life)
    assert (spans.loc[life[life == "new"].index, "min"] > start).all()
    assert (spans.loc[life[life == "phase_out"].index, "max"] < end).all()
    regular = spans.loc[life[life == "active"].index]
    assert ((regular["min"] == start) & (regular["max"] == end)).all()


def test_phase_out_demand_fades_before_it_stops(small: RawTables) -> None:
    sales, items = small.tables["sales"], small.tables["items"]
    fading = items.loc[items["lifecycle"] == "phase_out", "sku"]
    rows = sales[sales["sku"].astype("str").isin(fading)]
    last = rows.groupby("sku", observed=True)["date"].transform("max")
    tail = rows[rows["date"] > last - pd.Timedelta(days=30)]["units"].mean()
    early = rows[rows["date"] < last - pd.Timedelta(days=200)]["units"].mean()
    assert tail < 0.3 * early


# --- demand signals --------------------------------------------------------------------------


def test_stockouts_are_rare_and_censor_sales(sales: pd.DataFrame) -> None:
    assert 0.02 <= sales["stockout"].mean() <= 0.045
    means = _series_means(sales, "stockout")
    assert means[True].mean() < 0.6 * means[False].mean()
    assert (means[True] < means[False]).mean() > 0.8


def test_promotions_lift_sales_at_a_lower_price(sales: pd.DataFrame) -> None:
    assert 0.03 <= sales["on_promo"].mean() <= 0.2
    means = _series_means(sales, "on_promo")
    assert (means[True] / means[False].clip(lower=0.05)).median() > 1.3
    price = sales.groupby(["sku", "on_promo"], observed=True)["price"].median().unstack().dropna()
    assert (price[True] < price[False]).all()


def test_weekdays_differ(sales: pd.DataFrame) -> None:
    by_day = sales.groupby(sales["date"].dt.dayofweek)["units"].mean()
    assert by_day[5] > 1.1 * by_day[1]  # Saturday above Tuesday


def test_yearly_season_and_holidays_show(sales: pd.DataFrame) -> None:
    daily = sales.groupby("date")["units"].sum()
    assert daily[pd.Timestamp("2025-12-25")] < 0.5 * daily.median()
    assert daily[pd.Timestamp("2025-11-28")] > daily.median()  # Black Friday
    monthly = daily.groupby(pd.DatetimeIndex(daily.index).month).mean()
    assert monthly.max() > 1.1 * monthly.min()


def test_some_items_are_intermittent(sales: pd.DataFrame) -> None:
    zero_share = sales.assign(zero=sales["units"] == 0).groupby("sku", observed=True)["zero"].mean()
    assert (zero_share > 0.6).sum() >= 0.1 * len(zero_share)
    assert (zero_share < 0.2).sum() >= 0.3 * len(zero_share)


# --- receipts, items, policy -----------------------------------------------------------------


def test_receipts_are_consistent_and_lead_times_differ_by_supplier(small: RawTables) -> None:
    receipts, items = small.tables["receipts"], small.tables["items"]
    assert len(receipts) > 100 and receipts["po_line"].is_unique
    assert (receipts["received_on"] >= receipts["ordered_on"]).all()
    assert (receipts["received_on"] <= pd.Timestamp(SMALL.end)).all()
    assert set(receipts["mode"]) <= {"road", "sea", "air"}
    assert (receipts["qty"] > 0).all()
    category = items.set_index("sku")["category"]
    assert (receipts["product_group"].to_numpy() == category[receipts["sku"]].to_numpy()).all()
    lead = (receipts["received_on"] - receipts["ordered_on"]).dt.days
    median = lead.groupby(receipts["supplier"]).median()
    spread = lead.groupby(receipts["supplier"]).quantile(0.95) / median
    assert median.max() > 5 * median.min()
    assert spread.max() > 1.5 * spread.min()  # some suppliers have a fat right tail


def test_items_economics(small: RawTables) -> None:
    items = small.tables["items"]
    assert (items["unit_cost"] < items["unit_price"]).all() and (items["unit_cost"] > 0).all()
    assert set(items["pack_size"]) <= {1, 6, 12, 24}
    assert ((items["moq"] == 0) | (items["moq"] % items["pack_size"] == 0)).all()
    assert items["category"].nunique() >= 4 and items["supplier"].str.match(r"SUP\d\d").all()


def test_service_policy_orders_segments(tiny: RawTables) -> None:
    policy = tiny.tables["service_policy"].set_index("segment")
    assert set(policy.index) >= {"AX", "BY", "CZ", "*"}
    csl = policy["cycle_service_level"]
    assert csl["AX"] > csl["BY"] > csl["CZ"]
    assert (policy["fill_rate"] > policy["cycle_service_level"]).all()
    assert (policy["review_period"] == 1).all()


# --- config ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("tiny", (8, 2, 1, 760)),
        ("small", (40, 4, 1, 760)),
        ("medium", (500, 10, 2, 760)),
        ("m5", (3049, 10, 3, 1941)),
    ],
)
def test_presets(name: str, shape: tuple[int, int, int, int]) -> None:
    config = DemoConfig.preset(name)
    assert (config.n_skus, config.n_stores, config.n_dcs, config.days) == shape
    assert config.end == dt.date(2026, 9, 30)


def test_unknown_preset_lists_the_names() -> None:
    with pytest.raises(ValueError, match="tiny, small, medium, m5"):
        DemoConfig.preset("huge")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"n_skus": 0}, "at least one sku"),
        ({"n_dcs": 3, "n_stores": 2}, "every DC must serve a store"),
        ({"days": 10}, "at least 28 days"),
    ],
)
def test_invalid_config_says_what_to_change(changes: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DemoConfig(**changes)  # type: ignore[arg-type]


def test_many_dcs_and_short_history_still_work() -> None:
    raw = generate_demo(DemoConfig(n_skus=12, n_stores=7, n_dcs=6, days=60, seed=3))
    locations = raw.tables["locations"]
    assert (locations["kind"] == "dc").sum() == 6 and locations["region"].nunique() == 6
    assert raw.tables["sales"]["date"].nunique() == 60


# --- writing ---------------------------------------------------------------------------------


def test_write_demo_round_trips_in_several_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three skus per chunk, so the sales file is written as several row groups.
    monkeypatch.setattr(demo, "_CHUNK_CELLS", 3 * TINY.n_stores * TINY.days)
    expected = generate_demo(TINY)
    folder = write_demo(TINY, tmp_path / "demo", progress=True)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.parquet" for n in CONTRACTS)
    for name, table in expected.tables.items():
        pd.testing.assert_frame_equal(pd.read_parquet(folder / f"{name}.parquet"), table, obj=name)


def test_a_regime_shift_moves_one_category_at_the_end_only() -> None:
    from features.loaders.demo_demand import RegimeShift

    base = DemoConfig.preset("tiny")
    items = generate_demo(base).tables["items"]
    category = str(items["category"].value_counts().index[0])
    shifted = dataclasses.replace(base, shift=RegimeShift(category, 60, 3.0))
    before, after = generate_demo(base).tables["sales"], generate_demo(shifted).tables["sales"]
    cut = pd.Timestamp(base.end) - pd.Timedelta(days=59)
    in_category = before["sku"].isin(items.loc[items["category"] == category, "sku"])

    def units(sales: pd.DataFrame, rows: pd.Series) -> float:
        return float(sales.loc[rows.to_numpy(), "units"].sum())

    # Random draws depend on the demand level (Poisson sampling), so after the shift the
    # streams differ: the rest of the data is alike in total, not draw for draw.
    early = pd.to_datetime(before["date"]) < cut
    assert units(after, early) == pytest.approx(units(before, early), rel=0.05)
    assert units(after, ~early & ~in_category) == pytest.approx(
        units(before, ~early & ~in_category), rel=0.15
    )
    assert units(after, ~early & in_category) > 2.0 * units(before, ~early & in_category)


def test_a_regime_shift_is_parsed_with_clear_errors() -> None:
    from features.loaders.demo_demand import RegimeShift

    assert RegimeShift.parse("toys:42:1.8") == RegimeShift("toys", 42, 1.8)
    for bad, message in [
        ("toys:42", "category:days:factor"),
        ("cars:42:1.8", "unknown category"),
        ("toys:x:1.8", "integer"),
        ("toys:42:-1", "positive"),
    ]:
        with pytest.raises(ValueError, match=message):
            RegimeShift.parse(bad)

"""Whole-dataset validation, documented defaults, and atomic storage under the home."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pandas as pd
import pytest

from features.dataset import Frequency, RawTables
from features.defaults import DEFAULT_SERVICE_POLICY
from features.ingest import validate_dataset
from features.loaders.errors import SourceError
from features.storage import load_dataset, load_ingest_report, load_quarantine, save_ingest
from restock.settings import Settings

TODAY = dt.date(2026, 11, 1)


def _sales(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["sku", "location", "date", "units"]).astype("str")


def _weekly() -> pd.DataFrame:
    dates = pd.date_range("2026-01-02", periods=6, freq="W-FRI").strftime("%Y-%m-%d")
    return _sales([("A", "S1", d, 2.0) for d in dates] + [("B", "S1", d, 1.0) for d in dates])


def test_sales_only_gets_documented_defaults() -> None:
    dataset, report, quarantine = validate_dataset(RawTables({"sales": _weekly()}), today=TODAY)
    assert dataset.frequency is Frequency.WEEKLY
    assert dataset.items["sku"].tolist() == ["A", "B"]
    assert set(dataset.locations["kind"]) == {"store"}
    assert dataset.inventory.empty and dataset.receipts.empty
    assert (
        dict(
            zip(
                dataset.service_policy["segment"],
                dataset.service_policy["cycle_service_level"],
                strict=True,
            )
        )
        == DEFAULT_SERVICE_POLICY
    )
    assert report.table("items").defaulted and not report.table("sales").defaulted
    assert report.series == 2 and report.first_date == "2026-01-02"
    assert all(q.empty for q in quarantine.values())


def test_given_items_make_unknown_skus_quarantined() -> None:
    raw = RawTables(
        {"sales": _weekly(), "items": pd.DataFrame({"sku": ["A"], "category": ["x"]})},
        {"sales": "sales.csv", "items": "items.csv"},
    )
    dataset, report, quarantine = validate_dataset(raw, today=TODAY)
    sales = report.table("sales")
    assert (sales.rows_in, sales.valid, sales.quarantined) == (12, 6, 6)
    assert sales.reasons == {"unknown_sku": 6}
    assert set(quarantine["sales"]["sku"]) == {"B"}
    assert set(dataset.sales["sku"]) == {"A"}


def test_empty_sales_is_a_file_error() -> None:
    raw = RawTables({"sales": _sales([])}, {"sales": "sales.csv"})
    with pytest.raises(SourceError, match="sales.csv: the sales table has no rows"):
        validate_dataset(raw, today=TODAY)


def test_save_and_load_round_trip(settings: Settings) -> None:
    sales = _weekly()
    sales.loc[len(sales) - 1, "units"] = "-1"
    raw = RawTables({"sales": sales}, name="mini")
    dataset, report, quarantine = validate_dataset(raw, today=TODAY)
    save_ingest(dataset, report, quarantine, settings.paths.ensure())
    loaded = load_dataset(settings.paths)
    assert loaded.name == "mini" and loaded.frequency is Frequency.WEEKLY
    pd.testing.assert_frame_equal(loaded.sales, dataset.sales)
    assert load_ingest_report(settings.paths).table("sales").reasons == {"negative": 1}
    assert load_quarantine(settings.paths)["q_reason"].tolist() == ["negative"]


def test_interrupted_save_keeps_the_previous_ingest(settings: Settings) -> None:
    first, report, quarantine = validate_dataset(RawTables({"sales": _weekly()}), today=TODAY)
    save_ingest(first, report, quarantine, settings.paths.ensure())
    second, report2, quarantine2 = validate_dataset(
        RawTables({"sales": _weekly()[:3]}), today=TODAY
    )
    with (
        mock.patch.object(pd.DataFrame, "to_parquet", side_effect=OSError("disk full")),
        pytest.raises(OSError),
    ):
        save_ingest(second, report2, quarantine2, settings.paths)
    assert len(load_dataset(settings.paths).sales) == len(first.sales)
    leftovers = [p.name for p in settings.paths.data.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_loading_before_any_ingest_says_what_to_run(settings: Settings) -> None:
    with pytest.raises(SourceError, match="restock ingest --source demo"):
        load_dataset(settings.paths)


def test_monthly_dates_snap_to_month_start_and_collisions_are_duplicates() -> None:
    sales = _sales(
        [("A", "S1", f"2026-{m:02d}-28", 5.0) for m in range(1, 7)]
        + [("A", "S1", "2026-03-02", 9.0)]  # same month as 2026-03-28: a duplicate period
    )
    dataset, report, quarantine = validate_dataset(RawTables({"sales": sales}), today=TODAY)
    assert dataset.frequency is Frequency.MONTHLY
    assert (dataset.sales["date"].dt.day == 1).all()
    assert report.table("sales").reasons == {"duplicate_key": 1}
    assert quarantine["sales"]["q_row"].tolist() == [7]


def test_weekly_stores_on_different_weekdays_are_weekly() -> None:
    fridays = pd.date_range("2026-01-02", periods=8, freq="W-FRI").strftime("%Y-%m-%d")
    sundays = pd.date_range("2026-01-04", periods=8, freq="W-SUN").strftime("%Y-%m-%d")
    sales = _sales([("A", "S1", d, 1.0) for d in fridays] + [("A", "S2", d, 1.0) for d in sundays])
    dataset, _, _ = validate_dataset(RawTables({"sales": sales}), today=TODAY)
    assert dataset.frequency is Frequency.WEEKLY

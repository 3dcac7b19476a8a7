"""SCMS loader: mixed date formats, placeholders passed through, receipts mapping, errors."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pandas as pd
import pytest

from features.contracts import SALES
from features.dataset import Frequency
from features.ingest import validate_dataset
from features.loaders.errors import SourceError
from features.loaders.scms import (
    COLUMN_NOTES,
    SCMS_COLUMNS,
    is_placeholder,
    load_scms,
    parse_mixed_dates,
    scms_sku,
    site_country,
)
from tests.shared_data import needs_shared_data, shared_data_dir


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2-Jun-06", "2006-06-02"),
        ("14-Nov-06", "2006-11-14"),
        ("2-JUN-2006", "2006-06-02"),
        ("8/27/14", "2014-08-27"),
        ("12/1/09", "2009-12-01"),
        ("8/27/2014", "2014-08-27"),
        ("2014-08-27", "2014-08-27"),
        ("2014-08-27 13:45:00", "2014-08-27"),
        (" 3-Jan-07 ", "2007-01-03"),
        ("N/A - From RDC", None),
        ("Date Not Captured", None),
        ("Pre-PQ Process", None),
        ("13/27/14", None),  # month 13: not guessed as day-first
        ("31-Feb-06", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_mixed_dates(text: str | None, expected: str | None) -> None:
    parsed = parse_mixed_dates(pd.Series([text], dtype="object"))
    if expected is None:
        assert pd.isna(parsed.iloc[0])
    else:
        assert parsed.iloc[0] == pd.Timestamp(expected)


def test_parse_mixed_dates_keeps_order_index_and_datetimes() -> None:
    values = pd.Series(["8/27/14", "N/A - From RDC", "2-Jun-06"], index=[10, 5, 7], dtype="str")
    parsed = parse_mixed_dates(values)
    assert parsed.index.tolist() == [10, 5, 7]
    assert pd.api.types.is_datetime64_any_dtype(parsed)
    assert parsed.isna().tolist() == [False, True, False]
    assert parsed[[10, 7]].tolist() == [pd.Timestamp("2014-08-27"), pd.Timestamp("2006-06-02")]
    already = pd.Series([pd.Timestamp("2020-01-02 10:00"), pd.NaT])
    assert parse_mixed_dates(already).tolist()[0] == pd.Timestamp("2020-01-02")


def test_placeholders_are_recognised_whatever_the_case() -> None:
    flags = is_placeholder(pd.Series([" n/a - from rdc", "Date Not Captured", "2-Jun-06"]))
    assert flags.tolist() == [True, True, False]


@pytest.mark.parametrize(
    ("site", "country"),
    [
        ("Aurobindo Unit III, India", "India"),
        ("Hetero Unit III Hyderabad IN", "India"),
        ("Mylan (formerly Matrix) Nashik", "India"),
        ("Boehringer Ingelheim Roxane US", "United States"),  # a named country beats a town
        ("BI, Ingelheim, Germany", "Germany"),
        ("MSD Midrand, J'burg, SA", "South Africa"),
        ("GSK Ware (UK)", "United Kingdom"),
        ("Roche Basel", "Switzerland"),
        ("INVERNESS ORGENICS LINE", None),  # 'IN' inside a word is not India
        ("Trinity Biotech, Plc", None),
    ],
)
def test_site_country(site: str, country: str | None) -> None:
    found = site_country(pd.Series([site])).iloc[0]
    assert (pd.isna(found) and country is None) or found == country


def test_sku_is_stable_and_ignores_case_and_spacing() -> None:
    skus = scms_sku(pd.Series(["Nevirapine 200mg,  tablets", " nevirapine 200mg, tablets", "X"]))
    assert skus.iloc[0] == skus.iloc[1] != skus.iloc[2]
    assert skus.iloc[0] == scms_sku(pd.Series(["NEVIRAPINE 200MG, TABLETS"])).iloc[0]
    assert skus.str.match(r"^scms-[0-9a-f]{10}$").all()


def _scms_rows() -> pd.DataFrame:
    base: dict[str, list[object]] = {c: ["x"] * 5 for c in SCMS_COLUMNS}
    base.update(
        {
            "ID": [1, 3, 4, 15, 16],
            "Country": ["Vietnam", "Vietnam", "Haiti", "Haiti", "Nigeria"],
            "Shipment Mode": ["Air", "Truck", "", "Ocean", "Air"],
            "PO Sent to Vendor Date": [
                "Date Not Captured",
                "8/27/14",
                "2014-09-01",
                "N/A - From RDC",
                "2-Jun-06",
            ],
            "Scheduled Delivery Date": ["2-Jun-06", "9-Sep-14", "1-Oct-14", "1-Jan-07", "bad"],
            "Delivered to Client Date": [
                "2-Jun-06",
                "9-Sep-14",
                "30-Sep-14",
                "1-Jan-07",
                "1-Jun-06",
            ],
            "Product Group": ["HRDT", "ARV", "ARV", "ARV", "ARV"],
            "Vendor": ["V1", "V2", "V2", "SCMS from RDC", "V3"],
            "Item Description": ["Test kit, 30 Tests", "Drug A", "Drug A", "Drug A", "Drug B"],
            "Line Item Quantity": [19, 1000, 500, 10, 7],
            "Line Item Value": [551.0, 6200.0, 3000.0, 62.0, 0.0],
            "Pack Price": [29.0, 6.2, 6.0, 6.2, 0.0],
            "Manufacturing Site": [
                "Alere Medical Co., Ltd.",
                "Aurobindo Unit III, India",
                "Aurobindo Unit III, India",
                "Cipla, Goa, India",
                "BMS Meymac, France",
            ],
        }
    )
    return pd.DataFrame(base)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_maps_receipts_and_passes_placeholder_rows_through(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"scms_delivery_history{suffix}"
    rows = _scms_rows()
    rows.to_csv(path, index=False) if suffix == ".csv" else rows.to_parquet(path)
    raw = load_scms(tmp_path)  # the folder is enough
    assert raw.name == "scms" and raw.frequency is Frequency.DAILY
    receipts = raw.tables["receipts"]
    assert len(receipts) == 5  # nothing dropped
    assert receipts["po_line"].tolist() == ["1", "3", "4", "15", "16"]
    assert receipts["ordered_on"].isna().tolist() == [True, False, False, True, False]
    assert receipts.loc[1, "ordered_on"] == pd.Timestamp("2014-08-27")
    assert receipts.loc[2, "received_on"] == pd.Timestamp("2014-09-30")
    assert receipts["promised_on"].isna().tolist() == [False, False, False, False, True]
    assert receipts["mode"].tolist() == ["Air", "Truck", "unknown", "Ocean", "Air"]
    assert receipts["origin"].tolist() == [
        "Alere Medical Co., Ltd.",
        "India",
        "India",
        "India",
        "France",
    ]
    assert receipts["qty"].tolist() == [19.0, 1000.0, 500.0, 10.0, 7.0]
    skus = receipts["sku"].tolist()
    assert len(set(skus)) == 3 and skus[1] == skus[2] == skus[3]
    assert receipts.attrs["column_notes"]["promised_on"] == COLUMN_NOTES["promised_on"]
    assert "LEAKS" in COLUMN_NOTES["promised_on"]

    items = raw.tables["items"].set_index("sku")
    drug_a = items.loc[skus[1]]
    assert drug_a["supplier"] == "V2"  # most frequent vendor of the sku
    assert drug_a["category"] == "ARV" and drug_a["unit_price"] == pytest.approx(6.2)
    locations = raw.tables["locations"]
    assert locations["location"].tolist() == ["Haiti", "Nigeria", "Vietnam"]
    assert set(locations["kind"]) == {"dc"}
    assert raw.tables["sales"].empty
    assert tuple(raw.tables["sales"].columns) == SALES.names


def test_validation_quarantines_placeholders_and_negative_lead_times(tmp_path: Path) -> None:
    _scms_rows().to_csv(tmp_path / "history.csv", index=False)
    _, report, _ = validate_dataset(load_scms(tmp_path / "history.csv"), today=dt.date(2026, 1, 1))
    receipts = report.table("receipts")
    assert receipts.reasons == {"bad_date": 2, "date_order": 1}
    assert receipts.valid == 2


def test_errors_name_the_path_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        load_scms(tmp_path / "missing.csv")
    with pytest.raises(SourceError, match="no other data files"):
        load_scms(tmp_path)
    rows = _scms_rows().drop(columns=["Vendor", "Delivered to Client Date"])
    rows.to_csv(tmp_path / "scms.csv", index=False)
    with pytest.raises(SourceError, match="'Delivered to Client Date', 'Vendor'") as info:
        load_scms(tmp_path / "scms.csv")
    assert "scms.csv" in str(info.value)


@needs_shared_data("scms_lead_times")
def test_real_scms_counts() -> None:
    root = shared_data_dir()
    assert root is not None
    start = time.perf_counter()
    raw = load_scms(root / "scms_lead_times")
    elapsed = time.perf_counter() - start
    receipts = raw.tables["receipts"]
    assert len(receipts) == 10_324 and receipts["po_line"].is_unique
    both = receipts["ordered_on"].notna() & receipts["received_on"].notna()
    lead = (receipts["received_on"] - receipts["ordered_on"]).dt.days
    usable = int((both & (lead >= 0)).sum())
    assert 4_400 <= usable <= 4_800, usable  # protocol: "about 4,600"
    assert usable == 4_587
    assert receipts["received_on"].notna().all()
    assert receipts["sku"].nunique() == 184 and len(raw.tables["locations"]) == 43
    assert elapsed < 1.0, f"SCMS load took {elapsed:.2f} s"

"""Validation: each business rule quarantines exactly the rows that break it, with its reason."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

from features.contracts import ITEMS, RECEIPTS, SALES
from features.validate import ContractError, validate_table

TODAY = dt.date(2026, 11, 1)

GOOD = "sku,location,date,units,price,on_promo,stockout\n" + "\n".join(
    f"A1,S1,2026-01-{d:02d},{d},2.5,0,0" for d in range(1, 11)
)

# (row text, expected reason, expected column)
BAD_ROWS = [
    ("A1,S1,2026-02-01,-3,2.5,0,0", "negative", "units"),
    ("A1,S1,2026-02-02,nan,2.5,0,0", "non_finite", "units"),
    ("A1,S1,2026-02-03,inf,2.5,0,0", "non_finite", "units"),
    ("A1,S1,2026-02-04,4,0,0,0", "non_positive", "price"),
    ("A1,S1,2026-02-05,4,-1,0,0", "non_positive", "price"),
    ("ZZ,S1,2026-02-06,4,2.5,0,0", "unknown_sku", "sku"),
    ("A1,XX,2026-02-07,4,2.5,0,0", "unknown_location", "location"),
    ("A1,S1,2026-01-03,9,2.5,0,0", "duplicate_key", "sku,location,date"),
    ("A1,S1,2027-02-09,4,2.5,0,0", "future_date", "date"),
    ("A1,S1,31/02/2026,4,2.5,0,0", "bad_date", "date"),
    ("A1,S1,,4,2.5,0,0", "bad_date", "date"),
    ("A1,S1,2026-02-12,four,2.5,0,0", "bad_number", "units"),
    ("A1,S1,2026-02-13,4,2.5,maybe,0", "bad_bool", "on_promo"),
    (",S1,2026-02-14,4,2.5,0,0", "missing_value", "sku"),
]


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype="str", keep_default_na=False)


def _validate(frame: pd.DataFrame, **kwargs: object) -> object:
    known = {"items": pd.Index(["A1", "B2"]), "locations": pd.Index(["S1"])}
    return validate_table(frame, SALES, source="sales.csv", today=TODAY, known=known, **kwargs)


def test_clean_file_passes_whole_and_typed() -> None:
    result = _validate(_csv(GOOD))
    assert len(result.valid) == 10 and result.quarantine.empty
    assert isinstance(result.valid["sku"].dtype, pd.CategoricalDtype)
    assert pd.api.types.is_datetime64_any_dtype(result.valid["date"])
    assert result.valid["units"].sum() == sum(range(1, 11))
    assert not result.valid["on_promo"].any()


@pytest.mark.parametrize(("row", "reason", "column"), BAD_ROWS)
def test_each_bad_row_is_quarantined_with_its_reason(row: str, reason: str, column: str) -> None:
    result = _validate(_csv(GOOD + "\n" + row))
    assert len(result.valid) == 10, "the good rows all continue"
    assert len(result.quarantine) == 1
    q = result.quarantine.iloc[0]
    assert (q["q_reason"], q["q_column"]) == (reason, column)
    assert q["q_row"] == 11 and q["q_source"] == "sales.csv"


def test_one_row_of_each_kind_quarantines_exactly_those() -> None:
    text = GOOD + "\n" + "\n".join(row for row, _, _ in BAD_ROWS)
    result = _validate(_csv(text))
    assert result.rows_in == len(result.valid) + len(result.quarantine)
    assert len(result.valid) == 10
    assert list(result.quarantine["q_reason"]) == [reason for _, reason, _ in BAD_ROWS]
    # The original text of a rejected row is kept, so nothing about it is lost.
    assert result.quarantine.iloc[0]["units"] == "-3"


def test_first_broken_rule_wins() -> None:
    result = _validate(_csv(GOOD + "\nZZ,S1,2026-02-01,-3,0,0,0"))
    assert result.quarantine.iloc[0]["q_reason"] == "negative"


def test_references_unchecked_when_table_was_not_given() -> None:
    result = validate_table(
        _csv(GOOD + "\nZZ,QQ,2026-02-01,3,1,0,0"), SALES, source="s", today=TODAY
    )
    assert len(result.valid) == 11 and result.quarantine.empty


def test_missing_optional_columns_get_defaults() -> None:
    frame = _csv("sku,location,date,units\nA1,S1,2026-01-01,3")
    result = _validate(frame)
    row = result.valid.iloc[0]
    assert np.isnan(row["price"]) and not row["on_promo"] and not row["stockout"]


def test_headers_are_matched_loosely_and_extra_columns_reported() -> None:
    frame = _csv(" SKU ,Location,DATE,Units,colour\nA1,S1,2026-01-01,3,red")
    result = _validate(frame)
    assert len(result.valid) == 1 and result.ignored_columns == ("colour",)


def test_missing_required_column_names_file_and_fix() -> None:
    with pytest.raises(ContractError, match=r"sales\.csv: missing required column\(s\) 'units'"):
        _validate(_csv("sku,location,date\nA1,S1,2026-01-01"))


def test_typed_input_goes_through_the_same_rules() -> None:
    frame = pd.DataFrame(
        {
            "sku": pd.Categorical(["A1", "A1", "A1"]),
            "location": pd.Categorical(["S1", "S1", "S1"]),
            "date": pd.to_datetime(["2026-01-01", "2026-01-02", None]),
            "units": np.array([1.0, -1.0, 2.0], dtype="float32"),
            "price": [1.0, 1.0, np.nan],
            "on_promo": [False, True, False],
            "stockout": [False, False, False],
        }
    )
    result = _validate(frame)
    assert list(result.quarantine["q_reason"]) == ["negative", "bad_date"]
    assert len(result.valid) == 1


@pytest.mark.parametrize(
    ("ordered", "received", "qty", "reason"),
    [
        ("2026-01-10", "2026-01-05", "5", "date_order"),
        ("2026-01-01", "2026-01-05", "0", "non_positive"),
        ("N/A - From RDC", "2026-01-05", "5", "bad_date"),
    ],
)
def test_receipt_rules(ordered: str, received: str, qty: str, reason: str) -> None:
    header = "po_line,supplier,sku,location,ordered_on,received_on,qty\n"
    good = "1,V,A1,S1,2026-01-01,2026-01-09,5\n"
    frame = _csv(header + good + f"2,V,A1,S1,{ordered},{received},{qty}")
    result = validate_table(frame, RECEIPTS, source="r", today=TODAY)
    assert len(result.valid) == 1
    assert result.quarantine.iloc[0]["q_reason"] == reason


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("I2,cat,1,2,SUP,0,0,active", "out_of_range"),
        ("I3,cat,1,2,SUP,1,0,retired", "invalid_choice"),
    ],
)
def test_item_rules(row: str, reason: str) -> None:
    header = "sku,category,unit_cost,unit_price,supplier,pack_size,moq,lifecycle\n"
    frame = _csv(header + "I1,cat,1,2,SUP,6,12,new\n" + row)
    result = validate_table(frame, ITEMS, source="items.csv", today=TODAY)
    assert result.valid["pack_size"].tolist() == [6]
    assert result.quarantine.iloc[0]["q_reason"] == reason


def test_duplicates_found_beside_unparseable_dates_in_unsorted_rows() -> None:
    rows = [
        "A1,S1,2026-01-05,1,2.5,0,0",
        "A1,S1,not-a-date,1,2.5,0,0",
        "B2,S1,2026-01-05,1,2.5,0,0",
        "A1,S1,2026-01-01,1,2.5,0,0",
        "A1,S1,2026-01-05,2,2.5,0,0",
    ]
    result = _validate(_csv("sku,location,date,units,price,on_promo,stockout\n" + "\n".join(rows)))
    assert list(result.quarantine["q_reason"]) == ["bad_date", "duplicate_key"]
    assert list(result.quarantine["q_row"]) == [2, 5]

"""Lead-time quantiles per lane: model, then lane / supplier / all receipts, then the assumption."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from planning.lead_times import (
    LEAD_TIME_LEVELS,
    lane_lead_times,
    level_columns,
    transfer_lead_times,
)
from training.loading import LoadedModel

COLUMNS = level_columns()
START = pd.Timestamp("2026-01-05")
REVIEW = pd.Timestamp("2026-10-01")


def _receipts(supplier: str, location: str, leads: list[float], *, first_day: int = 0) -> list:
    """One receipt per lead time (days), ordered 3 days apart so later rows arrive later."""
    rows = []
    for i, lead in enumerate(leads):
        ordered = START + pd.Timedelta(days=first_day + 3 * i)
        rows.append(
            {
                "po_line": f"{supplier}-{location}-{first_day + i}",
                "supplier": supplier,
                "sku": "SKU1",
                "location": location,
                "ordered_on": ordered,
                "promised_on": ordered + pd.Timedelta(days=7),
                "received_on": ordered + pd.Timedelta(days=lead),
                "qty": 10.0,
                "mode": "road",
                "origin": "NL",
            }
        )
    return rows


# Lane A -> L1 has 5 receipts (enough); A -> L2 only 2; supplier B only 2; supplier C none.
L1 = [5.0, 6.0, 7.0, 8.0, 9.0]
L2 = [20.0, 30.0]
L3 = [1.0, 2.0]
RECEIPTS = pd.DataFrame(
    _receipts("A", "L1", L1) + _receipts("A", "L2", L2) + _receipts("B", "L3", L3)
)
LANES = pd.DataFrame(
    {
        "supplier": ["A", "A", "B", "C"],
        "sku": ["SKU1", "SKU2", "SKU1", "SKU1"],
        "location": ["L1", "L2", "L3", "L9"],
    }
)


def _plan(receipts: pd.DataFrame, lanes: pd.DataFrame = LANES, window: int = 30) -> pd.DataFrame:
    return lane_lead_times(
        lanes, receipts, review_date=REVIEW, model=None, assumed_days=14.0, window=window
    )


@pytest.mark.parametrize(
    ("row", "leads", "source"),
    [
        (0, L1, "lane history"),  # >= 5 receipts of (supplier, location)
        (1, L1 + L2, "supplier history"),  # the lane has 2: all 7 of supplier A
        (2, L1 + L2 + L3, "all receipts"),  # supplier B has 2 in all
        (3, L1 + L2 + L3, "all receipts"),  # supplier C never delivered
    ],
)
def test_fallback_order_without_a_model(row: int, leads: list[float], source: str) -> None:
    out = _plan(RECEIPTS)
    assert list(out.columns) == ["supplier", "sku", "location", *COLUMNS, "source"]
    lane = ["supplier", "sku", "location"]
    assert out[lane].iloc[row].tolist() == LANES[lane].iloc[row].tolist()
    expected = np.quantile(leads, LEAD_TIME_LEVELS)
    np.testing.assert_allclose(out.loc[row, COLUMNS].to_numpy(dtype=float), expected)
    assert out.loc[row, "source"] == source


def test_lane_history_by_hand() -> None:
    # numpy's linear quantiles of 5, 6, 7, 8, 9: position q * 4.
    out = _plan(RECEIPTS)
    np.testing.assert_allclose(
        out.loc[0, COLUMNS].to_numpy(dtype=float), [5.4, 6.0, 7.0, 8.0, 8.6, 8.8]
    )


def test_window_keeps_the_most_recent_receipts() -> None:
    # Three slow receipts long ago, then five fast ones: a window of 5 sees only the fast ones.
    old = _receipts("A", "L1", [40.0, 50.0, 60.0], first_day=-200)
    recent = _receipts("A", "L1", [2.0, 3.0, 3.0, 4.0, 5.0])
    receipts = pd.DataFrame(old + recent)
    lanes = LANES.iloc[[0]]
    narrow = _plan(receipts, lanes, window=5)
    np.testing.assert_allclose(
        narrow.loc[0, COLUMNS].to_numpy(dtype=float),
        np.quantile([2.0, 3.0, 3.0, 4.0, 5.0], LEAD_TIME_LEVELS),
    )
    wide = _plan(receipts, lanes, window=30)
    np.testing.assert_allclose(
        wide.loc[0, COLUMNS].to_numpy(dtype=float),
        np.quantile([40.0, 50.0, 60.0, 2.0, 3.0, 3.0, 4.0, 5.0], LEAD_TIME_LEVELS),
    )
    # A window of 4 leaves 4 receipts, fewer than the 5 a lane or supplier needs: the last
    # level, all (recent) receipts, reads the same 4.
    short = _plan(receipts, lanes, window=4)
    assert short.loc[0, "source"] == "all receipts"
    np.testing.assert_allclose(
        short.loc[0, COLUMNS].to_numpy(dtype=float),
        np.quantile([3.0, 3.0, 4.0, 5.0], LEAD_TIME_LEVELS),
    )


def test_unusable_receipts_are_dropped() -> None:
    # A receipt dated before its order is an error, not a lead time of -3 days.
    bad = _receipts("A", "L1", [-3.0])
    receipts = pd.DataFrame(_receipts("A", "L1", L1) + bad)
    out = _plan(receipts, LANES.iloc[[0]])
    np.testing.assert_allclose(
        out.loc[0, COLUMNS].to_numpy(dtype=float), np.quantile(L1, LEAD_TIME_LEVELS)
    )


@pytest.mark.parametrize(
    "receipts",
    [
        RECEIPTS.iloc[:0],  # none at all
        pd.DataFrame(_receipts("A", "L1", [-1.0, -2.0])),  # none usable
    ],
    ids=["empty", "none-usable"],
)
def test_no_receipts_means_the_assumption(receipts: pd.DataFrame) -> None:
    out = _plan(receipts)
    np.testing.assert_array_equal(out[COLUMNS].to_numpy(dtype=float), np.full((4, 6), 14.0))
    assert set(out["source"]) == {"assumed 14 days (no receipts)"}


def test_quantiles_non_decreasing_and_non_negative() -> None:
    out = _plan(RECEIPTS)
    values = out[COLUMNS].to_numpy(dtype=float)
    assert np.all(np.diff(values, axis=1) >= 0) and np.all(values >= 0)


def test_no_lanes_gives_an_empty_table() -> None:
    out = _plan(RECEIPTS, LANES.iloc[:0])
    assert out.empty and list(out.columns) == ["supplier", "sku", "location", *COLUMNS, "source"]


class _FakeLeadTimeModel:
    """Predicts a fixed p10 / p50 / p90 for every order, crossing on purpose (8 > 6)."""

    def predict(self, orders: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
        assert (orders["ordered_on"] == REVIEW).all()
        n = len(orders)
        return pd.DataFrame({"p10": [-1.0] * n, "p50": [8.0] * n, "p90": [6.0] * n})


def test_model_answers_lanes_with_receipts_and_history_the_rest() -> None:
    model = LoadedModel(
        name="lead-time", version=3, python_model=SimpleNamespace(model=_FakeLeadTimeModel())
    )
    lanes = pd.DataFrame(
        {"supplier": ["A", "C"], "sku": ["SKU1", "SKU1"], "location": ["L1", "L9"]}
    )
    out = lane_lead_times(lanes, RECEIPTS, review_date=REVIEW, model=model, assumed_days=14.0)
    # Re-read on the plan's levels by linear interpolation (clamped outside 0.1 .. 0.9):
    # -1, -1 + 9 x 0.15 / 0.4 = 2.375, 8, 8 - 2 x 0.25 / 0.4 = 6.75, 6, 6; then made
    # non-decreasing and non-negative.
    np.testing.assert_allclose(
        out.loc[0, COLUMNS].to_numpy(dtype=float), [0.0, 2.375, 8.0, 8.0, 8.0, 8.0]
    )
    assert out.loc[0, "source"] == "lead-time model v3"
    # Supplier C never delivered SKU1 to L9: no receipt to shape the question on.
    assert out.loc[1, "source"] == "all receipts"


@pytest.mark.parametrize("days", [0.0, 2.0, 3.5])
def test_transfer_lead_times_are_the_setting(days: float) -> None:
    out = transfer_lead_times(LANES, days=days)
    np.testing.assert_array_equal(out[COLUMNS].to_numpy(dtype=float), np.full((4, 6), days))
    assert out["source"].tolist() == [f"transfer time {days:g} days (setting)"] * 4
    assert out[["supplier", "sku", "location"]].equals(LANES.reset_index(drop=True))

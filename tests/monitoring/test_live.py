"""Live accuracy: logged forecasts scored against actuals, numbers checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from monitoring.live import ALL, score_live, tracking_signal

ORIGIN = pd.Timestamp("2026-09-01")


def _panel() -> pd.DataFrame:
    dates = pd.date_range("2026-08-01", "2026-09-04", freq="D")
    before = dates <= ORIGIN
    # A alternates 10/12 before the origin (naive scale 2), then stays at 10; B is flat at 5
    # (no scale: left out of MASE, kept in WAPE).
    a = np.where(before, np.where(np.arange(len(dates)) % 2 == 0, 10.0, 12.0), 10.0)
    frames = [
        pd.DataFrame({"sku": "A", "location": "S1", "date": dates, "demand": a}),
        pd.DataFrame({"sku": "B", "location": "S1", "date": dates, "demand": 5.0}),
    ]
    panel = pd.concat(frames, ignore_index=True).assign(gap=False, censored=False)
    # A stockout on 2026-09-03: the actual is an estimate, so that row is not scored.
    stockout = (panel["sku"] == "A") & (panel["date"] == pd.Timestamp("2026-09-03"))
    panel.loc[stockout, ["demand", "censored"]] = [30.0, True]
    return panel


def _log() -> pd.DataFrame:
    rows = []
    for version, origin, steps, values in (
        (1, ORIGIN, 3, {"A": 11.0, "B": 6.0}),  # over-forecasts by 1
        (2, ORIGIN + pd.Timedelta(days=1), 2, {"A": 10.0, "B": 5.0}),  # exact
    ):
        for sku, p50 in values.items():
            for step in range(1, steps + 1):
                rows.append(
                    {
                        "model_name": "m",
                        "model_version": version,
                        "origin": origin,
                        "sku": sku,
                        "location": "S1",
                        "step": step,
                        "date": origin + pd.Timedelta(days=step),
                        "segment": None,
                        "p10": p50 - 2.0 if sku == "A" else p50 - 0.5,
                        "p50": p50,
                        "p90": p50 + 2.0,
                    }
                )
    return pd.DataFrame(rows)


SEGMENTS = pd.DataFrame({"sku": ["A", "B"], "location": ["S1", "S1"], "segment": ["AX", "CZ"]})


def test_scores_match_the_hand_computation() -> None:
    live = score_live(_log(), _panel(), segments=SEGMENTS)
    v1 = live.versions[1]
    assert v1.n == 5 and v1.series == 2  # A's stockout day is left out
    assert v1.MAE == pytest.approx(1.0)
    assert v1.MASE == pytest.approx(0.5)  # only A has a scale: 1 / 2
    assert v1.WAPE == pytest.approx(5 / 35) and v1.bias == pytest.approx(5 / 35)
    assert v1.coverage80 == pytest.approx(2 / 5)  # A inside its band, B (5 < 5.5) never
    # Segment total per date: errors +2, +1 (only B on 09-03), +2: sum 5, MAD 5/3.
    assert v1.tracking_signal == pytest.approx(3.0)
    assert str(v1.first_date) == "2026-09-02" and str(v1.last_date) == "2026-09-04"
    v2 = live.versions[2]
    assert v2.WAPE == 0.0 and v2.MASE == 0.0 and math.isnan(v2.tracking_signal)
    table = live.table.set_index(["model_version", "segment"])
    assert set(table.index) == {(1, ALL), (1, "AX"), (1, "CZ"), (2, ALL), (2, "AX"), (2, "CZ")}
    assert table.loc[(1, "AX"), "n"] == 2 and table.loc[(1, "CZ"), "coverage80"] == 0.0
    assert table.loc[(1, "CZ"), ["MASE"]].isna().all()  # B has no naive scale
    assert table.loc[(1, "CZ"), "tracking_signal"] == pytest.approx(3.0)
    assert live.to_dict()["versions"]["1"]["n"] == 5


def test_tracking_limit_counts_series_out_of_control() -> None:
    loose = score_live(_log(), _panel(), tracking_limit=4.0).table
    tight = score_live(_log(), _panel(), tracking_limit=2.5).table
    assert loose.loc[loose["segment"] == ALL, "series_out_of_control"].iloc[0] == 0.0
    # A (2 errors of +1: TS 2) stays in, B (3 errors of +1: TS 3) goes out.
    assert tight.loc[tight["segment"] == ALL, "series_out_of_control"].iloc[0] == 0.5


def test_the_logged_segment_is_used_when_no_table_is_given() -> None:
    log = _log().assign(segment="BY")
    assert set(score_live(log, _panel()).table["segment"]) == {ALL, "BY"}


def test_nothing_to_score_gives_an_empty_result() -> None:
    assert score_live(_log().head(0), _panel()).versions == {}
    future = _log().assign(date=pd.Timestamp("2027-01-01"))
    assert score_live(future, _panel()).table.empty


def test_tracking_signal_and_bad_inputs() -> None:
    assert tracking_signal(np.array([2.0, 2.0]), np.array([1.0, 1.0])) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="lack column"):
        score_live(_log().drop(columns=["p50"]), _panel())
    with pytest.raises(ValueError, match="tracking_limit"):
        score_live(_log(), _panel(), tracking_limit=0)

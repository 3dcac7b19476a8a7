"""A plan's calibration from the forecast log: only sold periods, per class, identity when thin."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from inventory.calibration import GRID
from inventory.service_targets import ServiceTarget
from monitoring.forecast_log import ForecastLog
from planning.decide import MonteCarlo, review_decisions
from planning.plan_calibration import plan_calibration

MODEL = "demand-forecaster"
LEVELS = (0.1, 0.5, 0.9, 0.95, 0.98)
ORIGIN = dt.date(2026, 1, 1)
REVIEW = pd.Timestamp("2026-01-10")  # 9 of the 14 forecast days are sold
N_X = 60


def _keys() -> pd.DataFrame:
    """60 steady-class series and one erratic one."""
    skus = [f"S{i:02d}" for i in range(N_X)] + ["Z1"]
    return pd.DataFrame({"sku": skus, "location": "L1"})


GROUPS = ["X"] * N_X + ["Z"]


def _log(database: str, *, std: float = 5.0, origin: dt.date = ORIGIN) -> None:
    """Forecasts N(100, std) for 14 days after `origin`: over-confident against N(100, 30)."""
    keys = _keys()
    steps = np.arange(1, 15)
    rows = keys.loc[keys.index.repeat(len(steps))].reset_index(drop=True)
    rows["step"] = np.tile(steps, len(keys))
    rows["date"] = [origin + dt.timedelta(days=int(s)) for s in rows["step"]]
    for level in LEVELS:
        rows[f"p{round(level * 100)}"] = 100.0 + std * norm.ppf(level)
    ForecastLog(database).record(rows, model_name=MODEL, model_version=1, origin=origin)


def _panel(after_review: float | None = None) -> pd.DataFrame:
    """Demand N(100, 30) from the origin to 5 days past the review (the log's horizon)."""
    keys = _keys()
    dates = pd.date_range(ORIGIN + dt.timedelta(days=1), periods=14, freq="D")
    panel = keys.merge(pd.DataFrame({"date": dates}), how="cross")
    rng = np.random.default_rng(3)
    panel["demand"] = np.clip(rng.normal(100.0, 30.0, len(panel)), 0.0, None)
    if after_review is not None:
        panel.loc[panel["date"] > REVIEW, "demand"] = after_review
    panel["gap"] = False
    panel["censored"] = False
    return panel


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'restock.db'}"
    _log(url)
    return url


def test_over_confident_forecasts_widen_their_class(database: str) -> None:
    out = plan_calibration(
        database, _panel(), _keys(), GROUPS, model_name=MODEL, review_date=REVIEW
    )
    assert out.pits_by_class == {"X": N_X * 9, "Z": 9}  # sold days only
    x95 = float(np.interp(0.95, GRID, out.table[0]))
    x05 = float(np.interp(0.05, GRID, out.table[0]))
    assert x95 > 0.99 and x05 < 0.01  # actuals beyond the forecast's tails on both sides
    # 9 PITs are too few for a map: the erratic series is used as forecast.
    np.testing.assert_array_equal(out.table[-1], GRID)
    assert "X 540 PITs (map)" in out.describe() and "Z 9 PITs (as is)" in out.describe()


def test_the_widened_map_raises_the_planners_s(database: str) -> None:
    out = plan_calibration(
        database, _panel(), _keys(), GROUPS, model_name=MODEL, review_date=REVIEW
    )
    n = 3
    forecast = np.broadcast_to(100.0 + 5.0 * norm.ppf(LEVELS), (n, 4, len(LEVELS))).copy()

    def order_up_to(calibration: np.ndarray | None) -> np.ndarray:
        return review_decisions(
            forecast,
            LEVELS,
            np.tile([2.0, 3.0, 4.0], (n, 1)),
            (0.1, 0.5, 0.9),
            review_period=np.ones(n),
            position=np.zeros(n),
            targets=[ServiceTarget(fill_rate=0.95, review_period=1)] * n,
            pack_size=np.ones(n, dtype=np.int64),
            moq=np.zeros(n, dtype=np.int64),
            sampling=MonteCarlo(n_samples=300, seed=1),
            calibration=calibration,
        ).numbers.order_up_to

    identity = order_up_to(None)
    calibrated = order_up_to(out.table[:n])
    assert np.all(calibrated > identity + 5.0)


def test_only_periods_sold_by_the_review_count(database: str) -> None:
    before = plan_calibration(
        database, _panel(), _keys(), GROUPS, model_name=MODEL, review_date=REVIEW
    )
    # Later sales in the panel and a newer plan's forecasts change nothing.
    _log(database, std=50.0, origin=REVIEW.date())
    after = plan_calibration(
        database, _panel(after_review=1e6), _keys(), GROUPS, model_name=MODEL, review_date=REVIEW
    )
    np.testing.assert_array_equal(after.table, before.table)
    assert after.pits_by_class == before.pits_by_class


def test_gap_periods_are_left_out_and_stockout_estimates_kept(database: str) -> None:
    panel = _panel()
    panel.loc[panel["date"] == pd.Timestamp("2026-01-02"), "gap"] = True
    panel.loc[panel["date"] == pd.Timestamp("2026-01-03"), "censored"] = True
    out = plan_calibration(database, panel, _keys(), GROUPS, model_name=MODEL, review_date=REVIEW)
    assert out.pits_by_class == {"X": N_X * 8, "Z": 8}


def test_too_few_pits_everywhere_leaves_every_forecast_as_is(database: str) -> None:
    out = plan_calibration(
        database,
        _panel(),
        _keys(),
        GROUPS,
        model_name=MODEL,
        review_date=REVIEW,
        min_count=10_000,
    )
    np.testing.assert_array_equal(out.table, np.tile(GRID, (N_X + 1, 1)))
    assert out.describe().startswith("forecasts used as they are: every XYZ class has fewer")
    assert "(X 540, Z 9)" in out.describe()


def test_an_empty_log_says_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    out = plan_calibration(url, _panel(), _keys(), GROUPS, model_name=MODEL, review_date=REVIEW)
    np.testing.assert_array_equal(out.table, np.tile(GRID, (N_X + 1, 1)))
    assert out.pits_by_class == {} and "as they are" in out.describe()

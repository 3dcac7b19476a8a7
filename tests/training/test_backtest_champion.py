"""The champion is scored beside the challenger on the folds it never saw, so the gate compares
both on the same rows; a champion trained like the fold model scores exactly like it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from features.clean import clean_sales
from features.dataset import Frequency
from features.ingest import validate_dataset
from features.loaders.demo import DemoConfig, generate_demo
from training.backtest import (
    CHAMPION_METHOD,
    MODEL_METHOD,
    BacktestConfig,
    origins_for,
    run_backtest,
)
from training.demand import DemandModel
from training.routed import RoutedForecaster

ROUNDS = 15
BASELINES = ("seasonal_naive",)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    raw = generate_demo(DemoConfig.preset("tiny"))
    dataset, _, _ = validate_dataset(raw, today=dt.date(2026, 11, 1))
    return clean_sales(dataset.sales, Frequency.DAILY)


def test_the_champion_is_scored_only_where_it_is_out_of_sample(panel: pd.DataFrame) -> None:
    origins = origins_for(panel, Frequency.DAILY, folds=2, horizon=28)
    last = pd.Timestamp(origins[-1])
    # Trained exactly as the last fold's model is: same data, rounds and seed.
    champion = DemandModel.fit(
        panel[panel["date"] <= last], Frequency.DAILY, num_boost_round=ROUNDS
    )
    config = BacktestConfig(
        folds=2,
        num_boost_round=ROUNDS,
        baselines=BASELINES,
        incumbent=RoutedForecaster(champion, routes={}),
        incumbent_trained_until=last,
    )
    result = run_backtest(panel, Frequency.DAILY, config)
    scored = result.forecasts
    champion_folds = set(scored.loc[scored["method"] == CHAMPION_METHOD, "fold"])
    assert champion_folds == {1}  # the fold whose origin is its training end, not the earlier
    head = result.head_to_head(MODEL_METHOD)
    assert head is not None
    ours, theirs, folds = head
    assert folds == 1
    assert ours["MAE"] > 0
    for metric in ("MAE", "MASE", "coverage80"):
        assert ours[metric] == pytest.approx(theirs[metric], rel=1e-9), metric
    # The champion is no baseline: it never enters the routing evidence nor the overall table
    # the gate reads baselines from (train_demand drops it there).
    assert set(result.routes.values()) <= {MODEL_METHOD, *BASELINES}


def test_without_an_unseen_fold_there_is_no_head_to_head(panel: pd.DataFrame) -> None:
    champion = DemandModel.fit(panel, Frequency.DAILY, num_boost_round=ROUNDS)
    config = BacktestConfig(
        folds=1,
        num_boost_round=ROUNDS,
        baselines=BASELINES,
        incumbent=RoutedForecaster(champion, routes={}),
        incumbent_trained_until=pd.Timestamp(panel["date"].max()),
    )
    result = run_backtest(panel, Frequency.DAILY, config)
    assert CHAMPION_METHOD not in set(result.forecasts["method"])
    assert result.head_to_head(MODEL_METHOD) is None

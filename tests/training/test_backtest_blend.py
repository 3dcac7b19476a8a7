"""A weekly backtest combines the model with MSTL at the weight earlier folds chose, scores the
combination as `restock_routed`, and hands the weight chosen on all folds to inference."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.dataset import Frequency
from training.backtest import MODEL_METHOD, ROUTED_METHOD, BacktestConfig, run_backtest
from training.blend import Blend


def _weekly() -> pd.DataFrame:
    """Eight weekly series, 150 weeks, a yearly wave on a drifting level."""
    rng = np.random.default_rng(11)
    dates = pd.date_range("2020-01-03", periods=150, freq="W-FRI").astype("datetime64[us]")
    weeks = np.arange(150)
    rows = []
    for s in range(8):
        level = (30 + 15 * s) * (1 + 0.004 * weeks * (s % 3 - 1))
        wave = 1 + 0.4 * np.sin(2 * np.pi * (weeks + 4 * s) / 52)
        demand = rng.poisson(level * wave).astype(np.float32)
        rows.append(
            pd.DataFrame(
                {
                    "sku": f"sku{s}",
                    "location": "store1",
                    "date": dates,
                    "units": demand,
                    "demand": demand,
                    "price": np.float32(2.0),
                    "on_promo": False,
                    "censored": False,
                    "anomaly": False,
                    "gap": False,
                }
            )
        )
    panel = pd.concat(rows, ignore_index=True)
    return panel.astype({"sku": "category", "location": "category"})


def test_routed_is_the_model_combined_at_each_folds_weight() -> None:
    panel = _weekly()
    config = BacktestConfig(folds=2, num_boost_round=5, baselines=("seasonal_naive",))
    result = run_backtest(panel, Frequency.WEEKLY, config)
    scored = result.forecasts
    assert {"mstl", MODEL_METHOD, ROUTED_METHOD} <= set(scored["method"])
    assert len(result.fold_blends) == 2
    assert any(b is not None for b in result.fold_blends), "MSTL helps the 5-tree model here"
    assert isinstance(result.blend, Blend)
    keys = ["sku", "location", "date"]
    for fold, blend in enumerate(result.fold_blends):
        rows = scored[scored["fold"] == fold]
        wide = (
            rows[rows["method"] == ROUTED_METHOD][[*keys, "p50", "routed_to"]]
            .merge(
                rows[rows["method"] == MODEL_METHOD][[*keys, "p50"]], on=keys, suffixes=("", "_m")
            )
            .merge(rows[rows["method"] == "mstl"][[*keys, "p50"]], on=keys, suffixes=("", "_s"))
        )
        own = wide[wide["routed_to"] == MODEL_METHOD]
        assert len(own) > 0
        weight = 0.0 if blend is None else blend.weight
        expected = (1 - weight) * own["p50_m"] + weight * own["p50_s"]
        np.testing.assert_allclose(own["p50"], expected, rtol=1e-9, atol=1e-9)
    table = result.overall()
    assert "mstl" in table.index  # the member is scored beside the other baselines


def test_no_members_means_no_combination() -> None:
    panel = _weekly()
    config = BacktestConfig(
        folds=1, num_boost_round=5, baselines=("seasonal_naive",), blend_with=()
    )
    result = run_backtest(panel, Frequency.WEEKLY, config)
    assert result.blend is None and result.fold_blends == [None]
    assert "mstl" not in set(result.forecasts["method"])
    routed = result.forecasts[result.forecasts["method"] == ROUTED_METHOD]
    model = result.forecasts[result.forecasts["method"] == MODEL_METHOD]
    assert np.allclose(np.sort(routed["p50"].to_numpy()), np.sort(model["p50"].to_numpy()))

"""The two stages as tables: DC transfers cut by tier, store decisions in days, DC series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inventory.service_targets import ServiceTarget, ServiceTargets
from planning.decide import MonteCarlo
from planning.lead_times import level_columns
from planning.stages import StageInput, allocate_transfers, dc_stage_input, decide_stage

TIERS = ("platinum", "gold", "standard")


def _stores(requested: list[int], tiers: list[str], pack: int = 1) -> pd.DataFrame:
    """Store rows of sku A all fed by DC1, plus a supplier-fed store and a sku-B store of DC1."""
    n = len(requested)
    return pd.DataFrame(
        {
            "sku": ["A"] * n + ["A", "B"],
            "location": [f"S{i}" for i in range(n)] + ["S9", "S0"],
            "source": ["DC1"] * n + ["SUP1", "DC1"],
            "source_kind": ["dc"] * n + ["supplier", "dc"],
            "tier": [*tiers, "platinum", "standard"],
            "requested": [*requested, 500 * pack, 7 * pack],
            "pack_size": [pack] * (n + 2),
        }
    )


def _dc_stock(a_units: float, b_units: float = 1000.0) -> pd.DataFrame:
    return pd.DataFrame(
        {"sku": ["A", "B"], "location": ["DC1", "DC1"], "available": [a_units, b_units]}
    )


@pytest.mark.parametrize(
    ("requested", "tiers", "stock", "allocated"),
    [
        # Platinum 20 in full; gold shares the 25 left 10 : 30 -> 6.25, 18.75 -> 6, 19.
        ([10, 20, 30], ["gold", "platinum", "gold"], 45.7, [6, 20, 19]),
        # Platinum alone exceeds stock: 10 : 30 of 8 -> 2, 6; gold gets nothing.
        ([10, 30, 5], ["platinum", "platinum", "gold"], 8, [2, 6, 0]),
        # An unknown tier comes last, after standard.
        ([10, 10, 10], ["bronze", "standard", "gold"], 15, [0, 5, 10]),
        # Fair share within one tier: 9 of 6 : 6 : 6 -> 3 each.
        ([6, 6, 6], ["gold", "gold", "gold"], 9, [3, 3, 3]),
        ([6, 6, 6], ["gold", "gold", "gold"], 0, [0, 0, 0]),
        ([6, 6, 6], ["gold", "gold", "gold"], -4, [0, 0, 0]),  # negative stock is none
    ],
)
def test_short_dc_allocates_by_tier_then_fair_share(
    requested: list[int], tiers: list[str], stock: float, allocated: list[int]
) -> None:
    stores = _stores(requested, tiers)
    out = allocate_transfers(stores, _dc_stock(stock), TIERS)
    n = len(requested)
    assert out["allocated"].tolist()[:n] == allocated
    assert out["quantity"].tolist()[:n] == allocated
    cut = [a < r for a, r in zip(allocated, requested, strict=True)]
    assert out["short"].tolist()[:n] == cut
    assert out["requested"].tolist() == stores["requested"].tolist()  # the ask is kept
    # Never above what the DC holds, nor above any request.
    assert sum(allocated) <= max(0, int(stock))
    assert all(a <= r for a, r in zip(allocated, requested, strict=True))
    # The supplier-fed store and the well-stocked sku B are untouched.
    assert out["allocated"].tolist()[n:] == stores["requested"].tolist()[n:]
    assert out["short"].tolist()[n:] == [False, False]


@pytest.mark.parametrize("stock", [60.0, 600.0])
def test_enough_stock_leaves_requests_alone(stock: float) -> None:
    stores = _stores([10, 20, 30], ["gold", "platinum", "standard"])
    out = allocate_transfers(stores, _dc_stock(stock), TIERS)
    assert out["allocated"].tolist() == stores["requested"].tolist()
    assert out["quantity"].tolist() == stores["requested"].tolist()
    assert not out["short"].any()
    assert out["priority"].tolist() == [2, 3, 1, 3, 1]


def test_dc_without_stock_row_has_nothing_to_give() -> None:
    stores = _stores([10, 20], ["gold", "platinum"])
    stock = _dc_stock(100.0).iloc[[1]]  # only sku B is listed
    out = allocate_transfers(stores, stock, TIERS)
    assert out["allocated"].tolist() == [0, 0, 500, 7]
    assert out["short"].tolist() == [True, True, False, False]


def test_allocation_moves_whole_packs() -> None:
    # 50 units = 4 packs of 12 (2 loose stay); 2 and 3 packs share 4: 1.6 and 2.4, floors 1
    # and 2, the spare pack to the larger remainder (.6): 24 and 24 units.
    stores = _stores([24, 36], ["gold", "gold"], pack=12)
    out = allocate_transfers(stores, _dc_stock(50.0), TIERS)
    assert out["allocated"].tolist()[:2] == [24, 24]
    assert out["short"].tolist()[:2] == [False, True]


def test_allocation_keeps_the_index_of_its_input() -> None:
    stores = _stores([10, 20, 30], ["gold", "platinum", "gold"])
    stores.index = pd.Index([40, 30, 20, 10, 0])
    out = allocate_transfers(stores, _dc_stock(45.0), TIERS)
    assert out.index.tolist() == [40, 30, 20, 10, 0]
    assert out["allocated"].tolist() == [6, 20, 19, 500, 7]


def _stage(position: list[float], lead_days: float, review: int = 1) -> StageInput:
    n = len(position)
    series = pd.DataFrame(
        {
            "sku": [f"K{i}" for i in range(n)],
            "location": ["S1"] * n,
            "on_hand": [p + 3.0 for p in position],
            "on_order": [2.0] * n,
            "backorders": [5.0] * n,
            "pack_size": [5] * n,
            "moq": [25] * n,
        }
    )
    lead = pd.DataFrame({c: [lead_days] * n for c in level_columns()})
    lead["source"] = "lane history"
    target = ServiceTarget(cycle_service_level=0.95, fill_rate=None, review_period=review)
    return StageInput(
        series=series,
        quantiles=np.full((n, 4, 3), 10.0),  # 10 units per period, every quantile
        levels=(0.1, 0.5, 0.9),
        lead_days=lead,
        targets=[target] * n,
    )


@pytest.mark.parametrize(
    ("apply_moq", "quantities"),
    [(True, [25, 0]), (False, [20, 0])],  # 30 - 12 = 18 -> 20 in packs of 5, or the MOQ 25
)
def test_decide_stage_in_days(apply_moq: bool, quantities: list[int]) -> None:
    # 14 days at 7-day periods = 2 periods, review 1: demand over L + R is exactly 30.
    stage = _stage([12.0, 31.0], lead_days=14.0)
    out = decide_stage(
        stage, period_days=7, sampling=MonteCarlo(n_samples=100), apply_moq=apply_moq
    )
    assert out["position"].tolist() == [12.0, 31.0]  # on hand + on order - backorders
    assert out["expected_demand"].tolist() == [30.0, 30.0]
    assert out["order_up_to"].tolist() == [30.0, 30.0]
    assert out["safety_stock"].tolist() == [0.0, 0.0]
    assert out["stockout_probability"].tolist() == [1.0, 0.0]
    assert out["lead_time_p50"].tolist() == [14.0, 14.0]
    assert out["lead_time_p90"].tolist() == [14.0, 14.0]
    assert out["review_days"].tolist() == [7.0, 7.0]
    assert out["protection_periods"].tolist() == [3, 3]
    assert out["service_kind"].tolist() == ["csl", "csl"]
    assert out["service_target"].tolist() == [0.95, 0.95]
    assert out["lead_time_source"].tolist() == ["lane history"] * 2
    assert out["requested"].tolist() == quantities
    assert out["quantity"].tolist() == quantities


def test_decide_stage_review_period_widens_protection() -> None:
    # 3.5 days = half a period, review 2: L + R = 2.5 periods -> 25 units, 3 periods to cover.
    out = decide_stage(
        _stage([0.0], lead_days=3.5, review=2), period_days=7, sampling=MonteCarlo(n_samples=50)
    )
    assert out["expected_demand"].tolist() == pytest.approx([25.0])
    assert out["review_days"].tolist() == [14.0]
    assert out["protection_periods"].tolist() == [3]


def _dc_stores() -> tuple[pd.DataFrame, np.ndarray]:
    stores = pd.DataFrame(
        {
            "sku": ["A", "A", "B", "A"],
            "location": ["S1", "S2", "S1", "S3"],
            "source": ["DC1", "DC1", "DC1", "SUP1"],
            "source_kind": ["dc", "dc", "dc", "supplier"],
            "segment": ["CZ", "AX", "BY", "AX"],
            "supplier": ["SUP1"] * 4,
            "unit_cost": [2.0] * 4,
            "pack_size": [1] * 4,
            "moq": [0] * 4,
        }
    )
    # Per-period demand 10, 5, 7 (DC stores) and 100 (supplier-fed: not the DC's).
    cube = np.stack([np.full((2, 3), v) for v in (10.0, 5.0, 7.0, 100.0)])
    return stores, cube


@pytest.mark.parametrize("index", [[0, 1, 2, 3], [3, 2, 1, 0], [10, 11, 12, 13]])
def test_dc_stage_input_sums_its_stores(index: list[int]) -> None:
    stores, cube = _dc_stores()
    stores.index = pd.Index(index)  # rows of the cube are positions, whatever the labels
    dcs = pd.DataFrame(
        {
            "location": ["DC1"],
            "sku": ["A"],
            "on_hand": [50.0],
            "on_order": [5.0],
            "backorders": [1.0],
            "transfers_out": [20.0],
        }
    )
    series, quantiles, targets = dc_stage_input(
        stores, cube, (0.1, 0.5, 0.9), dcs, ServiceTargets(), sampling=MonteCarlo()
    )
    assert series[["location", "sku"]].values.tolist() == [["DC1", "A"], ["DC1", "B"]]
    np.testing.assert_array_equal(quantiles[:, :, 0], [[15.0, 15.0], [7.0, 7.0]])
    # Units leaving for stores today are no longer the DC's; a DC without a stock row has 0.
    assert series["on_hand"].tolist() == [30.0, 0.0]
    assert series["on_order"].tolist() == [5.0, 0.0]
    assert series["backorders"].tolist() == [1.0, 0.0]
    assert series["source"].tolist() == ["SUP1", "SUP1"]
    assert series["source_kind"].tolist() == ["supplier", "supplier"]
    # The DC serves CZ and AX stores of A: the stricter AX target; B only a BY store.
    assert [t.cycle_service_level for t in targets] == [0.98, 0.95]
    assert [t.fill_rate for t in targets] == [0.99, 0.975]


def test_dc_stage_input_without_dc_fed_stores() -> None:
    stores, cube = _dc_stores()
    stores["source_kind"] = "supplier"
    series, quantiles, targets = dc_stage_input(
        stores, cube, (0.1, 0.5, 0.9), pd.DataFrame(), ServiceTargets(), sampling=MonteCarlo()
    )
    assert series.empty and quantiles.shape == (0, 2, 3) and targets == []

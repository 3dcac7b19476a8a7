"""The decisions bench's equal-fill comparison against z*sqrt(L)*sigma's trade-off curve."""

from __future__ import annotations

import pandas as pd
import pytest

from bench.decisions import _versus_z


def _curve(z: list[tuple[float, float]], ours: list[tuple[float, float]]) -> pd.DataFrame:
    rows = [("z_sqrt_l_sigma", f, v) for f, v in z] + [("restock", f, v) for f, v in ours]
    return pd.DataFrame(rows, columns=["policy", "fill_rate", "inventory_value"])


@pytest.mark.parametrize(
    ("fill", "inventory", "ours", "met", "text"),
    [
        # Inside z's curve: z at 0.95 holds 150, restock 60.
        (0.95, 60.0, [(0.95, 60.0)], True, "60.0% less"),
        # Below z's whole curve: compare at z's lowest point (0.94, 100) on restock's curve.
        (0.92, 40.0, [(0.92, 40.0), (0.96, 80.0)], True, "at z*sqrt(L)*sigma's lowest fill"),
        (0.92, 40.0, [(0.92, 40.0), (0.96, 200.0)], False, "lowest fill 0.940"),
        (0.92, 40.0, [(0.92, 40.0)], None, "do not overlap"),
    ],
)
def test_equal_fill_comparison(
    fill: float, inventory: float, ours: list[tuple[float, float]], met: bool | None, text: str
) -> None:
    curve = _curve([(0.94, 100.0), (0.96, 200.0)], ours)
    value, passed = _versus_z(curve, fill, inventory)
    assert passed is met
    assert text in value

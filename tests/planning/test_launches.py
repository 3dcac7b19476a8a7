"""Launches borrow their analogues' forecast from the launch step on."""

from __future__ import annotations

import numpy as np
import pytest

from planning.launches import analogue_quantiles


def _cube() -> np.ndarray:
    cube = np.zeros((4, 3, 2))
    cube[0] = [[1.0, 3.0]] * 3  # garden at S1
    cube[1] = [[5.0, 9.0]] * 3  # garden at S1
    cube[2] = [[100.0, 200.0]] * 3  # toys at S1
    return cube


def test_a_launch_takes_the_mean_of_its_category_at_its_location_from_the_launch_step() -> None:
    out = analogue_quantiles(
        _cube(),
        known=[True, True, True, False],
        category=["garden", "garden", "toys", "garden"],
        location=["S1", "S1", "S1", "S1"],
        launch_step=[3, 3, 3, 1],
    )
    np.testing.assert_allclose(out[3], [[0.0, 0.0], [3.0, 6.0], [3.0, 6.0]])
    np.testing.assert_allclose(out[:3], _cube()[:3])  # known series untouched


def test_the_analogue_widens_to_the_category_then_to_every_series() -> None:
    cube = _cube()
    elsewhere = analogue_quantiles(
        cube, [True, True, True, False], ["garden", "garden", "toys", "garden"],
        ["S1", "S1", "S1", "S9"], [3, 3, 3, 0],
    )  # fmt: skip
    np.testing.assert_allclose(elsewhere[3, 0], [3.0, 6.0])
    unknown_category = analogue_quantiles(
        cube, [True, True, True, False], ["garden", "garden", "toys", "pets"],
        ["S1", "S1", "S1", "S1"], [3, 3, 3, 0],
    )  # fmt: skip
    np.testing.assert_allclose(unknown_category[3, 0], [106 / 3, 212 / 3])


def test_a_series_not_launching_within_the_horizon_stays_at_zero() -> None:
    out = analogue_quantiles(
        _cube(), [True, True, True, False], ["garden"] * 4, ["S1"] * 4, [3, 3, 3, 3]
    )
    assert not out[3].any()


def test_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="launch_step"):
        analogue_quantiles(_cube(), [True] * 4, ["g"] * 4, ["S"] * 4, [0, 0])
    with pytest.raises(ValueError, match="series, horizon, levels"):
        analogue_quantiles(np.zeros((4, 3)), [True] * 4, ["g"] * 4, ["S"] * 4, [0] * 4)

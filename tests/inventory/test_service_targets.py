"""Service targets: defaults, segment + tier resolution, and the service_policy table."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from features.defaults import DEFAULT_SERVICE_POLICY, default_service_policy
from features.loaders.demo import demo_service_policy
from inventory.service_targets import (
    DEFAULT_SEGMENT_TARGETS,
    ServiceTarget,
    ServiceTargets,
)

DEFAULTS = ServiceTargets()


@pytest.mark.parametrize(
    ("segment", "tier", "csl", "fill"),
    [
        ("AX", None, 0.98, 0.99),
        ("BY", None, 0.95, 0.975),
        ("CZ", None, 0.85, 0.925),
        ("new", None, 0.95, 0.975),  # unlisted segment: the '*' fallback
        ("CZ", "platinum", 0.85, 0.98),  # the tier raises the fill rate, CSL stays
        ("CZ", "standard", 0.85, 0.925),  # a laxer tier changes nothing
        ("AX", "gold", 0.98, 0.99),
    ],
)
def test_default_lookup(segment: str, tier: str | None, csl: float, fill: float) -> None:
    target = DEFAULTS.lookup(segment, tier)
    assert (target.cycle_service_level, target.fill_rate, target.review_period) == (
        csl,
        fill,
        1,
    )


def test_defaults_rank_a_over_c_and_x_over_z() -> None:
    def level(cell: str) -> float:
        value = DEFAULT_SEGMENT_TARGETS[cell].cycle_service_level
        assert value is not None
        return value

    for xyz in "XYZ":
        assert level(f"A{xyz}") > level(f"B{xyz}") > level(f"C{xyz}")
    for abc in "ABC":
        assert level(f"{abc}X") > level(f"{abc}Y") > level(f"{abc}Z")


def test_default_cycle_service_levels_match_the_feature_defaults() -> None:
    levels = {k: t.cycle_service_level for k, t in DEFAULT_SEGMENT_TARGETS.items()}
    assert levels == DEFAULT_SERVICE_POLICY


def test_from_default_service_policy_table() -> None:
    targets = ServiceTargets.from_table(default_service_policy())
    assert targets.lookup("AX") == ServiceTarget(0.98, None, 1)
    assert targets.lookup("zz") == ServiceTarget(0.95, None, 1)
    assert dict(targets.tiers) == {}


def test_from_demo_table_matches_the_defaults() -> None:
    targets = ServiceTargets.from_table(demo_service_policy())
    assert dict(targets.segments) == dict(DEFAULT_SEGMENT_TARGETS)


def test_from_table_splits_segments_and_tiers() -> None:
    table = pd.DataFrame(
        {
            "segment": ["AX", "*", "platinum"],
            "cycle_service_level": [0.97, 0.9, 0.96],
            "fill_rate": pd.array([0.99, None, 0.995], dtype="Float64"),
            "review_period": [7, 1, 1],
        }
    )
    targets = ServiceTargets.from_table(table)
    assert targets.lookup("AX") == ServiceTarget(0.97, 0.99, 7)
    # The tier is stricter on both levels; the review period stays the segment's.
    assert targets.lookup("AX", "platinum") == ServiceTarget(0.97, 0.995, 7)
    assert targets.lookup("BZ", "platinum") == ServiceTarget(0.96, 0.995, 1)


def test_from_table_without_review_period_defaults_to_one() -> None:
    table = pd.DataFrame({"segment": ["*"], "cycle_service_level": [0.9]})
    assert ServiceTargets.from_table(table).lookup("AX") == ServiceTarget(0.9, None, 1)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"segment": ["AX", "AX"], "cycle_service_level": [0.9, 0.95]}, "appears twice"),
        ({"segment": ["AX"], "cycle_service_level": [1.2]}, r"row 0 \('AX'\).*between 0 and 1"),
        ({"segment": ["AX"], "cycle_service_level": [np.nan]}, "a cycle service level, a fill"),
        ({"segment": ["AX"]}, "lacks column"),
    ],
)
def test_from_table_refuses_bad_rows(rows: dict[str, list[object]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServiceTargets.from_table(pd.DataFrame(rows))


def test_lookup_errors_name_the_fix() -> None:
    only_ax = ServiceTargets(segments={"AX": ServiceTarget(0.98)}, tiers={})
    with pytest.raises(KeyError, match="add a 'BY' or '\\*' row"):
        only_ax.lookup("BY")
    with pytest.raises(KeyError, match="unknown customer tier 'gold'"):
        only_ax.lookup("AX", "gold")


def test_targets_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULTS.lookup("AX").fill_rate = 0.5  # type: ignore[misc]
    with pytest.raises(TypeError):
        DEFAULTS.segments["AX"] = ServiceTarget(0.5)  # type: ignore[index]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "needs a cycle service level, a fill rate or both"),
        ({"fill_rate": 1.0}, "strictly between 0 and 1"),
        ({"fill_rate": 0.9, "review_period": 0}, "review_period must be >= 1"),
    ],
)
def test_service_target_validation(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServiceTarget(**kwargs)  # type: ignore[arg-type]

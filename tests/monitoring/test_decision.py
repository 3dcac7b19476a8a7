"""The decision table: every branch of decide(), with the reason it gives."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from monitoring.decision import Decision, NoOp, Retrain, Rollback, decide
from monitoring.drift import ColumnDrift, DriftResult, Subject
from monitoring.live import VersionScore
from restock.settings import MonitoringSettings
from training.alias_history import Action, AliasMove

NOW = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)
POLICY = MonitoringSettings()
MODEL = "demand-forecaster"


def _days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def _score(
    version: int, mase: float, *, n: int = 1000, coverage: float = 0.8, wape: float = 0.5
) -> VersionScore:
    return VersionScore(
        model_version=version,
        n=n,
        series=50,
        MAE=1.0,
        MASE=mase,
        WAPE=wape,
        bias=0.0,
        coverage80=coverage,
        tracking_signal=0.0,
        first_date=None,
        last_date=None,
    )


def _drift(subject: Subject, drifted: bool) -> DriftResult:
    columns = tuple(
        ColumnDrift(f"c{i}", "numerical", "wasserstein", 0.1, 0.5 if drifted else 0.01, drifted)
        for i in range(4)
    )
    return DriftResult(
        subject=subject,
        columns=columns,
        drift_share_threshold=0.5,
        reference_rows=100,
        current_rows=100,
        sampled_reference_rows=100,
        sampled_current_rows=100,
        seconds=0.1,
    )


def _move(
    action: Action, to: int, frm: int | None, days: float, alias: str = "champion"
) -> AliasMove:
    return AliasMove(MODEL, alias, frm, to, action, "test", "why", at=_days_ago(days))


# v1 champion since 60 days; v2 registered 10 days ago and promoted 5 days ago over v1.
HISTORY = [
    _move("register", 1, None, 61, "challenger"),
    _move("promote", 1, None, 60),
    _move("register", 2, 1, 10, "challenger"),
    _move("promote", 2, 1, 5),
]
OLD_HISTORY = [_move("register", 1, None, 61, "challenger"), _move("promote", 1, None, 60)]


def _decide(**overrides: Any) -> Decision:
    args: dict[str, Any] = {
        "model_name": MODEL,
        "champion_version": 2,
        "expected": {"MASE": 0.80, "coverage80": 0.80},
        "drift": [_drift("features", False), _drift("predictions", False)],
        "live": {1: _score(1, 0.80), 2: _score(2, 0.82)},
        "history": HISTORY,
        "now": NOW,
        "policy": POLICY,
    }
    return decide(**(args | overrides))


def test_no_champion_is_nothing_to_do() -> None:
    decision = _decide(champion_version=None)
    assert isinstance(decision, NoOp) and "no champion" in decision.reason


def test_healthy_champion_is_a_noop_saying_what_was_checked() -> None:
    decision = _decide()
    assert isinstance(decision, NoOp) and decision.triggers == ()
    assert "healthy" in decision.reason and "live MASE 0.820" in decision.reason
    assert "no dataset drift" in decision.reason


def test_new_champion_worse_than_its_predecessor_is_rolled_back() -> None:
    decision = _decide(live={1: _score(1, 0.80), 2: _score(2, 0.95)})
    assert isinstance(decision, Rollback)
    assert (decision.from_version, decision.to_version) == (2, 1)
    assert "0.950 vs v1 0.800" in decision.reason
    assert decision.to_dict()["action"] == "rollback"


def test_rollback_wins_over_drift() -> None:
    decision = _decide(
        live={1: _score(1, 0.80), 2: _score(2, 0.95)}, drift=[_drift("features", True)]
    )
    assert isinstance(decision, Rollback)
    # The drift is still reported, to be alerted beside the rollback.
    assert [t.kind for t in decision.triggers] == ["data_drift"]


@pytest.mark.parametrize(
    ("why", "overrides"),
    [
        ("within the tolerance", {"live": {1: _score(1, 0.80), 2: _score(2, 0.87)}}),
        ("predecessor has too few rows", {"live": {1: _score(1, 0.8, n=10), 2: _score(2, 0.95)}}),
        ("promoted past the window", {"history": [*HISTORY[:3], _move("promote", 2, 1, 40)]}),
        (
            "first champion has no predecessor",
            {"history": OLD_HISTORY, "champion_version": 1, "live": {1: _score(1, 0.95)}},
        ),
        (
            "already rolled back",
            {"history": [*HISTORY, _move("rollback", 1, 2, 1)], "champion_version": 1},
        ),
    ],
)
def test_no_rollback(why: str, overrides: dict[str, Any]) -> None:
    assert not isinstance(_decide(**overrides), Rollback), why


def test_wape_decides_when_a_mase_is_missing() -> None:
    live = {1: _score(1, math.nan, wape=0.40), 2: _score(2, math.nan, wape=0.50)}
    decision = _decide(live=live)
    assert isinstance(decision, Rollback) and "WAPE" in decision.reason


@pytest.mark.parametrize(
    ("overrides", "kind", "text"),
    [
        (
            {"drift": [_drift("features", True), _drift("predictions", False)]},
            "data_drift",
            "features: drift detected",
        ),
        ({"drift": [_drift("predictions", True)]}, "prediction_drift", "predictions: drift"),
        (
            {
                "live": {1: _score(1, 0.8), 2: _score(2, 0.99)},
                "history": OLD_HISTORY + HISTORY[2:3],
                "champion_version": 2,
            },
            "accuracy_decay",
            "accuracy decay: live MASE 0.990",
        ),
        (
            {"live": {1: _score(1, 0.8), 2: _score(2, 0.8, coverage=0.6)}},
            "accuracy_decay",
            "intervals off: live P10-P90 coverage 60.0%",
        ),
    ],
)
def test_retrain_triggers(overrides: dict[str, Any], kind: str, text: str) -> None:
    # v2 registered 10 days ago: past the 7-day cooldown.
    decision = _decide(**overrides)
    assert isinstance(decision, Retrain), decision
    assert [t.kind for t in decision.triggers] == [kind]
    assert text in decision.reason


def test_decay_is_judged_only_with_enough_scored_rows() -> None:
    decision = _decide(live={1: _score(1, 0.8), 2: _score(2, 2.0, n=50)})
    assert isinstance(decision, NoOp) and "not judged yet (50 of 200" in decision.reason


def test_a_recent_registration_holds_a_retrain_back_but_keeps_the_triggers() -> None:
    history = [*HISTORY, _move("register", 3, 2, 2, "challenger")]
    decision = _decide(drift=[_drift("features", True)], history=history)
    assert isinstance(decision, NoOp)
    assert "cooldown" in decision.reason and "v3 was registered 2 days ago" in decision.reason
    assert [t.kind for t in decision.triggers] == ["data_drift"]


def test_moves_of_other_models_are_ignored() -> None:
    other = [AliasMove("lead-time", "champion", 1, 2, "promote", "t", "r", at=_days_ago(1))]
    decision = _decide(live={1: _score(1, 0.80), 2: _score(2, 0.95)}, history=OLD_HISTORY + other)
    assert not isinstance(decision, Rollback)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        _decide(now=NOW.replace(tzinfo=None))

"""The closed loop's policy: from drift, live accuracy and recent promotions to one action.

`decide` is a pure function; thresholds come from `MonitoringSettings`. Every breach found
(drift, decay) is returned as a `Trigger` with whatever is decided, so it is alerted even when a
rollback or a cooldown comes first. The rules, in order:

1. **Rollback** when the champion was promoted within `rollback_window_days`, replaced a
   previous champion, both versions have at least `min_scored` live forecast rows, and the new
   one's live MASE (WAPE when a MASE is missing) is worse than its predecessor's by more than
   `rollback_tolerance`. First because it is the fastest safe fix: the predecessor is known to
   do better on the same kind of data, and retraining takes a gate.
2. **Retrain** when dataset drift is detected on features or on predictions, or the champion's
   live MASE exceeds its backtest MASE by more than `decay_tolerance`, or its live P10-P90
   coverage is off `coverage_target` by more than `coverage_tolerance`. Retraining goes through
   the normal promotion gate, so a retrain never replaces a champion by a worse model. Not when
   a version was registered within `retrain_cooldown_days`: its evidence is still arriving and
   retraining again on the same data gives the same model (the triggers are kept in the reason).
3. **NoOp** otherwise, with the reason saying what was checked.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from monitoring.drift import DriftResult
from monitoring.live import VersionScore
from restock.settings import MonitoringSettings
from training.alias_history import AliasMove

__all__ = ["Decision", "NoOp", "Retrain", "Rollback", "Trigger", "TriggerKind", "decide"]

_CHAMPION = "champion"
TriggerKind = Literal["data_drift", "prediction_drift", "accuracy_decay"]


@dataclass(frozen=True)
class Trigger:
    """A threshold breach behind a retrain (each one is also raised as an alert)."""

    kind: TriggerKind
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message}


@dataclass(frozen=True)
class NoOp:
    """Nothing to do; `triggers` holds breaches a cooldown held back (else empty)."""

    reason: str
    triggers: tuple[Trigger, ...] = ()
    action: Literal["noop"] = "noop"

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "reason": self.reason,
            "triggers": [t.to_dict() for t in self.triggers],
        }


@dataclass(frozen=True)
class Retrain:
    reason: str
    triggers: tuple[Trigger, ...]
    action: Literal["retrain"] = "retrain"

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "reason": self.reason,
            "triggers": [t.to_dict() for t in self.triggers],
        }


@dataclass(frozen=True)
class Rollback:
    """Move champion back; `triggers` holds other breaches found meanwhile (still alerted)."""

    reason: str
    model_name: str
    from_version: int
    to_version: int
    triggers: tuple[Trigger, ...] = ()
    action: Literal["rollback"] = "rollback"

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "reason": self.reason,
            "model_name": self.model_name,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "triggers": [t.to_dict() for t in self.triggers],
        }


Decision = NoOp | Retrain | Rollback


def _promotions_in_force(moves: Sequence[AliasMove]) -> list[AliasMove]:
    # As training.registry.rollback: each promotion pushes, each rollback pops the latest.
    stack: list[AliasMove] = []
    for move in moves:
        if move.action == "promote":
            stack.append(move)
        elif move.action == "rollback" and stack:
            stack.pop()
    return stack


def _error(score: VersionScore, metric: str) -> float:
    return float(getattr(score, metric))


def _comparable_metric(new: VersionScore, old: VersionScore) -> str | None:
    for metric in ("MASE", "WAPE"):
        if math.isfinite(_error(new, metric)) and math.isfinite(_error(old, metric)):
            return metric
    return None


def _rollback(
    *,
    model_name: str,
    champion: int,
    moves: Sequence[AliasMove],
    live: Mapping[int, VersionScore],
    now: dt.datetime,
    policy: MonitoringSettings,
) -> tuple[Rollback | None, str]:
    stack = _promotions_in_force([m for m in moves if m.alias == _CHAMPION])
    if not stack:
        return None, "no promotion on record"
    latest = stack[-1]
    if latest.to_version != champion or latest.from_version is None:
        return None, f"champion v{champion} has no recorded predecessor"
    age = now - latest.at
    if age > dt.timedelta(days=policy.rollback_window_days):
        return None, f"champion v{champion} promoted {age.days} days ago (past the rollback window)"
    new, old = live.get(champion), live.get(latest.from_version)
    if new is None or old is None or min(new.n, old.n) < policy.min_scored:
        return None, (
            f"too few scored forecasts to compare v{champion} with v{latest.from_version} "
            f"(need {policy.min_scored} each)"
        )
    metric = _comparable_metric(new, old)
    if metric is None:
        return None, f"no finite live error for v{champion} and v{latest.from_version}"
    ours, theirs = _error(new, metric), _error(old, metric)
    limit = theirs * (1.0 + policy.rollback_tolerance)
    comparison = (
        f"live {metric} of v{champion} {ours:.3f} vs v{latest.from_version} {theirs:.3f} "
        f"(tolerance {policy.rollback_tolerance:.0%})"
    )
    if ours > limit:
        reason = (
            f"champion v{champion}, promoted {latest.at:%Y-%m-%d}, is worse than the version "
            f"it replaced: {comparison}; rolling back to v{latest.from_version}"
        )
        return Rollback(reason, model_name, champion, latest.from_version), comparison
    return None, comparison


def _retrain_triggers(
    *,
    champion: int,
    expected: Mapping[str, float],
    drift: Sequence[DriftResult],
    live: Mapping[int, VersionScore],
    policy: MonitoringSettings,
) -> tuple[list[Trigger], list[str]]:
    triggers: list[Trigger] = []
    checked: list[str] = []
    for result in drift:
        if result.dataset_drift:
            kind: TriggerKind = "data_drift" if result.subject == "features" else "prediction_drift"
            triggers.append(Trigger(kind, result.summary()))
        else:
            checked.append(result.summary())
    score = live.get(champion)
    if score is None or score.n < policy.min_scored:
        n = 0 if score is None else score.n
        checked.append(f"live accuracy not judged yet ({n} of {policy.min_scored} rows scored)")
        return triggers, checked
    backtest = expected.get("MASE")
    if backtest is not None and math.isfinite(backtest) and math.isfinite(score.MASE):
        limit = backtest * (1.0 + policy.decay_tolerance)
        line = f"live MASE {score.MASE:.3f} vs backtest {backtest:.3f} (limit {limit:.3f})"
        if score.MASE > limit:
            triggers.append(Trigger("accuracy_decay", f"accuracy decay: {line}"))
        else:
            checked.append(line)
    if math.isfinite(score.coverage80):
        off = abs(score.coverage80 - policy.coverage_target)
        line = (
            f"live P10-P90 coverage {score.coverage80:.1%} vs target "
            f"{policy.coverage_target:.0%} +- {policy.coverage_tolerance:.0%}"
        )
        if off > policy.coverage_tolerance:
            triggers.append(Trigger("accuracy_decay", f"intervals off: {line}"))
        else:
            checked.append(line)
    return triggers, checked


def decide(
    *,
    model_name: str,
    champion_version: int | None,
    expected: Mapping[str, float],
    drift: Sequence[DriftResult],
    live: Mapping[int, VersionScore],
    history: Sequence[AliasMove],
    now: dt.datetime,
    policy: MonitoringSettings,
) -> Decision:
    """Rollback, Retrain or NoOp for `model_name`, with the reason (module docstring).

    `expected` holds the champion's registered backtest metrics (`metric.*` version tags, e.g.
    MASE); `live` the live scores per version; `history` the model's alias moves, oldest first.
    """
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware (UTC), like the alias history's times")
    if champion_version is None:
        return NoOp(f"{model_name} has no champion to monitor; run `restock train`")
    moves = [m for m in history if m.model_name == model_name]
    rollback, comparison = _rollback(
        model_name=model_name,
        champion=champion_version,
        moves=moves,
        live=live,
        now=now,
        policy=policy,
    )
    triggers, checked = _retrain_triggers(
        champion=champion_version, expected=expected, drift=drift, live=live, policy=policy
    )
    if rollback is not None:
        return replace(rollback, triggers=tuple(triggers))
    checked.append(f"rollback: {comparison}")
    said = "; ".join(t.message for t in triggers)
    if triggers:
        registered = [m for m in moves if m.action == "register"]
        if registered:
            last = registered[-1]
            age = now - last.at
            if age < dt.timedelta(days=policy.retrain_cooldown_days):
                return NoOp(
                    f"would retrain ({said}) but v{last.to_version} was registered "
                    f"{age.days} days ago (cooldown {policy.retrain_cooldown_days} days): "
                    "waiting for its evidence",
                    tuple(triggers),
                )
        return Retrain(f"retrain {model_name} v{champion_version}: {said}", tuple(triggers))
    return NoOp(f"{model_name} v{champion_version} healthy: " + "; ".join(checked))

"""The promotion gate: may a challenger replace the champion? Pure: metrics in, verdict out.

A challenger passes only when it beats every baseline and the current champion on the primary
metric and its prediction intervals are calibrated (DESIGN.md section 4). Every check is reported,
passed or not, so a refusal says exactly why. The gate never raises on bad metrics: a missing or
non-finite number fails its check, with the reason in the detail.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Check", "GateResult", "GateThresholds", "HeadToHead", "evaluate_gate"]


class GateThresholds(BaseModel):
    """What the gate asks of a challenger.

    `min_improvement` is relative: 0.02 asks for 2% better than each baseline and the champion;
    0 still asks for strictly better (a tie does not replace a champion).
    """

    model_config = ConfigDict(frozen=True)

    primary_metric: str = "MASE"
    higher_is_better: bool = False
    min_improvement: float = Field(0.0, ge=0, lt=1)
    coverage_metric: str = "coverage80"
    coverage_target: float = Field(0.8, gt=0, lt=1)
    coverage_tolerance: float = Field(0.05, ge=0, lt=1)
    # Scored head to head on rows the champion never saw, a challenger trained on newer data
    # may trail by this much and still replace it: on the holdout both have seen the same past
    # (a fold refits on data up to its origin), so recency is the challenger's whole advantage
    # and only shows after the holdout.
    fresh_tolerance: float = Field(0.02, ge=0, lt=1)


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class GateResult:
    passed: bool
    checks: list[Check]

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]


def _value(metrics: Mapping[str, float] | None, name: str) -> float | None:
    if metrics is None or name not in metrics:
        return None
    value = float(metrics[name])
    return value if math.isfinite(value) else None


def _beats(
    check: str,
    challenger: Mapping[str, float],
    reference: Mapping[str, float] | None,
    who: str,
    thresholds: GateThresholds,
) -> Check:
    metric = thresholds.primary_metric
    ours, theirs = _value(challenger, metric), _value(reference, metric)
    if ours is None:
        return Check(check, False, f"challenger has no finite {metric}")
    if theirs is None:
        return Check(check, False, f"{who} has no finite {metric} to compare with")
    gain = (ours - theirs) if thresholds.higher_is_better else (theirs - ours)
    needed = thresholds.min_improvement * abs(theirs)
    share = f"{abs(gain) / abs(theirs):.1%}" if theirs else f"{abs(gain):.4g}"
    direction = "better" if gain > 0 else "worse"
    comparison = f"{metric} {ours:.4g} vs {who} {theirs:.4g}"
    if gain == 0:
        return Check(check, False, f"{comparison} (a tie)")
    if gain > 0 and gain >= needed:
        return Check(check, True, f"{comparison} ({share} {direction})")
    margin = f", needs {thresholds.min_improvement:.1%}" if gain > 0 else ""
    return Check(check, False, f"{comparison} ({share} {direction}{margin})")


def _calibrated(challenger: Mapping[str, float], thresholds: GateThresholds) -> Check:
    metric, target, tol = (
        thresholds.coverage_metric,
        thresholds.coverage_target,
        thresholds.coverage_tolerance,
    )
    coverage = _value(challenger, metric)
    band = f"{target:.2f} ± {tol:.2f}"
    if coverage is None:
        return Check("calibrated", False, f"challenger has no finite {metric}")
    # The epsilon keeps a coverage exactly on the band's edge inside despite float rounding.
    inside = abs(coverage - target) <= tol + 1e-9
    verdict = "within" if inside else "outside"
    return Check("calibrated", inside, f"{metric} {coverage:.3f} {verdict} {band}")


@dataclass(frozen=True)
class HeadToHead:
    """Challenger and champion scored on the same rows: the folds the champion never saw."""

    challenger: Mapping[str, float]
    champion: Mapping[str, float]
    folds: int
    champion_version: int  # the version scored; another champion by gate time is not compared


def _fresh(head: HeadToHead, thresholds: GateThresholds) -> Check:
    metric = thresholds.primary_metric
    ours, theirs = _value(head.challenger, metric), _value(head.champion, metric)
    where = f"on the {head.folds} fold(s) the champion had not seen"
    if ours is None or theirs is None:
        return Check("beats_champion", False, f"no finite {metric} for both {where}")
    gain = (ours - theirs) if thresholds.higher_is_better else (theirs - ours)
    allowed = thresholds.fresh_tolerance * abs(theirs)
    share = f"{abs(gain) / abs(theirs):.1%}" if theirs else f"{abs(gain):.4g}"
    direction = "better" if gain >= 0 else "worse"
    detail = (
        f"{metric} {ours:.4g} vs champion {theirs:.4g} {where} ({share} {direction}; "
        f"trained on newer data, may trail by {thresholds.fresh_tolerance:.0%})"
    )
    return Check("beats_champion", gain >= -allowed, detail)


def evaluate_gate(
    challenger: Mapping[str, float],
    champion: Mapping[str, float] | None,
    baselines: Mapping[str, Mapping[str, float]],
    thresholds: GateThresholds,
    *,
    head_to_head: HeadToHead | None = None,
) -> GateResult:
    """Run every check; `champion` None means there is none yet (a first model can pass).

    Checks: `beats_baseline.<name>` per baseline, `beats_champion`, `calibrated`. With no
    baselines at all the gate fails: comparing only with ourselves proves nothing. With
    `head_to_head` the champion check uses it (same rows, newer data: `fresh_tolerance`);
    otherwise it compares with the champion's registered metrics, which were scored on the
    champion's own holdout.
    """
    checks = [
        _beats(f"beats_baseline.{name}", challenger, metrics, name, thresholds)
        for name, metrics in baselines.items()
    ]
    if not baselines:
        checks.append(
            Check("beats_baseline", False, "no baseline metrics given; the gate needs at least one")
        )
    if champion is None:
        checks.append(Check("beats_champion", True, "no champion yet"))
    elif head_to_head is not None:
        checks.append(_fresh(head_to_head, thresholds))
    else:
        checks.append(_beats("beats_champion", challenger, champion, "champion", thresholds))
    checks.append(_calibrated(challenger, thresholds))
    return GateResult(passed=all(c.passed for c in checks), checks=checks)

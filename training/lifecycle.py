"""After training: register the model as challenger, run the gate, promote only if it passes.

Each step leaves the registry consistent if the process dies after it: a registered version is a
challenger with no verdict; a gated one carries its verdict as tags (`gate.passed`,
`gate.<check>`); `champion` moves last, in `promote`, and only on a pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from training.gate import Check, GateThresholds, HeadToHead, evaluate_gate
from training.registry import (
    GATE_TAG_PREFIX,
    Registry,
    champion,
    metric_tags,
    promote,
    register,
    set_version_tags,
)

__all__ = ["GateOutcome", "gate_tags", "register_and_gate"]


@dataclass(frozen=True)
class GateOutcome:
    version: int
    passed: bool
    checks: list[Check]


def gate_tags(passed: bool, checks: list[Check]) -> dict[str, str]:
    """Version tags recording a verdict: `gate.passed` and `gate.<check>=passed|failed: detail`."""
    tags = {f"{GATE_TAG_PREFIX}passed": str(passed).lower()}
    for check in checks:
        tags[f"{GATE_TAG_PREFIX}{check.name}"] = (
            f"{'passed' if check.passed else 'failed'}: {check.detail}"
        )
    return tags


def register_and_gate(
    *,
    registry: Registry,
    name: str,
    model_uri: str,
    metrics: Mapping[str, float],
    baselines: Mapping[str, Mapping[str, float]],
    thresholds: GateThresholds,
    actor: str,
    tags: Mapping[str, str] | None = None,
    head_to_head: HeadToHead | None = None,
) -> GateOutcome:
    """Register `model_uri` as challenger of `name`, gate it against the champion's registered
    metrics and the baselines, tag the verdict, and promote it only when every check passes."""
    version = register(
        registry=registry,
        model_uri=model_uri,
        name=name,
        metrics=metrics,
        tags=dict(tags or {}),
        actor=actor,
    )
    current = champion(registry=registry, name=name)
    champion_metrics = None if current is None else metric_tags(current)
    if (
        current is None
        or head_to_head is None
        or head_to_head.champion_version != int(current.version)
    ):
        head_to_head = None  # scored against another champion than the one in force now
    result = evaluate_gate(
        metrics, champion_metrics, baselines, thresholds, head_to_head=head_to_head
    )
    set_version_tags(
        registry=registry, name=name, version=version, tags=gate_tags(result.passed, result.checks)
    )
    if result.passed:
        against = "first champion" if current is None else f"beats version {current.version}"
        promote(
            registry=registry,
            name=name,
            version=version,
            actor=actor,
            reason=f"promotion gate passed ({against})",
        )
    return GateOutcome(version=version, passed=result.passed, checks=result.checks)

"""What a training run reports back: the evaluation table and the gate's verdict, registered."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from restock.settings import Settings
from training.gate import GateThresholds, HeadToHead
from training.lifecycle import register_and_gate
from training.registry import open_registry
from training.tracking import RunResult

__all__ = ["ModelOutcome", "register_outcome"]


@dataclass
class ModelOutcome:
    """What one training produced and what the gate decided."""

    model: str
    version: int
    promoted: bool
    checks: list[str]
    run_id: str
    table: pd.DataFrame
    evaluation: str = "evaluation"
    notes: list[str] = field(default_factory=list)


def register_outcome(
    settings: Settings,
    *,
    name: str,
    run: RunResult,
    metrics: Mapping[str, float],
    baselines: Mapping[str, Mapping[str, float]],
    thresholds: GateThresholds,
    dataset: str,
    table: pd.DataFrame,
    evaluation: str,
    head_to_head: HeadToHead | None = None,
) -> ModelOutcome:
    """Register the run's model as challenger, gate it, and describe the result."""
    registry = open_registry(
        settings.paths, tracking_uri=settings.tracking_uri, database_url=settings.database
    )
    outcome = register_and_gate(
        registry=registry,
        name=name,
        model_uri=run.model_uri,
        metrics=metrics,
        baselines=baselines,
        thresholds=thresholds,
        actor="restock train",
        tags={"restock.dataset": dataset, "restock.run_id": run.run_id},
        head_to_head=head_to_head,
    )
    return ModelOutcome(
        model=name,
        version=outcome.version,
        promoted=outcome.passed,
        checks=[f"{c.name}: {'ok' if c.passed else 'FAILED'} ({c.detail})" for c in outcome.checks],
        run_id=run.run_id,
        table=table,
        evaluation=evaluation,
    )

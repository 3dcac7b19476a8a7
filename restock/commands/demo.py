"""`restock demo`: the end-to-end story on synthetic data, including the drift scenario where
new sales with a regime change arrive after the first plan."""

from __future__ import annotations

from typing import Annotated

import typer

from restock.commands.common import HomeOption, cli_settings, console, guard_source

__all__ = ["DEMO_ARRIVING_DAYS", "DEMO_SHIFT", "demo"]

DEMO_SHIFT = "household:28:1.8"  # the drift scenario's regime change (RESTOCK_DEMO__SHIFT)
DEMO_ARRIVING_DAYS = 28  # days of data that arrive after the first plan


def demo(
    size: Annotated[str, typer.Option(help="demo size: tiny | small | medium")] = "small",
    faults: Annotated[
        bool, typer.Option(help="add one broken row per validation rule, to show quarantine")
    ] = True,
    train: Annotated[bool, typer.Option(help="train, backtest and gate the models")] = True,
    drift: Annotated[
        bool,
        typer.Option(
            help="then let 4 more weeks of data arrive with a demand shift: monitor, alert, "
            "retrain through the gate, plan again"
        ),
    ] = True,
    home: HomeOption = None,
) -> None:
    """End-to-end demo on synthetic data: ingest, validate, features, train, gate, plan; then
    new data with a regime change arrives: drift, alert, retrain, gate, plan again."""
    from features.sources import Source
    from restock.views import show_features, show_ingest

    guard_source("demo", None, size)
    settings = cli_settings(home)
    scenario = drift and train
    if scenario:
        shift = settings.demo.shift or DEMO_SHIFT
        first = settings.model_copy(
            update={
                "demo": settings.demo.model_copy(
                    update={"shift": shift, "hidden_days": DEMO_ARRIVING_DAYS}
                )
            }
        )
    else:
        first = settings
    console.rule(f"restock demo ({size}) in {settings.paths.root}")
    from flows.build_features import build_features

    ingest_report, features_report = build_features(first, Source.DEMO, None, size, faults)
    assert ingest_report is not None
    show_ingest(console, ingest_report)
    show_features(console, features_report)
    if not train:
        return
    from flows.plan_replenishment import plan_replenishment
    from flows.train_models import train_models
    from restock.views import show_outcome, show_plan

    for outcome in train_models(first):
        if outcome is not None:
            show_outcome(console, outcome)
    show_plan(console, plan_replenishment(first, actor="restock demo"))
    if not scenario:
        return
    from flows.monitor_and_act import monitor_and_act
    from restock.views import show_monitoring

    # Four weeks pass in seconds here, so the retrain cooldown (wall-clock days since the
    # champion was registered) would always hold the retrain back: the demo turns it off.
    later = first.model_copy(
        update={
            "demo": first.demo.model_copy(update={"hidden_days": 0}),
            "monitoring": first.monitoring.model_copy(update={"retrain_cooldown_days": 0}),
        }
    )
    console.rule(f"{DEMO_ARRIVING_DAYS} days later: new sales arrive ({first.demo.shift})")
    ingest_report, features_report = build_features(later, Source.DEMO, None, size, faults)
    assert ingest_report is not None
    console.print(
        f"sales now {ingest_report.first_date} .. {ingest_report.last_date}; features rebuilt "
        f"({features_report.rows:,} panel rows)"
    )
    show_monitoring(console, monitor_and_act(later))
    show_plan(console, plan_replenishment(later, actor="restock demo"))

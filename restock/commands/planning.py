"""`restock plan | simulate`: purchase-order suggestions for the approval queue, and the
policy replay that compares them with textbook safety-stock rules."""

from __future__ import annotations

from typing import Annotated

import typer

from restock.commands.common import HomeOption, cli_settings, console, fail

__all__ = ["plan", "simulate"]


def plan(
    home: HomeOption = None,
    top: Annotated[int, typer.Option(min=0, help="largest lines to print")] = 10,
) -> None:
    """Suggest purchase orders at the data's review date and put them in the approval queue."""
    from features.loaders.errors import SourceError
    from planning.plan import PlanningError
    from restock.views import show_plan

    settings = cli_settings(home)
    from flows.plan_replenishment import plan_replenishment

    try:
        result = plan_replenishment(settings)
    except (SourceError, PlanningError) as exc:
        raise fail(str(exc)) from None
    show_plan(console, result, top=top)


def simulate(
    home: HomeOption = None,
    periods: Annotated[
        int | None, typer.Option(min=4, help="periods replayed (default: 13 weeks)")
    ] = None,
) -> None:
    """Replay 13 weeks of demand: restock's policy vs z*sqrt(L)*sigma and min/max."""
    from features.loaders.errors import SourceError
    from planning.inputs import load_inputs
    from planning.plots import plot_tradeoff
    from planning.simulate import run_simulation
    from restock.views import show_simulation

    settings = cli_settings(home)
    try:
        inputs = load_inputs(settings)
        report = run_simulation(settings, inputs, periods=periods, progress=settings.show_progress)
    except (SourceError, ValueError) as exc:
        raise fail(str(exc)) from None
    reports = settings.paths.reports
    path = plot_tradeoff(report.curve, reports / "simulation_tradeoff.png")
    report.table.to_csv(reports / "simulation.csv", index=False)
    report.series.to_csv(reports / "simulation_series.csv", index=False)
    report.curve.to_csv(reports / "simulation_curve.csv", index=False)
    show_simulation(console, report)
    console.print(f"trade-off plot: {path}")
    console.print(
        f"tables: {reports / 'simulation.csv'} "
        "(per series: simulation_series.csv, trade-off curve: simulation_curve.csv)"
    )

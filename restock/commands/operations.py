"""`restock monitor | schedule | serve`: running restock unattended, as scheduled flows and
as the HTTP service."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from restock.commands.common import HomeOption, cli_settings, console, fail

__all__ = ["monitor", "schedule", "serve"]


def monitor(
    home: HomeOption = None,
    retrain: Annotated[
        bool, typer.Option(help="retrain through the gate when the decision is Retrain")
    ] = True,
) -> None:
    """Run monitor_and_act once: drift, live accuracy, service levels, alerts, decision."""
    settings = cli_settings(home)  # before Prefect is imported: it reads its settings then
    from flows.monitor_and_act import monitor_and_act
    from restock.views import show_monitoring

    try:
        outcome = monitor_and_act(settings, retrain=retrain)
    except (FileNotFoundError, ValueError) as exc:
        raise fail(
            f"{exc} (run `restock demo` or `restock ingest` and `restock train` first)"
        ) from None
    show_monitoring(console, outcome)


def schedule(
    home: HomeOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="list the schedules and exit without serving")
    ] = False,
) -> None:
    """Serve the daily_cycle, monitor_and_act and train_models deployments on their crons."""
    settings = cli_settings(home)
    from flows.schedules import deployments, scheduled

    grid = Table(title=f"schedules for {settings.paths.root}")
    for column in ("deployment", "cron", "what"):
        grid.add_column(column)
    for item in scheduled(settings):
        grid.add_row(f"restock-{item.name}", item.cron, item.what)
    console.print(grid)
    if dry_run:
        return
    from prefect import serve

    console.print("serving (Ctrl-C stops); set PREFECT_API_URL to record runs on a server")
    serve(*deployments(settings), print_starting_message=False)


def serve(
    home: HomeOption = None,
    host: Annotated[str | None, typer.Option(help="bind address (default from settings)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default from settings)")] = None,
) -> None:
    """Serve forecasts, explanations, the PO approval queue and model admin over HTTP."""
    import uvicorn

    from serving.app import UnsafeConfiguration, create_app

    settings = cli_settings(home)
    try:
        api = create_app(settings)
    except UnsafeConfiguration as exc:
        raise fail(str(exc)) from None
    uvicorn.run(
        api,
        host=host or settings.serving.host,
        port=port or settings.serving.port,
        log_level="warning",
    )

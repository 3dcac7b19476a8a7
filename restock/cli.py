"""The `restock` command line: a thin shell over flows and services.

Heavy libraries (pandas, Prefect, LightGBM, ...) are imported inside the commands that need
them, so `restock --help` answers at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from restock.settings import Settings, load_settings
from serving.cli_admin import admin_app, audit_verify
from serving.cli_db import db_app

app = typer.Typer(
    name="restock",
    help="Turn sales history into purchase orders a human trusts.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
models_app = typer.Typer(help="Registered models: versions, alias history, promote, rollback.")
app.add_typer(models_app, name="models")
app.add_typer(admin_app, name="admin")
app.add_typer(db_app, name="db")
audit_app = typer.Typer(help="The audit log of every decision and model move.")
audit_app.command("verify")(audit_verify)
app.add_typer(audit_app, name="audit")
console = Console()
err = Console(stderr=True)

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="restock home folder (default: $RESTOCK_HOME or the cwd)"),
]


def _settings(home: Path | None) -> Settings:
    import os

    # MLflow warns on every model it logs (pickling, pip version); the CLI reports outcomes.
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "ERROR")
    # Alerts are logged for servers and schedules; the CLI prints them in its own summary.
    import logging

    logging.getLogger("restock.monitoring").setLevel(
        os.environ.get("RESTOCK_MONITORING_LOG_LEVEL", "ERROR")
    )
    settings = load_settings(home=home)
    from flows.runtime import configure_prefect

    configure_prefect(settings.paths)
    return settings


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


def _guard_source(source: str, path: Path | None, size: str = "small") -> None:
    """Refuse an impossible request before paying for a Prefect server start."""
    from features.loaders.demo import PRESETS

    if source == "demo" and size not in PRESETS:
        raise _fail(f"unknown demo size '{size}'; use one of {', '.join(PRESETS)}")
    if source != "demo" and path is None:
        raise _fail(f"--source {source} needs --path pointing at its file or folder")
    if path is not None and not path.exists():
        raise _fail(f"{path} does not exist; check --path")
    if source == "csv" and path is not None:
        from features.loaders.canonical import preflight_canonical
        from features.loaders.errors import SourceError

        try:
            preflight_canonical(path)
        except SourceError as exc:
            raise _fail(str(exc)) from None


@app.command()
def ingest(
    source: Annotated[
        str, typer.Option(help="demo | csv | walmart | m5 | scms | carparts")
    ] = "demo",
    path: Annotated[Path | None, typer.Option(help="file or folder of the source")] = None,
    size: Annotated[str, typer.Option(help="demo size: tiny | small | medium")] = "small",
    home: HomeOption = None,
) -> None:
    """Load a source, validate it, quarantine bad rows, store canonical tables in the home."""
    from features.loaders.errors import SourceError
    from features.sources import Source
    from restock.views import show_ingest

    try:
        chosen = Source(source)
    except ValueError:
        raise _fail(f"unknown source '{source}'; use one of {[s.value for s in Source]}") from None
    _guard_source(source, path, size)
    settings = _settings(home)
    from flows.build_features import ingest_data

    try:
        report = ingest_data(settings, chosen, path, size)
    except SourceError as exc:
        raise _fail(str(exc)) from None
    show_ingest(console, report)


@app.command()
def features(home: HomeOption = None) -> None:
    """Clean, segment and build features from the last ingest into the feature store."""
    from features.loaders.errors import SourceError
    from restock.views import show_features

    settings = _settings(home)
    from flows.build_features import build_features

    try:
        _, report = build_features(settings)
    except SourceError as exc:
        raise _fail(str(exc)) from None
    show_features(console, report)


@app.command()
def quarantine(
    table: Annotated[str, typer.Option(help="contract table to show")] = "sales",
    limit: Annotated[int, typer.Option(min=1)] = 20,
    home: HomeOption = None,
) -> None:
    """Show the rows the last ingest rejected, with the reason for each."""
    from features.loaders.errors import SourceError
    from features.storage import load_quarantine
    from restock.views import show_quarantine

    settings = load_settings(home=home)
    try:
        rows = load_quarantine(settings.paths, table)
    except SourceError as exc:
        raise _fail(str(exc)) from None
    show_quarantine(console, rows, table, limit)


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="folder to write the canonical parquet tables to")],
    size: Annotated[str, typer.Option(help="tiny | small | medium | m5")] = "small",
    seed: Annotated[int | None, typer.Option(help="random seed (default: the preset's)")] = None,
    shift: Annotated[
        str | None,
        typer.Option(help="regime change category:days:factor, e.g. toys:42:1.8 (drift demo)"),
    ] = None,
) -> None:
    """Write a synthetic canonical folder (up to M5 size, streamed to disk) for `ingest --source
    csv`."""
    import dataclasses

    from features.loaders.demo import PRESETS, DemoConfig, write_demo
    from features.loaders.demo_demand import RegimeShift

    if size not in PRESETS:
        raise _fail(f"unknown demo size '{size}'; use one of {', '.join(PRESETS)}")
    config = DemoConfig.preset(size)
    if seed is not None:
        config = dataclasses.replace(config, seed=seed)
    if shift is not None:
        try:
            config = dataclasses.replace(config, shift=RegimeShift.parse(shift))
        except ValueError as exc:
            raise _fail(str(exc)) from None
    folder = write_demo(config, out, progress=True)
    console.print(
        f"wrote {size} demo ({config.n_skus:,} skus x {config.n_stores} stores x "
        f"{config.days:,} days) to {folder}"
    )


@app.command()
def contracts(
    table: Annotated[str | None, typer.Argument(help="one table, or all when omitted")] = None,
) -> None:
    """Print the data contracts: columns, types, units, rules and meaning."""
    from features.contracts import CONTRACTS
    from restock.views import show_contract

    if table is not None and table not in CONTRACTS:
        raise _fail(f"unknown table '{table}'; the contracts are {', '.join(CONTRACTS)}")
    for contract in CONTRACTS.values() if table is None else [CONTRACTS[table]]:
        show_contract(console, contract)


DEMO_SHIFT = "household:28:1.8"  # the drift scenario's regime change (RESTOCK_DEMO__SHIFT)
DEMO_ARRIVING_DAYS = 28  # days of data that arrive after the first plan


@app.command()
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

    _guard_source("demo", None, size)
    settings = _settings(home)
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


@app.command()
def plan(
    home: HomeOption = None,
    top: Annotated[int, typer.Option(min=0, help="largest lines to print")] = 10,
) -> None:
    """Suggest purchase orders at the data's review date and put them in the approval queue."""
    from features.loaders.errors import SourceError
    from planning.plan import PlanningError
    from restock.views import show_plan

    settings = _settings(home)
    from flows.plan_replenishment import plan_replenishment

    try:
        result = plan_replenishment(settings)
    except (SourceError, PlanningError) as exc:
        raise _fail(str(exc)) from None
    show_plan(console, result, top=top)


@app.command()
def monitor(
    home: HomeOption = None,
    retrain: Annotated[
        bool, typer.Option(help="retrain through the gate when the decision is Retrain")
    ] = True,
) -> None:
    """Run monitor_and_act once: drift, live accuracy, service levels, alerts, decision."""
    settings = _settings(home)  # before Prefect is imported: it reads its settings then
    from flows.monitor_and_act import monitor_and_act
    from restock.views import show_monitoring

    try:
        outcome = monitor_and_act(settings, retrain=retrain)
    except (FileNotFoundError, ValueError) as exc:
        raise _fail(
            f"{exc} (run `restock demo` or `restock ingest` and `restock train` first)"
        ) from None
    show_monitoring(console, outcome)


@app.command()
def schedule(
    home: HomeOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="list the schedules and exit without serving")
    ] = False,
) -> None:
    """Serve the daily_cycle, monitor_and_act and train_models deployments on their crons."""
    settings = _settings(home)
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


@app.command()
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

    settings = _settings(home)
    try:
        inputs = load_inputs(settings)
        report = run_simulation(settings, inputs, periods=periods, progress=settings.show_progress)
    except (SourceError, ValueError) as exc:
        raise _fail(str(exc)) from None
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


@app.command()
def serve(
    home: HomeOption = None,
    host: Annotated[str | None, typer.Option(help="bind address (default from settings)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default from settings)")] = None,
) -> None:
    """Serve forecasts, explanations, the PO approval queue and model admin over HTTP."""
    import uvicorn

    from serving.app import UnsafeConfiguration, create_app

    settings = _settings(home)
    try:
        api = create_app(settings)
    except UnsafeConfiguration as exc:
        raise _fail(str(exc)) from None
    uvicorn.run(
        api,
        host=host or settings.serving.host,
        port=port or settings.serving.port,
        log_level="warning",
    )


ModelOption = Annotated[str, typer.Option("--model", help="demand-forecaster | lead-time")]


@app.command()
def train(
    demand: Annotated[bool, typer.Option(help="train the demand forecaster")] = True,
    leadtime: Annotated[bool, typer.Option(help="train the lead-time model")] = True,
    home: HomeOption = None,
) -> None:
    """Backtest, train, log, register and gate the models on the ingested data."""
    from features.loaders.errors import SourceError
    from restock.views import show_outcome

    settings = _settings(home)
    from flows.train_models import train_models

    try:
        outcomes = train_models(settings, demand=demand, leadtime=leadtime)
    except SourceError as exc:
        raise _fail(str(exc)) from None
    for outcome in outcomes:
        if outcome is not None:
            show_outcome(console, outcome)


def _registry(home: Path | None) -> object:
    settings = load_settings(home=home)
    from training.registry import open_registry

    return open_registry(
        settings.paths, tracking_uri=settings.tracking_uri, database_url=settings.database
    )


def _known_model(name: str) -> str:
    from training.registry import DEMAND_MODEL, LEADTIME_MODEL

    if name not in (DEMAND_MODEL, LEADTIME_MODEL):
        raise _fail(f"unknown model '{name}'; use {DEMAND_MODEL} or {LEADTIME_MODEL}")
    return name


@models_app.command("list")
def models_list(model: ModelOption = "demand-forecaster", home: HomeOption = None) -> None:
    """Versions with aliases, backtest metric and gate verdict."""
    from restock.views import show_versions
    from training.registry import RegistryError, versions

    settings = load_settings(home=home)
    try:
        found = versions(registry=_registry(home), name=_known_model(model))  # type: ignore[arg-type]
    except RegistryError as exc:
        raise _fail(str(exc)) from None
    show_versions(console, model, found, settings.training.primary_metric)


@models_app.command("history")
def models_history(model: ModelOption = "demand-forecaster", home: HomeOption = None) -> None:
    """Every alias move: who, when, from, to, why."""
    from restock.views import show_history
    from training.registry import RegistryError, history

    try:
        moves = history(registry=_registry(home), name=_known_model(model))  # type: ignore[arg-type]
    except RegistryError as exc:
        raise _fail(str(exc)) from None
    show_history(console, model, moves)


@models_app.command("promote")
def models_promote(
    version: Annotated[int, typer.Argument(help="version to make champion")],
    reason: Annotated[str, typer.Option(help="why (recorded in the history)")],
    model: ModelOption = "demand-forecaster",
    actor: Annotated[str, typer.Option(help="who (recorded)")] = "cli",
    home: HomeOption = None,
) -> None:
    """Move `champion` to VERSION, bypassing the gate on purpose (recorded with the reason)."""
    from training.registry import RegistryError, promote

    try:
        promote(
            registry=_registry(home),  # type: ignore[arg-type]
            name=_known_model(model),
            version=version,
            actor=actor,
            reason=reason,
        )
    except RegistryError as exc:
        raise _fail(str(exc)) from None
    console.print(f"{model}: champion -> version {version}")


@models_app.command("rollback")
def models_rollback(
    reason: Annotated[str, typer.Option(help="why (recorded in the history)")],
    model: ModelOption = "demand-forecaster",
    actor: Annotated[str, typer.Option(help="who (recorded)")] = "cli",
    home: HomeOption = None,
) -> None:
    """Move `champion` back to the version it held before the latest promotion."""
    from training.registry import RegistryError, rollback

    try:
        version = rollback(
            registry=_registry(home),  # type: ignore[arg-type]
            name=_known_model(model),
            actor=actor,
            reason=reason,
        )
    except RegistryError as exc:
        raise _fail(str(exc)) from None
    console.print(f"{model}: champion rolled back to version {version}")


if __name__ == "__main__":  # pragma: no cover
    app()

"""The `restock` command line: a thin shell over flows and services.

Heavy libraries (pandas, Prefect, LightGBM, ...) are imported inside the commands that need
them, so `restock --help` answers at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from restock.settings import Settings, load_settings

app = typer.Typer(
    name="restock",
    help="Turn sales history into purchase orders a human trusts.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = Console()
err = Console(stderr=True)

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="restock home folder (default: $RESTOCK_HOME or the cwd)"),
]


def _settings(home: Path | None) -> Settings:
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
) -> None:
    """Write a synthetic canonical folder (up to M5 size, streamed to disk) for `ingest --source
    csv`."""
    import dataclasses

    from features.loaders.demo import PRESETS, DemoConfig, write_demo

    if size not in PRESETS:
        raise _fail(f"unknown demo size '{size}'; use one of {', '.join(PRESETS)}")
    config = DemoConfig.preset(size)
    if seed is not None:
        config = dataclasses.replace(config, seed=seed)
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


@app.command()
def demo(
    size: Annotated[str, typer.Option(help="demo size: tiny | small | medium")] = "small",
    faults: Annotated[
        bool, typer.Option(help="add one broken row per validation rule, to show quarantine")
    ] = True,
    home: HomeOption = None,
) -> None:
    """End-to-end demo on built-in synthetic data (ingest, validate, features, summary)."""
    from features.sources import Source
    from restock.views import show_features, show_ingest

    _guard_source("demo", None, size)
    settings = _settings(home)
    console.rule(f"restock demo ({size}) in {settings.paths.root}")
    from flows.build_features import build_features

    ingest_report, features_report = build_features(settings, Source.DEMO, None, size, faults)
    assert ingest_report is not None
    show_ingest(console, ingest_report)
    show_features(console, features_report)


if __name__ == "__main__":  # pragma: no cover
    app()

"""`restock ingest | features | quarantine | generate | contracts`: getting sales data in,
checked against the contracts, and turned into features."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from restock.commands.common import HomeOption, cli_settings, console, fail, guard_source
from restock.settings import load_settings

__all__ = ["contracts", "features", "generate", "ingest", "quarantine"]


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
        raise fail(f"unknown source '{source}'; use one of {[s.value for s in Source]}") from None
    guard_source(source, path, size)
    settings = cli_settings(home)
    from flows.build_features import ingest_data

    try:
        report = ingest_data(settings, chosen, path, size)
    except SourceError as exc:
        raise fail(str(exc)) from None
    show_ingest(console, report)


def features(home: HomeOption = None) -> None:
    """Clean, segment and build features from the last ingest into the feature store."""
    from features.loaders.errors import SourceError
    from restock.views import show_features

    settings = cli_settings(home)
    from flows.build_features import build_features

    try:
        _, report = build_features(settings)
    except SourceError as exc:
        raise fail(str(exc)) from None
    show_features(console, report)


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
        raise fail(str(exc)) from None
    show_quarantine(console, rows, table, limit)


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
        raise fail(f"unknown demo size '{size}'; use one of {', '.join(PRESETS)}")
    config = DemoConfig.preset(size)
    if seed is not None:
        config = dataclasses.replace(config, seed=seed)
    if shift is not None:
        try:
            config = dataclasses.replace(config, shift=RegimeShift.parse(shift))
        except ValueError as exc:
            raise fail(str(exc)) from None
    folder = write_demo(config, out, progress=True)
    console.print(
        f"wrote {size} demo ({config.n_skus:,} skus x {config.n_stores} stores x "
        f"{config.days:,} days) to {folder}"
    )


def contracts(
    table: Annotated[str | None, typer.Argument(help="one table, or all when omitted")] = None,
) -> None:
    """Print the data contracts: columns, types, units, rules and meaning."""
    from features.contracts import CONTRACTS
    from restock.views import show_contract

    if table is not None and table not in CONTRACTS:
        raise fail(f"unknown table '{table}'; the contracts are {', '.join(CONTRACTS)}")
    for contract in CONTRACTS.values() if table is None else [CONTRACTS[table]]:
        show_contract(console, contract)

"""What every `restock` command shares: the consoles, the `--home` option, settings loading,
the error exit and the pre-flight check of a data source."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from restock.settings import Settings, load_settings

__all__ = ["HomeOption", "cli_settings", "console", "err", "fail", "guard_source"]

console = Console()
err = Console(stderr=True)

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="restock home folder (default: $RESTOCK_HOME or the cwd)"),
]


def cli_settings(home: Path | None) -> Settings:
    """The settings of `home`, with library logging quietened and Prefect pointed at the home."""
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


def fail(message: str) -> typer.Exit:
    """Print `message` as an error and return the exit (code 2) for the caller to raise."""
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


def guard_source(source: str, path: Path | None, size: str = "small") -> None:
    """Refuse an impossible request before paying for a Prefect server start."""
    from features.loaders.demo import PRESETS

    if source == "demo" and size not in PRESETS:
        raise fail(f"unknown demo size '{size}'; use one of {', '.join(PRESETS)}")
    if source != "demo" and path is None:
        raise fail(f"--source {source} needs --path pointing at its file or folder")
    if path is not None and not path.exists():
        raise fail(f"{path} does not exist; check --path")
    if source == "csv" and path is not None:
        from features.loaders.canonical import preflight_canonical
        from features.loaders.errors import SourceError

        try:
            preflight_canonical(path)
        except SourceError as exc:
            raise fail(str(exc)) from None

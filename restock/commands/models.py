"""`restock train` and `restock models ...`: training and gating the models, and the
registry's versions and champion alias (list, history, promote, rollback)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from restock.commands.common import HomeOption, cli_settings, console, fail
from restock.settings import load_settings

__all__ = [
    "ModelOption",
    "models_app",
    "models_history",
    "models_list",
    "models_promote",
    "models_rollback",
    "train",
]

models_app = typer.Typer(help="Registered models: versions, alias history, promote, rollback.")

ModelOption = Annotated[str, typer.Option("--model", help="demand-forecaster | lead-time")]


def train(
    demand: Annotated[bool, typer.Option(help="train the demand forecaster")] = True,
    leadtime: Annotated[bool, typer.Option(help="train the lead-time model")] = True,
    home: HomeOption = None,
) -> None:
    """Backtest, train, log, register and gate the models on the ingested data."""
    from features.loaders.errors import SourceError
    from restock.views import show_outcome

    settings = cli_settings(home)
    from flows.train_models import train_models

    try:
        outcomes = train_models(settings, demand=demand, leadtime=leadtime)
    except SourceError as exc:
        raise fail(str(exc)) from None
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
        raise fail(f"unknown model '{name}'; use {DEMAND_MODEL} or {LEADTIME_MODEL}")
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
        raise fail(str(exc)) from None
    show_versions(console, model, found, settings.training.primary_metric)


@models_app.command("history")
def models_history(model: ModelOption = "demand-forecaster", home: HomeOption = None) -> None:
    """Every alias move: who, when, from, to, why."""
    from restock.views import show_history
    from training.registry import RegistryError, history

    try:
        moves = history(registry=_registry(home), name=_known_model(model))  # type: ignore[arg-type]
    except RegistryError as exc:
        raise fail(str(exc)) from None
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
        raise fail(str(exc)) from None
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
        raise fail(str(exc)) from None
    console.print(f"{model}: champion rolled back to version {version}")

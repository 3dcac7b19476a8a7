"""The `restock` command line: a thin shell over flows and services.

This module assembles the Typer app; the commands live in `restock.commands`, one module per
concern. Heavy libraries (pandas, Prefect, LightGBM, ...) are imported inside the commands that
need them, so `restock --help` answers at once.
"""

from __future__ import annotations

import typer

from restock.commands.common import HomeOption, console, err
from restock.commands.data import contracts, features, generate, ingest, quarantine
from restock.commands.demo import DEMO_ARRIVING_DAYS, DEMO_SHIFT, demo
from restock.commands.models import (
    ModelOption,
    models_app,
    models_history,
    models_list,
    models_promote,
    models_rollback,
    train,
)
from restock.commands.operations import monitor, schedule, serve
from restock.commands.planning import plan, simulate
from serving.cli_admin import admin_app, audit_verify
from serving.cli_db import db_app

__all__ = [
    "DEMO_ARRIVING_DAYS",
    "DEMO_SHIFT",
    "HomeOption",
    "ModelOption",
    "admin_app",
    "app",
    "audit_app",
    "audit_verify",
    "console",
    "contracts",
    "db_app",
    "demo",
    "err",
    "features",
    "generate",
    "ingest",
    "models_app",
    "models_history",
    "models_list",
    "models_promote",
    "models_rollback",
    "monitor",
    "plan",
    "quarantine",
    "schedule",
    "serve",
    "simulate",
    "train",
]

app = typer.Typer(
    name="restock",
    help="Turn sales history into purchase orders a human trusts.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(models_app, name="models")
app.add_typer(admin_app, name="admin")
app.add_typer(db_app, name="db")
audit_app = typer.Typer(help="The audit log of every decision and model move.")
audit_app.command("verify")(audit_verify)
app.add_typer(audit_app, name="audit")

# Registered in one place, not where each is defined: the order of these lines is the order
# `restock --help` lists the commands in.
app.command()(ingest)
app.command()(features)
app.command()(quarantine)
app.command()(generate)
app.command()(contracts)
app.command()(demo)
app.command()(plan)
app.command()(monitor)
app.command()(schedule)
app.command()(simulate)
app.command()(serve)
app.command()(train)

if __name__ == "__main__":  # pragma: no cover
    app()

"""Shared serving fixtures: one trained tiny-demo home per test session (demand versions 1
and 2, a plan in the queue), one user and API token per role, and a running app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from restock.cli import app as cli
from restock.settings import Settings
from serving.app import create_app
from serving.audit import AuditLog
from serving.roles import Role
from serving.users import UserDirectory

ENV = {
    "RESTOCK_AS_OF": "2026-11-01",
    "RESTOCK_SHOW_PROGRESS": "false",
    "RESTOCK_TRAINING__FOLDS": "1",
    "RESTOCK_TRAINING__NUM_BOOST_ROUND": "40",
    "RESTOCK_PLANNING__N_SAMPLES": "300",
}


def served_settings(home: Path) -> Settings:
    """Settings of the trained home with polling off (tests refresh explicitly)."""
    return Settings(
        home=home,
        as_of="2026-11-01",
        show_progress=False,
        serving={"poll_seconds": 0, "prefetch_series": 0},
    )


def auth(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def first_series(home: Path) -> tuple[str, str]:
    """A sku-location of the panel (its last row)."""
    panel = pd.read_parquet(
        home / "data" / "cleaned" / "panel.parquet", columns=["sku", "location"]
    )
    row = panel.iloc[-1]
    return str(row["sku"]), str(row["location"])


@pytest.fixture(scope="session")
def trained_home(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> Iterator[Path]:
    """`restock demo --size tiny` (trains v1 and plans) then `restock train` (v2)."""
    root = tmp_path_factory.mktemp("serve") / "home"
    with pytest.MonkeyPatch.context() as patch:
        for key, value in ENV.items():
            patch.setenv(key, value)
        for args in (["demo", "--size", "tiny", "--no-drift"], ["train", "--no-leadtime"]):
            done = CliRunner().invoke(cli, [*args, "--home", str(root)])
            assert done.exit_code == 0, done.output
        yield root


@pytest.fixture(scope="session")
def tokens(trained_home: Path) -> dict[str, str]:
    """One user per role (`ann-<role>`, password `correct horse <role>`) and its API token."""
    settings = served_settings(trained_home)
    users = UserDirectory(settings.database, audit=AuditLog(settings.database))
    out = {}
    for role in Role:
        name = f"ann-{role.value}"
        users.add_user(
            name,
            roles=[role],
            password=f"correct horse {role.value}",
            actor="test",
            reason="fixture",
        )
        out[role.value] = users.issue_token(name, label="tests")
    # A second buyer for two-approver and conflict tests.
    users.add_user(
        "bob-buyer",
        roles=[Role.BUYER],
        password="correct horse bob",
        actor="test",
        reason="fixture",
    )
    out["buyer2"] = users.issue_token("bob-buyer", label="tests")
    return out


@pytest.fixture(scope="session")
def client(trained_home: Path, tokens: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(served_settings(trained_home))) as c:
        yield c

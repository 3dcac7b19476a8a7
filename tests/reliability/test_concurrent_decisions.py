"""Issue 9, item 1: 50 concurrent buyers deciding 500 POs through a real uvicorn server, on
SQLite and on PostgreSQL: no 5xx, one valid state per PO, audit events one to one with the
decisions, retries and double clicks never applied twice, and the audit chain verifies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from restock.cli import app as cli
from restock.settings import Settings
from serving.database import upgrade
from tests.reliability.decision_storm import seed_queue, storm
from tests.reliability.live_server import live_server
from tests.reliability.storm_checks import check_storm
from tests.serving.db_fixtures import BACKENDS, backend_url

ORDERS, CLIENTS, BUYERS, PER_ORDER = 500, 50, 10, 3


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from backend_url(request.param, tmp_path)


@pytest.mark.slow
def test_fifty_buyers_deciding_five_hundred_orders(database: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = Settings(
        home=home,
        database_url=database,
        show_progress=False,
        serving={"poll_seconds": 0},
        planning={"auto_approve_below": 1000, "dual_approval_above": 25000},
    )
    upgrade(database)
    order_ids, tokens = seed_queue(database, orders=ORDERS, buyers=BUYERS)
    with live_server(settings) as base_url:
        out = storm(base_url, tokens, order_ids, clients=CLIENTS, per_order=PER_ORDER)
    figures = check_storm(database, order_ids, out)
    print(f"\n{database.split(':')[0]}: {figures}, {out.seconds:.1f} s")
    assert figures["decisions_applied"] >= ORDERS  # the storm really decided things
    verified = CliRunner().invoke(
        cli, ["audit", "verify", "--home", str(home)], env={"RESTOCK_DATABASE_URL": database}
    )
    assert verified.exit_code == 0, verified.output
    assert "audit log intact" in verified.output

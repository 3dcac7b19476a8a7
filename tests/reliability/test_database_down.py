"""Issue 9, item 3b: the PostgreSQL database going away under a running server gives 503 with
a clear message (never 500, nothing half-done), and the server answers again once it is back.

The app reaches PostgreSQL through a loopback forwarder (`TcpProxy`) that the test cuts and
restores, so the outage is real (refused connections, dropped pooled sessions) without
stopping a server other tests use.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from orders.domain import POStatus
from orders.repository import PurchaseOrderQueue
from restock.settings import Settings
from serving.database import upgrade
from tests.reliability.decision_storm import seed_queue
from tests.reliability.live_server import live_server
from tests.reliability.tcp_proxy import TcpProxy
from tests.serving.db_fixtures import backend_url


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[str]:
    yield from backend_url("postgresql", tmp_path)


@pytest.fixture
def proxied(postgres: str) -> Iterator[tuple[TcpProxy, str]]:
    """The test database's URL through a forwarder, and the forwarder (up)."""
    url = make_url(postgres)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.restore()
    try:
        yield proxy, url.set(port=proxy.port).render_as_string(hide_password=False)
    finally:
        proxy.cut()


def test_database_outage_gives_503_and_recovers(
    proxied: tuple[TcpProxy, str], tmp_path: Path
) -> None:
    proxy, database = proxied
    upgrade(database)
    (order_id, _), (token,) = seed_queue(database, orders=2, buyers=1)
    settings = Settings(
        home=tmp_path / "home",
        database_url=database,
        show_progress=False,
        serving={"poll_seconds": 0},
        planning={"auto_approve_below": 1, "dual_approval_above": 1_000_000},
    )
    headers = {"Authorization": f"Bearer {token}"}
    approve = (f"/api/queue/orders/{order_id}/approve", {"expected_version": 1})
    with live_server(settings) as base, httpx.Client(base_url=base, headers=headers) as http:
        assert http.get("/api/queue").status_code == 200

        proxy.cut()
        down = [http.get("/api/queue"), http.post(approve[0], json=approve[1])]
        for answer in down:
            assert answer.status_code == 503, answer.text
            assert answer.headers["retry-after"] == "5"
            detail = answer.json()["detail"]
            assert detail.startswith("the database is unavailable (")
            assert "nothing was changed, try again" in detail
        assert http.get("/health").status_code == 200  # the process itself is fine

        proxy.restore()
        seen = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            seen.append(http.get("/api/queue").status_code)
            if seen[-1] == 200:
                break
            time.sleep(0.2)
        assert seen[-1] == 200 and set(seen) <= {200, 503}, seen
        decided = http.post(approve[0], json=approve[1])
        assert decided.status_code == 200, decided.text
    # The approval refused during the outage did not half-happen: this one was the first.
    order = PurchaseOrderQueue(database).get_order(order_id)
    assert (order.status, order.version) == (POStatus.APPROVED, 2)

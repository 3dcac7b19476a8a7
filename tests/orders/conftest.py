"""One database per test, on SQLite and on PostgreSQL (skipped with the reason when unreachable).

PostgreSQL isolation: a fresh schema per test, selected with `search_path`, dropped afterwards,
so parallel workers (`pytest -n`) never see each other's tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from orders.repository import PurchaseOrderQueue
from tests.orders.workflow_helpers import AUDIT_METADATA, TableRecorder, World, four_order_world

POSTGRES_URL = os.environ.get(
    "RESTOCK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_engine(*, pool_size: int = 5) -> Iterator[sa.Engine]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("PostgreSQL driver missing: add psycopg[binary] to the dependencies")
    schema = f"restock_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as e:
        admin.dispose()
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL} (set RESTOCK_TEST_POSTGRES_URL): {e}")
    engine = sa.create_engine(
        POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"}, pool_size=pool_size
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty database of each backend."""
    if request.param == "sqlite":
        sqlite = sa.create_engine(f"sqlite:///{tmp_path / 'restock.db'}")
        yield sqlite
        sqlite.dispose()
    else:
        yield from _postgres_engine()


@pytest.fixture
def queue(engine: sa.Engine) -> PurchaseOrderQueue:
    return PurchaseOrderQueue(engine)


@pytest.fixture
def postgres_engine() -> Iterator[sa.Engine]:
    """PostgreSQL only, a connection per thread for the concurrency tests."""
    yield from _postgres_engine(pool_size=25)


@pytest.fixture
def recorder(engine: sa.Engine) -> TableRecorder:
    """Writes audit events into `test_audit_events` with the workflow's own session."""
    AUDIT_METADATA.create_all(engine)
    return TableRecorder()


@pytest.fixture
def world(queue: PurchaseOrderQueue, recorder: TableRecorder) -> World:
    """`four_order_plan` saved: its four POs by name, the queue and the recorder."""
    return four_order_world(queue, recorder)

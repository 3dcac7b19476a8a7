"""A database per test on SQLite and on PostgreSQL (skipped, with the reason, when unreachable)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

POSTGRES_URL = os.environ.get(
    "RESTOCK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres() -> Iterator[sa.Engine]:
    # A fresh schema per test: parallel workers never see each other's tables.
    schema = f"restock_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as e:
        admin.dispose()
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL} (set RESTOCK_TEST_POSTGRES_URL): {e}")
    engine = sa.create_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
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
        yield from _postgres()

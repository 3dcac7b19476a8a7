"""Databases for the migration tests: an empty one per backend, and what they hold.

PostgreSQL isolation as in tests/orders/conftest.py: a fresh schema per test, first on the
`search_path` (so `alembic_version` lands there too), dropped afterwards; skipped with the reason
when no server answers. `schema_url` gives the same as a URL, for code that takes one (the CLI).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.orders.conftest import POSTGRES_URL, _postgres_engine

BACKENDS = ["sqlite", "postgresql"]


def backend_engine(backend: str, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty database of `backend`."""
    if backend == "sqlite":
        sqlite = sa.create_engine(f"sqlite:///{tmp_path / 'restock.db'}")
        yield sqlite
        sqlite.dispose()
    else:
        yield from _postgres_engine()


def backend_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of `backend` (PostgreSQL: a fresh schema, via `options`)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'home' / 'restock.db'}"
        return
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
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def snapshot(engine: sa.Engine) -> dict[str, Any]:
    """The reflected schema, finer than Alembic's comparison: defaults (sequences), autoincrement,
    check constraints and the names the database gave to unnamed constraints."""
    inspector = sa.inspect(engine)
    return {
        table: {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c["default"], c.get("autoincrement"))
                for c in inspector.get_columns(table)
            ],
            "pk": inspector.get_pk_constraint(table),
            "fks": sorted(map(str, inspector.get_foreign_keys(table))),
            "indexes": sorted(map(str, inspector.get_indexes(table))),
            "uniques": sorted(map(str, inspector.get_unique_constraints(table))),
            "checks": sorted(
                (c["name"], c["sqltext"]) for c in inspector.get_check_constraints(table)
            ),
        }
        for table in sorted(inspector.get_table_names())
        if table != "alembic_version"
    }

"""Opening the restock database for migrations: one engine per call, clear errors, the lock.

`connect(database, lock=True)` is one transaction that holds the migration lock: a PostgreSQL
advisory lock, or SQLite's write lock (`BEGIN IMMEDIATE`). A database that cannot be opened
(malformed URL, missing driver, server down, SQLite folder not writable) raises
`DatabaseUnavailable`, whose message names the URL without its password and says what to do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url

from restock.engines import open_engine

__all__ = ["DatabaseUnavailable", "connect", "engine_for", "shown_url"]

# One lock for the whole PostgreSQL database (advisory locks are not per schema).
_PG_LOCK_KEY = int.from_bytes(hashlib.sha256(b"restock.migrations").digest()[:8], "big") >> 1


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened; the message names the URL (no password) and the fix."""


_FIX = "fix RESTOCK_DATABASE_URL (or --home), or start the database server, then try again"


def engine_for(database: str | Engine) -> tuple[Engine, bool]:
    """The engine for `database` and whether this module made it (and so disposes of it)."""
    if isinstance(database, Engine):
        return database, False
    try:
        url = make_url(database)
    except (sa.exc.ArgumentError, ValueError):
        # The text is not echoed: a malformed URL may still hold a password.
        raise DatabaseUnavailable(
            "the database URL is not a SQLAlchemy URL; set RESTOCK_DATABASE_URL to e.g. "
            "sqlite:////srv/restock/restock.db or postgresql+psycopg://user@host:5432/restock"
        ) from None
    shown = url.render_as_string(hide_password=True)
    try:
        return open_engine(url), True
    except OSError as error:
        raise DatabaseUnavailable(f"cannot create the folder of {shown}: {error}; {_FIX}") from None
    except (ImportError, sa.exc.NoSuchModuleError) as error:
        raise DatabaseUnavailable(
            f"no driver for {shown} ({error}); use sqlite:///... or postgresql+psycopg://..."
        ) from None


def _open(engine: Engine) -> Connection:
    try:
        return engine.connect()
    except sa.exc.DBAPIError as error:
        shown = engine.url.render_as_string(hide_password=True)
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise DatabaseUnavailable(f"cannot connect to {shown}: {reason}; {_FIX}") from None


@contextmanager
def connect(database: str | Engine, *, lock: bool) -> Iterator[Connection]:
    """One transaction on `database`, committed on success; with `lock`, the migration lock."""
    engine, owned = engine_for(database)
    try:
        with _open(engine) as conn, conn.begin():
            if lock and conn.dialect.name == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
            elif lock and conn.dialect.name == "sqlite":
                # pysqlite runs DDL outside any transaction unless one was begun explicitly.
                raw = conn.connection.dbapi_connection
                if not getattr(raw, "in_transaction", True):
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
            yield conn
    finally:
        if owned:
            engine.dispose()


def shown_url(conn: Connection) -> str:
    """The connection's URL without its password, for messages."""
    return conn.engine.url.render_as_string(hide_password=True)

"""The SQLAlchemy engine of a restock database, from a URL or an engine already made.

Every store (PO queue, alerts, alias history, audit log, users, overrides, forecast log) takes
`str | Engine` so tests and serving can share one engine; a SQLite file's folder is created
first, because SQLite creates the file but not a missing folder (a fresh home has none).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

__all__ = ["open_engine"]


def open_engine(database: str | URL | Engine) -> Engine:
    """`database` itself if it is an engine, else a new engine for the URL."""
    if isinstance(database, Engine):
        return database
    url = make_url(database)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return sa.create_engine(url)

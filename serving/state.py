"""Everything the app holds for its lifetime, built once from the settings (`build_state`).

Building it migrates the database first (`serving.database.upgrade`), so a server started on a
database made by an older restock brings it to the newest revision before serving from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from orders.repository import PurchaseOrderQueue
from restock.settings import Settings
from serving.audit import AuditLog
from serving.database import upgrade
from serving.forecasting import ForecastService
from serving.login_throttle import LoginThrottle
from serving.model_store import ModelStore
from serving.roles import Principal
from serving.security import read_session
from serving.users import UserDirectory
from training.registry import Registry, open_registry

__all__ = ["SQLITE_BUSY_SECONDS", "AppState", "Sessions", "build_state"]

# How long a request waits for SQLite's single writer before "database is locked": pysqlite's
# 5 s default is too short when dozens of buyers decide at once (tests/reliability).
SQLITE_BUSY_SECONDS = 30.0


@dataclass(frozen=True)
class Sessions:
    """Reads web session cookies back into the principal they were issued to."""

    users: UserDirectory
    secret_key: str

    def read(self, cookie: str) -> Principal | None:
        username = read_session(cookie, secret_key=self.secret_key)
        return None if username is None else self.users.principal(username)


@dataclass
class AppState:
    settings: Settings
    users: UserDirectory
    sessions: Sessions
    audit: AuditLog
    queue: PurchaseOrderQueue
    models: ModelStore
    forecasts: ForecastService
    login_throttle: LoginThrottle

    def registry(self) -> Registry:
        """A registry client per call: cheap, and never holds a stale connection."""
        return open_registry(
            self.settings.paths,
            tracking_uri=self.settings.tracking_uri,
            database_url=self.settings.database,
        )


def _shared_engine(database: str) -> Engine:
    """One engine for the queue, audit log and users (one pool, one busy timeout)."""
    url = make_url(database)
    if url.get_backend_name() == "sqlite":
        return sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
    return sa.create_engine(url)


def build_state(settings: Settings) -> AppState:
    """Migrate the database, then open the database-backed services and the model store
    (models load at start-up). Raises `DatabaseUnavailable` or `SchemaMismatch` from the
    migration, whose messages say what to do, before anything else starts."""
    upgrade(settings.database)
    engine = _shared_engine(settings.database)
    audit = AuditLog(engine)
    audit.create_tables()
    users = UserDirectory(engine, audit=audit)
    models = ModelStore(settings)
    return AppState(
        settings=settings,
        users=users,
        sessions=Sessions(users=users, secret_key=settings.serving.secret_key),
        audit=audit,
        queue=PurchaseOrderQueue(engine),
        models=models,
        forecasts=ForecastService(models, settings),
        login_throttle=LoginThrottle(
            per_user=settings.serving.login_failures_per_user,
            per_address=settings.serving.login_failures_per_address,
            window_seconds=settings.serving.login_window_seconds,
        ),
    )

"""Alembic migrations (serving.database) on SQLite and PostgreSQL: the initial revision builds
exactly what the models declare, downgrades cleanly, adopts databases made by `create_all`, and
leaves the repositories working."""

from __future__ import annotations

import datetime as dt
import importlib.util
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitoring.alerts import Alert, AlertBase, Alerts
from orders.domain import POStatus
from orders.repository import PurchaseOrderQueue
from serving.audit import AuditLog
from serving.database import (
    METADATAS,
    SchemaMismatch,
    check_schema,
    current_revision,
    downgrade,
    head_revision,
    new_revision,
    stamp,
    target_metadata,
    upgrade,
)
from serving.users import UserDirectory
from tests.orders import factories
from tests.serving.db_fixtures import BACKENDS, backend_engine, snapshot, tables
from training.alias_history import AliasHistory, AliasMove, HistoryBase

MODEL_TABLES = {
    "alias_history",
    "alerts",
    "po_plans",
    "purchase_orders",
    "po_lines",
    "po_plan_reviews",
    "po_decisions",
    "users",
    "api_tokens",
    "audit_events",
    "audit_head",
    "forecast_overrides",
    "approval_policy_changes",
    "forecast_log",
    "alias_pending",
}
HEAD = "0005"
AT = dt.datetime(2026, 11, 2, 6, 0, tzinfo=dt.UTC)


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty database of each backend (see tests/serving/db_fixtures.py)."""
    yield from backend_engine(request.param, tmp_path)


def _move(version: int) -> AliasMove:
    return AliasMove(
        model_name="demand",
        alias="champion",
        from_version=None,
        to_version=version,
        action="promote",
        actor="ann-ml_engineer",
        reason="better WAPE",
        at=AT,
    )


def test_the_models_declare_the_fifteen_tables_the_revisions_create() -> None:
    assert set(target_metadata().tables) == MODEL_TABLES
    assert len(METADATAS) == 7
    assert head_revision() == HEAD


def test_upgrade_from_empty_builds_exactly_the_models(engine: sa.Engine) -> None:
    assert current_revision(engine) is None
    assert upgrade(engine) == HEAD
    assert tables(engine) == MODEL_TABLES | {"alembic_version"}
    assert check_schema(engine) == []


def test_migrated_schema_equals_create_all_down_to_constraint_names(engine: sa.Engine) -> None:
    upgrade(engine)
    migrated = snapshot(engine)
    downgrade(engine, "base")
    target_metadata().create_all(engine)
    assert snapshot(engine) == migrated


def test_upgrade_twice_changes_nothing(engine: sa.Engine) -> None:
    upgrade(engine)
    before = snapshot(engine)
    assert upgrade(engine) == HEAD
    assert snapshot(engine) == before
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).all() == [(HEAD,)]


def test_downgrade_to_base_removes_every_table(engine: sa.Engine) -> None:
    upgrade(engine)
    assert downgrade(engine, "base") is None
    assert tables(engine) == {"alembic_version"}  # Alembic keeps its (now empty) table
    assert current_revision(engine) is None
    assert upgrade(engine) == HEAD  # and builds it all again
    assert check_schema(engine) == []


def test_repositories_work_on_a_migrated_database(engine: sa.Engine) -> None:
    upgrade(engine)
    schema = snapshot(engine)

    queue = PurchaseOrderQueue(engine)
    record = queue.save_plan(factories.plan(factories.line()))
    history = AliasHistory(engine)
    alerts = Alerts(engine)
    audit = AuditLog(engine)
    users = UserDirectory(engine, audit=audit)

    assert record.order_ids == (1,)
    [order] = queue.list_orders()
    assert (order.value, order.status) == (Decimal("25.0000"), POStatus.AUTO_APPROVED)  # 10 x 2.5
    assert history.append(_move(3)).id == 1
    assert [m.to_version for m in history.read(model_name="demand")] == [3]
    alert = alerts.raise_alert(Alert(kind="data_drift", severity="warning", message="drift"))
    assert (alert.id, [a.id for a in alerts.active()]) == (1, [1])
    users.add_user("ann-buyer", roles=["buyer"], actor="admin")
    assert [u.username for u in users.list_users()] == ["ann-buyer"]
    event = audit.record(
        actor="ann-buyer",
        action="po.note",
        entity_type="purchase_order",
        entity_id=1,
        before=None,
        after={"note": "checked"},
    )
    assert event.id == 2  # user.add was 1, in the user's transaction
    report = audit.verify()
    assert (report.ok, report.checked) == (True, 2)

    # The repositories' create_all / ensure_schema were no-ops on the migrated tables.
    assert snapshot(engine) == schema
    assert check_schema(engine) == []
    assert current_revision(engine) == HEAD


def test_a_database_made_by_create_all_is_stamped_and_keeps_its_rows(engine: sa.Engine) -> None:
    PurchaseOrderQueue(engine).save_plan(factories.plan(factories.line()))
    AliasHistory(engine).append(_move(2))
    target_metadata().create_all(engine)  # every other repository, used once
    assert current_revision(engine) is None

    assert upgrade(engine) == HEAD
    assert check_schema(engine) == []
    assert [m.to_version for m in AliasHistory(engine).read()] == [2]
    assert len(PurchaseOrderQueue(engine).list_orders()) == 1


def test_a_partly_created_database_gets_the_missing_tables_then_the_stamp(
    engine: sa.Engine,
) -> None:
    # Only training ran: the home's database holds the alias history and nothing else.
    AliasHistory(engine).append(_move(4))
    assert tables(engine) == {"alias_history", "alias_pending"}

    assert upgrade(engine) == HEAD
    assert tables(engine) == MODEL_TABLES | {"alembic_version"}
    assert check_schema(engine) == []
    assert [m.to_version for m in AliasHistory(engine).read()] == [4]


def test_tables_restock_does_not_own_are_left_alone_but_reported(engine: sa.Engine) -> None:
    HistoryBase.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE someone_elses (id INTEGER PRIMARY KEY)"))

    assert upgrade(engine) == HEAD
    assert "someone_elses" in tables(engine)
    assert check_schema(engine) == ["table someone_elses is in the database but not in the models"]


@pytest.mark.parametrize(
    ("ddl", "differences"),
    [
        (
            "CREATE TABLE alerts (id INTEGER NOT NULL PRIMARY KEY, kind VARCHAR(32) NOT NULL)",
            # Only what blocks: the nullable columns would be added in place.
            [
                "column alerts.severity (VARCHAR(16)) is missing from the database",
                "column alerts.message (TEXT) is missing from the database",
                "column alerts.raised_at (DATETIME) is missing from the database",
                "index ix_alerts_kind on alerts(kind) is missing from the database",
                "index ix_alerts_resolved_at on alerts(resolved_at) is missing from the database",
            ],
        ),
        (
            "ALTER TABLE alias_history ADD COLUMN note TEXT",
            ["column alias_history.note (TEXT) is in the database but not in the models"],
        ),
        (
            "CREATE INDEX ix_alias_history_actor ON alias_history (actor)",
            [
                "index ix_alias_history_actor on alias_history(actor) is in the database but "
                "not in the models"
            ],
        ),
    ],
    ids=["old-alerts-table", "extra-column", "extra-index"],
)
def test_a_create_all_database_that_differs_is_refused_untouched(
    engine: sa.Engine, ddl: str, differences: list[str]
) -> None:
    HistoryBase.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text(ddl))
    before = snapshot(engine)

    with pytest.raises(SchemaMismatch, match="created without migrations") as refused:
        upgrade(engine)

    assert refused.value.differences == differences
    assert snapshot(engine) == before
    assert current_revision(engine) is None


def test_stamp_records_a_revision_without_touching_tables(engine: sa.Engine) -> None:
    # What an admin does with a refused database once fixed by hand; check_schema then tells
    # what is still missing.
    AlertBase.metadata.create_all(engine)
    stamp(engine, HEAD)

    assert current_revision(engine) == HEAD
    assert tables(engine) == {"alerts", "alembic_version"}
    missing = {d for d in check_schema(engine) if d.startswith("table ")}
    assert missing == {f"table {t} is missing from the database" for t in MODEL_TABLES - {"alerts"}}


def test_a_revision_from_a_newer_restock_is_refused(engine: sa.Engine) -> None:
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))

    with pytest.raises(RuntimeError, match="revision '0099'.*newer restock"):
        upgrade(engine)


def test_two_processes_upgrading_at_once_migrate_once(engine: sa.Engine) -> None:
    start = threading.Barrier(2)
    outcomes: list[str | None | Exception] = []

    def run() -> None:
        start.wait()
        try:
            outcomes.append(upgrade(engine))
        except Exception as error:  # reported by the assertion below
            outcomes.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes == [HEAD, HEAD]
    assert check_schema(engine) == []


def test_upgrade_by_url_creates_the_sqlite_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new-home' / 'restock.db'}"
    assert upgrade(url) == HEAD
    assert current_revision(url) == HEAD
    assert check_schema(url) == []


def test_new_revision_writes_the_next_numbered_script(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'restock.db'}"
    upgrade(url)
    path = new_revision(url, "add supplier calendar", directory=tmp_path)

    assert path == tmp_path / "0006_add_supplier_calendar.py"
    spec = importlib.util.spec_from_file_location("revision_0006", path)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert (script.revision, script.down_revision) == ("0006", HEAD)
    assert "pass" in path.read_text()  # the models match the database: nothing to do


def test_new_revision_refuses_a_database_behind_head(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="upgrade it first"):
        new_revision(f"sqlite:///{tmp_path / 'restock.db'}", "x", directory=tmp_path)

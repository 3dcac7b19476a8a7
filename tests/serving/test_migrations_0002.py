"""Revision 0002 (planner overrides) on SQLite and PostgreSQL, and the paths that migrate a
database besides `restock db upgrade`: adoption of older `create_all` homes, the PO queue on a
migrated database behind head, and the app's start-up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from monitoring.alerts import Alert, Alerts
from orders.repository import PurchaseOrderQueue
from planning.overrides import Override, OverrideBase, Overrides
from restock.settings import Settings
from serving.app import create_app
from serving.audit import AuditLog
from serving.database import (
    METADATAS,
    SchemaMismatch,
    check_schema,
    current_revision,
    downgrade,
    stamp,
    target_metadata,
    upgrade,
)
from serving.users import UserDirectory
from tests.orders import factories
from tests.serving.db_fixtures import BACKENDS, backend_engine, backend_url, snapshot, tables
from training.alias_history import AliasHistory, AliasMove

HEAD = "0005"
OVERRIDES = "forecast_overrides"
# Tables of later revisions, missing from a database at 0001 or 0002 alike.
LATER = {"approval_policy_changes", "forecast_log", "alias_pending"}
MISSING_LATER = [
    "table approval_policy_changes is missing from the database",
    "table alias_pending is missing from the database",
    "table forecast_log is missing from the database",
    "index ix_forecast_log_model_date on forecast_log(model_name, date) is missing from the "
    "database",
    "index ix_forecast_log_origin on forecast_log(model_name, origin) is missing from the database",
]
MISSING_OVERRIDES = [
    *MISSING_LATER,
    f"table {OVERRIDES} is missing from the database",
    f"index ix_{OVERRIDES}_series on {OVERRIDES}(sku, location) is missing from the database",
]
NOW = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    yield from backend_engine(request.param, tmp_path)


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from backend_url(request.param, tmp_path)


def _override(**change: Any) -> Override:
    fields: dict[str, Any] = {
        "sku": "B",
        "location": "S1",
        "start": dt.date(2026, 11, 2),
        "end": dt.date(2026, 11, 3),
        "kind": "percent",
        "value": 50.0,
        "rationale": "flyer promotion the model cannot see",
        "created_by": "ann-planner",
        "expires_at": NOW + dt.timedelta(days=30),
    }
    return Override(**(fields | change))


def _fill(engine: sa.Engine) -> None:
    """One row in each 0001 repository."""
    PurchaseOrderQueue(engine).save_plan(factories.plan(factories.line()))
    AliasHistory(engine).append(
        AliasMove(
            model_name="demand",
            alias="champion",
            from_version=None,
            to_version=3,
            action="promote",
            actor="ann",
            reason="better WAPE",
            at=NOW,
        )  # fmt: skip
    )
    Alerts(engine).raise_alert(Alert(kind="data_drift", severity="warning", message="drift"))
    UserDirectory(engine, audit=AuditLog(engine)).add_user("ann", roles=["buyer"], actor="t")


def _assert_filled(engine: sa.Engine) -> None:
    assert [o.id for o in PurchaseOrderQueue(engine).list_orders()] == [1]
    assert [m.to_version for m in AliasHistory(engine).read()] == [3]
    assert [a.message for a in Alerts(engine).active()] == ["drift"]
    assert [u.username for u in UserDirectory(engine).list_users()] == ["ann"]
    assert AuditLog(engine).verify().ok


def test_upgrade_from_0001_with_data_adds_the_overrides_and_keeps_every_row(
    engine: sa.Engine,
) -> None:
    assert upgrade(engine, "0001") == "0001"
    # Filled while unstamped: the queue would otherwise migrate it on first use (tested below).
    stamp(engine, "base")
    _fill(engine)
    stamp(engine, "0001")
    # The unstamped queue's create_all also made the later approval table.
    made_on_first_use = ("approval_policy_changes", "alias_pending")
    expected = [m for m in MISSING_OVERRIDES if not any(t in m for t in made_on_first_use)]
    assert sorted(check_schema(engine)) == sorted(expected)

    assert upgrade(engine) == HEAD
    assert check_schema(engine) == []
    _assert_filled(engine)
    made = Overrides(engine).add(_override(), now=NOW)
    assert [o.id for o in Overrides(engine).active(NOW)] == [made.id] == [1]


def test_a_0001_database_whose_overrides_table_was_made_on_first_use_keeps_it(
    engine: sa.Engine,
) -> None:
    # Overrides shipped before 0002 and creates its table on first use.
    upgrade(engine, "0001")
    Overrides(engine).add(_override(), now=NOW)
    assert current_revision(engine) == "0001"
    assert sorted(check_schema(engine)) == sorted(MISSING_LATER)

    assert upgrade(engine) == HEAD
    assert [o.rationale for o in Overrides(engine).list()] == [_override().rationale]
    assert check_schema(engine) == []


def test_downgrade_to_0001_drops_only_the_overrides_then_upgrade_rebuilds_them(
    engine: sa.Engine,
) -> None:
    upgrade(engine)
    _fill(engine)
    Overrides(engine).add(_override(), now=NOW)
    migrated = snapshot(engine)

    assert downgrade(engine, "0001") == "0001"
    assert tables(engine) == set(migrated) - {OVERRIDES} - LATER | {"alembic_version"}
    assert sorted(check_schema(engine)) == sorted(MISSING_OVERRIDES)
    _assert_filled(engine)

    assert upgrade(engine) == HEAD
    assert snapshot(engine) == migrated
    assert Overrides(engine).list() == []  # a downgrade loses what it drops


def test_the_migrated_table_equals_the_models_down_to_its_checks(engine: sa.Engine) -> None:
    upgrade(engine)
    migrated = snapshot(engine)[OVERRIDES]
    downgrade(engine, "0001")
    OverrideBase.metadata.create_all(engine)
    assert snapshot(engine)[OVERRIDES] == migrated
    assert {name for name, _ in migrated["checks"]} == {
        "ck_forecast_overrides_period",
        "ck_forecast_overrides_kind",
        "ck_forecast_overrides_why",
    }


@pytest.mark.parametrize(
    "bad",
    [{"end_date": dt.date(2026, 11, 1)}, {"kind": "absolute"}, {"rationale": "   "}],
    ids=["period", "kind", "rationale"],
)
def test_the_migrated_table_refuses_rows_its_checks_forbid(
    engine: sa.Engine, bad: dict[str, Any]
) -> None:
    upgrade(engine)
    row = {
        "sku": "B", "location": "S1", "start_date": dt.date(2026, 11, 2),
        "end_date": dt.date(2026, 11, 3), "kind": "units", "value": 4.0, "rationale": "why",
        "created_by": "ann", "created_at": NOW, "expires_at": NOW, "baseline": {},
    }  # fmt: skip
    table = target_metadata().tables[OVERRIDES]
    with engine.begin() as conn:
        conn.execute(table.insert().values(row))  # the good row goes in
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(table.insert().values(row | bad))


def test_a_create_all_database_from_before_overrides_is_adopted_at_head(
    engine: sa.Engine,
) -> None:
    for metadata in METADATAS:
        if metadata is not OverrideBase.metadata:
            metadata.create_all(engine)
    _fill(engine)

    assert upgrade(engine) == HEAD
    assert OVERRIDES in tables(engine)
    assert check_schema(engine) == []
    _assert_filled(engine)


def test_a_home_from_before_issue_5_is_adopted_with_its_additive_columns(
    engine: sa.Engine,
) -> None:
    [order_id] = PurchaseOrderQueue(engine).save_plan(factories.plan(factories.line())).order_ids
    with engine.begin() as conn:  # the issue-4 schema, as tests/orders/test_schema.py builds it
        conn.execute(sa.text("DROP TABLE po_decisions"))
        for table, column in [
            ("po_lines", "pack_size"), ("po_lines", "moq"), ("purchase_orders", "edited_by"),
            ("purchase_orders", "approved_by"), ("purchase_orders", "released_at"),
        ]:  # fmt: skip
            conn.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))

    assert upgrade(engine) == HEAD
    assert check_schema(engine) == []
    order = PurchaseOrderQueue(engine).get_order(order_id)
    assert [(line.pack_size, line.moq) for line in order.lines] == [(1, 0)]
    assert (order.edited_by, order.approved_by, order.released_at) == ((), (), None)


def test_the_queue_migrates_a_migrated_database_behind_head(engine: sa.Engine) -> None:
    # The planning flow path: a queue opened on a database at 0001 brings it to head through
    # the same `upgrade`, instead of adding tables or columns behind the revisions' back.
    upgrade(engine, "0001")
    PurchaseOrderQueue(engine).save_plan(factories.plan(factories.line()))
    assert current_revision(engine) == HEAD
    assert check_schema(engine) == []


def test_the_queue_leaves_a_database_without_migrations_unmanaged(engine: sa.Engine) -> None:
    # Repository-level use (tests, a fresh home before any `restock db upgrade`) keeps
    # create_all; `upgrade` adopts such a database later.
    PurchaseOrderQueue(engine).save_plan(factories.plan(factories.line()))
    assert current_revision(engine) is None
    assert OVERRIDES not in tables(engine)
    assert upgrade(engine) == HEAD
    assert check_schema(engine) == []


def _settings(home: Path, database: str) -> Settings:
    return Settings(
        home=home,
        as_of="2026-11-01",
        show_progress=False,
        database_url=database,
        serving={"poll_seconds": 0},
    )


def test_the_app_migrates_an_older_database_at_start_up(url: str, tmp_path: Path) -> None:
    upgrade(url, "0001")
    UserDirectory(url, audit=AuditLog(url)).add_user("ann", roles=["buyer"], actor="t")

    with TestClient(create_app(_settings(tmp_path / "home", url))) as client:
        assert client.get("/health").status_code == 200

    assert current_revision(url) == HEAD
    assert check_schema(url) == []
    assert [u.username for u in UserDirectory(url).list_users()] == ["ann"]


def test_the_app_refuses_to_start_on_a_database_it_cannot_adopt(url: str, tmp_path: Path) -> None:
    Alerts(url).raise_alert(Alert(kind="data_drift", severity="warning", message="drift"))
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE alerts DROP COLUMN severity"))
    engine.dispose()

    app = create_app(_settings(tmp_path / "home", url))
    with pytest.raises(SchemaMismatch, match=r"alerts\.severity .*restock db stamp"):
        with TestClient(app):
            pass
    assert current_revision(url) is None

"""`restock db ...` on a real SQLite file and a PostgreSQL schema: outputs and exit codes
(0 done, 1 `check` found differences, 2 refused or unreachable)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from monitoring.alerts import Alert, Alerts
from orders.repository import PurchaseOrderQueue
from restock.cli import app as restock_cli
from serving.cli_db import db_app
from serving.database import (
    DatabaseUnavailable,
    check_schema,
    current_revision,
    upgrade,
)
from tests.orders import factories
from tests.serving.db_fixtures import BACKENDS, backend_url, tables

HEAD = "0005"


@pytest.fixture(params=BACKENDS)
def url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """An empty database, which the commands open through RESTOCK_DATABASE_URL."""
    for database in backend_url(request.param, tmp_path):
        monkeypatch.setenv("RESTOCK_DATABASE_URL", database)
        yield database


def _run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(db_app, list(args), input=stdin)
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


def _shown(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def test_upgrade_check_downgrade_stamp_round_trip(url: str) -> None:
    shown, empty = _shown(url), "no revision (empty, or made before migrations)"
    assert _run("current")[:2] == (0, f"{shown} is at {empty}\n")
    code, out, _ = _run("check")
    assert code == 1
    assert "- table po_lines is missing from the database" in out
    assert out.endswith("run `restock db upgrade` to migrate it\n")

    assert _run("upgrade")[:2] == (0, f"{shown}: {empty} -> revision {HEAD} (head)\n")
    assert _run("upgrade")[:2] == (0, f"{shown} is already at revision {HEAD} (head)\n")
    assert _run("check")[:2] == (0, f"{shown} matches the models at revision {HEAD} (head)\n")

    code, out, _ = _run("downgrade", "0001", "--yes")
    assert (code, out) == (
        0,
        f"{shown}: revision {HEAD} (head) -> revision 0001 (head is {HEAD})\n",
    )
    code, out, _ = _run("check")
    assert code == 1
    lines = out.splitlines()
    assert lines[-1] == "run `restock db upgrade` to migrate it"
    assert sorted(lines[1:-1]) == sorted(
        [
            "  - table approval_policy_changes is missing from the database",
            "  - table alias_pending is missing from the database",
            "  - table forecast_log is missing from the database",
            "  - index ix_forecast_log_model_date on forecast_log(model_name, date) is missing "
            "from the database",
            "  - index ix_forecast_log_origin on forecast_log(model_name, origin) is missing "
            "from the database",
            "  - table forecast_overrides is missing from the database",
            "  - index ix_forecast_overrides_series on forecast_overrides(sku, location) is "
            "missing from the database",
        ]
    )

    # Stamped at head without the table: upgrade has nothing to apply, and check says so.
    code, out, _ = _run("stamp", HEAD)
    assert (code, out) == (0, f"{shown} stamped at revision {HEAD} (head); no table was changed\n")
    code, out, _ = _run("check")
    assert code == 1
    assert "it is at head, so `restock db upgrade` has nothing to apply" in out

    assert _run("stamp", "0001")[0] == 0
    assert _run("upgrade")[0] == 0
    assert check_schema(url) == []


def test_upgrade_adopts_a_database_made_before_migrations_with_its_rows(url: str) -> None:
    PurchaseOrderQueue(url).save_plan(factories.plan(factories.line()))
    Alerts(url).raise_alert(Alert(kind="rollback", severity="critical", message="rolled back"))

    code, out, _ = _run("upgrade")

    assert code == 0, out
    assert out.endswith(f"-> revision {HEAD} (head)\n")
    assert current_revision(url) == HEAD
    assert check_schema(url) == []
    assert len(PurchaseOrderQueue(url).list_orders()) == 1
    assert [a.message for a in Alerts(url).active()] == ["rolled back"]


def test_upgrade_refuses_a_database_it_cannot_adopt_and_changes_nothing(url: str) -> None:
    Alerts(url).raise_alert(Alert(kind="rollback", severity="critical", message="x"))
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE alerts DROP COLUMN message"))
    before = tables(engine)

    code, _, err = _run("upgrade")

    assert code == 2
    assert "column alerts.message (TEXT) is missing from the database" in err
    assert "`restock db stamp <revision>`" in err
    assert tables(engine) == before
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["downgrade", "base"], None, "not confirmed, nothing changed; pass --yes"),
        (["downgrade", "base"], "n\n", "not confirmed, nothing changed; pass --yes"),
        (["stamp", "0099"], None, "Can't locate revision identified by '0099' "
                                  "(known revisions: 0001, 0002, 0003, 0004, 0005, head, base)"),
        (["upgrade", "nope"], None, "known revisions: 0001, 0002, 0003, 0004, 0005, head, base"),
    ],
    ids=["downgrade-no-answer", "downgrade-no", "stamp-unknown", "upgrade-unknown"],
)  # fmt: skip
def test_refused_requests_exit_2_with_the_reason_and_change_nothing(
    url: str, args: list[str], stdin: str | None, message: str
) -> None:
    upgrade(url)
    code, _, err = _run(*args, stdin=stdin)
    assert code == 2
    assert message in err
    assert current_revision(url) == HEAD
    assert check_schema(url) == []


def test_a_database_from_a_newer_restock_is_refused(url: str) -> None:
    upgrade(url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()

    code, _, err = _run("upgrade")
    assert code == 2
    assert "is at revision '0099', which this restock does not have" in err


def test_downgrade_to_base_after_confirming_drops_every_restock_table(url: str) -> None:
    upgrade(url)
    code, out, _ = _run("downgrade", "base", stdin="y\n")
    assert code == 0, out
    assert out.splitlines()[-1].endswith(f"revision {HEAD} (head) -> base")
    engine = sa.create_engine(url)
    assert tables(engine) == {"alembic_version"}
    engine.dispose()


@pytest.mark.parametrize(
    ("database", "shown", "advice"),
    [
        (
            "postgresql+psycopg://restock:s3cret-pw@127.0.0.1:1/restock",
            "cannot connect to postgresql+psycopg://restock:***@127.0.0.1:1/restock",
            "start the database server",
        ),
        ("postgresql+psycopg://restock:s3cret-pw@127.0.0.1:not-a-port/x", "not a SQLAlchemy URL",
         "set RESTOCK_DATABASE_URL to e.g."),
        ("mysql://restock:s3cret-pw@db/restock", "no driver for mysql://restock:***@db/restock",
         "postgresql+psycopg://"),
    ],
    ids=["server-down", "malformed", "no-driver"],
)  # fmt: skip
@pytest.mark.parametrize("command", ["upgrade", "check", "current", "stamp"])
def test_an_unreachable_database_exits_2_naming_it_without_the_password(
    monkeypatch: pytest.MonkeyPatch, database: str, shown: str, advice: str, command: str
) -> None:
    monkeypatch.setenv("RESTOCK_DATABASE_URL", database)
    args = [command, HEAD] if command == "stamp" else [command]
    code, out, err = _run(*args)
    assert (code, out) == (2, "")
    assert shown in err and advice in err
    assert "s3cret-pw" not in err


def test_a_sqlite_file_that_cannot_be_made_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RESTOCK_DATABASE_URL", raising=False)
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(DatabaseUnavailable, match="cannot create the folder"):
        upgrade(f"sqlite:///{tmp_path / 'file' / 'restock.db'}")
    code, _, err = _run("upgrade", "--home", str(tmp_path / "file" / "home"))
    assert code == 2
    assert "cannot create the folder of sqlite:///" in err


def test_restock_db_is_mounted_and_uses_the_home_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RESTOCK_DATABASE_URL", raising=False)
    home = tmp_path / "home"
    result = CliRunner().invoke(restock_cli, ["db", "upgrade", "--home", str(home)])
    assert result.exit_code == 0, result.output
    database = f"sqlite:///{(home / 'restock.db').resolve()}"
    assert current_revision(database) == HEAD
    assert check_schema(database) == []

"""The restock database's schema under Alembic: upgrade, downgrade, stamp, check, new revisions.

Every table restock owns is declared by one of the repositories' `DeclarativeBase`s, gathered in
`METADATAS`; the revisions in `serving/migrations/versions` build the same schema step by step.
`check_schema` compares a database with the models (Alembic's autogenerate comparison), which
is how the tests prove that migrating from empty gives exactly what the models declare.

No `alembic.ini`: `alembic_config` points Alembic at the package's own `migrations` folder, so
it works the same from a checkout and from an installed wheel.

A database made before migrations (by the repositories' `create_all` on first use) has restock
tables but no `alembic_version`. `upgrade` adopts it: tables the repositories would still create
on first use are created, and when the rest matches the models it is stamped at head; anything
else is refused with the list of differences, before anything is written.

Migrations run in one transaction holding a lock (`serving.db_connection`), so two processes
starting at once upgrade one after the other. A database already at head is recognised by one
read, without the lock, so calling `upgrade` on every start-up costs a query. A database that
cannot be opened raises `DatabaseUnavailable`, naming the URL without its password.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateColumn

from monitoring.alerts import AlertBase
from monitoring.forecast_log import ForecastLogBase
from orders.models import OrdersBase
from planning.overrides import OverrideBase
from serving.audit import AuditBase
from serving.db_connection import DatabaseUnavailable, connect, engine_for, shown_url
from serving.users import UsersBase
from training.alias_history import HistoryBase

__all__ = [
    "MIGRATIONS",
    "METADATAS",
    "DatabaseUnavailable",
    "SchemaMismatch",
    "alembic_config",
    "check_schema",
    "current_revision",
    "downgrade",
    "head_revision",
    "new_revision",
    "stamp",
    "target_metadata",
    "upgrade",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# A new repository table joins migrations by adding its metadata here and a revision.
METADATAS: tuple[sa.MetaData, ...] = (
    HistoryBase.metadata,
    AlertBase.metadata,
    OrdersBase.metadata,
    UsersBase.metadata,
    AuditBase.metadata,
    OverrideBase.metadata,
    ForecastLogBase.metadata,
)


class SchemaMismatch(RuntimeError):
    """The database's tables differ from the models; `differences` says how, one per item."""

    def __init__(self, message: str, differences: list[str]) -> None:
        super().__init__(message)
        self.differences = differences


def target_metadata() -> sa.MetaData:
    """All restock tables in one `MetaData` (copies), for comparison and autogenerate."""
    combined = sa.MetaData()
    for metadata in METADATAS:
        for table in metadata.sorted_tables:
            if table.key in combined.tables:
                raise RuntimeError(
                    f"table {table.key!r} is declared by two metadatas; rename one of them"
                )
            table.to_metadata(combined)
    return combined


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic `Config` for the package's migrations; `connection` is the one env.py uses."""
    config = Config()
    # ConfigParser interpolates '%': a folder name holding one must not break the config.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


def _revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest revision in `serving/migrations/versions`."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migration revisions in {MIGRATIONS / 'versions'}")
    return head


def current_revision(database: str | Engine) -> str | None:
    """The revision the database is at; None for an empty or never-migrated database."""
    with connect(database, lock=False) as conn:
        return _revision(conn)


def _differences(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, target_metadata()))


def _columns(constraint: Any) -> str:
    return ", ".join(column.name for column in constraint.columns)


def _shown(value: Any) -> str:
    """A type, nullability or server default as DDL would spell it."""
    if isinstance(value, bool):
        return "NULL" if value else "NOT NULL"
    arg = getattr(value, "arg", value)  # a server default's expression
    return str(getattr(arg, "text", arg))


def _describe(diff: Any) -> str:
    """One Alembic diff directive in words."""
    if isinstance(diff, list):  # modify_*: [(kind, schema, table, column, info, in_db, models)]
        kind, _, table, column, _, in_db, in_models = diff[0]
        what = kind.removeprefix("modify_")
        db, models = _shown(in_db), _shown(in_models)
        return f"{table}.{column}: {what} is {db} in the database, {models} in the models"
    kind, subject = diff[0], diff[-1]
    where = (
        "missing from the database"
        if kind.startswith("add_")
        else "in the database but not in the models"
    )
    if kind in ("add_table", "remove_table"):
        return f"table {subject.name} is {where}"
    if kind in ("add_column", "remove_column"):
        return f"column {diff[2]}.{subject.name} ({subject.type}) is {where}"
    if kind in ("add_index", "remove_index"):
        unique = "unique " if subject.unique else ""
        on = f"{subject.table.name}({_columns(subject)})"
        return f"{unique}index {subject.name} on {on} is {where}"
    if kind in ("add_constraint", "remove_constraint"):
        return f"unique constraint on {subject.table.name}({_columns(subject)}) is {where}"
    if kind in ("add_fk", "remove_fk"):
        refs = ", ".join(element.column.name for element in subject.elements)
        target = f"{subject.referred_table.name}({refs})"
        return f"foreign key {subject.parent.name}({_columns(subject)}) -> {target} is {where}"
    return f"{kind}: {subject!r}"


def check_schema(database: str | Engine) -> list[str]:
    """How the database differs from the models, one sentence each; empty when they agree."""
    with connect(database, lock=False) as conn:
        return [_describe(diff) for diff in _differences(conn)]


def _is_legacy(conn: Connection) -> bool:
    """Restock tables but no revision: made by the repositories' `create_all` before migrations."""
    if _revision(conn) is not None:
        return False
    existing = set(sa.inspect(conn).get_table_names())
    return any(table in existing for metadata in METADATAS for table in metadata.tables)


def _additive(diff: Any) -> bool:
    """A column missing from an existing table that can be added in place: nullable or with a
    server default (what `orders.schema` adds on first use to databases older than issue 5)."""
    if isinstance(diff, list) or diff[0] != "add_column":
        return False
    column = diff[3]
    return bool(column.nullable) or column.server_default is not None


def _adopt(conn: Connection, config: Config) -> None:
    """Stamp a `create_all` database at head after creating the tables and additive columns it
    still lacks (as the repositories would on first use); refuse, writing nothing, if anything
    else differs."""
    diffs = _differences(conn)
    missing = {d[1].name for d in diffs if not isinstance(d, list) and d[0] == "add_table"}

    def adoptable(diff: Any) -> bool:
        if isinstance(diff, list):
            return False
        # Tables the models do not know (another tool's) are left alone.
        return (
            diff[0] in ("add_table", "remove_table")
            or (diff[0] == "add_index" and diff[1].table.name in missing)
            or _additive(diff)
        )

    blocking = [_describe(diff) for diff in diffs if not adoptable(diff)]
    if blocking:
        raise SchemaMismatch(
            f"{shown_url(conn)} was created without migrations and differs from the models, so it "
            f"cannot be adopted at revision {head_revision()}: " + "; ".join(blocking) + ". "
            "If an older restock made it, stamp the revision it matches with "
            "`restock db stamp <revision>` and upgrade; otherwise fix these differences by hand",
            blocking,
        )
    models = target_metadata()
    models.create_all(conn, tables=[models.tables[name] for name in sorted(missing)])
    quote = conn.dialect.identifier_preparer.quote
    for diff in filter(_additive, diffs):
        column = CreateColumn(diff[3]).compile(dialect=conn.dialect)
        conn.execute(sa.text(f"ALTER TABLE {quote(diff[2])} ADD COLUMN {column}"))
    command.stamp(config, "head")


def upgrade(database: str | Engine, revision: str = "head") -> str | None:
    """Migrate the database to `revision` (default the newest) and return where it ends up.

    Idempotent. A database made by the repositories' `create_all` is adopted at head instead
    (see the module docstring) or refused with `SchemaMismatch`.
    """
    engine, owned = engine_for(database)
    try:
        head = head_revision()
        if revision in ("head", head):
            with connect(engine, lock=False) as conn:
                if _revision(conn) == head:
                    return head  # the common case, without taking the migration lock
        with connect(engine, lock=True) as conn:
            config = alembic_config(conn)
            current = _revision(conn)
            if current is not None:
                _known(current, conn)
            if _is_legacy(conn):
                _adopt(conn, config)
            else:
                command.upgrade(config, revision)
            return _revision(conn)
    finally:
        if owned:
            engine.dispose()


def downgrade(database: str | Engine, revision: str) -> str | None:
    """Migrate the database back to `revision` (`"base"`: drop every restock table).

    Destroys the data of what it drops: back the database up first.
    """
    with connect(database, lock=True) as conn:
        current = _revision(conn)
        if current is not None:
            _known(current, conn)
        command.downgrade(alembic_config(conn), revision)
        return _revision(conn)


def stamp(database: str | Engine, revision: str) -> None:
    """Record that the database is at `revision` without running anything (an adopted database
    made by an older restock, or after fixing a schema by hand)."""
    with connect(database, lock=True) as conn:
        command.stamp(alembic_config(conn), revision)


def _known(current: str, conn: Connection) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    try:
        script.get_revision(current)
    except Exception:
        raise RuntimeError(
            f"{shown_url(conn)} is at revision {current!r}, which this restock does not have: a "
            "newer restock migrated it; run that version (or newer), never an older one, on it"
        ) from None


def _next_revision_id() -> str:
    script = ScriptDirectory.from_config(alembic_config())
    numbers = [int(rev.revision) for rev in script.walk_revisions()]
    return f"{max(numbers, default=0) + 1:04d}"


def new_revision(
    database: str | Engine,
    message: str,
    *,
    autogenerate: bool = True,
    directory: Path | None = None,
) -> Path:
    """Write the next revision (`0002_<message>.py`, ...) and return its path.

    With `autogenerate`, its body is what turns `database` (which must be at head) into the
    models; review it before committing. `directory` defaults to the package's versions folder.
    """
    with connect(database, lock=False) as conn:
        head = head_revision()
        if autogenerate and _revision(conn) != head:
            raise RuntimeError(
                f"{shown_url(conn)} is at revision {_revision(conn)!r}, not {head!r}: upgrade it "
                "first, or autogenerate would repeat the changes it has not applied yet"
            )
        config = alembic_config(conn)
        if directory is not None:
            locations = os.pathsep.join([str(MIGRATIONS / "versions"), str(directory)])
            config.set_main_option("version_locations", locations.replace("%", "%%"))
        if importlib.util.find_spec("ruff") is not None:
            # Generated code formatted like the rest of the project (dev installs only).
            config.set_section_option("post_write_hooks", "hooks", "fix, format")
            for hook, args in (("fix", "check --fix --quiet"), ("format", "format --quiet")):
                config.set_section_option("post_write_hooks", f"{hook}.type", "module")
                config.set_section_option("post_write_hooks", f"{hook}.module", "ruff")
                options = f"{args} REVISION_SCRIPT_FILENAME"
                config.set_section_option("post_write_hooks", f"{hook}.options", options)
        written = command.revision(
            config,
            message=message,
            autogenerate=autogenerate,
            rev_id=_next_revision_id(),
            version_path=None if directory is None else str(directory),
        )
    if not isinstance(written, Script):
        raise RuntimeError(f"alembic wrote {written!r}, expected one revision script")
    return Path(written.path)

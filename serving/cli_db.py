"""`restock db ...`: the restock database's migrations from the command line.

Mounted by `restock.cli` (`app.add_typer(db_app, name="db")`). The database is the settings'
(`RESTOCK_DATABASE_URL`, default `<home>/restock.db`). `serving.database` is imported inside the
commands: it knows every package's tables, and `restock --help` must stay fast.
Exit codes: 0 done, 1 `check` found differences, 2 the request was refused or the database
cannot be reached.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from restock.settings import load_settings

__all__ = ["db_app"]

db_app = typer.Typer(
    help="The restock database's schema: upgrade, downgrade, stamp, check, current.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="restock home folder (default: $RESTOCK_HOME or the cwd)"),
]
RevisionArgument = Annotated[
    str, typer.Argument(help="a revision id (see `restock db current`), `head` or `base`")
]
T = TypeVar("T")


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(message)}")
    return typer.Exit(code=2)


def _say(message: str) -> None:
    console.print(escape(message))


def _database(home: Path | None) -> str:
    return load_settings(home=home).database


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # reported by the command that opens it
        return "the database"


def _run(work: Callable[[], T]) -> T:
    """`work()`, with every refusal turned into exit 2 and its message."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    from serving import database as db

    try:
        return work()
    except (db.DatabaseUnavailable, db.SchemaMismatch) as error:
        raise _fail(str(error)) from None
    except (CommandError, RevisionError) as error:
        known = ", ".join(_known_revisions())
        raise _fail(f"{error} (known revisions: {known}, head, base)") from None
    except RuntimeError as error:  # a revision from a newer restock
        raise _fail(str(error)) from None


def _known_revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    from serving.database import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    return sorted(rev.revision for rev in script.walk_revisions())


def _confirmed(question: str) -> bool:
    try:
        return bool(typer.confirm(question, default=False))
    except typer.Abort:  # no answer (stdin closed)
        return False


def _where(revision: str | None, head: str) -> str:
    if revision is None:
        return "no revision (empty, or made before migrations)"
    return f"revision {revision}" + (" (head)" if revision == head else f" (head is {head})")


@db_app.command("upgrade")
def upgrade(
    revision: Annotated[str, typer.Argument(help="target revision")] = "head",
    home: HomeOption = None,
) -> None:
    """Migrate to the newest revision (safe to repeat; adopts a database made before them)."""
    from serving import database as db

    url = _database(home)
    before = _run(lambda: db.current_revision(url))
    after = _run(lambda: db.upgrade(url, revision))
    head = db.head_revision()
    if before == after:
        _say(f"{_shown(url)} is already at {_where(after, head)}")
    else:
        _say(f"{_shown(url)}: {_where(before, head)} -> {_where(after, head)}")


@db_app.command("downgrade")
def downgrade(
    revision: RevisionArgument,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
    home: HomeOption = None,
) -> None:
    """Migrate back to REVISION (`base`: no tables); what it drops loses its rows."""
    from serving import database as db

    url = _database(home)
    before = _run(lambda: db.current_revision(url))
    if not yes and not _confirmed(
        f"downgrade {_shown(url)} from {before or 'no revision'} to {revision}? "
        "What it drops loses its rows (back it up first)"
    ):
        raise _fail("not confirmed, nothing changed; pass --yes to downgrade without asking")
    after = _run(lambda: db.downgrade(url, revision))
    head = db.head_revision()
    _say(f"{_shown(url)}: {_where(before, head)} -> {_where(after, head) if after else 'base'}")


@db_app.command("stamp")
def stamp(revision: RevisionArgument, home: HomeOption = None) -> None:
    """Record that the database is at REVISION without changing any table."""
    from serving import database as db

    url = _database(home)
    _run(lambda: db.stamp(url, revision))
    at = _run(lambda: db.current_revision(url))
    _say(f"{_shown(url)} stamped at {_where(at, db.head_revision())}; no table was changed")


@db_app.command("current")
def current(home: HomeOption = None) -> None:
    """The revision the database is at, and the newest this restock has."""
    from serving import database as db

    url = _database(home)
    at = _run(lambda: db.current_revision(url))
    _say(f"{_shown(url)} is at {_where(at, db.head_revision())}")


@db_app.command("check")
def check(home: HomeOption = None) -> None:
    """Compare the database with the models; exit 1 listing the differences."""
    from serving import database as db

    url = _database(home)
    differences = _run(lambda: db.check_schema(url))
    at = _run(lambda: db.current_revision(url))
    head = db.head_revision()
    if not differences and at == head:
        _say(f"{_shown(url)} matches the models at revision {head} (head)")
        return
    _say(f"{_shown(url)} is at {_where(at, head)} and differs from the models:")
    for difference in differences or ["no table differs, but the revision is not head"]:
        _say(f"  - {difference}")
    if at == head:
        _say(
            "it is at head, so `restock db upgrade` has nothing to apply: fix these by hand, "
            "or, if the models changed, add a revision (see 'Database migrations' in README)"
        )
    else:
        _say("run `restock db upgrade` to migrate it")
    raise typer.Exit(code=1)

"""Append-only record of every registry alias move (who moved `champion` / `challenger`, when, why).

MLflow keeps only where an alias points now; rollback and audit need where it pointed before.
The record lives in the restock database (`sqlite:///<home>/restock.db` by default, PostgreSQL in
production), table `alias_history`, created on first use (migrations come later: include
`HistoryBase.metadata`).

Append-only by API: `AliasHistory` offers `append` and `read`, nothing that updates or deletes a
row. The database does not yet stop someone with SQL access from editing rows; tamper evidence
(hash chain) comes with the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from restock.engines import open_engine
from restock.home import HomePaths

__all__ = [
    "Action",
    "AliasHistory",
    "AliasMove",
    "HistoryBase",
    "default_database_url",
]

# register: `challenger` set on a new version; promote / rollback: `champion` moved by a person
# or by the gate. Rollback finds its target by replaying promote / rollback moves in order.
Action = Literal["register", "promote", "rollback"]
ACTIONS: tuple[str, ...] = get_args(Action)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class AliasMove:
    """One alias move; `from_version` is None when the alias pointed nowhere before."""

    model_name: str
    alias: str
    from_version: int | None
    to_version: int
    action: Action
    actor: str
    reason: str
    at: dt.datetime = field(default_factory=_utcnow)
    id: int | None = None  # set by the database; increases with every append


class HistoryBase(DeclarativeBase):
    """Metadata of the history table, for `create_all` now and migrations later."""


class _Row(HistoryBase):
    __tablename__ = "alias_history"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    model_name: Mapped[str] = mapped_column(sa.String(256), index=True)
    alias: Mapped[str] = mapped_column(sa.String(64))
    from_version: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    to_version: Mapped[int] = mapped_column(sa.Integer)
    action: Mapped[str] = mapped_column(sa.String(16))
    actor: Mapped[str] = mapped_column(sa.String(256))
    reason: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class _Pending(HistoryBase):
    """A move written to the history whose MLflow alias has not been confirmed yet: present
    only between `append(pending=True)` and `settle`. A row left here means the process died
    in between, and the move is completed on the next read (`training.registry`). A change
    made in MLflow by hand leaves no row, so it is never undone."""

    __tablename__ = "alias_pending"

    move_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    model_name: Mapped[str] = mapped_column(sa.String(256))
    alias: Mapped[str] = mapped_column(sa.String(64))


def default_database_url(paths: HomePaths) -> str:
    """`sqlite:///<home>/restock.db`, absolute."""
    return f"sqlite:///{paths.database.resolve().as_posix()}"


def _as_utc(value: dt.datetime) -> dt.datetime:
    # SQLite drops the offset on the way back; every stored time is UTC.
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _validate(move: AliasMove) -> None:
    problems = []
    if move.action not in ACTIONS:
        problems.append(f"action {move.action!r} is not one of {list(ACTIONS)}")
    if move.to_version < 1 or (move.from_version is not None and move.from_version < 1):
        problems.append("versions start at 1")
    if not move.model_name or not move.alias:
        problems.append("model name and alias must not be empty")
    if not move.actor.strip():
        problems.append("actor must name who moved the alias")
    if move.at.tzinfo is None:
        problems.append("`at` must be timezone-aware (UTC)")
    if problems:
        raise ValueError(f"invalid alias move {move}: " + "; ".join(problems))


class AliasHistory:
    """The alias history of one database: `append` a move, `read` moves oldest first."""

    def __init__(self, database: str | Engine) -> None:
        self._engine = open_engine(database)
        self._ready = False

    @classmethod
    def for_home(cls, paths: HomePaths) -> AliasHistory:
        """The history kept in the home's `restock.db`."""
        return cls(default_database_url(paths))

    @property
    def url(self) -> str:
        return self._engine.url.render_as_string(hide_password=True)

    def _ensure_table(self) -> None:
        if not self._ready:
            HistoryBase.metadata.create_all(self._engine)
            self._ready = True

    def append(self, move: AliasMove, *, pending: bool = False) -> AliasMove:
        """Store one move and return it with its database id; `pending` also marks it as not
        yet applied in MLflow, in the same transaction (see `settle`)."""
        _validate(move)
        self._ensure_table()
        row = _Row(
            model_name=move.model_name,
            alias=move.alias,
            from_version=move.from_version,
            to_version=move.to_version,
            action=move.action,
            actor=move.actor,
            reason=move.reason,
            at=move.at.astimezone(dt.UTC),
        )
        with Session(self._engine) as session, session.begin():
            session.add(row)
            session.flush()
            new_id = row.id
            if pending:
                session.add(_Pending(move_id=new_id, model_name=move.model_name, alias=move.alias))
        return replace(move, id=new_id)

    def settle(self, move_id: int) -> None:
        """The move is applied in MLflow (or undone): it is no longer pending."""
        self._ensure_table()
        with Session(self._engine) as session, session.begin():
            session.execute(sa.delete(_Pending).where(_Pending.move_id == move_id))

    def pending(self, *, model_name: str, alias: str) -> list[AliasMove]:
        """Moves of `model_name` / `alias` written but never confirmed applied, oldest first."""
        self._ensure_table()
        query = sa.select(_Pending.move_id).where(
            _Pending.model_name == model_name, _Pending.alias == alias
        )
        with Session(self._engine) as session:
            ids = set(session.scalars(query))
        return [m for m in self.read(model_name=model_name, alias=alias) if m.id in ids]

    def read(self, *, model_name: str | None = None, alias: str | None = None) -> list[AliasMove]:
        """Moves in the order they were appended, optionally for one model and/or alias."""
        self._ensure_table()
        query = sa.select(_Row).order_by(_Row.id)
        if model_name is not None:
            query = query.where(_Row.model_name == model_name)
        if alias is not None:
            query = query.where(_Row.alias == alias)
        with Session(self._engine) as session:
            return [
                AliasMove(
                    model_name=row.model_name,
                    alias=row.alias,
                    from_version=row.from_version,
                    to_version=row.to_version,
                    action=row.action,  # type: ignore[arg-type]  # validated on append
                    actor=row.actor,
                    reason=row.reason,
                    at=_as_utc(row.at),
                    id=row.id,
                )
                for row in session.scalars(query)
            ]

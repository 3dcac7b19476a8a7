"""The audit log: hash chain, tamper detection, transactions shared with the caller, races."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from serving.audit import GENESIS_HASH, AuditLog, event_hash
from tests.orders.conftest import _postgres_engine


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty database of each backend (PostgreSQL: a fresh schema, skipped if unreachable)."""
    if request.param == "sqlite":
        sqlite = sa.create_engine(f"sqlite:///{tmp_path / 'restock.db'}")
        yield sqlite
        sqlite.dispose()
    else:
        yield from _postgres_engine()


def _fill(log: AuditLog, count: int = 5) -> None:
    for i in range(1, count + 1):
        log.record(
            actor=f"user{i}",
            action="po.approve",
            entity_type="purchase_order",
            entity_id=100 + i,
            before={"status": "pending_approval"},
            after={"status": "approved", "value": i * 10.5},
            reason=f"reason {i}",
        )


def test_hash_is_sha256_of_the_documented_canonical_json() -> None:
    at = dt.datetime(2026, 11, 1, 12, 30, 5, 120000, tzinfo=dt.UTC)
    canonical = (
        '{"action":"po.edit","actor":"ana","after":{"qty":12},"at":"2026-11-01T12:30:05.120000'
        '+00:00","before":{"qty":10},"entity_id":"7","entity_type":"purchase_order",'
        f'"prev_hash":"{GENESIS_HASH}","reason":"pack of 12 ✓"}}'
    )
    got = event_hash(
        at=at,
        actor="ana",
        action="po.edit",
        entity_type="purchase_order",
        entity_id="7",
        before={"qty": 10},
        after={"qty": 12},
        reason="pack of 12 ✓",
        prev_hash=GENESIS_HASH,
    )
    assert got == hashlib.sha256(canonical.encode()).hexdigest()


def test_an_untouched_chain_verifies_and_links_every_event(engine: sa.Engine) -> None:
    log = AuditLog(engine)
    _fill(log)
    events = log.events()
    assert [e.id for e in events] == [1, 2, 3, 4, 5]
    assert [e.prev_hash for e in events] == [GENESIS_HASH] + [e.hash for e in events[:-1]]
    assert events[2].entity_id == "103" and events[2].after == {"status": "approved", "value": 31.5}
    report = log.verify()
    assert (report.ok, report.checked, report.head_id, report.head_hash) == (
        True,
        5,
        5,
        events[-1].hash,
    )
    assert [e.id for e in log.events("purchase_order", 104)] == [4]


def test_an_empty_log_verifies() -> None:
    report = AuditLog("sqlite://").verify()
    assert (report.ok, report.checked, report.head_hash) == (True, 0, GENESIS_HASH)


def _swap_2_and_4(conn: sa.Connection) -> None:
    """Exchange the content of events 2 and 4 (everything but the id)."""
    for old, new in ((2, -2), (4, 2), (-2, 4)):
        conn.execute(sa.text("UPDATE audit_events SET id = :n WHERE id = :o"), {"n": new, "o": old})


def _edit_and_rehash(conn: sa.Connection) -> None:
    """Change event 3's actor and recompute its own hash, as a careless forger would."""
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer),
        sa.column("at", sa.DateTime(timezone=True)),
        *(sa.column(name, sa.String) for name in ("actor", "action", "entity_type", "entity_id")),
        sa.column("before", sa.JSON),
        sa.column("after", sa.JSON),
        sa.column("reason", sa.String),
        sa.column("prev_hash", sa.String),
    )
    row = conn.execute(sa.select(events).where(events.c.id == 3)).mappings().one()
    fields = {k: v for k, v in row.items() if k != "id"} | {"actor": "mallory"}
    conn.execute(
        sa.text("UPDATE audit_events SET actor = 'mallory', hash = :h WHERE id = 3"),
        {"h": event_hash(**fields)},
    )


def _sql(*statements: str) -> object:
    def run(conn: sa.Connection) -> None:
        for statement in statements:
            conn.execute(sa.text(statement))

    return run


TAMPERING = {
    "edit reason": (_sql("UPDATE audit_events SET reason = 'nothing' WHERE id = 3"), 3, "edited"),
    "edit actor": (_sql("UPDATE audit_events SET actor = 'user1' WHERE id = 4"), 4, "edited"),
    "edit after": (
        _sql(
            'UPDATE audit_events SET after = \'{"status": "rejected", "value": 31.5}\' WHERE id = 2'
        ),
        2,
        "edited",
    ),
    "delete middle": (_sql("DELETE FROM audit_events WHERE id = 3"), 3, "deleted"),
    "delete first": (_sql("DELETE FROM audit_events WHERE id = 1"), 1, "deleted"),
    "delete newest": (_sql("DELETE FROM audit_events WHERE id = 5"), 5, "deleted"),
    "delete and renumber": (
        _sql(
            "DELETE FROM audit_events WHERE id = 3",
            "UPDATE audit_events SET id = 3 WHERE id = 4",
            "UPDATE audit_events SET id = 4 WHERE id = 5",
        ),
        3,
        "reordered",
    ),
    "swap 2 and 4": (_swap_2_and_4, 2, "reordered"),
    "edit and rehash": (_edit_and_rehash, 4, "reordered"),
}


@pytest.mark.parametrize(("tamper", "bad_id", "kind"), TAMPERING.values(), ids=list(TAMPERING))
def test_tampering_is_found_at_the_right_event(
    engine: sa.Engine, tamper: object, bad_id: int, kind: str
) -> None:
    log = AuditLog(engine)
    _fill(log)
    with engine.begin() as conn:
        tamper(conn)  # type: ignore[operator]
    report = log.verify()
    assert (report.ok, report.first_bad_id, report.kind) == (False, bad_id, kind)
    assert report.checked == bad_id - 1
    assert str(bad_id) in report.detail


def test_a_rewritten_head_is_found(engine: sa.Engine) -> None:
    log = AuditLog(engine)
    _fill(log, 3)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_head SET last_hash = :h"), {"h": "f" * 64})
    report = log.verify()
    assert (report.ok, report.first_bad_id, report.kind) == (False, 3, "edited")


def test_a_deleted_head_is_found_and_not_silently_recreated(engine: sa.Engine) -> None:
    _fill(AuditLog(engine), 2)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_head"))
    fresh = AuditLog(engine)  # a new process: first use must not paper over the deletion
    report = fresh.verify()
    assert (report.ok, report.kind) == (False, "deleted")
    assert "audit_head" in report.detail
    with pytest.raises(RuntimeError, match="audit verify"):
        _fill(fresh, 1)


def test_an_event_in_a_rolled_back_transaction_leaves_no_trace(engine: sa.Engine) -> None:
    log = AuditLog(engine)
    log.create_tables()
    with Session(engine) as session:
        session.begin()
        recorded = log.record(
            actor="ana", action="po.approve", entity_type="purchase_order", entity_id=1,
            before=None, after={"status": "approved"}, reason="", session=session,
        )  # fmt: skip
        assert recorded.id == 1
        session.rollback()
    assert log.events() == []
    _fill(log, 1)  # the next event takes id 1: no gap where the rolled-back one was
    assert [e.id for e in log.events()] == [1]
    assert log.verify().ok


def test_an_event_commits_with_the_change_it_records(engine: sa.Engine) -> None:
    log = AuditLog(engine)
    things = sa.Table("things", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))
    things.create(engine)
    with Session(engine) as session, session.begin():
        # The state change first, as a repository would: the audit append must not deadlock
        # on SQLite's write lock that this transaction now holds, even on first use.
        session.execute(sa.insert(things).values(id=1))
        log.record(
            actor="ana", action="thing.add", entity_type="thing", entity_id=1,
            before=None, after={"id": 1}, session=session,
        )  # fmt: skip
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(things)).scalar() == 1
    assert [(e.action, e.entity_id) for e in log.events()] == [("thing.add", "1")]


class _Status(enum.Enum):
    APPROVED = "approved"


def test_before_and_after_are_stored_as_the_json_they_were_hashed_as() -> None:
    log = AuditLog("sqlite://")
    after = {
        "value": Decimal("1234.5600"),
        "day": dt.date(2026, 11, 2),
        "status": _Status.APPROVED,
        "flags": {"new_item", "drift"},
        3: "int key",
    }
    event = log.record(
        actor="ana", action="po.edit", entity_type="purchase_order", entity_id="9",
        before=None, after=after,
    )  # fmt: skip
    expected = {
        "value": "1234.5600",
        "day": "2026-11-02",
        "status": "approved",
        "flags": ["drift", "new_item"],
        "3": "int key",
    }
    assert event.after == expected
    assert log.events()[0].after == expected
    assert log.verify().ok


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"after": {"x": float("nan")}}, "finite"),
        ({"after": {"x": object()}}, "JSON-like"),
        ({"actor": " "}, "actor"),
        ({"action": ""}, "action"),
    ],
)
def test_bad_events_are_refused(change: dict[str, object], message: str) -> None:
    log = AuditLog("sqlite://")
    fields: dict[str, object] = {
        "actor": "ana", "action": "po.edit", "entity_type": "purchase_order", "entity_id": 1,
        "before": None, "after": None,
    }  # fmt: skip
    with pytest.raises((ValueError, TypeError), match=message):
        log.record(**(fields | change))  # type: ignore[arg-type]
    assert log.events() == []


@pytest.mark.parametrize("in_caller_session", [False, True], ids=["own", "caller"])
def test_racing_appends_form_one_unbroken_chain(engine: sa.Engine, in_caller_session: bool) -> None:
    log = AuditLog(engine)
    if in_caller_session:
        log.create_tables()  # a caller's first-use creation may race (documented); not that
    start = threading.Barrier(20)
    errors: list[BaseException] = []

    def append(i: int) -> None:
        fields = {
            "actor": f"user{i}", "action": "po.approve", "entity_type": "purchase_order",
            "entity_id": i, "before": None, "after": {"i": i},
        }  # fmt: skip
        try:
            start.wait()
            if in_caller_session:
                with Session(engine) as session, session.begin():
                    log.record(**fields, session=session)  # type: ignore[arg-type]
            else:
                log.record(**fields)  # type: ignore[arg-type]
        except BaseException as exc:  # noqa: BLE001  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    events = log.events()
    assert [e.id for e in events] == list(range(1, 21))
    assert sorted(int(e.entity_id) for e in events) == list(range(20))
    assert [e.prev_hash for e in events] == [GENESIS_HASH] + [e.hash for e in events[:-1]]
    assert [e.at for e in events] == sorted(e.at for e in events)
    report = log.verify()
    assert (report.ok, report.checked) == (True, 20)

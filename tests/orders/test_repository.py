"""`PurchaseOrderQueue` on SQLite and PostgreSQL: round trip, atomicity, supersede, summaries."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

import orders.rows as rows
from orders.domain import POStatus, SourceKind
from orders.errors import InvalidPlan, OrderNotFound, PlanNotFound
from orders.models import OrderRow
from orders.repository import PurchaseOrderQueue
from restock.home import HomePaths
from tests.orders.factories import CREATED, REVIEW, explanation, four_order_plan, line, plan

PENDING, AUTO = POStatus.PENDING_APPROVAL, POStatus.AUTO_APPROVED
FRESH = [PENDING, AUTO, PENDING, PENDING]  # the statuses four_order_plan's POs start in


def _force_status(engine: sa.Engine, order_id: int, status: POStatus) -> None:
    """Test-only stand-in for the approval workflow of issue 5."""
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE purchase_orders SET status = :s WHERE id = :i"),
            {"s": status.value, "i": order_id},
        )


def _statuses(queue: PurchaseOrderQueue) -> dict[int, tuple[POStatus, int]]:
    return {o.id: (o.status, o.version) for o in queue.list_orders(limit=1000)}


def test_round_trip_keeps_every_number_flag_and_driver(queue: PurchaseOrderQueue) -> None:
    draft = four_order_plan()
    record = queue.save_plan(draft)
    assert (record.order_count, record.line_count, record.superseded_order_ids) == (4, 5, ())
    assert record.created_at == CREATED

    orders = [queue.get_order(order_id) for order_id in record.order_ids]
    assert [(o.source_kind, o.source, o.destination) for o in orders] == [
        (SourceKind.DC, "DC1", "S1"),
        (SourceKind.SUPPLIER, "ACME", "DC1"),
        (SourceKind.SUPPLIER, "ACME", "DC2"),
        (SourceKind.SUPPLIER, "BOLT", "DC1"),
    ]
    assert [(o.status, o.value, o.line_count, o.flagged) for o in orders] == [
        (PENDING, Decimal("60.0000"), 1, True),
        (AUTO, Decimal("393.3100"), 2, False),
        (PENDING, Decimal("41.0000"), 1, True),
        (PENDING, Decimal("2999.9997"), 1, False),
    ]
    for order in orders:
        assert (order.plan_id, order.review_date, order.version) == (record.plan_id, REVIEW, 1)
        assert (order.created_by, order.created_at, order.updated_at) == (
            "planner-flow",
            CREATED,
            CREATED,
        )
        assert order.superseded_by_plan_id is None

    stored = {(ln.sku, ln.location): ln for o in orders for ln in o.lines}
    assert len(stored) == 5
    for drafted in draft.lines:
        got = stored[(drafted.sku, drafted.location)]
        # Dataclass equality: every explanation float bit for bit, drivers, allocation, flags.
        assert got.explanation == drafted.explanation
        assert (got.quantity, got.unit_cost, got.value, got.flags) == (
            drafted.quantity,
            drafted.unit_cost,
            drafted.value,
            drafted.flags,
        )
    assert stored[("A1", "S1")].explanation.allocation is not None
    assert stored[("A1", "S1")].explanation.allocation.allocated == 24
    assert stored[("B1", "DC2")].explanation.leadtime_model_version is None
    assert stored[("A2", "DC1")].value == Decimal("93.31")  # 7 x 13.33
    assert [ln.sku for ln in orders[1].lines] == ["A1", "A2"]  # the plan's order


def test_plan_summary_counts_and_values_by_status(
    queue: PurchaseOrderQueue, engine: sa.Engine
) -> None:
    record = queue.save_plan(four_order_plan())
    summary = queue.plan_summary(record.plan_id)
    assert (summary.order_count, summary.line_count) == (4, 5)
    assert summary.total_value == Decimal("3494.3097")  # 60 + 393.31 + 41 + 2999.9997
    assert (summary.needs_approval, summary.auto_approved) == (3, 1)
    assert summary.value_by_status[PENDING] == Decimal("3100.9997")
    assert summary.auto_approve_below == Decimal("500")
    assert summary.created_at == CREATED

    _force_status(engine, record.order_ids[3], POStatus.REJECTED)
    after = queue.plan_summary(record.plan_id)
    assert {s: n for s, n in after.by_status.items() if n} == {
        PENDING: 2,
        AUTO: 1,
        POStatus.REJECTED: 1,
    }
    assert after.needs_approval == 2
    assert after.total_value == summary.total_value


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [0, 1, 2, 3]),
        ({"status": POStatus.AUTO_APPROVED}, [1]),
        ({"status": POStatus.PENDING_APPROVAL, "source": "ACME"}, [2]),
        ({"source": "DC1"}, [0]),
        ({"limit": 2, "offset": 1}, [1, 2]),
        ({"status": POStatus.RELEASED}, []),
    ],
)
def test_list_orders_filters_and_pages(
    queue: PurchaseOrderQueue, filters: dict[str, Any], expected: list[int]
) -> None:
    record = queue.save_plan(four_order_plan())
    listed = queue.list_orders(**filters)
    assert [o.id for o in listed] == [record.order_ids[i] for i in expected]
    assert all(o.review_date == REVIEW for o in listed)


def test_list_orders_by_plan(queue: PurchaseOrderQueue) -> None:
    first = queue.save_plan(four_order_plan())
    second = queue.save_plan(plan(line(sku="Z9"), review_date=dt.date(2026, 11, 9)))
    assert [o.id for o in queue.list_orders(plan_id=second.plan_id)] == list(second.order_ids)
    assert [o.id for o in queue.list_orders(plan_id=first.plan_id)] == list(first.order_ids)


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (1001, 0), (10, -1)])
def test_list_orders_refuses_bad_pages(queue: PurchaseOrderQueue, limit: int, offset: int) -> None:
    with pytest.raises(ValueError, match=r"must be in 1..1000 and offset"):
        queue.list_orders(limit=limit, offset=offset)


@pytest.mark.parametrize(
    "bad_line",
    [
        line(sku="BAD", quantity=-4),
        line(sku="BAD", explanation=explanation(expected_demand=math.nan)),
        line(sku="BAD", unit_cost=Decimal("NaN")),
    ],
    ids=["negative-quantity", "nan-demand", "nan-cost"],
)
def test_an_invalid_line_writes_nothing(
    queue: PurchaseOrderQueue, engine: sa.Engine, bad_line: Any
) -> None:
    earlier = queue.save_plan(four_order_plan())
    before = _statuses(queue)
    rerun = plan(line(sku="OK1"), line(sku="OK2"), bad_line)  # same date: would supersede
    with pytest.raises(InvalidPlan, match=r"line 2 \(sku 'BAD', location 'DC1'\)"):
        queue.save_plan(rerun)
    assert _statuses(queue) == before
    latest = queue.latest_plan()
    assert latest is not None and latest.plan_id == earlier.plan_id
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM po_lines")).scalar_one() == 5


def test_a_crash_mid_write_writes_nothing(
    queue: PurchaseOrderQueue, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    earlier = queue.save_plan(four_order_plan())
    before = _statuses(queue)
    real = rows.line_row
    calls = []

    def crash_on_third(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk unplugged")
        return real(*args, **kwargs)

    monkeypatch.setattr(rows, "line_row", crash_on_third)
    with pytest.raises(RuntimeError, match="disk unplugged"):
        queue.save_plan(four_order_plan(created_by="second-run"))
    assert len(calls) == 3  # the plan row and the supersede update had already run
    assert _statuses(queue) == before
    with engine.connect() as conn:
        plans = conn.execute(sa.text("SELECT id FROM po_plans")).scalars().all()
    assert plans == [earlier.plan_id]


def test_rerun_supersedes_undecided_orders_only(
    queue: PurchaseOrderQueue, engine: sa.Engine
) -> None:
    other_date = queue.save_plan(four_order_plan(review_date=dt.date(2026, 10, 26)))
    first = queue.save_plan(four_order_plan())
    dc, acme_dc1, acme_dc2, bolt = first.order_ids  # pending, auto, pending, pending
    _force_status(engine, acme_dc2, POStatus.APPROVED)
    _force_status(engine, bolt, POStatus.PROPOSED)

    later = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
    second = queue.save_plan(four_order_plan(created_at=later))
    assert second.superseded_order_ids == (dc, bolt)

    statuses = _statuses(queue)
    assert statuses[dc] == (POStatus.SUPERSEDED, 2)
    assert statuses[bolt] == (POStatus.SUPERSEDED, 2)
    assert statuses[acme_dc1] == (AUTO, 1)  # decided by policy: untouched
    assert statuses[acme_dc2] == (POStatus.APPROVED, 1)  # decided by a person: untouched
    assert all(statuses[i][0] != POStatus.SUPERSEDED for i in other_date.order_ids)
    assert [statuses[i] for i in second.order_ids] == [(s, 1) for s in FRESH]

    gone = queue.get_order(dc)
    assert (gone.superseded_by_plan_id, gone.updated_at, gone.created_at) == (
        second.plan_id,
        later,
        CREATED,
    )
    assert len(gone.lines) == 1  # kept, not deleted
    assert queue.plan_summary(first.plan_id).by_status[POStatus.SUPERSEDED] == 2

    third = queue.save_plan(four_order_plan(created_at=later))
    # The second run's pending POs go, its auto-approved one stays; the first run's are done.
    assert third.superseded_order_ids == tuple(second.order_ids[i] for i in (0, 2, 3))


def test_previous_expected_demand_reads_the_latest_earlier_run(
    queue: PurchaseOrderQueue,
) -> None:
    week1, week2 = dt.date(2026, 10, 26), dt.date(2026, 11, 2)
    demand = {"A1": 20.0, "B1": 7.5}

    def run(review: dt.date, scale: float) -> None:
        queue.save_plan(
            plan(
                *(
                    line(
                        sku=sku,
                        explanation=explanation(expected_demand=d * scale),
                    )
                    for sku, d in demand.items()
                ),
                review_date=review,
            )
        )

    run(week1, 1.0)
    run(week1, 2.0)  # a re-run of week 1 replaces the first run's numbers
    run(week2, 10.0)
    assert queue.previous_expected_demand(before=week1) == {}
    assert queue.previous_expected_demand(before=week2) == {
        ("A1", "DC1"): 40.0,
        ("B1", "DC1"): 15.0,
    }
    assert queue.previous_expected_demand(before=week2 + dt.timedelta(days=1)) == {
        ("A1", "DC1"): 200.0,
        ("B1", "DC1"): 75.0,
    }


def test_latest_plan_is_the_latest_review_date(queue: PurchaseOrderQueue) -> None:
    assert queue.latest_plan() is None
    newer = queue.save_plan(plan(line(), review_date=dt.date(2026, 11, 9)))
    queue.save_plan(plan(line()))  # saved later, but for an earlier review date
    latest = queue.latest_plan()
    assert latest is not None
    assert (latest.plan_id, latest.review_date) == (newer.plan_id, dt.date(2026, 11, 9))


def test_unknown_ids_say_what_to_do(queue: PurchaseOrderQueue) -> None:
    with pytest.raises(OrderNotFound) as caught:
        queue.get_order(999)
    assert str(caught.value).startswith("no purchase order with id 999 in ")
    assert "list_orders()" in str(caught.value)
    assert caught.value.order_id == 999
    with pytest.raises(PlanNotFound, match=r"no plan with id 7 in .*latest_plan\(\)"):
        queue.plan_summary(7)


def test_times_come_back_as_the_same_instant_in_utc(queue: PurchaseOrderQueue) -> None:
    india = dt.timezone(dt.timedelta(hours=5, minutes=30))
    local = dt.datetime(2026, 11, 2, 11, 30, 15, 250000, tzinfo=india)
    record = queue.save_plan(plan(line(), created_at=local))
    order = queue.get_order(record.order_ids[0])
    expected = dt.datetime(2026, 11, 2, 6, 0, 15, 250000, tzinfo=dt.UTC)
    for value in (record.created_at, order.created_at, order.updated_at):
        assert value == local and value == expected
        assert value.utcoffset() == dt.timedelta(0)
    summary = queue.plan_summary(record.plan_id)
    assert summary.created_at.tzinfo is not None and summary.created_at == expected


def test_version_guards_concurrent_updates(queue: PurchaseOrderQueue, engine: sa.Engine) -> None:
    """The column issue 5 relies on: a write based on a stale read fails instead of winning."""
    order_id = queue.save_plan(plan(line())).order_ids[0]
    with Session(engine) as alice, Session(engine) as bob:
        mine = alice.get_one(OrderRow, order_id)
        theirs = bob.get_one(OrderRow, order_id)
        mine.status = POStatus.APPROVED
        alice.commit()
        theirs.status = POStatus.REJECTED
        with pytest.raises(StaleDataError):
            bob.commit()
    assert _statuses(queue)[order_id] == (POStatus.APPROVED, 2)


def test_for_home_keeps_the_queue_in_restock_db(tmp_path: Path) -> None:
    paths = HomePaths(tmp_path / "home")
    queue = PurchaseOrderQueue.for_home(paths)
    queue.save_plan(plan(line()))
    assert paths.database.is_file()
    assert queue.url == f"sqlite:///{paths.database.resolve().as_posix()}"
    tables = sa.inspect(sa.create_engine(queue.url)).get_table_names()
    assert sorted(tables) == [
        "approval_policy_changes",
        "po_decisions",
        "po_lines",
        "po_plan_reviews",
        "po_plans",
        "purchase_orders",
    ]

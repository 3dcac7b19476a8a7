"""One transaction per decision: a failing recorder undoes it, idempotency keys replay it, and
20 people approving one PO at once on PostgreSQL leave one approval and one audit event."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from orders import workflow
from orders.decisions import Decision
from orders.domain import POStatus
from orders.errors import AlreadyDecided, IdempotencyConflict, OrdersError, StaleVersion
from orders.repository import PurchaseOrderQueue
from tests.orders.workflow_helpers import (
    AUDIT_METADATA,
    T0,
    THRESHOLDS,
    AuditStoreDown,
    TableRecorder,
    World,
    audit_rows,
    count,
    four_order_world,
)

S = POStatus


def _snapshot(w: World) -> list[Any]:
    """Everything a decision may change: PO headers, line quantities and values, decisions."""
    orders = [w.queue.get_order(i) for i in (w.dc, w.acme1, w.acme2, w.bolt)]
    return [
        [(o.status, o.version, o.value, o.approved_by, o.edited_by, o.released_at) for o in orders],
        [(ln.quantity, ln.value) for o in orders for ln in o.lines],
        count(w.engine, "po_decisions"),
    ]


@pytest.mark.parametrize(
    "call",
    [
        lambda w, **c: workflow.approve(
            **c, order_id=w.acme2, actor="a", expected_version=1, thresholds=THRESHOLDS
        ),
        lambda w, **c: workflow.reject(
            **c, order_id=w.acme2, actor="a", expected_version=1, reason="no"
        ),
        lambda w, **c: workflow.edit_quantity(
            **c,
            order_id=w.acme1,
            line_id=w.queue.get_order(w.acme1).lines[0].id,
            quantity=130,
            actor="a",
            reason="more",
            expected_version=1,
        ),
        lambda w, **c: workflow.release(**c, order_id=w.acme1, actor="a", expected_version=1),
    ],
    ids=["approve", "reject", "edit", "release"],
)
def test_a_failing_recorder_rolls_the_decision_back(world: World, call: Any) -> None:
    before = _snapshot(world)
    failing = TableRecorder(fail=True)
    with pytest.raises(AuditStoreDown):
        call(world, queue_or_engine=world.queue, recorder=failing, idempotency_key="k")
    assert _snapshot(world) == before
    assert audit_rows(world.engine) == []  # the recorder's own row went with the rest
    # The key was not spent: the retry acts (a failed call is not an outcome to replay).
    decision = call(
        world, queue_or_engine=world.queue, recorder=world.recorder, idempotency_key="k"
    )
    assert (decision.version, decision.replayed) == (2, False)
    assert len(audit_rows(world.engine)) == 1


def _approve(w: World, actor: str, version: int, key: str | None, **more: Any) -> Decision:
    return workflow.approve(
        **w.common(),
        order_id=more.pop("order_id", w.acme2),
        actor=actor,
        expected_version=version,
        thresholds=THRESHOLDS,
        idempotency_key=key,
        **more,
    )


def test_a_repeated_key_replays_the_first_answer(world: World) -> None:
    first = _approve(world, "alice", 1, "click-1", at=T0)
    again = _approve(world, "alice", 1, "click-1")  # version 1 is stale now: replay comes first
    assert again.replayed and not first.replayed
    assert again == Decision(**{**first.__dict__, "replayed": True})
    assert (again.decided_at, again.version, again.value) == (T0, 2, Decimal("41.0000"))
    assert world.version(world.acme2) == 2
    assert (count(world.engine, "po_decisions"), len(audit_rows(world.engine))) == (1, 1)


def test_a_replayed_first_of_two_approvals_does_not_count_twice(world: World) -> None:
    _approve(world, "alice", 1, "k", order_id=world.bolt)
    replayed = _approve(world, "alice", 1, "k", order_id=world.bolt)
    assert (replayed.status, replayed.approved_by, replayed.approvals_missing) == (
        S.PENDING_APPROVAL,
        ("alice",),
        1,
    )
    # Keys belong to their actor: bob's "k" is a new request.
    assert _approve(world, "bob", 2, "k", order_id=world.bolt).status == S.APPROVED


@pytest.mark.parametrize(
    ("change", "now"),
    [
        ({"order_id": "dc"}, "approve of PO {dc} at version 1"),
        ({"version": 2}, "approve of PO {acme2} at version 2"),
        ({"reason": "sure"}, "approve of PO {acme2} at version 1, reason 'sure'"),
    ],
)
def test_a_key_reused_for_another_request_is_a_conflict(
    world: World, change: dict[str, Any], now: str
) -> None:
    _approve(world, "alice", 1, "k")
    order_id = getattr(world, change.get("order_id", "acme2"))
    with pytest.raises(IdempotencyConflict) as caught:
        _approve(
            world,
            "alice",
            change.get("version", 1),
            "k",
            order_id=order_id,
            reason=change.get("reason"),
        )
    expected_now = now.format(dc=world.dc, acme2=world.acme2)
    assert str(caught.value) == (
        f"idempotency key 'k' of alice was first used for approve of PO {world.acme2} at "
        f"version 1, not {expected_now}; use a new key for a new request (a retry "
        "must repeat the first request exactly)"
    )
    assert world.version(world.dc) == 1


def test_a_retried_bulk_call_replays_what_it_already_did(world: World) -> None:
    versions = {world.dc: 1, world.acme2: 1}
    common = {**world.common(), "actor": "alice", "thresholds": THRESHOLDS, "idempotency_key": "b"}
    first = workflow.bulk_approve(**common, expected_versions=versions)
    retry = workflow.bulk_approve(**common, expected_versions=versions)
    assert [o.decision.replayed for o in first if o.decision] == [False, False]
    assert [o.decision.replayed for o in retry if o.decision] == [True, True]
    assert len(audit_rows(world.engine)) == 2


def test_twenty_simultaneous_approvals_leave_one(postgres_engine: sa.Engine) -> None:
    AUDIT_METADATA.create_all(postgres_engine)
    queue = PurchaseOrderQueue(postgres_engine)
    world = four_order_world(queue, TableRecorder())
    start = threading.Barrier(20)
    results: list[Decision | OrdersError] = []
    lock = threading.Lock()

    def buyer(n: int) -> None:
        start.wait()
        try:
            outcome: Decision | OrdersError = _approve(world, f"buyer-{n}", 1, f"key-{n}")
        except OrdersError as e:
            outcome = e
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=buyer, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    wins = [r for r in results if isinstance(r, Decision)]
    losses = [r for r in results if isinstance(r, StaleVersion | AlreadyDecided)]
    assert (len(results), len(wins), len(losses)) == (20, 1, 19)
    order = queue.get_order(world.acme2)
    assert (order.status, order.version, order.approved_by) == (
        S.APPROVED,
        2,
        (wins[0].actor,),
    )
    [event] = audit_rows(postgres_engine)
    assert (event["actor"], event["after"]["version"]) == (wins[0].actor, 2)
    assert count(postgres_engine, "po_decisions") == 1

"""The approval workflow on SQLite and PostgreSQL: each transition, each refusal, the audit.

POs of `four_order_plan` (see `World`): dc 60 flagged pending, acme1 393.31 auto-approved,
acme2 41 flagged pending, bolt 2999.9997 pending; thresholds 500 / 1000, so bolt needs two.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from orders import workflow
from orders.domain import POStatus
from orders.errors import (
    AlreadyDecided,
    DuplicateApprover,
    InvalidQuantity,
    InvalidRequest,
    InvalidTransition,
    LineNotFound,
    OrderNotFound,
    OrdersError,
    ReasonRequired,
    SegregationOfDuties,
    StaleVersion,
)
from orders.transitions import Action
from tests.orders.factories import line, plan
from tests.orders.workflow_helpers import (
    PLANNER,
    T0,
    THRESHOLDS,
    World,
    audit_rows,
    count,
    force_status,
)

S = POStatus
NEXT_WEEK = dt.date(2026, 11, 9)  # a plan of another review date supersedes nothing


def approve(w: World, order_id: int, actor: str, version: int, **more: Any) -> Any:
    return workflow.approve(
        **w.common(),
        order_id=order_id,
        actor=actor,
        expected_version=version,
        thresholds=THRESHOLDS,
        **more,
    )


def edit(w: World, order_id: int, actor: str, version: int, quantity: int, **more: Any) -> Any:
    line_id = more.pop("line_id", w.queue.get_order(order_id).lines[0].id)
    return workflow.edit_quantity(
        **w.common(),
        order_id=order_id,
        line_id=line_id,
        quantity=quantity,
        actor=actor,
        reason=more.pop("reason", "supplier short"),
        expected_version=version,
        **more,
    )


def test_approve_one_person_below_the_dual_threshold(world: World) -> None:
    decision = approve(world, world.acme2, "alice", 1, reason="checked", at=T0)
    assert (decision.status, decision.version, decision.approved_by) == (S.APPROVED, 2, ("alice",))
    assert (decision.approvals_required, decision.approvals_missing) == (1, 0)
    assert (decision.value, decision.decided_at, decision.replayed) == (Decimal("41"), T0, False)
    order = world.queue.get_order(world.acme2)
    assert (order.status, order.version, order.approved_by, order.updated_at) == (
        S.APPROVED,
        2,
        ("alice",),
        T0,
    )
    [event] = audit_rows(world.engine)
    assert {k: event[k] for k in ("actor", "action", "entity_type", "entity_id", "reason")} == {
        "actor": "alice",
        "action": "po.approve",
        "entity_type": "purchase_order",
        "entity_id": str(world.acme2),
        "reason": "checked",
    }
    assert event["before"] == {
        "status": "pending_approval",
        "version": 1,
        "value": "41.0000",
        "approved_by": [],
        "edited_by": [],
    }
    assert event["after"] == {
        "status": "approved",
        "version": 2,
        "value": "41.0000",
        "approved_by": ["alice"],
        "edited_by": [],
        "approvals_required": 1,
    }
    assert count(world.engine, "po_decisions") == 1


def test_above_the_dual_threshold_two_distinct_people_approve(world: World) -> None:
    first = approve(world, world.bolt, "alice", 1)
    assert (first.status, first.version, first.approved_by) == (S.PENDING_APPROVAL, 2, ("alice",))
    assert (first.approvals_required, first.approvals_missing) == (2, 1)
    with pytest.raises(DuplicateApprover, match=r"alice already approved PO \d+, which needs 2"):
        approve(world, world.bolt, "alice", 2)
    second = approve(world, world.bolt, "bob", 2)
    assert (second.status, second.version, second.approved_by) == (
        S.APPROVED,
        3,
        ("alice", "bob"),
    )
    assert second.approvals_missing == 0
    events = audit_rows(world.engine)
    assert [(e["actor"], e["before"]["status"], e["after"]["status"]) for e in events] == [
        ("alice", "pending_approval", "pending_approval"),
        ("bob", "pending_approval", "approved"),
    ]


def test_the_creator_may_not_approve(world: World) -> None:
    with pytest.raises(SegregationOfDuties) as caught:
        approve(world, world.acme2, PLANNER, 1)
    assert str(caught.value) == (
        f"planner-flow created PO {world.acme2} and so cannot approve it (segregation of "
        "duties); ask another approver"
    )
    assert (world.version(world.acme2), audit_rows(world.engine)) == (1, [])


def test_an_editor_may_not_approve_and_edits_clear_earlier_approvals(world: World) -> None:
    approve(world, world.bolt, "alice", 1)  # 1 of 2
    edited = edit(world, world.bolt, "carol", 2, 2)  # 3 -> 2 units of 999.9999, still > 1000
    assert (edited.status, edited.version, edited.value) == (S.EDITED, 3, Decimal("1999.9998"))
    assert edited.approved_by == ()  # alice approved 3 units, not 2
    with pytest.raises(SegregationOfDuties, match="carol edited PO"):
        approve(world, world.bolt, "carol", 3)
    assert approve(world, world.bolt, "alice", 3).approved_by == ("alice",)
    done = approve(world, world.bolt, "dave", 4)
    assert (done.status, done.approved_by) == (S.APPROVED, ("alice", "dave"))
    order = world.queue.get_order(world.bolt)
    assert (order.edited_by, order.value, order.lines[0].quantity) == (
        ("carol",),
        Decimal("1999.9998"),
        2,
    )


def test_an_edit_below_the_dual_threshold_needs_one_approver(world: World) -> None:
    edit(world, world.bolt, "carol", 1, 1)  # 999.9999: not above 1000
    done = approve(world, world.bolt, "alice", 2)
    assert (done.status, done.approvals_required, done.value) == (
        S.APPROVED,
        1,
        Decimal("999.9999"),
    )


def test_edit_recomputes_line_and_po_values(world: World) -> None:
    a2 = world.queue.get_order(world.acme1).lines[1]  # 7 x 13.33, beside 120 x 2.5
    decision = edit(world, world.acme1, "carol", 1, 9, line_id=a2.id, at=T0)
    assert (decision.line_id, decision.quantity, decision.value) == (a2.id, 9, Decimal("419.97"))
    order = world.queue.get_order(world.acme1)  # auto_approved before: now a person decides
    assert (order.status, order.value, order.version, order.edited_by) == (
        S.EDITED,
        Decimal("419.9700"),  # 300 + 9 x 13.33
        2,
        ("carol",),
    )
    assert [(ln.quantity, ln.value) for ln in order.lines] == [
        (120, Decimal("300.0000")),
        (9, Decimal("119.9700")),
    ]
    [event] = audit_rows(world.engine)
    assert (event["action"], event["reason"]) == ("po.edit", "supplier short")
    assert (event["before"]["quantity"], event["before"]["line_value"]) == (7, "93.3100")
    assert (event["after"]["quantity"], event["after"]["line_value"]) == (9, "119.9700")
    assert (event["before"]["status"], event["after"]["status"]) == ("auto_approved", "edited")


@pytest.mark.parametrize(
    ("quantity", "problem"),
    [
        (50, "quantity 50 is not a whole number of packs of 12; use 48 or 60"),
        (24, "quantity 24 is below the minimum order of 36; use at least 36 or reject the PO"),
        (0, "quantity 0 must be a whole number >= 1"),
        (48, "quantity is already 48; nothing to change"),
    ],
)
def test_edit_respects_pack_size_and_moq(world: World, quantity: int, problem: str) -> None:
    packed = world.queue.save_plan(
        plan(line(sku="P1", quantity=48, pack_size=12, moq=36), review_date=NEXT_WEEK)
    ).order_ids[0]
    stored = world.queue.get_order(packed).lines[0]
    assert (stored.pack_size, stored.moq) == (12, 36)
    with pytest.raises(InvalidQuantity) as caught:
        edit(world, packed, "carol", 1, quantity)
    assert str(caught.value) == f"PO {packed} line {stored.id} not changed: {problem}"
    assert world.queue.get_order(packed).lines[0].quantity == 48
    assert edit(world, packed, "carol", 1, 60).value == Decimal("150")  # 60 x 2.5


def test_edit_of_a_line_of_another_po(world: World) -> None:
    other = world.queue.get_order(world.dc).lines[0].id
    with pytest.raises(LineNotFound, match=rf"PO {world.bolt} has no line {other}; its lines"):
        edit(world, world.bolt, "carol", 1, 2, line_id=other)


@pytest.mark.parametrize("reason", ["", "   \n", None])
def test_reject_and_edit_need_a_reason(world: World, reason: str | None) -> None:
    with pytest.raises(ReasonRequired, match="reject needs a reason"):
        workflow.reject(
            **world.common(),
            order_id=world.dc,
            actor="bob",
            expected_version=1,
            reason=reason,  # type: ignore[arg-type]
        )
    with pytest.raises(ReasonRequired, match="edit needs a reason"):
        edit(world, world.dc, "bob", 1, 30, reason=reason)
    assert (world.version(world.dc), audit_rows(world.engine)) == (1, [])


def test_reject_records_the_reason_even_of_an_auto_approved_po(world: World) -> None:
    decision = workflow.reject(
        **world.common(), order_id=world.acme1, actor="bob", expected_version=1, reason="dup"
    )
    assert (decision.status, decision.reason, decision.action) == (S.REJECTED, "dup", Action.REJECT)
    [event] = audit_rows(world.engine)
    assert (event["action"], event["reason"], event["before"]["status"]) == (
        "po.reject",
        "dup",
        "auto_approved",
    )
    with pytest.raises(AlreadyDecided, match="it is rejected"):
        approve(world, world.acme1, "alice", 2)


def test_release_approved_and_auto_approved(world: World) -> None:
    approve(world, world.acme2, "alice", 1)
    for order_id, version in ((world.acme2, 2), (world.acme1, 1)):
        done = workflow.release(
            **world.common(), order_id=order_id, actor="erp-bot", expected_version=version, at=T0
        )
        assert (done.status, done.version) == (S.RELEASED, version + 1)
        assert world.queue.get_order(order_id).released_at == T0
    assert [e["after"]["released_at"] for e in audit_rows(world.engine)[1:]] == [
        T0.isoformat(),
        T0.isoformat(),
    ]


@pytest.mark.parametrize(
    ("status", "error"),
    [(S.PENDING_APPROVAL, InvalidTransition), (S.REJECTED, AlreadyDecided)],
)
def test_release_refuses_what_is_not_approved(
    world: World, status: POStatus, error: type[OrdersError]
) -> None:
    force_status(world.engine, world.dc, status)
    with pytest.raises(error):
        workflow.release(**world.common(), order_id=world.dc, actor="erp-bot", expected_version=1)
    assert world.queue.get_order(world.dc).released_at is None


@pytest.mark.parametrize(
    ("order", "status"), [("acme2", S.PENDING_APPROVAL), ("acme1", S.AUTO_APPROVED)]
)
def test_submit_applies_the_auto_approval_policy(
    world: World, order: str, status: POStatus
) -> None:
    order_id = getattr(world, order)
    force_status(world.engine, order_id, S.PROPOSED)
    decision = workflow.submit(
        **world.common(),
        order_id=order_id,
        actor="planner",
        expected_version=1,
        thresholds=THRESHOLDS,
    )
    assert (decision.status, decision.version) == (status, 2)


def test_a_stale_version_is_refused_and_says_what_it_is_now(world: World) -> None:
    approve(world, world.acme2, "alice", 1)
    with pytest.raises(StaleVersion) as caught:
        approve(world, world.acme2, "bob", 1)
    assert str(caught.value) == (
        f"PO {world.acme2} was read at version 1 but it is now version 2 (approved); reload it, "
        "check what changed and decide again"
    )
    assert (caught.value.expected, caught.value.current) == (1, 2)
    with pytest.raises(StaleVersion):
        approve(world, world.dc, "bob", 2)  # a version from the future is stale too
    assert len(audit_rows(world.engine)) == 1


def test_unknown_po_and_blank_actor(world: World) -> None:
    with pytest.raises(OrderNotFound, match="no purchase order with id 999"):
        approve(world, 999, "alice", 1)
    with pytest.raises(InvalidRequest, match="actor ' ' must name who acts"):
        approve(world, world.dc, " ", 1)


def test_bulk_approve_reports_each_po_and_goes_on(world: World) -> None:
    versions = {world.dc: 1, world.acme1: 1, 999: 1, world.acme2: 1, world.bolt: 1}
    outcomes = workflow.bulk_approve(
        **world.common(), expected_versions=versions, actor="alice", thresholds=THRESHOLDS
    )
    assert [o.order_id for o in outcomes] == list(versions)
    assert [o.ok for o in outcomes] == [True, False, False, True, True]
    assert isinstance(outcomes[1].error, AlreadyDecided)  # auto-approved: nothing to approve
    assert isinstance(outcomes[2].error, OrderNotFound)
    assert [o.decision.status for o in outcomes if o.decision] == [
        S.APPROVED,
        S.APPROVED,
        S.PENDING_APPROVAL,  # bolt: 1 of 2
    ]
    assert len(audit_rows(world.engine)) == 3

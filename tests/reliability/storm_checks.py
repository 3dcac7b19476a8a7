"""What must hold after a decision storm: one valid state per PO, reached by a legal path of
exactly the decisions that were answered as applied, each with one audit event and one
decision row, and replays that repeat the applied answer instead of acting again."""

from __future__ import annotations

from collections import Counter, defaultdict

import sqlalchemy as sa

from orders.audit import ENTITY_TYPE
from orders.domain import POStatus
from orders.models import DecisionRow
from orders.repository import PurchaseOrderQueue
from orders.transitions import TRANSITIONS, Action
from serving.audit import AuditLog
from tests.reliability.decision_storm import Answer, Outcome

__all__ = ["check_storm"]

EXPECTED_REFUSALS = {403, 409}  # segregation of duties; stale version or already decided


def _check_answers(out: Outcome) -> list[Answer]:
    """No 5xx (nor any code a correct client cannot get); replays repeat the applied answer.
    Returns the applied answers."""
    codes = Counter(a.status for a in out.answers)
    assert set(out.reads) == {200}, f"reads answered {dict(out.reads)}"
    odd = [a for a in out.answers if a.status not in {200} | EXPECTED_REFUSALS]
    assert not odd, f"decisions answered {dict(codes)}; first unexpected: {odd[:3]}"
    by_key: dict[tuple[int, str], list[Answer]] = defaultdict(list)
    for answer in out.answers:
        by_key[answer.client, answer.key].append(answer)
    applied = []
    for (client, key), answers in by_key.items():
        acted = [a for a in answers if a.applied]
        assert len(acted) <= 1, f"client {client} key {key} acted {len(acted)} times"
        for replay in (a for a in answers if a.status == 200 and a.body["replayed"]):
            assert acted, f"client {client} key {key} replayed an answer nobody got"
            first = acted[0].body
            assert {k: v for k, v in replay.body.items() if k != "replayed"} == {
                k: v for k, v in first.items() if k != "replayed"
            }
        applied.extend(acted)
    return applied


def check_storm(database: str, order_ids: list[int], out: Outcome) -> dict[str, int]:
    """Assert every invariant of the storm (module docstring); returns the figures."""
    applied = _check_answers(out)
    decided: dict[int, list[Answer]] = defaultdict(list)
    for answer in applied:
        decided[answer.order_id].append(answer)
    queue = PurchaseOrderQueue(database)
    orders = {o.id: o for o in queue.list_orders(limit=1000)}
    assert sorted(orders) == sorted(order_ids)
    events = defaultdict(list)
    for event in AuditLog(database).events(entity_type=ENTITY_TYPE):
        events[int(event.entity_id)].append(event)
    with queue.engine.connect() as conn:
        rows = Counter(conn.execute(sa.select(DecisionRow.order_id)).scalars())
    for order_id in order_ids:
        mine = sorted(decided[order_id], key=lambda a: a.body["version"])
        order = orders[order_id]
        # One version step per applied decision, none lost, none applied twice.
        assert [a.body["version"] for a in mine] == list(range(2, order.version + 1)), order_id
        assert rows[order_id] == len(mine), f"PO {order_id}: {rows[order_id]} decision rows"
        trail = events[order_id]
        assert [(e.actor, e.action, e.after["version"]) for e in trail] == [
            (a.body["actor"], f"po.{a.body['action']}", a.body["version"]) for a in mine
        ], f"PO {order_id}: audit events do not match its decisions one to one"
        # A legal path through the state machine, ending where the PO is.
        status = POStatus(trail[0].before["status"]) if trail else order.status
        for answer in mine:
            transition = TRANSITIONS[Action(answer.body["action"])]
            assert status in transition.sources, f"PO {order_id}: {answer} from {status}"
            status = POStatus(answer.body["status"])
            assert status in transition.targets
        assert order.status == status, f"PO {order_id} is {order.status}, last decision {status}"
    report = AuditLog(database).verify()
    assert report.ok, report.detail
    codes = Counter(a.status for a in out.answers)
    return {
        "orders": len(order_ids),
        "requests": out.requests,
        "decisions_applied": len(applied),
        "replayed": sum(a.status == 200 and a.body["replayed"] for a in out.answers),
        "refused_403": codes[403],
        "refused_409": codes[409],
        "server_errors": sum(c >= 500 for c in codes.elements()),
        "transport_retries": out.transport_retries,
        "audit_events_checked": report.checked,
    }

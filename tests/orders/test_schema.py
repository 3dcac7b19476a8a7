"""A database created before issue 5 keeps working: missing columns are added in place."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from orders import workflow
from orders.domain import POStatus
from orders.repository import PurchaseOrderQueue
from orders.schema import missing_columns
from tests.orders.factories import four_order_plan
from tests.orders.workflow_helpers import THRESHOLDS, TableRecorder

ADDED = {
    "po_lines": ["pack_size", "moq"],
    "purchase_orders": ["edited_by", "approved_by", "released_at"],
}


def test_an_old_database_is_upgraded_on_first_use(
    engine: sa.Engine, recorder: TableRecorder
) -> None:
    order_ids = PurchaseOrderQueue(engine).save_plan(four_order_plan()).order_ids
    with engine.begin() as conn:  # back to the issue-4 schema, data kept
        conn.execute(sa.text("DROP TABLE po_decisions"))
        for table, columns in ADDED.items():
            for column in columns:
                conn.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))
    assert sorted(f"{c.table.name}.{c.name}" for c in missing_columns(engine)) == sorted(
        f"{table}.{column}" for table, columns in ADDED.items() for column in columns
    )

    queue = PurchaseOrderQueue(engine)
    order = queue.get_order(order_ids[3])
    assert (order.status, order.edited_by, order.approved_by, order.released_at) == (
        POStatus.PENDING_APPROVAL,
        (),
        (),
        None,
    )
    assert [(ln.pack_size, ln.moq) for ln in order.lines] == [(1, 0)]
    assert missing_columns(engine) == []

    line_id = order.lines[0].id
    edited = workflow.edit_quantity(
        queue_or_engine=queue, recorder=recorder, order_id=order_ids[3], line_id=line_id,
        quantity=1, actor="carol", reason="too much", expected_version=1,
    )  # fmt: skip
    assert (edited.status, edited.value) == (POStatus.EDITED, Decimal("999.9999"))
    approved = workflow.approve(
        queue_or_engine=engine, recorder=recorder, order_id=order_ids[3], actor="alice",
        expected_version=2, thresholds=THRESHOLDS,
    )  # fmt: skip
    assert approved.status == POStatus.APPROVED

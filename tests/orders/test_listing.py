"""The queue screen's listing: flagged and value filters, sort keys, needs-approval-first."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from orders import workflow
from orders.domain import POStatus
from orders.listing import NEEDS_APPROVAL, STATUS_ORDER
from tests.orders.factories import line, plan
from tests.orders.workflow_helpers import THRESHOLDS, World

# World: dc 60 flagged pending, acme1 393.31 auto, acme2 41 flagged pending, bolt 2999.9997.
# In the tests below acme2 is approved first, so the statuses are:
# dc pending, acme1 auto_approved, acme2 approved, bolt pending.


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["dc", "acme1", "acme2", "bolt"]),
        ({"flagged": True}, ["dc", "acme2"]),
        ({"flagged": False}, ["acme1", "bolt"]),
        ({"min_value": Decimal("60"), "max_value": Decimal("393.31")}, ["dc", "acme1"]),
        ({"min_value": Decimal("60.0001")}, ["acme1", "bolt"]),
        ({"max_value": Decimal("41"), "flagged": True}, ["acme2"]),
        ({"sort": "value"}, ["acme2", "dc", "acme1", "bolt"]),
        ({"sort": "value", "descending": True}, ["bolt", "acme1", "dc", "acme2"]),
        ({"descending": True}, ["bolt", "acme2", "acme1", "dc"]),
        # Workflow order: pending, approved, auto_approved; ties by id.
        ({"sort": "status"}, ["dc", "bolt", "acme2", "acme1"]),
        ({"sort": "status", "descending": True}, ["acme1", "acme2", "dc", "bolt"]),
        ({"needs_approval_first": True}, ["dc", "bolt", "acme1", "acme2"]),
        (
            {"needs_approval_first": True, "sort": "value", "descending": True},
            ["bolt", "dc", "acme1", "acme2"],
        ),
        ({"needs_approval_first": True, "limit": 2, "offset": 1}, ["bolt", "acme1"]),
    ],
)
def test_list_orders_filters_and_sorts(
    world: World, query: dict[str, Any], expected: list[str]
) -> None:
    workflow.approve(
        **world.common(),
        order_id=world.acme2,
        actor="alice",
        expected_version=1,
        thresholds=THRESHOLDS,
    )
    listed = world.queue.list_orders(**query)
    assert [o.id for o in listed] == [getattr(world, name) for name in expected]


def test_list_orders_by_created_at(world: World) -> None:
    later = dt.datetime(2026, 11, 9, 6, 0, tzinfo=dt.UTC)
    newer = world.queue.save_plan(
        plan(line(sku="Z9"), review_date=later.date(), created_at=later)
    ).order_ids[0]
    listed = world.queue.list_orders(sort="created_at", descending=True)
    assert [o.id for o in listed] == [newer, world.dc, world.acme1, world.acme2, world.bolt]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"sort": "supplier"}, r"sort 'supplier' is not one of \['id', 'value'"),
        ({"min_value": Decimal(5), "max_value": Decimal(1)}, "min_value 5 is above max_value 1"),
    ],
)
def test_list_orders_refuses_bad_queries(world: World, query: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        world.queue.list_orders(**query)


def test_status_sort_covers_every_status() -> None:
    assert sorted(STATUS_ORDER) == sorted(POStatus)
    assert set(STATUS_ORDER[:3]) == NEEDS_APPROVAL

"""`/api/queue` over HTTP on the trained tiny demo: list, detail, approve (one and two people),
segregation of duties, reject, edit, release, bulk, export, idempotency, stale versions, audit.

Each test saves its own small plan (a review date of its own in 2001, so it supersedes nothing
and never becomes the latest plan) and acts only on its POs: the session's app is shared.
Default thresholds: auto-approve below 1000, two approvers above 25000.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from orders.domain import Allocation, Flag, ServiceKind, money
from orders.errors import (
    AlreadyDecided,
    DuplicateApprover,
    IdempotencyConflict,
    InvalidPlan,
    InvalidQuantity,
    InvalidTransition,
    LineNotFound,
    OrderNotFound,
    OrdersError,
    PlanNotFound,
    ReasonRequired,
    SegregationOfDuties,
    StaleVersion,
)
from orders.repository import PurchaseOrderQueue
from restock.settings import Settings
from serving.app import create_app
from serving.audit import AuditLog
from serving.queue_service import approval_thresholds
from serving.routers.queue import status_of, thresholds_from
from tests.orders.factories import explanation, line, plan
from tests.serving.conftest import auth, served_settings

pytestmark = [pytest.mark.slow]

_PLANS = itertools.count()
SINGLE, DUAL, SMALL = (10, Decimal("500")), (10, Decimal("3000")), (10, Decimal("10"))


def new_orders(home: Path, *specs: dict[str, Any], created_by: str = "planner-test") -> list[int]:
    """Save a plan of one-line POs (one per spec: `line()` overrides) and return their ids in
    the order of `specs`."""
    n = next(_PLANS)
    lines = [line(**{"source": f"T{n}-{i}", "sku": f"S{i}", **s}) for i, s in enumerate(specs)]
    draft = plan(
        *lines,
        review_date=dt.date(2001, 1, 1) + dt.timedelta(days=n),
        created_by=created_by,
        auto_approve_below=money(1000),
        created_at=dt.datetime.now(dt.UTC),
    )
    queue = PurchaseOrderQueue(served_settings(home).database)
    by_source = {queue.get_order(i).source: i for i in queue.save_plan(draft).order_ids}
    return [by_source[ln.source] for ln in lines]


def po(quantity_cost: tuple[int, Decimal], **more: Any) -> dict[str, Any]:
    quantity, cost = quantity_cost
    return {"quantity": quantity, "unit_cost": cost, **more}


def version(client: TestClient, tokens: dict[str, str], order_id: int) -> int:
    answer = client.get(f"/api/queue/orders/{order_id}", headers=auth(tokens, "buyer"))
    assert answer.status_code == 200, answer.text
    return int(answer.json()["version"])


def act(
    client: TestClient,
    tokens: dict[str, str],
    who: str,
    order_id: int,
    action: str,
    body: dict[str, Any],
    key: str | None = None,
) -> Any:
    headers = auth(tokens, who) | ({} if key is None else {"Idempotency-Key": key})
    return client.post(f"/api/queue/orders/{order_id}/{action}", json=body, headers=headers)


def first_line(client: TestClient, tokens: dict[str, str], order_id: int) -> int:
    detail = client.get(f"/api/queue/orders/{order_id}", headers=auth(tokens, "buyer")).json()
    return int(detail["lines"][0]["id"])


def audit_actions(home: Path, order_id: int) -> list[tuple[str, str]]:
    events = AuditLog(served_settings(home).database).events("purchase_order", order_id)
    return [(e.action, e.actor) for e in events]


# Listing.


@pytest.fixture(scope="module")
def listed(trained_home: Path) -> dict[str, Any]:
    """A: 100 auto-approved; B: 5000 pending; C: 30000 pending (two people); D: 60 flagged."""
    ids = new_orders(
        trained_home,
        po(SMALL),
        po(SINGLE),
        po(DUAL),
        po((6, Decimal("10")), flags=(Flag.NEW_ITEM,)),
    )
    queue = PurchaseOrderQueue(served_settings(trained_home).database)
    return {
        "ids": dict(zip("ABCD", ids, strict=True)),
        "plan_id": queue.get_order(ids[0]).plan_id,
        "source_b": queue.get_order(ids[1]).source,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, "BCDA"),  # waiting first, then by id
        ({"sort": "value"}, "DBCA"),
        ({"sort": "value", "order": "desc"}, "CBDA"),
        ({"sort": "value", "needs_approval_first": "false"}, "DABC"),
        ({"sort": "id", "order": "desc", "needs_approval_first": "false"}, "DCBA"),
        ({"status": "auto_approved"}, "A"),
        ({"flagged": "true"}, "D"),
        ({"min_value": "100", "max_value": "5000"}, "BA"),  # inclusive at both ends
        ({"source": "{source_b}"}, "B"),
        ({"limit": "2", "offset": "1"}, "CD"),
    ],
)
def test_list_filters_and_sorts(
    client: TestClient,
    tokens: dict[str, str],
    listed: dict[str, Any],
    query: dict[str, str],
    expected: str,
) -> None:
    params = {k: v.format(**listed) for k, v in query.items()} | {"plan_id": listed["plan_id"]}
    answer = client.get("/api/queue", params=params, headers=auth(tokens, "planner"))
    assert answer.status_code == 200, answer.text
    assert [o["id"] for o in answer.json()] == [listed["ids"][k] for k in expected]


def test_list_summaries_say_what_each_po_needs(
    client: TestClient, tokens: dict[str, str], listed: dict[str, Any]
) -> None:
    answer = client.get(
        "/api/queue", params={"plan_id": listed["plan_id"]}, headers=auth(tokens, "buyer")
    )
    rows = {o["id"]: o for o in answer.json()}
    a, c, d = (rows[listed["ids"][k]] for k in "ACD")
    assert (a["status"], a["value"], a["approvals_missing"]) == ("auto_approved", "100.0000", 0)
    assert a["actions"] == ["edit", "reject", "release"]
    assert (c["value"], c["approvals_required"], c["approvals_missing"]) == ("30000.0000", 2, 2)
    assert c["actions"] == ["approve", "edit", "reject"]
    assert (d["flagged"], d["approvals_required"], d["line_count"]) == (True, 1, 1)
    assert c["created_by"] == "planner-test" and c["version"] == 1


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ({"min_value": "10", "max_value": "5"}, "swap"),
        ({"sort": "colour"}, "sort"),
        ({"order": "sideways"}, "order"),
        ({"status": "maybe"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"min_value": "-1"}, "min_value"),
    ],
)
def test_list_refuses_bad_queries(
    client: TestClient, tokens: dict[str, str], query: dict[str, str], needle: str
) -> None:
    answer = client.get("/api/queue", params=query, headers=auth(tokens, "buyer"))
    assert answer.status_code == 422 and needle in answer.text


# Detail.


def test_detail_shows_every_number_behind_a_line(
    client: TestClient, tokens: dict[str, str], trained_home: Path
) -> None:
    why = explanation(allocation=Allocation(requested=30, allocated=24, tier=2))
    (order_id,) = new_orders(
        trained_home,
        po((24, Decimal("2.5")), explanation=why, flags=(Flag.ALLOCATION_SHORTFALL,), pack_size=6),
    )
    answer = client.get(f"/api/queue/orders/{order_id}", headers=auth(tokens, "planner"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["value"], body["history"]) == ("pending_approval", "60.0000", [])
    (got,) = body["lines"]
    numbers = {
        f.name: getattr(why, f.name)
        for f in dataclasses.fields(why)
        if f.name not in ("drivers", "allocation")
    }
    assert got["explanation"] == numbers | {
        "service_kind": ServiceKind.FILL_RATE.value,
        "drivers": [
            {"feature": "lag_7", "contribution": 3.141592653589793},
            {"feature": "price", "contribution": -0.1},
        ],
        "allocation": {"requested": 30, "allocated": 24, "tier": 2},
    }
    assert got["explanation"]["expected_demand"] == 1 / 3 + 40  # floats come back exactly
    assert got["flags"] == ["allocation_shortfall"]
    assert (got["quantity"], got["unit_cost"], got["value"]) == (24, "2.5000", "60.0000")
    assert (got["pack_size"], got["moq"]) == (6, 0)


def test_detail_of_an_unknown_po_is_404(client: TestClient, tokens: dict[str, str]) -> None:
    answer = client.get("/api/queue/orders/987654321", headers=auth(tokens, "buyer"))
    assert answer.status_code == 404 and "987654321" in answer.text


# Decisions.


def test_one_approver_below_the_dual_threshold(
    client: TestClient, tokens: dict[str, str], trained_home: Path
) -> None:
    (order_id,) = new_orders(trained_home, po(SINGLE))
    answer = act(client, tokens, "buyer", order_id, "approve", {"expected_version": 1})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["version"], body["approved_by"]) == ("approved", 2, ["ann-buyer"])
    assert (body["approvals_required"], body["approvals_missing"]) == (1, 0)
    assert body["replayed"] is False
    detail = client.get(f"/api/queue/orders/{order_id}", headers=auth(tokens, "buyer")).json()
    (event,) = detail["history"]
    assert (event["action"], event["actor"], event["reason"]) == ("po.approve", "ann-buyer", "")
    assert event["before"]["status"] == "pending_approval"
    assert event["after"]["status"] == "approved" and event["after"]["version"] == 2


def test_the_creator_of_a_po_cannot_approve_it(
    client: TestClient, tokens: dict[str, str], trained_home: Path
) -> None:
    (order_id,) = new_orders(trained_home, po(SINGLE), created_by="ann-buyer")
    refused = act(client, tokens, "buyer", order_id, "approve", {"expected_version": 1})
    assert refused.status_code == 403 and "segregation of duties" in refused.text
    assert "created" in refused.text
    done = act(client, tokens, "buyer2", order_id, "approve", {"expected_version": 1})
    assert done.status_code == 200 and done.json()["approved_by"] == ["bob-buyer"]


def test_an_editor_cannot_approve_and_an_edit_is_audited(
    client: TestClient, tokens: dict[str, str], trained_home: Path
) -> None:
    (order_id,) = new_orders(trained_home, po(SINGLE))
    line_id = first_line(client, tokens, order_id)
    edited = act(
        client,
        tokens,
        "buyer",
        order_id,
        f"lines/{line_id}/edit",
        {"expected_version": 1, "quantity": 12, "reason": "promo next week"},
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["status"], edited.json()["value"]) == ("edited", "6000.0000")
    assert (edited.json()["line_id"], edited.json()["quantity"]) == (line_id, 12)
    refused = act(client, tokens, "buyer", order_id, "approve", {"expected_version": 2})
    assert refused.status_code == 403 and "edited" in refused.text
    done = act(client, tokens, "buyer2", order_id, "approve", {"expected_version": 2})
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert audit_actions(trained_home, order_id) == [
        ("po.edit", "ann-buyer"),
        ("po.approve", "bob-buyer"),
    ]
    edit_event = AuditLog(served_settings(trained_home).database).events(
        "purchase_order", order_id
    )[0]
    assert edit_event.reason == "promo next week"
    assert (edit_event.before["quantity"], edit_event.after["quantity"]) == (10, 12)
    assert (edit_event.before["value"], edit_event.after["value"]) == ("5000.0000", "6000.0000")


def test_two_distinct_approvers_above_the_dual_threshold(
    client: TestClient, tokens: dict[str, str], trained_home: Path
) -> None:
    (order_id,) = new_orders(trained_home, po(DUAL))
    first = act(client, tokens, "buyer", order_id, "approve", {"expected_version": 1})
    assert first.status_code == 200, first.text
    assert (first.json()["status"], first.json()["approvals_missing"]) == ("pending_approval", 1)
    again = act(client, tokens, "buyer", order_id, "approve", {"expected_version": 2})
    assert again.status_code == 403 and "2 distinct approvers" in again.text
    second = act(client, tokens, "buyer2", order_id, "approve", {"expected_version": 2})
    assert second.status_code == 200, second.text
    body = second.json()
    assert (body["status"], body["approved_by"]) == ("approved", ["ann-buyer", "bob-buyer"])
    assert (body["approvals_required"], body["approvals_missing"]) == (2, 0)
    released = act(client, tokens, "buyer", order_id, "release", {"expected_version": 3})
    assert released.status_code == 200 and released.json()["status"] == "released"
    assert audit_actions(trained_home, order_id) == [
        ("po.approve", "ann-buyer"),
        ("po.approve", "bob-buyer"),
        ("po.release", "ann-buyer"),
    ]
    assert AuditLog(served_settings(trained_home).database).verify().ok


def test_reject_needs_a_reason(
    client: TestClient, tokens: dict[str, str], trained_home: Path
) -> None:
    (order_id,) = new_orders(trained_home, po(SINGLE))
    missing = act(client, tokens, "buyer", order_id, "reject", {"expected_version": 1})
    assert missing.status_code == 422 and "body.reason" in missing.text
    blank = act(client, tokens, "buyer", order_id, "reject", {"expected_version": 1, "reason": " "})
    assert blank.status_code == 422 and "needs a reason" in blank.text
    body = {"expected_version": 1, "reason": "supplier on stop"}
    done = act(client, tokens, "buyer", order_id, "reject", body)
    assert done.status_code == 200 and done.json()["status"] == "rejected"
    twice = act(client, tokens, "buyer", order_id, "reject", {**body, "expected_version": 2})
    assert twice.status_code == 409 and "it is rejected" in twice.text
    events = AuditLog(served_settings(trained_home).database).events("purchase_order", order_id)
    assert [(e.action, e.reason) for e in events] == [("po.reject", "supplier on stop")]


@pytest.mark.parametrize(
    ("line_id", "body", "code", "needle"),
    [
        ("own", {"quantity": 13, "reason": "r"}, 422, "use 12 or 18"),
        ("own", {"quantity": 0, "reason": "r"}, 422, "quantity 0"),
        ("own", {"quantity": 6, "reason": "r"}, 422, "minimum order of 12"),
        ("own", {"quantity": 24, "reason": "r"}, 422, "already 24"),
        ("own", {"quantity": 12, "reason": "  "}, 422, "needs a reason"),
        ("own", {"quantity": 12}, 422, "body.reason"),
        ("own", {"quantity": 12, "reason": "r", "expected_version": 5}, 409, "version 5"),
        (987654321, {"quantity": 12, "reason": "r"}, 404, "no line 987654321"),
    ],
)
def test_edit_refusals(
    client: TestClient,
    tokens: dict[str, str],
    trained_home: Path,
    line_id: int | str,
    body: dict[str, Any],
    code: int,
    needle: str,
) -> None:
    (order_id,) = new_orders(trained_home, po((24, Decimal("2")), pack_size=6, moq=12))
    if line_id == "own":
        line_id = first_line(client, tokens, order_id)
    path = f"lines/{line_id}/edit"
    answer = act(client, tokens, "buyer", order_id, path, {"expected_version": 1, **body})
    assert answer.status_code == code and needle in answer.text, answer.text
    assert version(client, tokens, order_id) == 1  # nothing changed


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("approve", {}),
        ("reject", {"reason": "too late"}),
        ("release", {}),
    ],
)
def test_a_stale_version_is_409(
    client: TestClient,
    tokens: dict[str, str],
    trained_home: Path,
    action: str,
    body: dict[str, Any],
) -> None:
    (order_id,) = new_orders(trained_home, po(SMALL))  # auto-approved: release applies
    answer = act(client, tokens, "buyer", order_id, action, {"expected_version": 7, **body})
    assert answer.status_code == 409 and "read at version 7 but it is now version 1" in answer.text


def test_conflicting_decisions_one_wins_the_other_is_409(
    client: TestClient, tokens: dict[str, str], trained_home: Path
) -> None:
    (order_id,) = new_orders(trained_home, po(SINGLE))
    won = act(client, tokens, "buyer", order_id, "approve", {"expected_version": 1})
    lost = act(
        client, tokens, "buyer2", order_id, "reject", {"expected_version": 1, "reason": "no"}
    )
    assert (won.status_code, lost.status_code) == (200, 409)
    assert "it is now version 2 (approved)" in lost.text
    assert audit_actions(trained_home, order_id) == [("po.approve", "ann-buyer")]


def test_a_retry_with_the_same_idempotency_key_replays(
    client: TestClient, tokens: dict[str, str], trained_home: Path
) -> None:
    (order_id,) = new_orders(trained_home, po(SINGLE))
    key = f"approve-{order_id}"
    body = {"expected_version": 1, "reason": "checked stock"}
    first = act(client, tokens, "buyer", order_id, "approve", body, key=key)
    retry = act(client, tokens, "buyer", order_id, "approve", body, key=key)
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json() == first.json() | {"replayed": True}
    other = act(client, tokens, "buyer", order_id, "approve", {**body, "reason": "x"}, key=key)
    assert other.status_code == 409 and "idempotency key" in other.text
    assert audit_actions(trained_home, order_id) == [("po.approve", "ann-buyer")]
    assert version(client, tokens, order_id) == 2


def test_bulk_approve_answers_per_po(
    client: TestClient, tokens: dict[str, str], trained_home: Path
) -> None:
    ok, stale, released = new_orders(trained_home, po(SINGLE), po(SINGLE), po(SMALL))
    (own,) = new_orders(trained_home, po(SINGLE), created_by="ann-buyer")
    entries = [
        {"id": ok, "expected_version": 1},
        {"id": own, "expected_version": 1},
        {"id": stale, "expected_version": 3},
        {"id": released, "expected_version": 1},
        {"id": 987654321, "expected_version": 1},
    ]
    answer = client.post(
        "/api/queue/bulk-approve",
        json={"orders": entries, "reason": "weekly run"},
        headers=auth(tokens, "buyer"),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["approved"], body["failed"]) == (1, 4)
    outcomes = body["outcomes"]
    assert [o["order_id"] for o in outcomes] == [e["id"] for e in entries]
    assert [o["ok"] for o in outcomes] == [True, False, False, False, False]
    assert outcomes[0]["decision"]["status"] == "approved" and outcomes[0]["error"] is None
    assert [o["error"]["status"] for o in outcomes[1:]] == [403, 409, 409, 404]
    assert "auto_approved" in outcomes[3]["error"]["detail"]  # nothing left to approve


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"orders": []}, "orders"),
        ({"orders": [{"id": 1, "expected_version": 1}] * 2}, "more than once"),
        ({"orders": [{"id": 1}]}, "expected_version"),
    ],
)
def test_bulk_approve_refuses_bad_bodies(
    client: TestClient, tokens: dict[str, str], body: dict[str, Any], needle: str
) -> None:
    answer = client.post("/api/queue/bulk-approve", json=body, headers=auth(tokens, "buyer"))
    assert answer.status_code == 422 and needle in answer.text


# Release and export.


def test_released_pos_are_exported_as_csv_and_json(
    client: TestClient, tokens: dict[str, str], trained_home: Path
) -> None:
    (order_id,) = new_orders(trained_home, po(SMALL))
    pending = new_orders(trained_home, po(SINGLE))[0]
    not_yet = act(client, tokens, "buyer", pending, "release", {"expected_version": 1})
    assert not_yet.status_code == 409 and "pending_approval" in not_yet.text
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    done = act(client, tokens, "buyer", order_id, "release", {"expected_version": 1})
    assert done.status_code == 200 and done.json()["status"] == "released", done.text
    released_at = dt.datetime.fromisoformat(done.json()["decided_at"])
    detail = client.get(f"/api/queue/orders/{order_id}", headers=auth(tokens, "buyer")).json()
    line_id, source = detail["lines"][0]["id"], detail["source"]

    as_csv = client.get("/api/queue/export", headers=auth(tokens, "buyer"))
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["content-disposition"].startswith("attachment;")
    header, *rows = as_csv.text.splitlines()
    assert header.split(",")[:3] == ["po_id", "line_id", "source_kind"]
    (mine,) = [r.split(",") for r in rows if r.split(",")[0] == str(order_id)]
    assert mine[:9] == [str(order_id), str(line_id), "supplier", source, "DC1", "S0"] + [
        "10",
        "10.0000",
        "100.0000",
    ]
    assert dt.datetime.fromisoformat(mine[9]) == released_at

    since = {"format": "json", "since": before.isoformat()}
    as_json = client.get("/api/queue/export", params=since, headers=auth(tokens, "planner"))
    assert as_json.status_code == 200 and as_json.headers["content-type"] == "application/json"
    (row,) = [r for r in as_json.json() if r["po_id"] == order_id]
    assert (row["quantity"], row["unit_cost"], row["value"]) == (10, "10.0000", "100.0000")
    after = {"format": "json", "since": released_at.isoformat()}  # exclusive
    later = client.get("/api/queue/export", params=after, headers=auth(tokens, "buyer")).json()
    assert order_id not in {r["po_id"] for r in later}


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ({"format": "xml"}, "format"),
        ({"since": "2026-01-01T00:00:00"}, "timezone-aware"),
        ({"since": "yesterday"}, "since"),
    ],
)
def test_export_refuses_bad_queries(
    client: TestClient, tokens: dict[str, str], query: dict[str, str], needle: str
) -> None:
    answer = client.get("/api/queue/export", params=query, headers=auth(tokens, "buyer"))
    assert answer.status_code == 422 and needle in answer.text


# Policy and error mapping.


def test_thresholds_come_from_the_settings(
    client: TestClient, tokens: dict[str, str], trained_home: Path
) -> None:
    """With dual approval above 1000 a 5000 PO needs two people (25000 by default)."""
    custom = Settings(
        home=trained_home,
        as_of="2026-11-01",
        show_progress=False,
        serving={"poll_seconds": 0},
        planning={"auto_approve_below": 50.0, "dual_approval_above": 1000.0},
    )
    app = create_app(custom)
    # The running app's services with the custom settings: no second model load (no lifespan).
    shared = client.app.state.restock  # type: ignore[attr-defined]
    app.state.restock = dataclasses.replace(shared, settings=custom)
    strict = TestClient(app)
    (order_id,) = new_orders(trained_home, po(SINGLE))
    first = act(strict, tokens, "buyer", order_id, "approve", {"expected_version": 1})
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["status"], body["approvals_required"], body["approvals_missing"]) == (
        "pending_approval",
        2,
        1,
    )


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (1000.0, 25000.0, (Decimal("1000.0000"), Decimal("25000.0000"))),
        (None, 0.0, (None, Decimal("0.0000"))),
        (0.1 + 0.2, 25000.0, (Decimal("0.3000"), Decimal("25000.0000"))),
    ],
)
def test_thresholds_from_settings(
    low: float | None, high: float, expected: tuple[Decimal | None, Decimal]
) -> None:
    settings = Settings(planning={"auto_approve_below": low, "dual_approval_above": high})
    got = approval_thresholds(settings)
    assert (got.auto_approve_below, got.dual_approval_above) == expected


def test_contradicting_thresholds_are_a_503_not_a_500(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path, planning={"auto_approve_below": 5000.0, "dual_approval_above": 100.0}
    )
    state = SimpleNamespace(queue=PurchaseOrderQueue(settings.database), settings=settings)
    with pytest.raises(HTTPException) as caught:
        thresholds_from(state)  # type: ignore[arg-type]
    assert caught.value.status_code == 503 and "lower the first" in str(caught.value.detail)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (OrderNotFound(1, database="db"), 404),
        (PlanNotFound(1, database="db"), 404),
        (LineNotFound(1, 2, line_ids=[3]), 404),
        (ReasonRequired("reject"), 422),
        (InvalidQuantity(1, 2, ["quantity 7 is not a whole number of packs"]), 422),
        (InvalidPlan("bad plan"), 422),
        (SegregationOfDuties(1, actor="ann", role="created"), 403),
        (DuplicateApprover(1, actor="ann", required=2), 403),
        (InvalidTransition(1, action="release", status="edited", allowed_from=["approved"]), 409),
        (AlreadyDecided(1, action="approve", status="approved", allowed_from=["edited"]), 409),
        (StaleVersion(1, expected=1, current=2, status="approved"), 409),
        (IdempotencyConflict("k", actor="ann", first="a", now="b"), 409),
        (OrdersError("anything else"), 409),
    ],
)
def test_domain_errors_map_to_status_codes(error: OrdersError, code: int) -> None:
    assert status_of(error) == code

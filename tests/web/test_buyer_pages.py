"""The buyer in a real browser: filter the queue, open a PO and read the numbers behind it, edit
a quantity with a reason, approve; a second buyer's decision taken meanwhile shows as a
conflict; bulk approval reports each PO."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from orders.repository import PurchaseOrderQueue
from serving.audit import AuditLog
from tests.serving.conftest import served_settings
from tests.web.conftest import Shoot, SignIn, problems_of
from tests.web.helpers import new_orders, order_status, pending

pytestmark = [pytest.mark.slow]


def _source(home: Path, order_id: int) -> str:
    return PurchaseOrderQueue(served_settings(home).database).get_order(order_id).source


def test_buyer_filters_opens_edits_and_approves(
    sign_in: SignIn, trained_home: Path, shoot: Shoot
) -> None:
    edited, approved = new_orders(trained_home, pending(pack_size=6), pending())
    page = sign_in("ann-buyer")
    assert page.url.endswith("/queue"), "a buyer lands on the queue"
    shoot(page, "buyer-queue")

    page.get_by_label("Supplier or DC").fill(_source(trained_home, edited))
    page.get_by_label("Status").select_option("pending_approval")
    page.get_by_role("button", name="Apply filters").click()
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("pending approval")
    page.get_by_role("link", name=f"PO {edited}", exact=True).click()

    expect(page.locator("h1")).to_contain_text(f"PO {edited}")
    numbers = page.locator("table.numbers")
    expect(numbers).to_contain_text("Expected demand over lead time + review")
    expect(numbers).to_contain_text("40.3")  # the line's expected demand, 40.33 units
    expect(numbers).to_contain_text("6.5 / 11.2")  # lead time P50 / P90 in days
    expect(page.locator(".risk")).to_contain_text("43%")  # stockout probability 0.4321
    drivers = page.locator(".driver-list li")
    expect(drivers.first).to_contain_text("units")  # business words from the live model
    shoot(page, "buyer-po")

    page.get_by_label(re.compile("New quantity")).fill("18")
    page.get_by_label("Reason for the change (required)").fill("store promo next week")
    page.get_by_role("button", name="Change quantity").click()
    expect(page.locator(".banner.ok")).to_contain_text("Quantity changed")
    expect(page.locator("h1")).to_contain_text("edited")
    audit = page.locator("table.audit")
    expect(audit).to_contain_text("store promo next week")
    expect(audit).to_contain_text("quantity: 12 → 18")

    # Whoever edits may not approve (segregation of duties): the page says so, nothing moves.
    page.get_by_role("button", name=f"Approve PO {edited}").click()
    expect(page.locator(".banner.error")).to_contain_text("segregation of duties")
    assert order_status(trained_home, edited) == "edited"

    bob = sign_in("bob-buyer")
    bob.goto(f"/queue/orders/{edited}")
    bob.get_by_role("button", name=f"Approve PO {edited}").click()
    expect(bob.locator(".banner.ok")).to_contain_text("Approved")
    expect(bob.locator("h1")).to_contain_text("approved")

    page.goto(f"/queue/orders/{approved}")
    page.get_by_label("Note (optional)").fill("checked against the promo calendar")
    page.get_by_role("button", name=f"Approve PO {approved}").click()
    expect(page.locator(".banner.ok")).to_contain_text("Approved")
    expect(page.locator("table.audit")).to_contain_text("checked against the promo calendar")

    assert order_status(trained_home, edited) == "approved"
    assert order_status(trained_home, approved) == "approved"
    events = AuditLog(served_settings(trained_home).database).events("purchase_order", edited)
    assert [(e.action, e.actor) for e in events] == [
        ("po.edit", "ann-buyer"),
        ("po.approve", "bob-buyer"),
    ]
    assert problems_of(page) == [] and problems_of(bob) == []


def test_a_second_buyers_decision_shows_as_a_conflict(
    sign_in: SignIn, trained_home: Path, shoot: Shoot
) -> None:
    (order_id,) = new_orders(trained_home, pending())
    ann = sign_in("ann-buyer")
    ann.goto(f"/queue/orders/{order_id}")
    bob = sign_in("bob-buyer")
    bob.goto(f"/queue/orders/{order_id}")
    bob.get_by_label("Reason for rejecting (required)").fill("supplier on credit hold")
    bob.get_by_role("button", name=f"Reject PO {order_id}").click()
    expect(bob.locator(".banner.ok")).to_contain_text("Rejected")

    # Ann's page still shows the PO as she read it; her approval arrives second.
    ann.get_by_role("button", name=f"Approve PO {order_id}").click()
    banner = ann.locator(".banner.conflict")
    expect(banner).to_contain_text("someone else decided first")
    expect(banner).to_contain_text("bob-buyer rejected this PO")
    expect(banner).to_contain_text("supplier on credit hold")
    expect(ann.locator("h1")).to_contain_text("rejected")
    expect(ann.get_by_role("button", name=f"Approve PO {order_id}")).to_have_count(0)
    shoot(ann, "buyer-conflict")
    assert order_status(trained_home, order_id) == "rejected"
    assert problems_of(ann) == []


def test_bulk_approve_reports_each_po(sign_in: SignIn, trained_home: Path, shoot: Shoot) -> None:
    first, second = new_orders(trained_home, pending(), pending())
    ann = sign_in("ann-buyer")
    ann.goto("/queue?status=pending_approval&sort=id&order=desc")
    ann.get_by_label(f"Select PO {first}").check()
    ann.get_by_label(f"Select PO {second}").check()

    bob = sign_in("bob-buyer")
    bob.goto(f"/queue/orders/{second}")
    bob.get_by_label("Reason for rejecting (required)").fill("duplicate of last week's order")
    bob.get_by_role("button", name=f"Reject PO {second}").click()
    expect(bob.locator(".banner.ok")).to_contain_text("Rejected")

    ann.get_by_label("Note for the audit trail (optional)").fill("weekly run")
    ann.get_by_role("button", name="Approve selected").click()
    result = ann.locator("section.banner")
    expect(result).to_contain_text("1 approved, 1 refused")
    expect(result.locator("li", has_text=f"PO {first}:")).to_contain_text("approved")
    expect(result.locator("li", has_text=f"PO {second}:")).to_contain_text("conflict")
    shoot(ann, "buyer-bulk")
    assert order_status(trained_home, first) == "approved"
    assert order_status(trained_home, second) == "rejected"

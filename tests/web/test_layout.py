"""Every page for each role, at 1280px and at 400px: it opens, fits the screen (tables scroll
inside their box, the page does not), shows the role's navigation, and is screenshotted. And
the keyboard alone signs in, skips to the content and filters the queue."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from orders.repository import PurchaseOrderQueue
from tests.serving.conftest import served_settings
from tests.web.conftest import NARROW, PASSWORDS, WIDE, Shoot, SignIn, problems_of
from tests.web.helpers import new_orders, pending, store_series

pytestmark = [pytest.mark.slow]

NAV = {
    "ann-buyer": ["PO queue", "Monitoring", "KPIs"],
    "ann-planner": ["PO queue", "Planner", "Models", "Monitoring", "KPIs"],
    "ann-ml_engineer": ["Planner", "Models", "Monitoring"],
}


def _pages(home: Path, order_id: int) -> dict[str, list[tuple[str, str]]]:
    sku, location = store_series(home)
    return {
        "ann-buyer": [
            ("queue", "/queue"),
            ("po", f"/queue/orders/{order_id}"),
            ("kpis", "/kpis"),
            ("monitoring", "/monitoring"),
        ],
        "ann-planner": [
            ("planner", "/planner"),
            ("series", f"/planner/series?sku={sku}&location={location}"),
            ("models", "/models"),
            ("kpis", "/kpis"),
        ],
        "ann-ml_engineer": [
            ("models", "/models"),
            ("confirm", "/models/demand-forecaster/confirm?action=promote&version=2"),
            ("monitoring", "/monitoring"),
        ],
    }


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280px", "400px"])
def test_every_page_opens_and_fits_the_screen(
    sign_in: SignIn, trained_home: Path, shoot: Shoot, viewport: dict[str, int]
) -> None:
    (order_id,) = new_orders(trained_home, pending())
    for user, pages in _pages(trained_home, order_id).items():
        page = sign_in(user, viewport=viewport)
        nav = page.get_by_role("navigation", name="Main")
        assert nav.get_by_role("link").all_inner_texts() == NAV[user]
        for name, path in pages:
            answer = page.goto(path)
            assert answer is not None and answer.status == 200, (user, path)
            page.wait_for_load_state("networkidle")
            expect(page.locator("h1")).to_be_visible()
            for chart in page.locator("[data-chart]").all():
                expect(chart).to_have_attribute("data-drawn", "true")
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{path} is {width}px wide for {user}"
            role = user.removeprefix("ann-")
            shoot(page, f"{role}-{name}-{viewport['width']}px")
        assert problems_of(page) == [], (user, problems_of(page))


def test_keyboard_alone_signs_in_skips_to_content_and_filters(
    browser: Browser, base_url: str, trained_home: Path
) -> None:
    (order_id,) = new_orders(trained_home, pending())
    context = browser.new_context(viewport=WIDE, base_url=base_url)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        page.goto("/login")
        # The username field has focus on arrival.
        page.keyboard.type("ann-buyer")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORDS["ann-buyer"])
        page.keyboard.press("Enter")
        page.wait_for_url("**/queue")

        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "main"

        for _ in range(20):  # forward through the form to the supplier filter
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.id") == "f-source":
                break
        else:
            pytest.fail("the supplier filter cannot be reached with Tab")
        supplier = (
            PurchaseOrderQueue(served_settings(trained_home).database).get_order(order_id).source
        )
        page.keyboard.type(supplier)
        page.keyboard.press("Enter")
        page.wait_for_url(f"**source={supplier}**")
        expect(page.locator("table.queue tbody tr")).to_have_count(1)
        expect(page.get_by_role("link", name=f"PO {order_id}", exact=True)).to_be_visible()
    finally:
        context.close()

"""The models page in a real browser: an ML engineer promotes and rolls back behind a
confirmation step and the champion (and what serving answers with) changes; buyers cannot
open the page or use its actions, planners read it without buttons."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.serving.conftest import served_settings
from tests.web.conftest import Shoot, SignIn, problems_of
from training.registry import CHAMPION, DEMAND_MODEL, history, open_registry, versions

pytestmark = [pytest.mark.slow]


def _champion(home: Path) -> int | None:
    settings = served_settings(home)
    registry = open_registry(
        settings.paths, tracking_uri=settings.tracking_uri, database_url=settings.database
    )
    found = versions(registry=registry, name=DEMAND_MODEL)
    return next((v.version for v in found if CHAMPION in v.aliases), None)


def _demand(page: Page) -> Locator:
    return page.locator("section.model", has=page.get_by_role("heading", name=DEMAND_MODEL))


def _fact(section: Locator, name: str) -> str:
    return (
        section.locator(".facts div", has=section.page.locator(f"dt:text-is('{name}')"))
        .locator("dd")
        .inner_text()
    )


def test_ml_engineer_promotes_then_rolls_back_and_the_champion_changes(
    sign_in: SignIn, trained_home: Path, shoot: Shoot
) -> None:
    start = _champion(trained_home)
    assert start == 1
    page = sign_in("ann-ml_engineer")
    assert page.url.endswith("/models"), "an ML engineer lands on the models page"
    demand = _demand(page)
    assert _fact(demand, "Champion") == "v1" and _fact(demand, "Serving") == "v1"
    backtest = demand.locator("details[open] table")
    expect(backtest).to_contain_text("seasonal naive (baseline)")
    expect(backtest).to_contain_text("restock routed")
    run_link = demand.locator("table.versions a[href*='/#/experiments/']").first
    expect(run_link).to_have_attribute("href", re.compile(r"/runs/[0-9a-f]{32}$"))
    shoot(page, "models")

    demand.get_by_role("link", name="Promote v2…").click()
    expect(page.locator("h1")).to_have_text("Promote demand-forecaster v2 to champion?")
    expect(page.locator(".banner.conflict")).to_contain_text("failed its promotion gate")
    shoot(page, "models-confirm")
    page.get_by_role("link", name="Cancel").click()
    assert _champion(trained_home) == 1, "cancel changes nothing"

    _demand(page).get_by_role("link", name="Promote v2…").click()
    page.get_by_label(re.compile("^Why")).fill("a tie on MASE, and v2 saw three more weeks")
    page.get_by_role("button", name="Yes, promote").click()
    expect(page.locator(".banner.ok")).to_contain_text("promoted to version 2")
    assert _fact(_demand(page), "Champion") == "v2" and _fact(_demand(page), "Serving") == "v2"
    assert _champion(trained_home) == 2

    _demand(page).get_by_role("link", name="Roll back the champion…").click()
    expect(page.locator("h1")).to_have_text("Roll back the demand-forecaster champion?")
    page.get_by_label(re.compile("^Why")).fill("v2 over-forecasts the promotions")
    page.get_by_role("button", name="Yes, roll back").click()
    expect(page.locator(".banner.ok")).to_contain_text("rolled back to version 1")
    demand = _demand(page)
    assert _fact(demand, "Champion") == "v1" and _fact(demand, "Serving") == "v1"
    latest = demand.locator("table.history tbody tr").first
    expect(latest).to_contain_text("rollback")
    expect(latest).to_contain_text("ann-ml_engineer")
    expect(latest).to_contain_text("v2 over-forecasts the promotions")
    assert _champion(trained_home) == 1

    settings = served_settings(trained_home)
    registry = open_registry(
        settings.paths, tracking_uri=settings.tracking_uri, database_url=settings.database
    )
    moves = history(registry=registry, name=DEMAND_MODEL)
    assert [(m.action, m.to_version, m.actor) for m in moves[-2:]] == [
        ("promote", 2, "ann-ml_engineer"),
        ("rollback", 1, "ann-ml_engineer"),
    ]
    assert problems_of(page) == []


def test_buyer_cannot_see_or_use_model_actions(sign_in: SignIn, trained_home: Path) -> None:
    before = _champion(trained_home)
    page = sign_in("ann-buyer")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Models")).to_have_count(0)
    answer = page.goto("/models")
    assert answer is not None and answer.status == 403
    expect(page.locator(".banner.error")).to_contain_text("for planners or ML engineers")
    actions = re.compile("Promote|Roll back|Yes,")
    expect(page.get_by_role("link", name=actions)).to_have_count(0)
    expect(page.get_by_role("button", name=actions)).to_have_count(0)

    # A hand-made POST with a genuine form token is refused as well.
    token = page.locator("input[name='csrf_token']").first.get_attribute("value")
    assert token
    forged = page.request.post(
        "/models/demand-forecaster/rollback", form={"csrf_token": token, "reason": "not mine"}
    )
    assert forged.status == 403
    confirm = page.goto("/models/demand-forecaster/confirm?action=rollback")
    assert confirm is not None and confirm.status == 403
    assert _champion(trained_home) == before

    planner = sign_in("ann-planner")
    shown = planner.goto("/models")
    assert shown is not None and shown.status == 200
    expect(planner.locator("main")).to_contain_text("Read only")
    expect(planner.get_by_role("link", name=actions)).to_have_count(0)

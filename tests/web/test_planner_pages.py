"""The planner in a real browser: the exceptions list, a sku-location's chart (history, P10-P90
band, P50, promotions and stockouts marked) and drivers in business words, and an override
recorded with a rationale."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect

from monitoring.alerts import Alert, Alerts
from planning.overrides import Overrides
from serving.series_history import HISTORY_PERIODS
from tests.serving.conftest import served_settings
from tests.web.conftest import Shoot, SignIn, problems_of
from tests.web.helpers import store_series

pytestmark = [pytest.mark.slow]


def _marked(home: Path, sku: str, location: str) -> tuple[int, int]:
    """Promotion and stockout periods in the history the chart shows."""
    panel = pd.read_parquet(home / "data" / "cleaned" / "panel.parquet")
    mine = panel[(panel["sku"] == sku) & (panel["location"] == location)]
    shown = mine.sort_values("date").tail(HISTORY_PERIODS["daily"])
    return int(shown["on_promo"].sum()), int(shown["stockout"].sum())


def test_planner_opens_a_series_sees_chart_and_drivers_and_overrides(
    sign_in: SignIn, trained_home: Path, shoot: Shoot
) -> None:
    sku, location = store_series(trained_home)
    database = served_settings(trained_home).database
    Alerts(database).raise_alert(
        Alert(
            kind="accuracy_decay",
            severity="warning",
            message="bias +18% over the last 4 weeks, beyond the 10% tolerance",
            model_name="demand-forecaster",
            sku=sku,
            location=location,
        )
    )
    page = sign_in("ann-planner")
    assert page.url.endswith("/planner"), "a planner lands on the planner page"
    exceptions = page.locator("section", has=page.locator("#exc-h"))
    expect(exceptions).to_contain_text(f"{sku} at {location}")
    expect(exceptions).to_contain_text("bias +18%")
    shoot(page, "planner-home")

    page.get_by_label("SKU", exact=True).fill(sku)
    page.get_by_label("Location", exact=True).fill(location)
    page.get_by_role("button", name="Show forecast").click()
    expect(page.locator("h1")).to_have_text(f"{sku} at {location}")
    chart = page.locator("#forecast-chart")
    expect(chart).to_have_attribute("data-drawn", "true")
    expect(chart.locator(".main-svg").first).to_be_visible()
    names = page.evaluate("() => document.getElementById('forecast-chart').data.map(t => t.name)")
    assert {"sold", "P10-P90 band"} <= set(names)
    assert any(name.startswith("forecast P50") for name in names)
    promotions, stockouts = _marked(trained_home, sku, location)
    assert ("promotion" in names) == (promotions > 0)
    assert ("stockout" in names) == (stockouts > 0)

    drivers = page.locator("#driver-list li")
    assert drivers.count() >= 1
    for text in drivers.all_inner_texts():
        assert "units over the next 7 days" in text, text
    expect(page.locator("#driver-chart")).to_have_attribute("data-drawn", "true")

    page.get_by_label("Value", exact=True).fill("20")
    page.get_by_label("Rationale: why the model is wrong here").fill("end-cap display from Monday")
    page.get_by_role("button", name="Record override").click()
    expect(page.locator(".banner.ok")).to_contain_text("Override recorded")
    in_force = page.locator("section", has=page.locator("#in-force-h"))
    expect(in_force).to_contain_text("+20% vs the model")
    expect(in_force).to_contain_text("end-cap display from Monday")
    expect(chart).to_have_attribute("data-drawn", "true")
    names = page.evaluate("() => document.getElementById('forecast-chart').data.map(t => t.name)")
    assert "planner override P50" in names
    shoot(page, "planner-series")

    made = [o for o in Overrides(database).active(sku=sku, location=location)]
    assert [(o.created_by, o.value, o.rationale) for o in made] == [
        ("ann-planner", 20.0, "end-cap display from Monday")
    ]

    # On call sees the same alert on the monitoring page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Monitoring").click()
    alerts = page.locator("section", has=page.locator("#alerts-h"))
    expect(alerts).to_contain_text("bias +18% over the last 4 weeks")
    expect(alerts).to_contain_text(f"{sku} at {location}")
    shoot(page, "monitoring")
    assert problems_of(page) == []


def test_override_form_says_what_to_fix(sign_in: SignIn, trained_home: Path) -> None:
    sku, location = store_series(trained_home)
    page = sign_in("ann-planner")
    page.goto(f"/planner/series?sku={sku}&location={location}")
    page.get_by_label("Value", exact=True).fill("twenty")
    page.get_by_label("Rationale: why the model is wrong here").fill("no")
    # The browser's own checks (minlength) aside, the server checks every field too.
    page.locator("form.grid-form").evaluate("form => { form.noValidate = true; }")
    page.get_by_role("button", name="Record override").click()
    problems = page.locator(".banner.error")
    expect(problems).to_contain_text("the value must be a number")
    expect(problems).to_contain_text("rationale of 3 characters or more")
    expect(page.get_by_label("Value", exact=True)).to_have_value("twenty")


def test_unknown_series_is_a_clear_404(sign_in: SignIn) -> None:
    page = sign_in("ann-planner")
    answer = page.goto("/planner/series?sku=SKU0000l&location=S001")
    assert answer is not None and answer.status == 404
    expect(page.locator(".banner.error")).to_contain_text("unknown sku 'SKU0000l'")
    expect(page.locator(".banner.error")).to_contain_text("did you mean")

"""The services behind the pages, on small real inputs: KPI panel numbers worked out by hand,
planner exceptions from two real plans in SQLite, the monitoring view before any monitoring
run, the MLflow run link, the login redirect guard and the CSRF token binding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from starlette.requests import Request

from monitoring.alerts import Alert, Alerts
from orders.domain import PlanDraft, SeriesReview
from orders.repository import PurchaseOrderQueue
from restock.home import HomePaths
from serving.kpi_panel import DC_ROW, TOTAL_ROW, KpiPanel, compute
from serving.model_admin import run_link
from serving.monitoring_view import AlertsOnly, monitoring_view
from serving.planner_exceptions import bias_exceptions, forecast_change_exceptions
from serving.web.csrf import CSRF_COOKIE, csrf_token, verify
from serving.web.handlers import safe_next
from tests.orders.factories import explanation, line, plan

# KPI panel.


def _home(tmp_path: Path) -> HomePaths:
    """Two store series in segments AX and BY, a DC holding stock, 364 days of sales."""
    paths = HomePaths(tmp_path / "home")
    paths.ingested.mkdir(parents=True)
    paths.cleaned.mkdir(parents=True)
    pd.DataFrame({"sku": ["A", "B"], "unit_cost": [2.0, 5.0], "unit_price": [3.0, 8.0]}).to_parquet(
        paths.ingested / "items.parquet"
    )
    snapshot = pd.Timestamp("2026-09-30")
    pd.DataFrame(
        {
            "sku": ["A", "B", "A"],
            "location": ["S1", "S1", "DC"],
            "as_of": [snapshot] * 3,
            "on_hand": [70.0, 10.0, 140.0],
            "on_order": [0.0] * 3,
            "backorders": [0.0] * 3,
        }
    ).to_parquet(paths.ingested / "inventory.parquet")
    dates = pd.date_range(end=snapshot, periods=364, freq="D")
    a = pd.DataFrame(
        {"sku": "A", "location": "S1", "date": dates, "units": 10.0, "demand": 10.0, "price": 3.0}
    )
    # B sells 4 a day but 5 were asked for on the last 91 days' stockouts.
    b = pd.DataFrame(
        {"sku": "B", "location": "S1", "date": dates, "units": 4.0, "demand": 4.0, "price": 8.0}
    )
    b.loc[b.index[-91:], "demand"] = 5.0
    pd.concat([a, b]).to_parquet(paths.cleaned / "panel.parquet")
    pd.DataFrame({"sku": ["A", "B"], "location": ["S1", "S1"], "segment": ["AX", "BY"]}).to_parquet(
        paths.cleaned / "segments.parquet"
    )
    return paths


def test_kpis_per_segment_match_the_hand_computation(tmp_path: Path) -> None:
    report = compute(_home(tmp_path))
    rows = {r.segment: r for r in report.rows}
    assert list(rows) == ["AX", "BY", DC_ROW, TOTAL_ROW]
    ax, by, dc, total = rows["AX"], rows["BY"], rows[DC_ROW], rows[TOTAL_ROW]
    # AX: 70 on hand x 2 = 140; COGS 364 x 10 x 2 = 7280 -> 52 turns; 70 / 70 a week = 1 week;
    # margin 364 x 10 x (3 - 2) = 3640 -> GMROI 26.
    assert ax.inventory_value == pytest.approx(140.0)
    assert ax.turns == pytest.approx(52.0)
    assert ax.weeks_of_supply == pytest.approx(1.0)
    assert ax.fill_rate == pytest.approx(1.0)
    assert ax.gmroi == pytest.approx(26.0)
    # BY: 10 x 5 = 50; sold 1456 of 1456 + 91 asked; 10 units / 35 a week.
    assert by.inventory_value == pytest.approx(50.0)
    assert by.fill_rate == pytest.approx(1456 / 1547)
    assert by.weeks_of_supply == pytest.approx(10 / 35)
    assert by.gmroi == pytest.approx(1456 * 3 / 50)
    # The DC holds 140 units of A (280 at cost) and sells nothing itself.
    assert dc.inventory_value == pytest.approx(280.0)
    assert (dc.turns, dc.fill_rate, dc.gmroi) == (None, None, None)
    assert dc.weeks_of_supply == pytest.approx(140 / 70)
    assert total.inventory_value == pytest.approx(470.0)
    assert total.turns == pytest.approx((7280 + 1456 * 5) / 470)
    assert report.window_end == dt.date(2026, 9, 30)
    months = {(p.segment, p.month) for p in report.trend}
    assert ("BY", dt.date(2026, 9, 1)) in months
    september = next(p for p in report.trend if (p.segment, p.month.month) == ("BY", 9))
    assert september.fill_rate == pytest.approx(4 / 5)


def test_kpi_panel_says_what_is_missing_and_recomputes_on_change(tmp_path: Path) -> None:
    empty = HomePaths(tmp_path / "empty")
    assert compute(empty).missing == ("inventory", "items", "panel", "segments")
    paths = _home(tmp_path)
    panel = KpiPanel(paths)
    first = panel.report()
    assert panel.report() is first, "cached while the inputs do not change"
    items = pd.DataFrame({"sku": ["A", "B"], "unit_cost": [4.0, 5.0], "unit_price": [6.0, 8.0]})
    items.to_parquet(paths.ingested / "items.parquet")
    again = panel.report()
    assert again is not first
    assert {r.segment: r.inventory_value for r in again.rows}["AX"] == pytest.approx(280.0)


# Planner exceptions.


def _plan(review_date: dt.date, demand: dict[str, float]) -> PlanDraft:
    """A plan reviewing skus at S1 with these expected demands, ordering 10 of the first."""
    reviews = [
        SeriesReview(
            sku=sku,
            location="S1",
            expected_demand=value,
            inventory_position=0.0,
            order_quantity=10 if i == 0 else 0,
        )
        for i, (sku, value) in enumerate(demand.items())
    ]
    first = reviews[0]
    why = explanation(
        expected_demand=first.expected_demand,
        inventory_position=0.0,
        on_hand=0.0,
        on_order=0.0,
        backorders=0.0,
    )
    ordered = line(sku=first.sku, location="S1", quantity=10, explanation=why)
    return plan(ordered, review_date=review_date, reviews=tuple(reviews))


def test_forecast_change_exceptions_compare_the_last_two_plans(tmp_path: Path) -> None:
    queue = PurchaseOrderQueue(f"sqlite:///{tmp_path / 'queue.db'}")
    assert forecast_change_exceptions(queue, threshold=0.15) == []
    first = dt.date(2026, 10, 5)
    queue.save_plan(_plan(first, {"A": 100, "B": 100, "C": 0, "D": 50}))
    assert forecast_change_exceptions(queue, threshold=0.15) == [], "one plan: nothing to compare"
    later = first + dt.timedelta(days=7)
    queue.save_plan(_plan(later, {"A": 130, "B": 110, "C": 5, "D": 50}))
    found = forecast_change_exceptions(queue, threshold=0.15)
    assert [(e.sku, e.kind) for e in found] == [("C", "forecast_change"), ("A", "forecast_change")]
    assert found[0].change is None and "new demand" in found[0].detail
    assert found[1].change == pytest.approx(0.30)
    assert "130.0 units" in found[1].detail and "+30%" in found[1].detail


def test_bias_exceptions_come_from_accuracy_alerts() -> None:
    alerts = [
        Alert(
            kind="accuracy_decay", severity="warning", message="bias +18%", sku="A", location="S1"
        ),
        Alert(kind="accuracy_decay", severity="critical", message="WAPE up 40%", segment="CZ"),
        Alert(kind="data_drift", severity="warning", message="price moved"),
    ]
    found = bias_exceptions(alerts)
    assert [(e.sku, e.location, e.detail) for e in found] == [
        ("A", "S1", "bias +18%"),
        (None, None, "segment CZ: WAPE up 40%"),
    ]


# Monitoring view, links, guards.


def test_monitoring_view_before_any_monitoring_run(tmp_path: Path) -> None:
    alerts = Alerts(f"sqlite:///{tmp_path / 'alerts.db'}")
    older = alerts.raise_alert(Alert(kind="data_drift", severity="warning", message="drift"))
    newer = alerts.raise_alert(Alert(kind="rollback", severity="critical", message="rolled back"))
    alerts.raise_alert(Alert(kind="retrain", severity="info", message="done"))
    alerts.resolve(3)
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "drift_demand.html").write_text("<html></html>")
    (reports / "notes.txt").write_text("not a report")
    view = monitoring_view(alerts, AlertsOnly(reports))
    assert [a.id for a in view.alerts] == [newer.id, older.id]
    assert view.drift is None and view.service_levels is None and view.stockout_causes is None
    assert [r.name for r in view.reports] == ["drift_demand.html"]
    assert monitoring_view(alerts, AlertsOnly(tmp_path / "none")).reports == ()


@pytest.mark.parametrize(
    ("uri", "link"),
    [
        ("sqlite:////h/mlruns/mlflow.db", "http://127.0.0.1:5000/#/experiments/3/runs/abc"),
        ("http://mlflow.internal:5000/", "http://mlflow.internal:5000/#/experiments/3/runs/abc"),
        ("https://ml.example.com", "https://ml.example.com/#/experiments/3/runs/abc"),
    ],
)
def test_run_link(uri: str, link: str) -> None:
    assert run_link(uri, "3", "abc") == link


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("/queue?status=edited", "/queue?status=edited"),
        ("/", "/"),
        (None, "/"),
        ("", "/"),
        ("//evil.example", "/"),
        ("https://evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("queue", "/"),
    ],
)
def test_safe_next(given: str | None, kept: str) -> None:
    assert safe_next(given) == kept


def _request(cookies: dict[str, str]) -> Request:
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return Request({"type": "http", "headers": [(b"cookie", header.encode())]})


def test_csrf_token_is_bound_to_nonce_session_and_secret() -> None:
    secret = "s" * 32
    nonce = "n" * 43
    ann = _request({CSRF_COOKIE: nonce, "restock_session": "ann.sig"})
    token = csrf_token(ann, nonce, secret)
    assert verify(ann, token, secret)
    assert not verify(ann, token, "t" * 32)
    bob = _request({CSRF_COOKIE: nonce, "restock_session": "bob.sig"})
    assert not verify(bob, token, secret)
    other_nonce = _request({CSRF_COOKIE: "m" * 43, "restock_session": "ann.sig"})
    assert not verify(other_nonce, token, secret)
    assert not verify(_request({"restock_session": "ann.sig"}), token, secret)
    assert not verify(ann, "", secret)


def test_money_is_shown_as_money() -> None:
    from serving.web.templating import environment

    money = environment().filters["money"]
    assert money(Decimal("1234.5")) == "1,234.50"
    assert money(None) == "—"

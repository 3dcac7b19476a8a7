"""Planner overrides over HTTP on the trained tiny demo: create (baseline kept, audited),
list, revoke (audited), roles, errors, accuracy against the panel's actual demand, and the
view shown beside a forecast."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from planning.overrides import Override, Overrides
from serving.audit import AuditLog
from serving.forecasting import ForecastStep, SeriesForecast
from serving.routers.overrides import override_beside
from tests.serving.conftest import auth as _auth
from tests.serving.conftest import first_series as _series
from tests.serving.conftest import served_settings as _settings

pytestmark = [pytest.mark.slow]

LATER = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()


def _steps(client: TestClient, tokens: dict[str, str], sku: str, location: str) -> list[Any]:
    answer = client.get(
        f"/api/forecasts/{sku}/{location}?explain=false", headers=_auth(tokens, "planner")
    )
    assert answer.status_code == 200, answer.text
    steps: list[Any] = answer.json()["steps"]
    return steps


def _body(sku: str, location: str, start: str, end: str, **change: Any) -> dict[str, Any]:
    return {
        "sku": sku,
        "location": location,
        "start": start,
        "end": end,
        "kind": "percent",
        "value": 25.0,
        "rationale": "store refit closes the aisle for two days",
        "expires_at": LATER,
    } | change


def test_create_list_revoke_audited(
    client: TestClient, tokens: dict[str, str], trained_home: Path
) -> None:
    sku, location = _series(trained_home)
    steps = _steps(client, tokens, sku, location)
    start, end = steps[1]["date"], steps[2]["date"]
    made = client.post(
        "/api/overrides", json=_body(sku, location, start, end), headers=_auth(tokens, "planner")
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["created_by"], body["status"], body["kind"]) == (
        "ann-planner",
        "active",
        "percent",
    )
    assert body["baseline"] == [{"date": s["date"], "p50": s["p50"]} for s in steps[1:3]]
    clash = client.post(
        "/api/overrides",
        json=_body(sku, location, end, end, kind="units", value=3),
        headers=_auth(tokens, "admin"),
    )
    assert clash.status_code == 409 and f"#{body['id']}" in clash.text
    listed = client.get(
        f"/api/overrides?active=true&sku={sku}&location={location}", headers=_auth(tokens, "buyer")
    )
    assert [o["id"] for o in listed.json()] == [body["id"]]
    gone = client.delete(
        f"/api/overrides/{body['id']}?reason=refit postponed", headers=_auth(tokens, "planner")
    )
    assert gone.status_code == 200, gone.text
    assert (gone.json()["status"], gone.json()["revoked_by"]) == ("revoked", "ann-planner")
    again = client.delete(
        f"/api/overrides/{body['id']}?reason=refit postponed", headers=_auth(tokens, "planner")
    )
    assert again.status_code == 409 and "already revoked" in again.text
    active = client.get(f"/api/overrides?active=true&sku={sku}", headers=_auth(tokens, "planner"))
    assert body["id"] not in [o["id"] for o in active.json()]
    one = client.get(f"/api/overrides/{body['id']}", headers=_auth(tokens, "ml_engineer"))
    assert one.json()["revoke_reason"] == "refit postponed"
    audit = AuditLog(_settings(trained_home).database)
    events = audit.events(entity_type="forecast_override", entity_id=body["id"])
    assert [(e.action, e.actor) for e in events] == [
        ("override.create", "ann-planner"),
        ("override.revoke", "ann-planner"),
    ]
    assert events[0].reason == "store refit closes the aisle for two days"
    assert events[0].after["value"] == 25.0 and events[1].before["revoked_at"] is None
    assert audit.verify().ok


@pytest.mark.parametrize(
    ("role", "code"), [("buyer", 403), ("ml_engineer", 403), (None, 401), ("admin", 201)]
)
def test_who_may_override(
    client: TestClient, tokens: dict[str, str], trained_home: Path, role: str | None, code: int
) -> None:
    sku, location = _series(trained_home)
    date = _steps(client, tokens, sku, location)[-1]["date"]  # the last step: no other test's
    headers = {} if role is None else _auth(tokens, role)
    answer = client.post("/api/overrides", json=_body(sku, location, date, date), headers=headers)
    assert answer.status_code == code, answer.text
    if code == 201:
        revoke = f"/api/overrides/{answer.json()['id']}?reason=test over"
        assert client.delete(revoke, headers=_auth(tokens, "admin")).status_code == 200


@pytest.mark.parametrize(
    ("change", "code", "needle"),
    [
        ({"end": "2026-01-01"}, 422, "before start"),
        ({"kind": "percent", "value": -100}, 422, "above -100"),
        ({"kind": "units", "value": -2}, 422, "cannot be negative"),
        ({"kind": "double"}, 422, "kind"),
        ({"rationale": "    "}, 422, "rationale"),
        ({"expires_at": "2027-01-01T00:00:00"}, 422, "expires_at"),  # no timezone
        ({"expires_at": "2026-01-01T00:00:00Z"}, 422, "not after now"),
        ({"start": "2020-01-01", "end": "2020-01-05"}, 422, "not history"),
        ({"sku": "NOPE"}, 404, "NOPE"),
    ],
)
def test_create_errors(
    client: TestClient,
    tokens: dict[str, str],
    trained_home: Path,
    change: dict[str, Any],
    code: int,
    needle: str,
) -> None:
    sku, location = _series(trained_home)
    date = _steps(client, tokens, sku, location)[-1]["date"]
    answer = client.post(
        "/api/overrides",
        json=_body(sku, location, date, date) | change,
        headers=_auth(tokens, "planner"),
    )
    assert answer.status_code == code, answer.text
    assert needle in answer.text


@pytest.mark.parametrize(
    ("path", "code"),
    [("/api/overrides/999999?reason=gone now", 404), ("/api/overrides/1?reason=", 422)],
)
def test_revoke_errors(client: TestClient, tokens: dict[str, str], path: str, code: int) -> None:
    assert client.delete(path, headers=_auth(tokens, "planner")).status_code == code


def test_accuracy_against_actual_demand(
    client: TestClient, tokens: dict[str, str], trained_home: Path
) -> None:
    settings = _settings(trained_home)
    sku, location = _series(trained_home)
    panel = pd.read_parquet(settings.paths.cleaned / "panel.parquet")
    panel = panel[(panel["sku"] == sku) & (panel["location"] == location)].tail(3)
    dates = [pd.Timestamp(d).date() for d in panel["date"]]
    demand = panel["demand"].to_numpy(dtype=np.float64)
    # Made in the past against a model P50 of 1 per period; the planner said `mean + 1`.
    value = float(demand.mean()) + 1.0
    made = Overrides(settings.database).add(
        Override(
            sku=sku,
            location=location,
            start=dates[0],
            end=dates[-1],
            kind="units",
            value=value,
            rationale="known bulk order",
            created_by="ann-planner",
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
            baseline=tuple((d, 1.0) for d in dates),
            model_version=1,
        )
    )
    answer = client.get("/api/overrides/accuracy", headers=_auth(tokens, "planner"))
    assert answer.status_code == 200, answer.text
    report = answer.json()
    row = next(r for r in report["overrides"] if r["override_id"] == made.id)
    assert (row["periods"], row["pending"]) == (3, 0)
    assert row["mae_model"] == pytest.approx(np.abs(1.0 - demand).mean())
    assert row["mae_override"] == pytest.approx(np.abs(value - demand).mean())
    assert row["override_better"] == (row["mae_override"] < row["mae_model"])
    assert report["evaluated"] >= 1 and 0 <= report["share_better"] <= 1
    Overrides(settings.database).revoke(made.id or 0, by="test", reason="cleanup")


def test_override_shown_beside_the_model() -> None:
    days = [dt.date(2026, 11, d) for d in (1, 2, 3)]
    quantiles = {"p10": 2.0, "p50": 10.0, "p90": 15.0, "p95": 17.0, "p98": 20.0}
    fc = SeriesForecast(
        sku="A",
        location="S1",
        model_version=2,
        routed_to="restock_lgbm",
        frequency="daily",
        origin=dt.date(2026, 10, 31),
        panel_version="x",
        steps=tuple(
            ForecastStep(step=i + 1, date=d, quantiles=quantiles) for i, d in enumerate(days)
        ),
    )
    now = dt.datetime.now(dt.UTC)
    override = Override(
        sku="A",
        location="S1",
        start=days[1],
        end=days[2],
        kind="units",
        value=4.0,
        rationale="aisle closed",
        created_by="ann-planner",
        expires_at=now + dt.timedelta(days=1),
        created_at=now,
        id=5,
    )
    assert override_beside(fc, [replace(override, sku="B")]) is None
    view = override_beside(fc, [override])
    assert view is not None and [o.id for o in view.overrides] == [5]
    assert [(s.step, s.override_id) for s in view.steps] == [(2, 5), (3, 5)]
    # P50 set to 4: the band shifts down 6 and P10 stops at 0.
    assert [view.steps[0].p10, view.steps[0].p50, view.steps[0].p98] == [0.0, 4.0, 14.0]

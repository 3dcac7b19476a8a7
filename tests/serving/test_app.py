"""The app end to end on a trained tiny demo: health, forecasts with drivers, model admin with
hot swap after rollback, auth (401/403), validation (422), production-mode refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from restock.settings import Settings
from serving.app import UnsafeConfiguration, create_app
from serving.audit import AuditLog
from tests.serving.conftest import auth as _auth
from tests.serving.conftest import first_series as _series
from tests.serving.conftest import served_settings as _settings

pytestmark = [pytest.mark.slow]


def test_health_names_the_served_versions(client: TestClient) -> None:
    body = client.get("/health").json()
    demand = next(m for m in body["models"] if m["name"] == "demand-forecaster")
    assert body["status"] == "ok" and demand["version"] in (1, 2) and not demand["stale"]


def test_forecast_with_drivers(
    client: TestClient, tokens: dict[str, str], trained_home: Path
) -> None:
    sku, location = _series(trained_home)
    answer = client.get(f"/api/forecasts/{sku}/{location}", headers=_auth(tokens, "planner"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["steps"]) == 28 and body["model_version"] in (1, 2)
    step = body["steps"][0]
    assert 0 <= step["p10"] <= step["p50"] <= step["p90"] <= step["p95"] <= step["p98"]
    why = body["explanation"]
    assert why["horizon"] == 7 and why["summary"]
    if body["routed_to"] == "restock_lgbm":
        assert why["drivers"] and all(d["text"] for d in why["drivers"])


@pytest.mark.parametrize(
    ("path", "code", "needle"),
    [
        ("/api/forecasts/NOPE/S001", 404, "NOPE"),
        ("/api/forecasts/{sku}/{location}?horizon=0", 422, "horizon"),
        ("/api/forecasts/{sku}/{location}?horizon=999", 422, "horizon"),
        ("/api/forecasts/{sku}/{location}?top=0", 422, "top"),
    ],
)
def test_forecast_errors(
    client: TestClient,
    tokens: dict[str, str],
    trained_home: Path,
    path: str,
    code: int,
    needle: str,
) -> None:
    sku, location = _series(trained_home)
    answer = client.get(path.format(sku=sku, location=location), headers=_auth(tokens, "buyer"))
    assert answer.status_code == code, answer.text
    assert needle in answer.text


def test_batch_and_its_errors(
    client: TestClient, tokens: dict[str, str], trained_home: Path
) -> None:
    sku, location = _series(trained_home)
    ok = client.post(
        "/api/forecasts/batch",
        json={"series": [{"sku": sku, "location": location}], "horizon": 5},
        headers=_auth(tokens, "planner"),
    )
    assert ok.status_code == 200 and len(ok.json()[0]["steps"]) == 5
    empty = client.post(
        "/api/forecasts/batch", json={"series": []}, headers=_auth(tokens, "planner")
    )
    assert empty.status_code == 422 and "series" in empty.text
    garbage = client.post(
        "/api/forecasts/batch",
        content=b"{not json",
        headers={**_auth(tokens, "planner"), "content-type": "application/json"},
    )
    assert garbage.status_code == 422


def test_auth_is_enforced(client: TestClient, tokens: dict[str, str], trained_home: Path) -> None:
    sku, location = _series(trained_home)
    assert client.get(f"/api/forecasts/{sku}/{location}").status_code == 401
    bad = client.get(
        f"/api/forecasts/{sku}/{location}", headers={"Authorization": "Bearer rk_nope"}
    )
    assert bad.status_code == 401
    forbidden = client.get("/api/models/demand-forecaster/versions", headers=_auth(tokens, "buyer"))
    assert forbidden.status_code == 403 and "ml_engineer" in forbidden.text


def test_promote_and_rollback_hot_swap(
    client: TestClient, tokens: dict[str, str], trained_home: Path
) -> None:
    engineer = _auth(tokens, "ml_engineer")
    versions = client.get("/api/models/demand-forecaster/versions", headers=engineer).json()
    assert [v["version"] for v in versions] == [1, 2]
    up = client.post(
        "/api/models/demand-forecaster/promote",
        json={"version": 2, "reason": "try the retrained one"},
        headers=engineer,
    )
    assert up.status_code == 200, up.text
    assert up.json()["served_version"] == 2
    sku, location = _series(trained_home)
    served = client.get(f"/api/forecasts/{sku}/{location}?explain=false", headers=engineer)
    assert served.json()["model_version"] == 2
    down = client.post(
        "/api/models/demand-forecaster/rollback",
        json={"reason": "worse live accuracy"},
        headers=engineer,
    )
    assert down.status_code == 200, down.text
    assert down.json()["served_version"] == down.json()["champion"] != 2
    again = client.get(f"/api/forecasts/{sku}/{location}?explain=false", headers=engineer)
    assert again.json()["model_version"] == down.json()["champion"]
    history = client.get("/api/models/demand-forecaster/history", headers=engineer).json()
    assert history[-1]["action"] == "rollback" and history[-1]["actor"] == "ann-ml_engineer"
    audit = AuditLog(_settings(trained_home).database)
    actions = [e.action for e in audit.events(entity_type="model")]
    assert actions[-2:] == ["model.promote", "model.rollback"]
    assert audit.verify().ok


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/api/models/nope/promote", {"version": 1, "reason": "why not"}, 404),
        ("/api/models/demand-forecaster/promote", {"version": 99, "reason": "why not"}, 404),
        ("/api/models/demand-forecaster/promote", {"version": 1}, 422),
        ("/api/models/demand-forecaster/promote", {"version": 1, "reason": ""}, 422),
    ],
)
def test_model_admin_errors(
    client: TestClient, tokens: dict[str, str], path: str, body: dict[str, object], code: int
) -> None:
    answer = client.post(path, json=body, headers=_auth(tokens, "ml_engineer"))
    assert answer.status_code == code, answer.text


def test_production_refuses_default_secret(trained_home: Path) -> None:
    unsafe = Settings(home=trained_home, serving={"production": True})
    with pytest.raises(UnsafeConfiguration, match="SECRET_KEY"):
        create_app(unsafe)

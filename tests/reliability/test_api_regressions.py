"""Regression tests for what the fuzzing found, and security checks of issue 9 not covered
elsewhere: the sign-in rate limit, secrets kept out of the logs, formula injection in exports.

Each runs against its own app on the reliability suite's private copy of the trained home.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from restock.settings import Settings
from serving.api_types import DB_INT_MAX
from serving.app import create_app
from tests.serving.conftest import auth, served_settings
from tests.web.helpers import new_orders, pending

TOO_BIG = 2**63  # SQLite's INTEGER overflows here (it was a 500); PostgreSQL's at 2**31


@pytest.fixture(scope="module")
def client(fuzz_home: Path) -> Iterator[TestClient]:
    with TestClient(create_app(served_settings(fuzz_home))) as c:
        yield c


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/api/queue/orders/{TOO_BIG}", None),
        ("GET", f"/api/queue/orders/{DB_INT_MAX + 1}", None),
        ("POST", f"/api/queue/orders/{TOO_BIG}/approve", {"expected_version": 1}),
        ("POST", f"/api/queue/orders/{TOO_BIG}/release", {"expected_version": 1}),
        ("POST", "/api/queue/orders/1/approve", {"expected_version": TOO_BIG}),
        (
            "POST",
            "/api/queue/orders/1/lines/1/edit",
            {"expected_version": 1, "quantity": TOO_BIG, "reason": "x"},
        ),  # noqa: E501
        ("POST", "/api/queue/bulk-approve", {"orders": [{"id": TOO_BIG, "expected_version": 1}]}),
        ("GET", f"/api/queue?plan_id={TOO_BIG}", None),
        ("GET", f"/api/overrides/{TOO_BIG}", None),
        ("DELETE", f"/api/overrides/{TOO_BIG}", None),
        (
            "POST",
            "/api/models/demand-forecaster/promote",
            {"version": TOO_BIG, "reason": "why not"},
        ),  # noqa: E501
    ],
)
def test_numbers_the_database_cannot_hold_are_a_422(
    client: TestClient, tokens: dict[str, str], method: str, path: str, body: object
) -> None:
    answer = client.request(method, path, json=body, headers=auth(tokens, "admin"))
    assert answer.status_code == 422, answer.text
    assert isinstance(answer.json()["detail"], str)


@pytest.mark.parametrize(
    "path", ["/api/models/%3A/versions", "/api/models/a%2Fb/history", "/api/models/%20/history"]
)
def test_a_model_name_mlflow_refuses_is_a_422_not_a_500(
    client: TestClient, tokens: dict[str, str], path: str
) -> None:
    answer = client.get(path, headers=auth(tokens, "admin"))
    assert answer.status_code in (404, 422), answer.text
    promote = client.post(
        "/api/models/%3A/promote",
        json={"version": 1, "reason": "why not"},
        headers=auth(tokens, "admin"),
    )
    assert promote.status_code == 422, promote.text
    web = _signed_in(client, "ann-ml_engineer", "correct horse ml_engineer")
    assert web.get("/models/%3A/confirm?action=rollback").status_code == 422


def test_every_422_is_documented_as_it_is_sent(client: TestClient) -> None:
    """FastAPI documents 422 as a list of errors; restock sends {detail, errors}: the schema
    now says so (schemathesis flagged every operation)."""
    schema = client.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            documented = operation["responses"].get("422")
            if documented:
                ref = documented["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/Problem"), (path, ref)


def _signed_in(client: TestClient, username: str, password: str) -> TestClient:
    browser = TestClient(client.app)
    page = browser.get("/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    answer = browser.post(
        "/login",
        data={"csrf_token": token, "username": username, "password": password},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return browser


@pytest.mark.parametrize("given", [str(TOO_BIG), "²", "٣", "1" * 16])
def test_web_edit_with_a_quantity_int_cannot_take_is_a_422_page(
    client: TestClient, fuzz_home: Path, given: str
) -> None:
    (order_id,) = new_orders(fuzz_home, pending())
    browser = _signed_in(client, "ann-buyer", "correct horse buyer")
    page = browser.get(f"/queue/orders/{order_id}").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    line_id = page.split(f"/queue/orders/{order_id}/lines/")[1].split("/")[0]
    answer = browser.post(
        f"/queue/orders/{order_id}/lines/{line_id}/edit",
        data={"csrf_token": token, "expected_version": "1", "quantity": given, "reason": "x"},
    )
    assert answer.status_code == 422, answer.text[:500]
    if len(given) <= 16:  # longer text is refused by the form's own length limit first
        assert "whole number" in answer.text
    assert browser.get(f"/queue/orders/{TOO_BIG}").status_code == 422


def test_web_bulk_approve_refuses_ids_it_cannot_store(client: TestClient) -> None:
    browser = _signed_in(client, "ann-buyer", "correct horse buyer")
    token = browser.get("/queue").text.split('name="csrf_token" value="')[1].split('"')[0]
    for value in (f"{TOO_BIG}:1", "²:1", "1:²"):
        answer = browser.post("/queue/bulk-approve", data={"csrf_token": token, "po": value})
        assert answer.status_code < 500, (value, answer.text[:300])


def test_released_pos_export_formulas_as_text(
    client: TestClient, fuzz_home: Path, tokens: dict[str, str]
) -> None:
    """A sku or supplier that a spreadsheet would run comes out of the CSV export as text."""
    evil = {
        '=HYPERLINK("http://evil.example","x")': "+cmd|' /C calc'!A0",
        "@SUM(1+1)": "-2+3",
    }
    for sku, supplier in evil.items():
        (order_id,) = new_orders(fuzz_home, pending(sku=sku, source=supplier))
        buyer = auth(tokens, "buyer")
        url = f"/api/queue/orders/{order_id}"
        approved = client.post(f"{url}/approve", json={"expected_version": 1}, headers=buyer)
        assert approved.status_code == 200, approved.text
        version = client.get(url, headers=buyer).json()["version"]
        released = client.post(f"{url}/release", json={"expected_version": version}, headers=buyer)
        assert released.status_code == 200, released.text
    exported = client.get("/api/queue/export", headers=auth(tokens, "buyer"))
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    for sku, supplier in evil.items():
        (row,) = [r for r in rows if r["sku"].lstrip("'") == sku]
        assert row["sku"] == "'" + sku and row["source"] == "'" + supplier
    for row in rows:  # no cell of the file starts a formula
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values()), row
    as_json = client.get("/api/queue/export?format=json", headers=auth(tokens, "buyer")).json()
    assert {r["sku"] for r in as_json} >= set(evil), "JSON keeps the values as stored"


def test_failed_sign_ins_are_rate_limited(fuzz_home: Path, tokens: dict[str, str]) -> None:
    settings = served_settings(fuzz_home)
    limit = settings.serving.login_failures_per_user
    with TestClient(create_app(settings)) as fresh:
        wrong = {"username": "ann-planner", "password": "wrong horse planner"}
        codes = [fresh.post("/api/login", json=wrong).status_code for _ in range(limit)]
        assert codes == [401] * limit
        blocked = fresh.post("/api/login", json=wrong)
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
        assert "too many failed sign-ins" in blocked.json()["detail"]
        # Locked out even with the right password: the guesser learns nothing more.
        right = {"username": "ann-planner", "password": "correct horse planner"}
        assert fresh.post("/api/login", json=right).status_code == 429
        # Other accounts still sign in; the web form answers 429 for the locked one too.
        other = {"username": "ann-buyer", "password": "correct horse buyer"}
        assert fresh.post("/api/login", json=other).status_code == 200
        page = fresh.get("/login").text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        form = fresh.post("/login", data={"csrf_token": token, **right})
        assert form.status_code == 429 and "Too many failed sign-ins" in form.text


def test_one_address_cannot_guess_many_accounts(fuzz_home: Path) -> None:
    settings = Settings(
        home=fuzz_home,
        as_of="2026-11-01",
        show_progress=False,
        serving={"poll_seconds": 0, "login_failures_per_address": 3},
    )
    with TestClient(create_app(settings)) as fresh:
        for n in range(3):
            wrong = {"username": f"guess-{n}", "password": "password1"}
            assert fresh.post("/api/login", json=wrong).status_code == 401
        late = fresh.post("/api/login", json={"username": "guess-9", "password": "password1"})
        assert late.status_code == 429


def test_passwords_and_tokens_never_reach_the_logs(
    client: TestClient, tokens: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    password = "correct horse admin"
    with caplog.at_level(logging.DEBUG):
        signed = TestClient(client.app)
        assert (
            signed.post(
                "/api/login", json={"username": "ann-admin", "password": password}
            ).status_code
            == 200
        )
        cookie = signed.cookies.get("restock_session")
        assert signed.get("/api/me").status_code == 200
        assert client.get("/api/me", headers=auth(tokens, "admin")).status_code == 200
        client.post("/api/login", json={"username": "ann-admin", "password": "wrong " + password})
        client.get("/api/queue", headers={"Authorization": "Bearer rk_not_a_real_token_1234"})
    logged = "\n".join(
        f"{r.getMessage()} {r.args!r} {getattr(r, 'exc_text', '')}" for r in caplog.records
    )
    assert caplog.records, "nothing was logged at all: the check would prove nothing"
    for secret in (password, "wrong " + password, tokens["admin"], "rk_not_a_real_token_1234"):
        assert secret not in logged
    assert cookie and cookie not in logged

"""Web sign-in: login sets the signed session cookie, `/api/me` reads it, logout clears it;
wrong passwords, unknown and disabled users get one generic 401; forged cookies are refused.

Each test talks through its own `TestClient` over the session's app (its own cookie jar, the
same services), so a session never leaks into the other tests' anonymous calls.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from restock.settings import Settings
from serving.app import create_app
from serving.audit import AuditLog
from serving.deps import SESSION_COOKIE
from serving.security import issue_session, read_session
from serving.state import AppState, Sessions
from serving.users import UserDirectory
from tests.serving.conftest import served_settings

pytestmark = [pytest.mark.slow]

PLANNER = {"username": "ann-planner", "password": "correct horse planner"}
HOUR = dt.timedelta(hours=1)
# A genuine cookie first: the control that the forged ones fail for being forged.
COOKIES = (
    ("genuine", 200),
    ("other user's payload", 401),
    ("flipped signature", 401),
    ("no signature", 401),
    ("other key", 401),
    ("expired", 401),
)


@pytest.fixture
def browser(client: TestClient) -> Iterator[TestClient]:
    """A fresh client (own cookies) over the running app; no second start-up."""
    yield TestClient(client.app)


@pytest.fixture(scope="module")
def disabled_user(trained_home: Path, tokens: dict[str, str]) -> str:
    """`dan-disabled`: right password, account switched off."""
    settings = served_settings(trained_home)
    users = UserDirectory(settings.database, audit=AuditLog(settings.database))
    users.add_user("dan-disabled", roles=["buyer"], password="correct horse dan", actor="test")
    users.update_user("dan-disabled", active=False, actor="test", reason="left the company")
    return "dan-disabled"


def _cookie(set_cookie: str) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    jar.load(set_cookie)
    return jar


def _secret(client: TestClient) -> str:
    state: AppState = client.app.state.restock  # type: ignore[attr-defined]
    return state.settings.serving.secret_key


@pytest.mark.parametrize("as_form", [False, True])
def test_login_me_logout(browser: TestClient, as_form: bool) -> None:
    answer = (
        browser.post("/api/login", data=PLANNER)
        if as_form
        else browser.post("/api/login", json=PLANNER)
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"username": "ann-planner", "roles": ["planner"]}
    assert answer.headers["cache-control"] == "no-store"
    morsel = _cookie(answer.headers["set-cookie"])[SESSION_COOKIE]
    assert morsel["httponly"] is True and morsel["samesite"].lower() == "lax"
    assert morsel["path"] == "/" and morsel["max-age"] == str(12 * 3600)  # session_hours
    assert not morsel["secure"]  # not in production
    assert read_session(morsel.value, secret_key=_secret(browser)) == "ann-planner"

    me = browser.get("/api/me")
    assert me.status_code == 200 and me.json()["username"] == "ann-planner"
    assert browser.get("/api/queue", params={"limit": 1}).status_code == 200  # planners read
    decide = browser.post("/api/queue/orders/1/approve", json={"expected_version": 1})
    assert decide.status_code == 403  # the cookie carries the planner's roles, no more

    out = browser.post("/api/logout")
    assert out.status_code == 204
    assert _cookie(out.headers["set-cookie"])[SESSION_COOKIE]["max-age"] == "0"
    assert browser.get("/api/me").status_code == 401


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("ann-planner", "wrong horse planner"),
        ("nobody-here", "correct horse planner"),
        ("dan-disabled", "correct horse dan"),
    ],
)
def test_bad_credentials_get_one_generic_401(
    browser: TestClient, disabled_user: str, username: str, password: str
) -> None:
    answer = browser.post("/api/login", json={"username": username, "password": password})
    assert answer.status_code == 401
    assert answer.json() == {"detail": "wrong username or password"}
    assert "set-cookie" not in answer.headers


def test_a_disabled_user_loses_a_live_session(browser: TestClient, disabled_user: str) -> None:
    cookie = issue_session(disabled_user, secret_key=_secret(browser), lifetime=HOUR)
    browser.cookies.set(SESSION_COOKIE, cookie)
    assert browser.get("/api/me").status_code == 401


def _cookies(secret: str) -> dict[str, str]:
    genuine = issue_session("ann-planner", secret_key=secret, lifetime=HOUR)
    payload, signature = genuine.split(".")
    admin = issue_session("ann-admin", secret_key=secret, lifetime=HOUR).split(".")[0]
    past = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    flip = "B" if signature[0] == "A" else "A"
    return {
        "genuine": genuine,
        "other user's payload": f"{admin}.{signature}",
        "flipped signature": f"{payload}.{flip}{signature[1:]}",
        "no signature": payload,
        "other key": issue_session("ann-planner", secret_key="x" * 32, lifetime=HOUR),
        "expired": issue_session("ann-planner", secret_key=secret, lifetime=HOUR, now=past),
    }


@pytest.mark.parametrize(("kind", "code"), COOKIES)
def test_a_tampered_cookie_is_401(browser: TestClient, kind: str, code: int) -> None:
    browser.cookies.set(SESSION_COOKIE, _cookies(_secret(browser))[kind])
    answer = browser.get("/api/me")
    assert answer.status_code == code, answer.text
    if code == 401:
        assert "not signed in" in answer.text


@pytest.mark.parametrize(
    ("sent", "needle"),
    [
        ({"json": {"username": "ann-planner"}}, "body.password"),
        ({"data": {"password": "x"}}, "body.username"),
        ({"json": {"username": "", "password": "x"}}, "body.username"),
        ({"json": ["ann-planner", "pw"]}, "body"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, "JSON"),
    ],
)
def test_a_malformed_login_is_422(browser: TestClient, sent: dict[str, Any], needle: str) -> None:
    answer = browser.post("/api/login", **sent)
    assert answer.status_code == 422 and needle in answer.text


def test_production_cookies_are_secure(client: TestClient, trained_home: Path) -> None:
    production = Settings(
        home=trained_home,
        serving={"production": True, "secret_key": "s" * 40, "session_hours": 2, "poll_seconds": 0},
    )
    app: FastAPI = create_app(production)
    # The running app's services with production settings: no second model load.
    shared: AppState = client.app.state.restock  # type: ignore[attr-defined]
    sessions = Sessions(users=shared.users, secret_key="s" * 40)
    app.state.restock = dataclasses.replace(shared, settings=production, sessions=sessions)
    answer = TestClient(app).post("/api/login", json=PLANNER)
    assert answer.status_code == 200, answer.text
    morsel = _cookie(answer.headers["set-cookie"])[SESSION_COOKIE]
    assert morsel["secure"] is True and morsel["max-age"] == str(2 * 3600)
    cookie = f"{SESSION_COOKIE}={morsel.value}"
    me = TestClient(app).get("/api/me", headers={"cookie": cookie})
    assert me.status_code == 200 and me.json()["username"] == "ann-planner"

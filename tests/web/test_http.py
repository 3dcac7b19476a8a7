"""The pages over plain HTTP against the running app: sign-in and its redirects, CSRF on every
form, roles, bad input answered with clear 4xx pages (never 500), static files served locally,
security headers, and the JSON API left as it was."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from serving import web
from tests.serving.conftest import auth, served_settings
from tests.web.conftest import PASSWORDS
from tests.web.helpers import new_orders, order_status, pending

pytestmark = [pytest.mark.slow]

_TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def _token(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "the page has no form token"
    return found.group(1)


@pytest.fixture
def anonymous(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=30) as client:
        yield client


def _signed_in(base_url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)
    token = _token(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"csrf_token": token, "username": username, "password": PASSWORDS[username]},
    )
    assert answer.status_code == 303, answer.text
    return client


def test_pages_send_strangers_to_the_login_and_back(anonymous: httpx.Client) -> None:
    answer = anonymous.get("/queue", params={"status": "edited"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fqueue%3Fstatus%3Dedited"
    assert anonymous.get("/").headers["location"] == "/login"

    token = _token(anonymous.get("/login").text)
    signed = anonymous.post(
        "/login",
        data={
            "csrf_token": token,
            "username": "ann-buyer",
            "password": PASSWORDS["ann-buyer"],
            "next": "/queue?status=edited",
        },
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/queue?status=edited"
    assert "restock_session" in signed.cookies
    assert anonymous.get("/queue", params={"status": "edited"}).status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_login_is_no_open_redirect(anonymous: httpx.Client, target: str) -> None:
    token = _token(anonymous.get("/login").text)
    signed = anonymous.post(
        "/login",
        data={
            "csrf_token": token,
            "username": "ann-buyer",
            "password": PASSWORDS["ann-buyer"],
            "next": target,
        },
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/queue"


def test_wrong_password_is_one_generic_message(anonymous: httpx.Client) -> None:
    token = _token(anonymous.get("/login").text)
    for username in ("ann-buyer", "nobody-here"):
        answer = anonymous.post(
            "/login", data={"csrf_token": token, "username": username, "password": "wrong pw 1"}
        )
        assert answer.status_code == 401
        assert "Wrong username or password." in answer.text
        assert "restock_session" not in answer.cookies


def test_every_form_needs_its_token(base_url: str, trained_home: Path) -> None:
    (order_id,) = new_orders(trained_home, pending())
    ann = _signed_in(base_url, "ann-buyer")
    bob = _signed_in(base_url, "bob-buyer")
    try:
        page = ann.get(f"/queue/orders/{order_id}")
        assert page.status_code == 200
        token = _token(page.text)
        approve = f"/queue/orders/{order_id}/approve"
        missing = ann.post(approve, data={"expected_version": "1"})
        assert missing.status_code == 403 and "Form expired" in missing.text
        forged = ann.post(approve, data={"expected_version": "1", "csrf_token": "0" * 64})
        assert forged.status_code == 403
        # A token is bound to the session it was issued for: Ann's does not work for Bob.
        stolen = bob.post(approve, data={"expected_version": "1", "csrf_token": token})
        assert stolen.status_code == 403
        assert order_status(trained_home, order_id) == "pending_approval"

        done = ann.post(approve, data={"expected_version": "1", "csrf_token": token})
        assert done.status_code == 303
        assert done.headers["location"] == f"/queue/orders/{order_id}?done=approve"
        assert order_status(trained_home, order_id) == "approved"

        logout = ann.post("/logout", data={})
        assert logout.status_code == 403, "signing out is a form too"
        out = ann.post("/logout", data={"csrf_token": _token(ann.get("/queue").text)})
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert ann.get("/queue").status_code == 303
    finally:
        ann.close()
        bob.close()


def test_a_repeated_form_acts_once(base_url: str, trained_home: Path) -> None:
    (order_id,) = new_orders(trained_home, pending())
    ann = _signed_in(base_url, "ann-buyer")
    try:
        token = _token(ann.get(f"/queue/orders/{order_id}").text)
        form = {
            "expected_version": "1",
            "csrf_token": token,
            "reason": "wrong supplier",
            "idempotency_key": "form-1-reject",
        }
        first = ann.post(f"/queue/orders/{order_id}/reject", data=form)
        again = ann.post(f"/queue/orders/{order_id}/reject", data=form)
        assert first.headers["location"].endswith("done=reject")
        assert again.headers["location"].endswith("done=replayed")
        assert order_status(trained_home, order_id) == "rejected"
    finally:
        ann.close()


Who = frozenset[str] | Literal["public", "signed-in"]
BUYER = frozenset({"ann-buyer", "ann-admin"})
QUEUE_READERS = frozenset({"ann-buyer", "ann-planner", "ann-admin"})
FORECAST_READERS = frozenset({"ann-buyer", "ann-planner", "ann-ml_engineer", "ann-admin"})
MODEL_READERS = frozenset({"ann-planner", "ann-ml_engineer", "ann-admin"})
ENGINEER = frozenset({"ann-ml_engineer", "ann-admin"})
PLANNER = frozenset({"ann-planner", "ann-admin"})

# Who may open each page or post each form (admin passes every role check, as in the API).
WEB_MATRIX: dict[tuple[str, str], Who] = {
    ("GET", "/"): "public",
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("POST", "/logout"): "public",
    ("GET", "/static/{name}"): "public",
    ("GET", "/queue"): QUEUE_READERS,
    ("GET", "/queue/orders/{order_id}"): QUEUE_READERS,
    ("POST", "/queue/bulk-approve"): BUYER,
    ("POST", "/queue/orders/{order_id}/approve"): BUYER,
    ("POST", "/queue/orders/{order_id}/reject"): BUYER,
    ("POST", "/queue/orders/{order_id}/release"): BUYER,
    ("POST", "/queue/orders/{order_id}/lines/{line_id}/edit"): BUYER,
    ("GET", "/planner"): FORECAST_READERS,
    ("GET", "/planner/series"): FORECAST_READERS,
    ("POST", "/planner/overrides"): PLANNER,
    ("GET", "/models"): MODEL_READERS,
    ("GET", "/models/{name}/confirm"): ENGINEER,
    ("POST", "/models/{name}/promote"): ENGINEER,
    ("POST", "/models/{name}/rollback"): ENGINEER,
    ("GET", "/monitoring"): "signed-in",
    ("GET", "/monitoring/reports/{name}"): "signed-in",
    ("GET", "/kpis"): QUEUE_READERS,
}
# Names of nothing, so an allowed request changes nothing.
PATH_VALUES = {"order_id": "987654321", "line_id": "987654321", "name": "no-such-thing"}
CALLERS = ("anonymous", "ann-buyer", "ann-planner", "ann-ml_engineer", "ann-admin")


def test_every_page_is_in_the_web_matrix() -> None:
    pages = {
        (method, str(route.path_format))
        for route in iter_route_contexts(web.router.routes)
        for method in route.methods or ()
        if method != "HEAD"
    }
    assert pages == WEB_MATRIX.keys(), "document who may open each page in WEB_MATRIX"


def _allowed(who: Who, caller: str) -> bool:
    if who == "public":
        return True
    if who == "signed-in":
        return caller != "anonymous"
    return caller in who


@pytest.mark.parametrize("caller", CALLERS)
def test_web_role_matrix(base_url: str, caller: str) -> None:
    """Allowed: never a login redirect or 403; refused: 403 for a wrong role, a redirect to the
    login page for a stranger. Forms carry a genuine token, so only the role decides."""
    for (method, path), who in sorted(WEB_MATRIX.items()):
        if path in ("/login", "/logout"):
            continue  # they sign in and out: covered above
        client = (
            _signed_in(base_url, caller)
            if caller != "anonymous"
            else httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)
        )
        try:
            token = _token(client.get("/login").text)
            url = path.format(**PATH_VALUES)
            answer = (
                client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
            )
            code, where = answer.status_code, answer.headers.get("location", "")
            refused_anonymously = code == 303 and where.startswith("/login")
            if who == "public":
                assert code != 403 and code < 500, (method, path)
            elif _allowed(who, caller):
                assert code != 403 and not refused_anonymously and code < 500, (method, path)
            elif caller == "anonymous":
                assert refused_anonymously, (method, path, code)
            else:
                assert code == 403, (method, path, code)
        finally:
            client.close()


@pytest.mark.parametrize(
    ("path", "code", "says"),
    [
        ("/queue/orders/abc", 422, "could not be read"),
        ("/queue/orders/999999", 404, "There is no PO 999999"),
        ("/queue?min_value=abc", 422, "minimum value must be a number"),
        ("/queue?min_value=9&max_value=1", 422, "swap them"),
        ("/queue?status=lost", 422, "unknown status"),
        ("/queue?page=0", 422, "could not be read"),
        ("/planner/series?sku=&location=S001", 422, "Give both a SKU and a location"),
        ("/models/demand-forecaster/confirm?action=promote&version=99", 404, "no version 99"),
        ("/models/nope/confirm?action=rollback", 404, "nope"),
        ("/models/demand-forecaster/confirm?action=explode", 422, "could not be read"),
        ("/monitoring/reports/..%2Frestock.db", 404, "no page"),
        ("/monitoring/reports/restock.db", 404, "There is no report"),
        ("/nowhere", 404, "There is no page at /nowhere"),
        ("/static/secret.txt", 404, "no static file"),
    ],
)
def test_bad_input_is_a_clear_page(base_url: str, path: str, code: int, says: str) -> None:
    admin = _signed_in(base_url, "ann-admin")
    try:
        answer = admin.get(path)
        assert answer.status_code == code, answer.text[:300]
        assert says in answer.text
        assert answer.headers["content-type"].startswith("text/html")
    finally:
        admin.close()


def test_static_files_come_from_the_installed_packages(anonymous: httpx.Client) -> None:
    plotly = anonymous.get("/static/plotly.min.js")
    assert plotly.status_code == 200
    assert plotly.headers["content-type"].startswith("text/javascript")
    assert len(plotly.content) > 1_000_000 and b"plotly.js" in plotly.content[:2000]
    assert anonymous.get("/static/restock.css").status_code == 200
    login = anonymous.get("/login")
    csp = login.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert login.headers["x-frame-options"] == "DENY"
    assert "cdn" not in login.text.lower()


def test_evidently_reports_in_the_home_are_linked_and_served(
    base_url: str, trained_home: Path
) -> None:
    reports = served_settings(trained_home).paths.reports / "monitoring"
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "drift_demand-forecaster.html").write_text("<html><body>drift</body></html>")
    client = _signed_in(base_url, "ann-ml_engineer")
    try:
        page = client.get("/monitoring").text
        assert 'href="/monitoring/reports/drift_demand-forecaster.html"' in page
        report = client.get("/monitoring/reports/drift_demand-forecaster.html")
        assert report.status_code == 200 and "drift" in report.text
    finally:
        client.close()


def test_the_json_api_still_answers_json(anonymous: httpx.Client, tokens: dict[str, str]) -> None:
    invalid = anonymous.get("/api/queue", params={"limit": "abc"}, headers=auth(tokens, "buyer"))
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["field"] == "query.limit"
    assert anonymous.get("/api/queue").status_code == 401

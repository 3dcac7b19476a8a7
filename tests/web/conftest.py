"""Browser fixtures: the trained tiny-demo home of the serving tests, the app under uvicorn on a
free loopback port, and Debian's chromium driven by Playwright (never `playwright install`).

Pages are screenshotted into `$RESTOCK_SCREENSHOTS` (default `build/screenshots/`, gitignored).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from serving.app import create_app

# The serving tests' session fixtures: one trained home (demand v1 champion, v2 challenger, a
# plan in the queue), one user per role (`ann-<role>`) plus `bob-buyer`.
from tests.serving.conftest import served_settings, tokens, trained_home  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
WIDE = {"width": 1280, "height": 860}
NARROW = {"width": 400, "height": 860}
PASSWORDS = {
    "ann-buyer": "correct horse buyer",
    "ann-planner": "correct horse planner",
    "ann-ml_engineer": "correct horse ml_engineer",
    "ann-admin": "correct horse admin",
    "bob-buyer": "correct horse bob",
}


@pytest.fixture(scope="session")
def base_url(trained_home: Path, tokens: dict[str, str]) -> Iterator[str]:  # noqa: F811
    """The app on a free 127.0.0.1 port, served by uvicorn in a thread for the session."""
    app = create_app(served_settings(trained_home))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start under uvicorn within 60 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)
    sock.close()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            "the web UI tests need Debian's chromium at /usr/bin/chromium: run `make browser` "
            "(apt-get install -y chromium as root)"
        )
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where page screenshots go: `$RESTOCK_SCREENSHOTS` or `build/screenshots/`."""
    folder = Path(os.environ.get("RESTOCK_SCREENSHOTS") or ROOT / "build" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


Shoot = Callable[[Page, str], Path]


@pytest.fixture(scope="session")
def shoot(screenshots: Path) -> Shoot:
    """Save a full-page screenshot as `<name>.png` in the screenshots folder."""

    def save(page: Page, name: str) -> Path:
        path = screenshots / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


SignIn = Callable[..., Page]


@pytest.fixture
def sign_in(browser: Browser, base_url: str) -> Iterator[SignIn]:
    """A new browser context signed in through the login form as `username`; every page's
    console errors and failed requests are collected on `page.problems` and must stay empty."""
    contexts = []
    pages: list[Page] = []

    def open_as(username: str, *, viewport: dict[str, int] = WIDE) -> Page:
        context = browser.new_context(viewport=viewport, base_url=base_url)  # type: ignore[arg-type]
        contexts.append(context)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        page.on(
            "console",
            lambda message: problems.append(message.text) if message.type == "error" else None,
        )
        page.problems = problems  # type: ignore[attr-defined]
        page.goto("/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORDS[username])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/login" not in url)
        pages.append(page)
        return page

    yield open_as
    for context in contexts:
        context.close()


def problems_of(page: Page) -> list[str]:
    """Console errors seen by the page, minus the 4xx answers a test provoked on purpose."""
    seen: list[str] = page.problems  # type: ignore[attr-defined]
    return [p for p in seen if "status of 4" not in p]

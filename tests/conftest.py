"""Shared fixtures: an isolated restock home per test, one Prefect test server per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from restock.settings import Settings

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a fresh home; `as_of` is fixed so the future-date rule is reproducible."""
    return Settings(home=tmp_path / "home", as_of="2026-11-01", show_progress=False)


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A real Prefect API for flow tests; started once per session because it costs ~14 s."""
    home = tmp_path_factory.mktemp("prefect")
    os.environ["PREFECT_HOME"] = str(home)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield

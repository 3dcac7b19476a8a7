"""Reliability fixtures: a private copy of the serving tests' trained home, so that fuzzing and
hostile input can approve, promote and revoke freely without changing what other tests see."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from serving.app import create_app

# The serving tests' session fixtures: one trained tiny-demo home and one user + token per role.
from tests.serving.conftest import served_settings, tokens, trained_home  # noqa: F401


@pytest.fixture(scope="session")
def fuzz_home(
    trained_home: Path,  # noqa: F811
    tokens: dict[str, str],  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """A copy of the trained home taken after the users exist (their tokens work in it).

    MLflow artifact locations are absolute, so the copy reads the original's model files; it
    only ever writes its own registry database, queue and audit log.
    """
    home = tmp_path_factory.mktemp("fuzz") / "home"
    shutil.copytree(trained_home, home)
    return home


@pytest.fixture(scope="session")
def fuzz_app(fuzz_home: Path) -> Iterator[FastAPI]:
    yield create_app(served_settings(fuzz_home))

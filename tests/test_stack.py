"""The capped stack still works at run time (DESIGN.md section 9): an upgrade that breaks an
import or a flow run fails here, in CI, not in front of a user."""

from __future__ import annotations

import importlib

import pytest
from packaging.version import Version


@pytest.mark.parametrize(
    ("package", "below"),
    [("pandas", "3.1"), ("fastapi", "0.151"), ("sqlalchemy", "2.1"), ("prefect", "3.9")],
)
def test_load_bearing_caps_hold(package: str, below: str) -> None:
    module = importlib.import_module(package)
    assert Version(module.__version__) < Version(below)


@pytest.mark.slow
@pytest.mark.parametrize("package", ["evidently", "mlflow", "shap", "lightgbm", "statsforecast"])
def test_heavy_dependencies_import(package: str) -> None:
    # evidently fails on import with pandas >= 3.1; the others are imported lazily by restock.
    importlib.import_module(package)


@pytest.mark.usefixtures("prefect_harness")
def test_a_prefect_flow_runs() -> None:
    from prefect import flow

    @flow(name="stack-check")
    def add(a: int, b: int) -> int:
        return a + b

    assert add(2, 3) == 5

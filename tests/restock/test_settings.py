"""One settings object, read from RESTOCK_* variables; nothing happens on import."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from restock.settings import SegmentationThresholds, Settings, load_settings


def test_environment_and_nested_values(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RESTOCK_HOME", str(tmp_path))
    monkeypatch.setenv("RESTOCK_AS_OF", "2026-03-01")
    monkeypatch.setenv("RESTOCK_SEGMENTATION__ABC_A", "0.7")
    settings = load_settings()
    assert settings.paths.root == tmp_path.resolve()
    assert settings.today() == dt.date(2026, 3, 1)
    assert settings.segmentation.abc_a == 0.7 and settings.segmentation.abc_b == 0.95


def test_explicit_overrides_win_and_none_means_unset(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RESTOCK_HOME", str(tmp_path / "env"))
    assert load_settings(home=tmp_path / "flag").home == tmp_path / "flag"
    assert load_settings(home=None).home == tmp_path / "env"


@pytest.mark.parametrize(
    "values", [{"abc_a": 0.96, "abc_b": 0.95}, {"xyz_x": 1.2, "xyz_y": 1.0}, {"abc_a": 1.5}]
)
def test_inconsistent_thresholds_are_refused(values: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        SegmentationThresholds.model_validate(values)


def test_home_layout_keeps_everything_under_one_folder(tmp_path: Path) -> None:
    paths = Settings(home=tmp_path).paths.ensure()
    for folder in [paths.ingested, paths.quarantine, paths.feature_store, paths.mlruns.parent]:
        assert folder.is_relative_to(tmp_path)
    assert paths.database.parent == tmp_path and paths.ingested.is_dir()


def test_importing_the_packages_has_no_side_effects(tmp_path: Path) -> None:
    code = (
        "import restock.cli, restock.settings, features.pipeline, flows.build_features, sys;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'mlflow','shap','evidently'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
    assert list(tmp_path.iterdir()) == [], "importing must not create files in the cwd"

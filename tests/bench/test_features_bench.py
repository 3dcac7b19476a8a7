"""The feature benchmark's quick mode runs end to end (no timing assertions: numbers are for
people to read in the printed table, not for tests to judge)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_feature_benchmark_writes_its_table(tmp_path: Path) -> None:
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "features", "--quick", "--out", str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    table = (tmp_path / "features.md").read_text()
    for contender in ["restock, chunked", "restock, in memory", "naive pandas"]:
        assert contender in table
    assert "agree on all" in table

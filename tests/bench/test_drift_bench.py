"""The drift benchmark's quick mode runs end to end and both contenders flag the same columns
(no timing assertions: the numbers are for people to read in the printed table)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_drift_benchmark_writes_its_table(tmp_path: Path) -> None:
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "drift", "--quick", "--out", str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    table = (tmp_path / "drift.md").read_text()
    assert "restock, sampled (seeded) | 5,000" in table
    assert "Evidently on every row | 50,000" in table
    assert table.count("the 5 shifted") == 2 and "both flag the same columns" in table

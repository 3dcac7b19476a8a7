"""The serving benchmark: its quick mode runs end to end (every row, positive numbers, restock
and MLflow agreeing on the forecast), and its request order keeps cold requests cold. No speed
assertions: targets are judged in the printed table, not in tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from bench.serving import ROWS, _round_robin

REPO = Path(__file__).resolve().parents[2]
KEYS = [("A", "s1"), ("A", "s2"), ("B", "s1"), ("C", "s1")]


@pytest.mark.parametrize(
    ("keys", "n", "most", "least"),
    [(KEYS, 4, 1, 1), (KEYS, 10, 3, 2), (KEYS[:2], 7, 4, 3), (KEYS, 2, 1, 0)],
)
def test_round_robin_never_repeats_a_series_back_to_back(
    keys: list[tuple[str, str]], n: int, most: int, least: int
) -> None:
    # With a one-entry forecast cache, a repeat would be a cache hit timed as a cold request.
    order = _round_robin(keys, n, seed=3)
    assert len(order) == n
    assert all(a != b for a, b in zip(order, order[1:], strict=False))
    counts = Counter(order)
    assert max(counts.values()) == most
    assert min(counts.get(k, 0) for k in keys) == least


@pytest.mark.slow
def test_quick_serving_benchmark_writes_every_row(tmp_path: Path) -> None:
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    cmd = [sys.executable, "-m", "bench", "serving", "--quick", "--home", str(tmp_path / "home")]
    done = subprocess.run(
        [*cmd, "--out", str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = pd.read_csv(tmp_path / "serving.csv")
    assert list(zip(table["contender"], table["mode"], strict=True)) == list(ROWS)
    assert (table[["n", "p50_ms", "p99_ms", "req_s"]] > 0).all().all()
    assert (table["p99_ms"] >= table["p50_ms"]).all()
    assert set(table["clients"]) == {1, 4}
    # restock and `mlflow models serve` answered the same series with the same median forecast.
    assert "restock and MLflow give the same p50" in (tmp_path / "serving.md").read_text()

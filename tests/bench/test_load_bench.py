"""The load benchmark: its quick mode builds a home, serves it and loads every endpoint with no
errors, and its table adds up. No speed assertions: throughput is judged in the printed table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from bench.load import ENDPOINTS, Tally, _rows

REPO = Path(__file__).resolve().parents[2]


def test_rows_add_up_per_endpoint_and_overall() -> None:
    tallies = {name: Tally() for name in ENDPOINTS}
    tallies[ENDPOINTS[0]].ms.extend([10.0, 20.0, 30.0])
    tallies[ENDPOINTS[1]].ms.append(5.0)
    tallies[ENDPOINTS[1]].fail("HTTP 503")
    tallies[ENDPOINTS[2]].fail("ReadTimeout")
    rows = _rows(tallies, clients=2, seconds=2.0)
    assert [r.endpoint for r in rows] == [*ENDPOINTS, "all"]
    first, second, _, _, total = rows
    assert (first.requests, first.errors, first.req_s, first.p50_ms) == (3, 0, 1.5, 20.0)
    assert (second.requests, second.errors, second.error_rate, second.causes) == (
        2,
        1,
        0.5,
        "HTTP 503: 1",
    )
    assert (total.requests, total.errors, total.req_s) == (6, 2, 2.0)
    assert total.causes == "HTTP 503: 1; ReadTimeout: 1"


@pytest.mark.slow
def test_quick_load_run_serves_every_endpoint_without_errors(tmp_path: Path) -> None:
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    cmd = [sys.executable, "-m", "bench", "load", "--quick", "--seconds", "3"]
    done = subprocess.run(
        [*cmd, "--home", str(tmp_path / "home"), "--out", str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    table = pd.read_csv(tmp_path / "load.csv", keep_default_na=False)
    assert list(table["endpoint"]) == [*ENDPOINTS, "all"]
    assert (table["requests"] > 0).all() and (table["errors"] == 0).all()
    assert table["requests"].iloc[-1] == table["requests"].iloc[:-1].sum()
    assert "target: 0 errors" in done.stdout

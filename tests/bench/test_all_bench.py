"""`python -m bench all --quick` end to end on the real data (no timing assertions: the numbers
are for people to read), and a clear report when the real data is absent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.shared_data import needs_shared_data

REPO = Path(__file__).resolve().parents[2]


def _bench(args: list[str], env: dict[str, str], timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=REPO,
        env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE", **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
@pytest.mark.realdata
@needs_shared_data("walmart_store_sales")
@needs_shared_data("carparts_intermittent")
@needs_shared_data("scms_lead_times")
def test_quick_harness_writes_every_section_with_its_peers(tmp_path: Path) -> None:
    report = tmp_path / "BENCHMARKS.md"
    done = _bench(["all", "--quick", "--out", str(tmp_path), "--report", str(report)], {}, 900)
    assert done.returncode == 0, done.stderr[-3000:]
    text = report.read_text()
    for expected in [
        "| CPU |",
        "| git commit |",
        "| mlforecast |",
        "Walmart weekly accuracy",
        "Car parts intermittent demand",
        "SCMS supplier lead time",
        "Decisions: policy simulation",
        "Speed and memory",
        "Closing note: headline numbers",
    ]:
        assert expected in text, expected
    sections = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "sections").glob("*.json")}
    assert set(sections) == {"walmart", "carparts", "leadtime", "decisions", "speed"}
    assert all(s["error"] is None for s in sections.values())

    def methods(key: str) -> set[str]:
        return {row[0] for row in sections[key]["tables"][0]["rows"]}

    assert {"restock_routed", "seasonal_naive", "auto_ets", "mstl", "mlforecast_lgbm"} <= methods(
        "walmart"
    )
    carparts = {"naive", "seasonal_naive", "croston_classic", "croston_sba", "tsb", "adida"}
    assert carparts | {"imapa", "auto_ets", "restock_routed"} <= methods("carparts")
    assert {"model", "global_median", "vendor_median", "vendor_mode_median"} <= methods("leadtime")
    assert {"restock", "z_sqrt_l_sigma", "min_max"} <= methods("decisions")
    speed = sections["speed"]["tables"][0]["rows"]
    assert [r[0].split()[0] for r in speed[:2]] == ["restock", "mlforecast"]
    # Both contenders trained on the same rows (equivalent features drop the same warm-up).
    assert speed[0][1] == speed[1][1]
    # Quick numbers are a smoke run: never judged against the targets.
    assert all(h["met"] is None for s in sections.values() for h in s["headlines"])


def test_missing_real_data_is_reported_by_name_not_a_traceback(tmp_path: Path) -> None:
    empty = tmp_path / "no-data"
    empty.mkdir()
    report = tmp_path / "B.md"
    done = _bench(
        ["all", "--quick", "--only", "leadtime", "--out", str(tmp_path), "--report", str(report)],
        {"RESTOCK_SHARED_DATA": str(empty)},
        120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    text = report.read_text()
    assert "Did not complete:** real data 'scms_lead_times' not found" in text
    assert "RESTOCK_SHARED_DATA" in text

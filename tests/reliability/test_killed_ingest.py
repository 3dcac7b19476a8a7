"""Issue 9, item 3d: `restock ingest` killed with SIGKILL at seeded random moments never leaves
half-written tables: the home's ingest is either exactly the previous one, byte for byte, or
the new one complete (every table, row counts matching meta.json); never a mix.

Half the kills fall at a seeded time of the run; the other half a seeded few milliseconds after
the hidden temporary folder the tables are written into appears (mid-write). Ingest swaps that
folder in (`features.storage.atomic_folder`); a killed run may leave it behind, hidden, and no
reader looks at it.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from features.storage import load_dataset
from restock.home import HomePaths
from tests.reliability.kill import cli_env, restock, run_until_killed

SEED, KILLS = 4, 4
INGEST_SECONDS = 12.0  # about one `restock ingest --source demo --size small` here


def _files(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _snapshot(paths: HomePaths) -> dict[str, dict[str, str]]:
    return {"ingested": _files(paths.ingested), "quarantine": _files(paths.quarantine)}


def _complete(paths: HomePaths) -> None:
    """The ingest on disk is whole: it loads, and every table has the rows meta.json names."""
    dataset = load_dataset(paths)
    meta = json.loads((paths.ingested / "meta.json").read_text())
    for name, rows in meta["rows"].items():
        assert len(pd.read_parquet(paths.ingested / f"{name}.parquet")) == rows, name
    assert len(dataset.sales) == meta["rows"]["sales"]
    assert (paths.quarantine / "summary.json").is_file()


def _writing(paths: HomePaths) -> Callable[[], bool]:
    """True once a new temporary ingest folder appears beside the tables (writing has begun)."""
    parent = paths.ingested.parent
    seen = {p.name for p in parent.glob(".*.tmp-*")} if parent.is_dir() else set()

    def started() -> bool:
        return any(p.name not in seen for p in parent.glob(".*.tmp-*"))

    return started


@pytest.mark.slow
def test_ingest_killed_at_random_points_keeps_the_last_complete_tables(tmp_path: Path) -> None:
    home = tmp_path / "home"
    paths = HomePaths(home)
    env = cli_env(home)
    first = restock("ingest", "--source", "demo", "--size", "tiny", "--home", str(home), env=env)
    assert first.returncode == 0, first.stderr[-2000:]
    previous = _snapshot(paths)
    rng = random.Random(SEED)
    injected = kept = swapped = 0
    for n in range(KILLS):
        size = ("small", "tiny")[n % 2]  # alternate, so a finished swap shows as a change
        args = ["ingest", "--source", "demo", "--size", size, "--home", str(home)]
        if n % 2:
            killed = run_until_killed(
                args, env=env, after=rng.uniform(0, 0.05), once=_writing(paths)
            )
        else:
            killed = run_until_killed(args, env=env, after=rng.uniform(0.05, 1) * INGEST_SECONDS)
        injected += killed
        _complete(paths)
        now = _snapshot(paths)
        if now == previous:
            kept += 1
        else:
            swapped += 1  # killed after the swap (or not killed): the new ingest, whole
        previous = now
    assert injected >= KILLS - 1
    leftovers = sorted(p.name for p in paths.ingested.parent.iterdir() if p.name.startswith("."))
    print(f"\ningest kills: {injected} injected, {kept} kept the previous, {swapped} swapped in")
    print(f"hidden leftovers: {leftovers}")
    assert all(".tmp-" in name for name in leftovers)  # never a set-aside previous ingest

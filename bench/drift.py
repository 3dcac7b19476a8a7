"""Benchmark: an Evidently drift check on 1M rows x 30 columns, with and without sampling.

`python -m bench drift [--rows N --columns C --sample S] [--quick] [--out DIR]`

Both sides (reference, current) have `--rows` rows of `--columns` float columns (seeded normal
data); in the current side the first 5 columns are shifted by 0.3 standard deviations, the rest
are the same distribution. Each contender runs `monitoring.drift.detect_drift` in its own
process (wall time and peak RSS measured per process, the check itself timed inside):

1. restock, sampled: `sample_size = --sample` (20,000, the default setting) rows per side;
2. Evidently on every row (`sample_size = --rows`).

The table also says whether both found the same drifted columns (they must: the 5 shifted
ones). Results print and go to bench/out/drift.md. `--quick` is a CI smoke run (50,000 rows).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.measure import run_measured

__all__ = ["main"]

OUT = Path(__file__).resolve().parent / "out"
SHIFTED = 5
CONTENDERS = ("sampled", "full")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench drift", description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000, help="rows per side")
    p.add_argument("--columns", type=int, default=30)
    p.add_argument("--sample", type=int, default=20_000, help="rows per side when sampling")
    p.add_argument("--quick", action="store_true", help="50,000 rows per side")
    p.add_argument("--out", type=Path, default=OUT, help="where drift.md goes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    p.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    return p


def _frames(rows: int, columns: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    names = [f"x{i:02d}" for i in range(columns)]
    reference = pd.DataFrame(rng.standard_normal((rows, columns), dtype=np.float32), columns=names)
    current = pd.DataFrame(rng.standard_normal((rows, columns), dtype=np.float32), columns=names)
    current[names[:SHIFTED]] += np.float32(0.3)
    return reference, current


def _child(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    import evidently  # noqa: F401 - timed apart from the check

    from monitoring.drift import detect_drift
    from restock.settings import MonitoringSettings

    imported = time.perf_counter() - started
    reference, current = _frames(args.rows, args.columns, args.seed)
    size = args.sample if args.child == "sampled" else args.rows
    settings = MonitoringSettings(sample_size=size)
    check = time.perf_counter()
    result = detect_drift(
        reference,
        current,
        subject="features",
        numerical=list(reference.columns),
        settings=settings,
    ).result
    seconds = time.perf_counter() - check
    record = {
        "import_s": imported,
        "check_s": seconds,
        "sampled_rows": result.sampled_reference_rows,
        "drifted": list(result.drifted_columns),
        "dataset_drift": result.dataset_drift,
    }
    (args.work / f"{args.child}.json").write_text(json.dumps(record))
    return 0


def _table(args: argparse.Namespace, results: dict[str, dict]) -> str:
    expected = [f"x{i:02d}" for i in range(min(SHIFTED, args.columns))]
    lines = [
        f"# Drift check: {args.rows:,} rows x {args.columns} columns per side",
        "",
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}; "
        f"{SHIFTED} columns shifted by 0.3 sd. Each contender in its own process.",
        "",
        "| contender | rows compared per side | check (s) | process wall (s) | peak RSS (GB) "
        "| drifted columns |",
        "|---|---:|---:|---:|---:|---|",
    ]
    labels = {"sampled": "restock, sampled (seeded)", "full": "Evidently on every row"}
    for name in CONTENDERS:
        r = results[name]
        found = "the 5 shifted" if r["drifted"] == expected else ", ".join(r["drifted"]) or "none"
        lines.append(
            f"| {labels[name]} | {r['sampled_rows']:,} | {r['check_s']:.1f} | {r['wall_s']:.1f} "
            f"| {r['peak_rss_gb']:.2f} | {found} |"
        )
    same = results["sampled"]["drifted"] == results["full"]["drifted"]
    speedup = results["full"]["check_s"] / max(results["sampled"]["check_s"], 1e-9)
    lines += [
        "",
        f"Sampling is {speedup:.0f}x faster; both flag "
        + ("the same columns." if same else "DIFFERENT columns."),
        f"Importing evidently took {results['sampled']['import_s']:.1f} s (not in the check).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.quick:
        args.rows = 50_000
        args.sample = min(args.sample, 5_000)
    if args.child:
        return _child(args)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in CONTENDERS:
            cmd = [sys.executable, "-m", "bench", "drift", "--child", name, "--work", str(work)]
            cmd += ["--rows", str(args.rows), "--columns", str(args.columns)]
            cmd += ["--sample", str(args.sample), "--seed", str(args.seed)]
            print(f"running {name} ...", flush=True)
            measured = run_measured(cmd)
            if measured.returncode != 0:
                print(f"{name} failed with exit code {measured.returncode}", file=sys.stderr)
                return 1
            record = json.loads((work / f"{name}.json").read_text())
            measures = {"wall_s": measured.wall_s, "peak_rss_gb": measured.peak_rss_gb}
            results[name] = record | measures
    table = _table(args, results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "drift.md").write_text(table)
    print(table)
    same = results["sampled"]["drifted"] == results["full"]["drifted"]
    return 0 if same else 1

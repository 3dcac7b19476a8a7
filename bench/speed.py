"""Speed and memory: features + LightGBM training, restock vs mlforecast, each in its own process.

`python -m bench speed [--quick] [--series N] [--days D] [--rounds R] [--repeat N] [--m5]
[--out DIR]`

Input: the seeded synthetic daily panel (`bench.synthetic`), 10,000 series x 1,095 days by
default, written once to parquet by a `prepare` process; every contender reads that file.
Same features for both (BENCHMARK_PROTOCOL): lags 1, 7, 14, 28, rolling means 7 and 28 of
lag 1, day of week, month; same LightGBM parameters (`training.demand.DEFAULT_PARAMS`:
Tweedie, 63 leaves, learning rate 0.05, 2 threads) and `--rounds` trees (200); both train on
the rows whose features are all known (mlforecast's `dropna=True`; restock drops the same
rows), one booster each. Contenders:
1. restock: `features.matrix.feature_matrix` (chunks of 500 series, known rows written straight
   into one column-major float32 matrix), binned by `lightgbm.Dataset` with the training
   parameters, the raw matrix dropped, then `lightgbm.train`.
2. mlforecast: `MLForecast.preprocess` then `fit_models` (what `fit` does, timed in two parts).
3. restock's production fit, for scale: `DemandModel.fit` with the same spec, i.e. three direct
   horizon buckets, each an early-stopped calibration fit plus a refit (6 boosters), not a
   like-for-like contender (no ratio).
Both contenders grow the same trees from bit-identical matrices (same rows, order, values;
only the memory layout differs), so their training CPU seconds match; training wall time on
this 2-core machine is at the mercy of other work (a 2-thread booster waits for its slower
thread), hence the "training CPU s" column and `--repeat` (alternate the contenders N times,
keep each one's fastest run). Wall time and peak RSS are per process (`bench.measure`,
os.wait4). `--m5`: also restock alone on an M5-sized panel (30,490 series x 1,941 days) to
show it fits in this machine's memory. `--quick`: 1,000 series x 365 days, 20 trees.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bench.measure import Measured, run_measured
from bench.section import Headline, Section, Table, fmt, mode_name
from bench.synthetic import M5_DAYS, M5_SERIES, synthetic_chunks

__all__ = ["SPEC_LAGS", "main", "run"]

OUT = Path(__file__).resolve().parent / "out"
SPEC_LAGS = (1, 7, 14, 28)
SPEC_ROLLING = (7, 28)
# 500, not production's 2,000: same output, but a chunk's temporaries then stay in memory malloc
# reuses; 2,000 page-faults ~17 MB arrays afresh every chunk (3,000 series: 1.1 s -> 0.5 s of
# features, peak RSS 0.73 -> 0.60 GB).
CHUNK_SERIES = 500
ROLES = ("prepare", "restock", "mlforecast", "restock-model")


# ---- contenders (each runs in its own process) ----------------------------------------------


def _spec() -> Any:
    from features.dataset import Frequency
    from features.spec import FeatureSpec, RollingFeature

    return FeatureSpec(
        frequency=Frequency.DAILY,
        lags=SPEC_LAGS,
        rolling=tuple(RollingFeature(window=w, stat="mean") for w in SPEC_ROLLING),
        calendar=("dayofweek", "month"),
    )


def _params(args: argparse.Namespace) -> dict[str, Any]:
    from training.demand import DEFAULT_PARAMS

    return {**DEFAULT_PARAMS, "seed": args.seed}


def _cpu_s() -> float:
    """User + system CPU seconds of this process, all threads: unlike wall time, barely moved by
    other work on the machine (a 2-thread booster on 2 shared cores waits for both)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _machine_cpu_s() -> float:
    """CPU seconds every process on the machine has used since boot (Linux /proc/stat; NaN
    elsewhere): minus our own, what other work took while we trained."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()[1:]
    except OSError:
        return float("nan")
    busy = sum(int(v) for i, v in enumerate(fields[:8]) if i not in (3, 4))  # not idle, iowait
    return busy / os.sysconf("SC_CLK_TCK")


def _clock() -> tuple[float, float, float]:
    return time.perf_counter(), _cpu_s(), _machine_cpu_s()


def _training_costs(clock: tuple[float, float, float]) -> dict[str, float]:
    """Wall and CPU seconds since `clock`, and the CPU seconds other processes took meanwhile."""
    wall, cpu, machine = (now - then for now, then in zip(_clock(), clock, strict=True))
    return {"train_s": wall, "train_cpu_s": cpu, "others_cpu_s": machine - cpu}


def _report(args: argparse.Namespace, **result: Any) -> None:
    (args.work / f"{args.child}.json").write_text(json.dumps(result))


def _read(path: Path) -> pd.DataFrame:
    return pq.read_table(path).to_pandas(self_destruct=True)


def _prepare(args: argparse.Namespace) -> None:
    writer: pq.ParquetWriter | None = None
    rows = 0
    for frame in synthetic_chunks(args.series, args.days, seed=args.seed):
        table = pa.Table.from_pandas(frame, preserve_index=False)
        writer = writer or pq.ParquetWriter(args.work / "panel.parquet", table.schema)
        writer.write_table(table)
        rows += len(frame)
    if writer is not None:
        writer.close()
    _report(args, rows=rows)


def _restock(args: argparse.Namespace) -> None:
    import lightgbm as lgb

    from features.matrix import feature_matrix

    spec = _spec()
    params = _params(args)
    panel = _read(args.work / "panel.parquet")
    start = time.perf_counter()
    matrix = feature_matrix(panel, spec, chunk_series=CHUNK_SERIES, dropna=True)
    del panel
    features_s = time.perf_counter() - start
    rows = len(matrix.y)
    clock = _clock()
    # Binned with the training parameters (what lgb.train would do), then the raw matrix goes:
    # LightGBM trains on its own uint8 bins.
    data = lgb.Dataset(
        matrix.x, label=matrix.y, feature_name=list(spec.feature_names), params=params
    ).construct()
    del matrix
    lgb.train(params, data, args.rounds)
    _report(
        args,
        rows=rows,
        features_s=features_s,
        **_training_costs(clock),
    )


def _mlforecast(args: argparse.Namespace) -> None:
    from bench.mlforecast_peer import make_forecaster

    panel = _read(args.work / "panel.parquet")
    sid = (
        panel["sku"].cat.codes.to_numpy().astype(np.int64) * len(panel["location"].cat.categories)
        + panel["location"].cat.codes.to_numpy()
    )
    df = pd.DataFrame({"unique_id": sid, "ds": panel["date"], "y": panel["demand"]})
    del panel
    forecaster = make_forecaster(
        freq="D",
        lags=SPEC_LAGS,
        rolling=SPEC_ROLLING,
        date_features=("dayofweek", "month"),
        rounds=args.rounds,
        seed=args.seed,
    )
    start = time.perf_counter()
    x, y = forecaster.preprocess(
        df, static_features=[], dropna=True, return_X_y=True, as_numpy=True
    )
    del df
    features_s = time.perf_counter() - start
    clock = _clock()
    forecaster.fit_models(x, y)
    _report(
        args,
        rows=int(len(y)),
        features_s=features_s,
        **_training_costs(clock),
    )


def _restock_model(args: argparse.Namespace) -> None:
    from features.dataset import Frequency
    from training.demand import DemandModel

    panel = _read(args.work / "panel.parquet")
    start = time.perf_counter()
    model = DemandModel.fit(
        panel, Frequency.DAILY, spec=_spec(), num_boost_round=args.rounds, seed=args.seed
    )
    _report(
        args,
        rows=len(panel),
        features_s=float("nan"),
        train_s=time.perf_counter() - start,
        best_iterations=model.info["best_iterations"],
    )


_CHILDREN = {
    "prepare": _prepare,
    "restock": _restock,
    "mlforecast": _mlforecast,
    "restock-model": _restock_model,
}


# ---- orchestration -------------------------------------------------------------------------


def _child_cmd(
    role: str, args: argparse.Namespace, work: Path, series: int, days: int
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bench",
        "speed",
        "--child",
        role,
        "--work",
        str(work),
        "--series",
        str(series),
        "--days",
        str(days),
        "--rounds",
        str(args.rounds),
        "--seed",
        str(args.seed),
    ]


def _measure(
    roles: tuple[str, ...], args: argparse.Namespace, series: int, days: int, repeat: int = 1
) -> dict[str, tuple[dict[str, Any], Measured]]:
    """Run `prepare` once, then the contenders in turn `repeat` times (the 6-booster
    `restock-model` once); per role the run with the least wall time (other work on the machine
    only ever adds time) and the highest peak RSS."""
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="speed-work-", dir=args.out))
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    results: dict[str, tuple[dict[str, Any], Measured]] = {}
    again = tuple(r for r in roles[1:] if r != "restock-model")
    rounds = [roles[:1], roles[1:], *[again] * (repeat - 1)]
    try:
        for batch in rounds:
            for role in batch:
                print(
                    f"[bench speed] {role} ({series:,} x {days:,}) ...", file=sys.stderr, flush=True
                )
                measured = run_measured(_child_cmd(role, args, work, series, days), env=env)
                if measured.returncode:
                    raise RuntimeError(
                        f"contender '{role}' failed (exit code {measured.returncode})"
                    )
                result = json.loads((work / f"{role}.json").read_text())
                print(
                    f"[bench speed] {role}: {measured.wall_s:.1f} s, {measured.peak_rss_gb:.2f} GB,"
                    f" training {result.get('train_s', float('nan')):.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
                if role in results:
                    best, seen = results[role]
                    peak = max(measured.peak_rss_bytes, seen.peak_rss_bytes)
                    if seen.wall_s <= measured.wall_s:
                        result, measured = best, seen
                    measured = Measured(measured.wall_s, peak, measured.returncode)
                results[role] = (result, measured)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


_LABELS = {
    "restock": "restock features + 1 booster",
    "mlforecast": "mlforecast preprocess + 1 booster",
    "restock-model": "restock DemandModel.fit (6 boosters)",
}


def _table(caption: str, results: dict[str, tuple[dict[str, Any], Measured]]) -> Table:
    rows = []
    for role, label in _LABELS.items():
        if role not in results:
            continue
        result, measured = results[role]
        rows.append(
            [
                label,
                f"{result['rows']:,}",
                fmt(result["features_s"], 1),
                fmt(result["train_s"], 1),
                fmt(result.get("train_cpu_s"), 1),
                fmt(result.get("others_cpu_s"), 1),
                f"{measured.wall_s:.1f}",
                f"{measured.peak_rss_gb:.2f}",
            ]
        )
    columns = [
        "contender",
        "training rows",
        "features s",
        "training s",
        "training CPU s",
        "others' CPU s",
        "process s",
        "peak GB",
    ]
    return Table(caption, columns, rows)


def run(
    *,
    quick: bool = False,
    series: int | None = None,
    days: int | None = None,
    rounds: int | None = None,
    m5: bool = False,
    out: Path = OUT,
    seed: int = 0,
    repeat: int = 1,
) -> Section:
    """The speed and memory section, measured from a fresh orchestrating process.

    Linux keeps a process's peak RSS across exec, and a child forked from a big process (e.g.
    `bench all` after the accuracy sections) starts at its parent's size: contenders launched
    from it would report the parent's peak, not their own. So the orchestration runs in a new
    small process, which saves the section as JSON under `out`.
    """
    cmd = [sys.executable, "-m", "bench", "speed", "--out", str(out), "--seed", str(seed)]
    cmd += ["--repeat", str(repeat)]
    for flag, value in (("--series", series), ("--days", days), ("--rounds", rounds)):
        cmd += [flag, str(value)] if value else []
    cmd += (["--quick"] if quick else []) + (["--m5"] if m5 else [])
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    done = subprocess.run(cmd, env=env, check=False)
    if done.returncode:
        raise RuntimeError(f"the speed benchmark failed (exit code {done.returncode})")
    return Section.load(out / "speed.json")


def _run_here(
    *,
    quick: bool,
    series: int | None,
    days: int | None,
    rounds: int | None,
    m5: bool,
    model: bool,
    out: Path,
    seed: int,
    repeat: int,
) -> Section:
    started = time.perf_counter()
    series = series or (1_000 if quick else 10_000)
    days = days or (365 if quick else 1_095)
    args = argparse.Namespace(rounds=rounds or (20 if quick else 200), seed=seed, out=out)
    section = Section(key="speed", title="Speed and memory", mode=mode_name(quick))
    load_before = os.getloadavg()
    roles = ROLES if model else ROLES[:3]
    results = _measure(roles, args, series, days, repeat)
    load_after = os.getloadavg()
    rows = results["prepare"][0]["rows"]
    section.setup = [
        f"synthetic daily panel (seed {seed}): {series:,} series x {days:,} days = {rows:,} rows",
        f"features: lags {', '.join(map(str, SPEC_LAGS))}, rolling means "
        f"{', '.join(map(str, SPEC_ROLLING))}, day of week, month; LightGBM: restock's "
        f"parameters, {args.rounds} trees, 2 threads, OMP_WAIT_POLICY=PASSIVE",
        "each contender is its own process; process s and peak GB cover reading the input too"
        + (f"; best of {repeat} alternating runs (peak: highest)" if repeat > 1 else ""),
        # Other work on a shared machine slows contenders unevenly: say how busy it was.
        f"machine load (1-min average) before / after: {load_before[0]:.1f} / {load_after[0]:.1f} "
        f"on {os.cpu_count()} cores",
    ]
    section.tables.append(_table(f"{series:,} series x {days:,} days", results))
    ours, theirs = results["restock"][1], results["mlforecast"][1]
    wall = ours.wall_s / theirs.wall_s
    peak = ours.peak_rss_bytes / theirs.peak_rss_bytes
    section.tables.append(
        Table(
            "restock / mlforecast",
            ["ratio", "value", "target"],
            [["wall time", f"{wall:.2f}", "<= 1.0"], ["peak RSS", f"{peak:.2f}", "<= 0.7"]],
        )
    )
    section.headlines += [
        Headline(
            "speed: wall-time ratio restock / mlforecast",
            f"{wall:.2f}",
            "<= 1.0",
            None if quick else wall <= 1.0,
        ),
        Headline(
            "speed: peak-RSS ratio restock / mlforecast",
            f"{peak:.2f}",
            "<= 0.7",
            None if quick else peak <= 0.7,
        ),
    ]
    for name, value, limit in (("wall time", wall, 1.0), ("peak memory", peak, 0.7)):
        if value > limit:
            section.notes.append(
                f"mlforecast wins on {name}: restock / mlforecast = {value:.2f} (target <= {limit})"
            )
    for part, label in (
        ("features_s", "features"),
        ("train_s", "train"),
        ("train_cpu_s", "train CPU"),
    ):
        a, b = results["restock"][0][part], results["mlforecast"][0][part]
        section.notes.append(f"{label}: restock {a:.1f} s, mlforecast {b:.1f} s")
    if m5:
        big = _measure(("prepare", "restock"), args, M5_SERIES, M5_DAYS)
        section.tables.append(_table(f"M5-sized: {M5_SERIES:,} series x {M5_DAYS:,} days", big))
        m = big["restock"][1]
        section.headlines.append(
            Headline(
                "M5-sized run (restock): wall time, peak RSS",
                f"{m.wall_s / 60:.1f} min, {m.peak_rss_gb:.1f} GB",
                "fits in 24 GB",
                m.peak_rss_gb < 24,
            )
        )
    section.seconds = time.perf_counter() - started
    return section


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench speed", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="1,000 series x 365 days, 20 trees")
    p.add_argument("--series", type=int)
    p.add_argument("--days", type=int)
    p.add_argument("--rounds", type=int, help="trees (default 200, quick 20)")
    p.add_argument("--m5", action="store_true", help="also restock alone at M5 size")
    p.add_argument("--no-model", action="store_true", help="skip DemandModel.fit (contender 3)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run the contenders N times, alternating; keep each one's fastest",
    )
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--child", choices=ROLES, help=argparse.SUPPRESS)
    p.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    return p


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.child:
        _CHILDREN[args.child](args)
        return 0
    section = _run_here(
        quick=args.quick,
        series=args.series,
        days=args.days,
        rounds=args.rounds,
        m5=args.m5,
        model=not args.no_model,
        out=args.out,
        seed=args.seed,
        repeat=args.repeat,
    )
    section.print()
    print(f"saved {section.save(args.out)}", file=sys.stderr)
    return 0

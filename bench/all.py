"""`python -m bench all [--quick]`: every benchmark against its peers, one report.

Sections: Walmart accuracy (`bench.walmart`), car parts (`bench.carparts`), SCMS lead time
(`bench.leadtime`), decisions (`bench.decisions`), speed and memory (`bench.speed`; the M5-sized
run in full mode only). They run cheapest first and the report is rewritten after each one (in
the order above), so a long run that is interrupted keeps what it finished; each section is also
saved as JSON under `--out` (`--render` rebuilds the report from those). A section that fails
is reported as such and the others still run.

Full mode writes BENCHMARKS.md at the repository root; `--quick` (small subsets, few trees, a
few minutes on 2 cores) works in `bench/out/all-quick` and writes its BENCHMARKS.quick.md there,
so it never overwrites the full run's files.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench.data import MissingData
from bench.machine import machine_info
from bench.report import write_report
from bench.section import Section, mode_name

__all__ = ["SECTIONS", "main"]

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out" / "all"
QUICK_OUT = REPO / "bench" / "out" / "all-quick"
SECTIONS = ("walmart", "carparts", "leadtime", "decisions", "speed")
_RUN_ORDER = ("leadtime", "carparts", "walmart", "decisions", "speed")
_TITLES = {
    "walmart": "Walmart weekly accuracy",
    "carparts": "Car parts intermittent demand",
    "leadtime": "SCMS supplier lead time",
    "decisions": "Decisions: policy simulation",
    "speed": "Speed and memory",
}


def _runner(name: str, quick: bool, out: Path) -> Callable[[], Section]:
    if name == "walmart":
        from bench import walmart

        return lambda: walmart.run(quick=quick, out=out)
    if name == "carparts":
        from bench import carparts

        return lambda: carparts.run(quick=quick, out=out)
    if name == "leadtime":
        from bench import leadtime

        return lambda: leadtime.run(quick=quick, out=out)
    if name == "decisions":
        from bench import decisions

        return lambda: decisions.run(quick=quick, out=out)
    from bench import speed

    return lambda: speed.run(quick=quick, m5=not quick, out=out)


def _run_one(name: str, quick: bool, out: Path) -> Section:
    started = time.perf_counter()
    print(f"[bench all] {name} ...", file=sys.stderr, flush=True)
    try:
        section = _runner(name, quick, out)()
    except MissingData as exc:
        section = Section(key=name, title=_TITLES[name], mode=mode_name(quick), error=str(exc))
    except Exception as exc:  # one broken section must not lose the others' hour of work
        traceback.print_exc()
        error = f"{type(exc).__name__}: {exc}"
        section = Section(key=name, title=_TITLES[name], mode=mode_name(quick), error=error)
    section.seconds = time.perf_counter() - started
    section.save(out / "sections")
    section.print()
    return section


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench all", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small subsets and few trees")
    p.add_argument("--only", help=f"comma-separated subset of {','.join(SECTIONS)}")
    p.add_argument(
        "--out", type=Path, help=f"work files and sections (default {OUT}, quick: -quick)"
    )
    p.add_argument("--report", type=Path, help="markdown report path (see module docstring)")
    p.add_argument("--render", action="store_true", help="rebuild the report from saved sections")
    p.add_argument(
        "--note", action="append", default=[], help="a line for the report's header (repeatable)"
    )
    return p


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # DESIGN.md section 9, every LightGBM run
    args.out = args.out or (QUICK_OUT if args.quick else OUT)
    names = tuple(n for n in (args.only or ",".join(SECTIONS)).split(",") if n)
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        print(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}", file=sys.stderr)
        return 2
    report = args.report or (
        args.out / "BENCHMARKS.quick.md" if args.quick else REPO / "BENCHMARKS.md"
    )
    started = time.perf_counter()
    command = "python -m bench all" + (" --quick" if args.quick else "")
    if args.only:
        command += f" --only {args.only}"
    machine = machine_info()
    if args.render:
        saved = [args.out / "sections" / f"{n}.json" for n in names]
        sections = [Section.load(p) for p in saved if p.is_file()]
    else:
        done: dict[str, Section] = {}
        for name in sorted(names, key=_RUN_ORDER.index):
            done[name] = _run_one(name, args.quick, args.out)
            ordered = [done[n] for n in names if n in done]
            write_report(report, ordered, machine, command)
        sections = [done[n] for n in names]
    path = write_report(report, sections, machine, command, args.note)
    failed = [s.key for s in sections if s.error]
    print(
        f"[bench all] {time.perf_counter() - started:.0f} s; report {path}"
        + (f"; did not complete: {failed}" if failed else ""),
        file=sys.stderr,
    )
    return 1 if failed else 0

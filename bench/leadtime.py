"""SCMS lead time under BENCHMARK_PROTOCOL: restock's lead-time model beside the medians.

`python -m bench leadtime [--quick] [--rounds N] [--out DIR]`

Lead time = delivered - PO sent (days), rows where both dates parse, negatives dropped;
time-ordered holdout (sort by PO-sent date and ID, last 20% = test). Baselines fitted on the
training split: global median, per-vendor median, per (vendor, mode) median, per-vendor P90.
`model` reads the recent lead-time levels from receipts already delivered when each test order
was placed; `model_frozen` only from training receipts; `vendor_recent_median` is that recent
level alone (a naive that knows the drift). Scheduled delivery dates are never used (they leak
the answer). All of it is `training.leadtime_baselines.evaluate_leadtime`, the same evaluation
the training gate reads. `--quick`: 50 trees per quantile.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import pandas as pd

from bench.data import data_folder
from bench.section import Headline, Section, fmt, frame_table, mode_name, num

__all__ = ["main", "run"]

OUT = Path(__file__).resolve().parent / "out"
PROTOCOL_BASELINES = ("global_median", "vendor_median", "vendor_mode_median")


def run(*, quick: bool = False, rounds: int | None = None, out: Path = OUT) -> Section:
    """The lead-time section (see the module docstring)."""
    from features.ingest import validate_dataset
    from features.loaders.scms import load_scms
    from training.leadtime import LeadTimeConfig
    from training.leadtime_baselines import evaluate_leadtime

    started = time.perf_counter()
    rounds = rounds or (50 if quick else LeadTimeConfig().num_boost_round)
    dataset, _, _ = validate_dataset(
        load_scms(data_folder("scms_lead_times")), today=dt.date.today()
    )
    table = evaluate_leadtime(dataset.receipts, config=LeadTimeConfig(num_boost_round=rounds))
    table = table.rename(columns={"mae": "MAE (days)", "p90_coverage": "P90 coverage"})
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "leadtime_holdout.csv")
    n_test = int(table["n_test"].iloc[0])
    section = Section(key="leadtime", title="SCMS supplier lead time", mode=mode_name(quick))
    section.setup = [
        f"{len(dataset.receipts):,} receipts with both dates; test = the last 20% by PO-sent "
        f"date ({n_test:,} receipts); LightGBM quantile model, {rounds} trees per quantile",
    ]
    section.tables.append(
        frame_table(
            "time-ordered holdout",
            table,
            ["MAE (days)", "P90 coverage"],
            formats={"MAE (days)": lambda v: fmt(v, 1)},
        )
    )
    _judge(section, table, quick)
    section.seconds = time.perf_counter() - started
    return section


def _judge(section: Section, table: pd.DataFrame, quick: bool) -> None:
    mae = table["MAE (days)"]
    base = mae.loc[list(PROTOCOL_BASELINES)]
    best = str(base.idxmin())
    gain = 1.0 - num(mae["model"]) / num(base[best])
    section.headlines.append(
        Headline(
            "SCMS lead-time MAE, model vs best protocol baseline",
            f"{mae['model']:.1f} vs {best} {base[best]:.1f} days ({gain:+.1%})",
            ">= 15% lower",
            None if quick else gain >= 0.15,
        )
    )
    coverage = num(table.loc["model", "P90 coverage"])
    section.headlines.append(
        Headline(
            "SCMS lead-time P90 coverage (model)",
            f"{coverage:.3f}",
            "0.87-0.93",
            None if quick else 0.87 <= coverage <= 0.93,
        )
    )
    others = mae.drop(index=["model"]).dropna()
    if len(others) and num(others.min()) < num(mae["model"]):
        winner = str(others.idxmin())
        section.notes.append(
            f"{winner} has a lower MAE than the model: {others[winner]:.1f} vs "
            f"{mae['model']:.1f} days"
        )
    section.notes.append(
        "not a protocol baseline: vendor_recent_median (each vendor's last deliveries known at "
        "order time) is the naive answer to the drift the protocol warns about"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench leadtime", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="50 trees per quantile")
    parser.add_argument("--rounds", type=int, help="trees per quantile (default: the model's)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    section = run(quick=args.quick, rounds=args.rounds, out=args.out)
    section.print()
    print(f"saved {section.save(args.out)}", file=sys.stderr)
    return 0

"""Walmart weekly accuracy on BENCHMARK_PROTOCOL's cutoffs: restock beside its peers.

`python -m bench walmart [--quick] [--rounds N] [--out DIR]`

- restock: the rolling-origin backtest (`training.backtest.run_backtest`) on restock's own
  ingest and cleaning of the data, the model refitted per fold (up to `--rounds` trees, early
  stopped); `restock_lgbm` is the model alone, `restock_routed` the model with its segment
  routes and its combination with MSTL (`training.blend`, the weight chosen on the folds before
  each one; what serving runs). Its routing candidates are seasonal naive, moving average,
  Croston and TSB (AutoETS is run once, below, as a peer, not a second time inside the
  backtest); its MSTL member is restock's own (`training.baselines`, on its cleaned panel), not
  the peer's rows.
- peers, on the protocol's model input (`bench.walmart_protocol`): statsforecast
  SeasonalNaive(52), AutoETS(52, "ZZA"), MSTL(52) with an AutoETS trend, and mlforecast +
  LightGBM (lags 1-4 and 52, rolling means 4 and 13 of lag 1, week of year, store and dept as
  categoricals; restock's LightGBM parameters, `--rounds` trees). Series under 52 weeks at a
  cutoff get seasonal naive's fallback (Naive) for the statistical peers.
- scored: WMAE (holiday weeks x5, pooled over the rows of all folds, and per fold), MAE, RMSE,
  MASE, mean pinball at 0.1/0.5/0.9 and P10-P90 coverage, all on the same rows: the protocol's
  rows minus those restock does not score (weeks with negative sales are quarantined at its
  ingest; the count is stated).
`--quick`: store 1 only and 30 trees.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.data import data_folder
from bench.mlforecast_peer import mlforecast_forecasts, week_of_year
from bench.scoring import score_methods
from bench.section import Headline, Section, Table, better, fmt, frame_table, mode_name, num
from bench.stat_peers import Peer, stat_forecasts
from bench.walmart_protocol import (
    CUTOFFS,
    FREQ,
    HORIZON,
    SEASON,
    eval_rows,
    load_train,
    model_input,
    scales,
)

__all__ = ["main", "run"]

OUT = Path(__file__).resolve().parent / "out"
RESTOCK = ("restock_routed", "restock_lgbm")
ROWS_FILE = "walmart_scored_rows.parquet"
ROUTING_CANDIDATES = ("seasonal_naive", "moving_average", "croston", "tsb")
QUICK_STORES = (1,)


def _stat_peers() -> list[Peer]:
    from statsforecast.models import MSTL, AutoETS, SeasonalNaive

    return [
        Peer("seasonal_naive", lambda a: SeasonalNaive(SEASON, alias=a), SEASON),
        Peer("auto_ets", lambda a: AutoETS(season_length=SEASON, model="ZZA", alias=a), SEASON),
        Peer(
            "mstl",
            lambda a: MSTL(SEASON, trend_forecaster=AutoETS(model="ZZN"), alias=a),
            SEASON,
        ),
    ]


def _restock(
    folder: Path, stores: tuple[int, ...] | None, rounds: int, home: Path, progress: bool
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """restock's backtest forecasts (sku, location, date, fold, method, p10, p50, p90)."""
    from features.ingest import validate_dataset
    from features.loaders.walmart import load_walmart
    from features.pipeline import clean_in_chunks
    from features.segment import segment
    from features.series_codes import SeriesCodes
    from restock.settings import Settings
    from training.backtest import BacktestConfig, run_backtest

    raw = load_walmart(folder)
    if stores is not None:
        sales = raw.tables["sales"]
        raw.tables["sales"] = sales[sales["location"].isin([f"store{s}" for s in stores])]
    dataset, report, _ = validate_dataset(raw, today=dt.date.today())
    settings = Settings(home=home, show_progress=False)
    panel = clean_in_chunks(dataset.sales, dataset.frequency, settings)
    config = BacktestConfig(
        origins=tuple(pd.Timestamp(c) for c in CUTOFFS),
        horizon=HORIZON,
        num_boost_round=rounds,
        baselines=ROUTING_CANDIDATES,
    )
    result = run_backtest(
        panel,
        dataset.frequency,
        config,
        calendar=dataset.calendar,
        codes=SeriesCodes.from_panel(panel, dataset.items),
        segments=segment(panel, dataset.frequency, settings.segmentation),
        progress=progress,
    )
    frame = result.forecasts[result.forecasts["method"].isin(RESTOCK)]
    out = pd.DataFrame(
        {
            "sku": frame["sku"].astype("str").to_numpy(),
            "location": frame["location"].astype("str").to_numpy(),
            "date": frame["date"].to_numpy().astype("datetime64[ns]"),
            "fold": frame["fold"].to_numpy(),
            "method": frame["method"].astype("str").to_numpy(),
            **{q: frame[q].to_numpy(dtype=np.float64) for q in ("p10", "p50", "p90")},
        }
    )
    info = {
        "quarantined": report.quarantined,
        "routes": result.routes,
        "blends": [b.describe() if b else "model alone" for b in result.fold_blends],
        "blend": result.blend.describe() if result.blend else "model alone",
    }
    return out, info


def _peers(
    inputs: pd.DataFrame, cutoff: pd.Timestamp, rounds: int, seconds: dict[str, float]
) -> tuple[pd.DataFrame, dict[str, int]]:
    history = inputs[inputs["ds"] <= cutoff]
    pieces, fallback = [], {}
    for peer in _stat_peers():
        started = time.perf_counter()
        out = stat_forecasts(
            history[["series", "ds", "y"]], [peer], horizon=HORIZON, freq=FREQ, season=SEASON
        )
        seconds[peer.name] = seconds.get(peer.name, 0.0) + time.perf_counter() - started
        pieces.append(out)
        fallback.update(out.attrs["fallback"])
    started = time.perf_counter()
    ml = mlforecast_forecasts(
        history,
        horizon=HORIZON,
        freq=FREQ,
        lags=(1, 2, 3, 4, 52),
        rolling=(4, 13),
        date_features=(week_of_year,),
        statics=("store", "dept"),
        rounds=rounds,
    )
    seconds["mlforecast_lgbm"] = seconds.get("mlforecast_lgbm", 0.0) + time.perf_counter() - started
    fallback.update(ml.attrs["fallback"])
    pieces.append(ml)
    return pd.concat(pieces, ignore_index=True), fallback


def _scored_rows(
    train: pd.DataFrame,
    inputs: pd.DataFrame,
    restock: pd.DataFrame,
    rounds: int,
    seconds: dict[str, float],
    progress: bool,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    folds: list[pd.DataFrame] = []
    info: dict[str, Any] = {"protocol_rows": 0, "fallback": {}}
    for fold, text in enumerate(CUTOFFS):
        cutoff = pd.Timestamp(text)
        if progress:
            print(f"[bench walmart] peers at cutoff {text} ...", file=sys.stderr, flush=True)
        rows = eval_rows(train, inputs, cutoff)
        info["protocol_rows"] += len(rows)
        peers, fallback = _peers(inputs, cutoff, rounds, seconds)
        info["fallback"][text] = fallback
        peer_rows = rows.merge(peers, on=["series", "date"], how="inner")
        ours = restock[restock["fold"] == fold].drop(columns="fold")
        our_rows = rows.merge(ours, on=["sku", "location", "date"], how="inner")
        both = pd.concat([our_rows, peer_rows], ignore_index=True)
        sc = scales(inputs[inputs["ds"] <= cutoff])
        folds.append(both.merge(sc, on="series", how="left").assign(fold=fold))
    rows = pd.concat(folds, ignore_index=True)
    # Score every method on exactly the rows all of them forecast.
    n_methods = rows["method"].nunique()
    count = rows.groupby(["fold", "series", "date"])["method"].transform("nunique")
    return rows[count.to_numpy() == n_methods].reset_index(drop=True), info


def _per_fold(rows: pd.DataFrame) -> pd.DataFrame:
    w = rows["weight"] * (rows["p50"] - rows["actual"]).abs()
    frame = rows.assign(werr=w)
    sums = frame.groupby(["method", "fold"])[["werr", "weight"]].sum()
    table = (sums["werr"] / sums["weight"]).unstack("fold")
    table.columns = [f"WMAE fold {int(c) + 1} ({CUTOFFS[int(c)]})" for c in table.columns]
    return table


def run(
    *,
    quick: bool = False,
    rounds: int | None = None,
    out: Path = OUT,
    progress: bool = True,
) -> Section:
    """The Walmart accuracy section (see the module docstring)."""
    started = time.perf_counter()
    folder = data_folder("walmart_store_sales")
    stores = QUICK_STORES if quick else None
    rounds = rounds or (30 if quick else 1000)
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    restock, restock_info = _restock(folder, stores, rounds, out / "walmart-home", progress)
    seconds["restock (backtest, both rows)"] = time.perf_counter() - t0
    train = load_train(folder, stores)
    inputs = model_input(train)
    rows, info = _scored_rows(train, inputs, restock, rounds, seconds, progress)
    out.mkdir(parents=True, exist_ok=True)
    rows.to_parquet(out / ROWS_FILE)
    section = Section(key="walmart", title="Walmart weekly accuracy", mode=mode_name(quick))
    n_series = rows["series"].nunique()
    n_methods = rows["method"].nunique()
    section.setup = [
        f"{'stores ' + ', '.join(map(str, stores)) if stores else 'all 45 stores'}: "
        f"{n_series:,} series scored; cutoffs {', '.join(CUTOFFS)}, 13 weeks each; "
        f"{len(rows) // max(n_methods, 1):,} rows per method "
        f"(protocol rows: {info['protocol_rows']:,}; the others are weeks with negative "
        f"sales, which restock's ingest quarantines ({restock_info['quarantined']:,} rows of "
        "its input, all folds and training weeks included), so restock has no forecast there)",
        f"LightGBM: restock's parameters (Tweedie 1.3, 63 leaves, learning rate 0.05); restock up "
        f"to {rounds} trees with early stopping, mlforecast {rounds} trees",
        "short-series fallbacks per cutoff (series): "
        + "; ".join(
            f"{c}: " + ", ".join(f"{k} {v}" for k, v in fb.items())
            for c, fb in info["fallback"].items()
        ),
        f"restock routes chosen on all folds: {restock_info['routes'] or 'none'}",
        "restock_routed's combination per fold (chosen on the folds before it, the first on a "
        f"warm-up fold 13 weeks earlier): {'; '.join(restock_info['blends'])}; chosen on all "
        f"folds (what serving would run): {restock_info['blend']}",
    ]
    wall = Table(
        "wall time (all folds)",
        ["method", "seconds"],
        [[k, f"{v:.0f}"] for k, v in seconds.items()],
    )
    _score(section, rows, wall, quick)
    section.seconds = time.perf_counter() - started
    return section


def rescore(out: Path = OUT) -> Section:
    """The section rebuilt from the scored rows and set-up a run saved under `out`: metrics or
    notes changed, the forecasts did not, so no 25-minute rerun."""
    saved_path = out / "walmart.json"
    if not saved_path.is_file():
        saved_path = out / "sections" / "walmart.json"  # saved by `python -m bench all`
    saved = Section.load(saved_path)
    rows = pd.read_parquet(out / ROWS_FILE)
    section = Section(
        key=saved.key, title=saved.title, mode=saved.mode, seconds=saved.seconds, setup=saved.setup
    )
    wall = next(t for t in saved.tables if t.caption.startswith("wall time"))
    _score(section, rows, wall, saved.mode == "quick")
    section.save(saved_path.parent)
    return section


def _score(section: Section, rows: pd.DataFrame, wall: Table, quick: bool) -> None:
    table = score_methods(rows).sort_values("WMAE").join(_per_fold(rows))
    main_cols = ["WMAE", "MAE", "RMSE", "MASE", "MASE_median", "pinball", "coverage80"]
    section.tables.append(frame_table("pooled over 3 folds (best WMAE first)", table, main_cols))
    fold_cols = [c for c in table.columns if c.startswith("WMAE fold")]
    section.tables.append(frame_table("WMAE per fold", table, fold_cols))
    section.tables.append(wall)
    _judge(section, table, quick)
    _explain_mase(section, rows, table)


def _explain_mase(section: Section, rows: pd.DataFrame, table: pd.DataFrame) -> None:
    """Name the series that drives restock's mean MASE when it is far above its median."""
    mean, median = (
        num(table.loc["restock_routed", "MASE"]),
        num(table.loc["restock_routed", "MASE_median"]),
    )
    if mean <= 2 * median:
        return
    ours = rows[(rows["method"] == "restock_routed") & (rows["scale"] > 0)]
    error = (ours["p50"] - ours["actual"]).abs().groupby(ours["series"]).mean()
    scale = ours.groupby("series")["scale"].mean()  # as `score_methods` averages it
    worst = (error / scale).sort_values(ascending=False)
    top = str(worst.index[0])
    section.notes.append(
        f"restock_routed's mean MASE ({mean:.2f}) hangs on a few series with a near-zero "
        f"in-sample scale: {top} (scale {num(scale[top]):.3g}, scaled error "
        f"{num(worst.iloc[0]):,.0f}) alone adds {num(worst.iloc[0]) / len(worst):.2f}; "
        f"its median MASE is {median:.3f}"
    )


def _judge(section: Section, table: pd.DataFrame, quick: bool) -> None:
    peers = table.drop(index=[m for m in RESTOCK if m in table.index])
    best = str(peers["WMAE"].idxmin())
    ours = num(table.loc["restock_routed", "WMAE"])
    gain = 1.0 - ours / num(peers.loc[best, "WMAE"])
    section.headlines.append(
        Headline(
            "Walmart WMAE, restock_routed vs best peer",
            f"{ours:,.0f} vs {best} {num(peers.loc[best, 'WMAE']):,.0f} ({better(gain)})",
            ">= 10% better",
            None if quick else gain >= 0.10,
        )
    )
    for metric, sense in (("MASE", "lower"), ("coverage80", "closer to 0.80")):
        if metric == "MASE":
            winner = str(table["MASE"].idxmin())
        else:
            winner = str((table["coverage80"] - 0.8).abs().idxmin())
        if winner not in RESTOCK:
            section.notes.append(
                f"{winner} wins on {metric} ({sense}): {fmt(table.loc[winner, metric])} vs "
                f"restock_routed {fmt(table.loc['restock_routed', metric])}"
            )
    for name, value in peers["WMAE"].items():
        if num(value) < ours:
            section.notes.append(
                f"{name} beats restock_routed on pooled WMAE: {num(value):,.0f} vs {ours:,.0f} "
                f"(restock's is {ours / num(value) - 1:.1%} higher)"
            )
    for column in [c for c in table.columns if c.startswith("WMAE fold")]:
        winner = str(table[column].idxmin())
        if winner not in RESTOCK:
            section.notes.append(f"{winner} wins {column}: {num(table.loc[winner, column]):,.0f}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench walmart", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="store 1, 30 trees")
    parser.add_argument("--rounds", type=int, help="trees (default 1000, quick 30)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--rescore", action="store_true", help="rebuild the tables from the rows saved in --out"
    )
    args = parser.parse_args(argv)
    if args.rescore:
        section = rescore(args.out)
        section.print()
        return 0
    section = run(quick=args.quick, rounds=args.rounds, out=args.out)
    section.print()
    print(f"saved {section.save(args.out)}", file=sys.stderr)
    return 0

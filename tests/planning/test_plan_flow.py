"""Planning end to end on the tiny demo: train, plan into the queue, re-plan, simulate; real
Prefect runs, a real MLflow registry and the real restock database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from monitoring.forecast_log import ForecastLog
from monitoring.run import latest_run_summary
from orders.domain import POStatus, SourceKind
from orders.repository import PurchaseOrderQueue
from planning.inputs import load_inputs
from planning.plan import build_plan
from restock.cli import app
from restock.settings import Settings
from training.registry import DEMAND_MODEL

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]

_ENV = {
    "RESTOCK_AS_OF": "2026-11-01",
    "RESTOCK_SHOW_PROGRESS": "false",
    "RESTOCK_TRAINING__FOLDS": "1",
    "RESTOCK_TRAINING__NUM_BOOST_ROUND": "40",
    "RESTOCK_PLANNING__N_SAMPLES": "400",
}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`restock demo --size tiny`: ingest, features, train, gate and the first plan."""
    root = tmp_path_factory.mktemp("plan") / "home"
    with pytest.MonkeyPatch.context() as patch:
        for key, value in _ENV.items():
            patch.setenv(key, value)
        done = CliRunner().invoke(app, ["demo", "--size", "tiny", "--home", str(root)])
        assert done.exit_code == 0, done.output
        assert "replenishment plan" in done.output and "need approval" in done.output
        # The drift scenario: four more weeks arrive, monitoring decides, the plan is redone.
        assert "28 days later: new sales arrive" in done.output
        assert "decision " in done.output and "alerts new:" in done.output
        yield root


def _settings(home: Path) -> Settings:
    return Settings(home=home, as_of="2026-11-01", show_progress=False)


def test_demo_ends_with_a_populated_queue(home: Path) -> None:
    settings = _settings(home)
    queue = PurchaseOrderQueue(settings.database)
    summary = queue.latest_plan()
    assert summary is not None and summary.order_count > 0 and summary.line_count > 0
    assert summary.needs_approval + summary.auto_approved == summary.order_count
    assert summary.series_reviewed >= summary.line_count
    orders = queue.list_orders(plan_id=summary.plan_id)
    assert {o.source_kind for o in orders} <= {SourceKind.SUPPLIER, SourceKind.DC}
    order = queue.get_order(orders[0].id)
    line = order.lines[0]
    why = line.explanation
    assert why.forecast_model_version.startswith("demand-forecaster v")
    assert why.inventory_position == pytest.approx(why.on_hand + why.on_order - why.backorders)
    assert 0.0 <= why.stockout_probability <= 1.0 and why.lead_time_p90 >= why.lead_time_p50


def test_plan_is_reproducible_and_respects_packs_moq_and_dc_stock(home: Path) -> None:
    settings = _settings(home)
    inputs = load_inputs(settings)
    first = build_plan(settings, inputs=inputs).table
    second = build_plan(settings, inputs=inputs).table
    pd.testing.assert_frame_equal(first.drop(columns="flags"), second.drop(columns="flags"))
    ordered = first[first["quantity"] > 0]
    assert (ordered["quantity"] % ordered["pack_size"] == 0).all()
    supplier = ordered[ordered["source_kind"] == "supplier"]
    assert (supplier["quantity"] >= supplier["moq"]).all()
    # Transfers out of a DC never exceed what it holds for the sku.
    stock = inputs.stock.astype({"sku": "str", "location": "str"}).set_index(["sku", "location"])
    moved = first[first["source_kind"] == "dc"].groupby(["sku", "source"])["quantity"].sum()
    for (sku, dc), units in moved.items():
        held = stock["on_hand"].get((sku, dc), 0.0) - stock["backorders"].get((sku, dc), 0.0)
        assert units <= max(held, 0.0), (sku, dc)
    assert np.isfinite(first["expected_demand"]).all()


def test_store_levels_are_solved_on_the_logged_calibration(home: Path) -> None:
    """The first plan's forecasts met the sales since: the plan scores them for its calibration
    (too few on the tiny demo for a map, and it says so), and S is an (R, S) level whose
    numbers hang together."""
    settings = _settings(home)
    result = build_plan(settings, inputs=load_inputs(settings))
    said = [n for n in result.notes if n.startswith("store fill-rate levels:")]
    assert len(said) == 1 and "earlier plans' forecasts scored on the sales since" in said[0]
    assert "fewer than 200 PITs" in said[0] or "(map)" in said[0]
    table = result.table
    np.testing.assert_allclose(table["reorder_point"], table["order_up_to"])
    np.testing.assert_allclose(
        table["safety_stock"], table["order_up_to"] - table["expected_demand"]
    )
    assert (table["order_up_to"] >= 0).all() and (table["quantity"] > 0).any()


def test_replanning_supersedes_undecided_orders(home: Path) -> None:
    settings = _settings(home)
    queue = PurchaseOrderQueue(settings.database)
    before = queue.latest_plan()
    assert before is not None
    done = CliRunner().invoke(app, ["plan", "--home", str(home)], env=_ENV)
    assert done.exit_code == 0, done.output
    after = queue.latest_plan()
    assert after is not None and after.plan_id == before.plan_id + 1
    old = queue.plan_summary(before.plan_id)
    assert old.by_status[POStatus.PENDING_APPROVAL] == 0  # replaced, not duplicated
    assert old.by_status[POStatus.SUPERSEDED] == before.needs_approval


def test_simulate_prints_segments_and_saves_the_tradeoff_plot(home: Path) -> None:
    done = CliRunner().invoke(app, ["simulate", "--periods", "28", "--home", str(home)], env=_ENV)
    assert done.exit_code == 0, done.output
    assert "policy simulation" in done.output
    # The printed table wraps with the terminal, so the policies are checked in the saved CSV.
    table = pd.read_csv(home / "reports" / "simulation.csv")
    assert {"restock", "z_sqrt_l_sigma", "min_max"} <= set(table["policy"])
    assert table["fill_rate"].dropna().between(0, 1).all()  # NaN: no demand in the window
    assert table.loc[table["segment"] == "all", "target_fill_rate"].notna().all()
    series = pd.read_csv(home / "reports" / "simulation_series.csv")
    assert len(series) == 3 * table.loc[table["segment"] == "all", "series"].iloc[0]
    curve = pd.read_csv(home / "reports" / "simulation_curve.csv")
    assert set(curve["policy"]) == {"restock", "z_sqrt_l_sigma", "min_max"}
    assert (home / "reports" / "simulation_tradeoff.png").stat().st_size > 10_000


def test_plan_without_a_champion_says_what_to_run(tmp_path: Path) -> None:
    root = tmp_path / "home"
    done = CliRunner().invoke(
        app, ["demo", "--size", "tiny", "--no-train", "--home", str(root)], env=_ENV
    )
    assert done.exit_code == 0, done.output
    done = CliRunner().invoke(app, ["plan", "--home", str(root)], env=_ENV)
    assert done.exit_code == 2
    assert "restock train" in done.output


def test_each_plan_logs_the_forecasts_it_used(home: Path) -> None:
    settings = _settings(home)
    origins = ForecastLog(settings.database).origins(model_name=DEMAND_MODEL)
    # The first plan (four weeks before the end) and the one after the new data arrived.
    assert len(set(origins["origin"])) >= 2 and (origins["rows"] > 0).all()
    logged = ForecastLog(settings.database).read(model_name=DEMAND_MODEL)
    assert {"sku", "location", "step", "date", "p10", "p50", "p90"} <= set(logged.columns)
    assert (logged["p10"] <= logged["p50"]).all() and (logged["p50"] <= logged["p90"]).all()


def test_the_demo_left_a_monitoring_summary(home: Path) -> None:
    summary = latest_run_summary(_settings(home))
    assert summary is not None
    assert summary["decision"]["action"] in {"noop", "retrain", "rollback"}
    assert summary["live"]  # the first plan's forecasts met their actuals


def test_daily_cycle_runs_every_step(home: Path) -> None:
    from flows.daily_cycle import daily_cycle

    outcome = daily_cycle(_settings(home), retrain=False)
    assert outcome.ingest is None and outcome.features.rows > 0
    assert outcome.plan.summary is not None and outcome.plan.summary.series_reviewed > 0
    assert outcome.monitoring.run.summary_path is not None
    assert outcome.monitoring.retrained is None


def test_schedules_list_and_build_their_deployments(home: Path) -> None:
    from flows.schedules import deployments

    done = CliRunner().invoke(app, ["schedule", "--dry-run", "--home", str(home)], env=_ENV)
    assert done.exit_code == 0, done.output
    for name in ("restock-daily_cycle", "restock-monitor_and_act", "restock-train_models"):
        assert name in done.output
    built = deployments(_settings(home))
    assert [d.name for d in built] == [
        "restock-daily_cycle",
        "restock-monitor_and_act",
        "restock-train_models",
    ]
    assert all(d.parameters == {"home": str(home)} for d in built)
    assert all(d.schedules for d in built)

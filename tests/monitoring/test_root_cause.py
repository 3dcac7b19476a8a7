"""Stockout root causes: each rule on its own, their precedence, and counts per segment."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from monitoring.root_cause import (
    CAUSES,
    cause_counts,
    classify_stockouts,
    planned_quantile_column,
)

DAY = pd.Timestamp("2026-09-20")
DATES = pd.date_range("2026-09-01", "2026-09-30", freq="D")


def _panel(stockout_demand: float = 8.0) -> pd.DataFrame:
    """A/S1 (segment AX) sells 5 a day and is out of stock on DAY with demand `stockout_demand`."""
    panel = pd.DataFrame(
        {
            "sku": "A",
            "location": "S1",
            "date": DATES,
            "units": 5.0,
            "demand": 5.0,
            "stockout": False,
            "gap": False,
        }
    )
    on_day = panel["date"] == DAY
    panel.loc[on_day, ["units", "demand", "stockout"]] = [2.0, stockout_demand, True]
    return panel


def _log(p95: float = 10.0) -> pd.DataFrame:
    """Two plans (09-10 and 09-15): the later, shorter-step one is what the plan acted on."""
    rows = []
    for origin, level in ((pd.Timestamp("2026-09-10"), 100.0), (pd.Timestamp("2026-09-15"), p95)):
        for step in range(1, 15):
            rows.append(
                {
                    "sku": "A",
                    "location": "S1",
                    "origin": origin,
                    "step": step,
                    "date": origin + pd.Timedelta(days=step),
                    "p50": 5.0,
                    "p90": level * 0.9,
                    "p95": level,
                    "p98": level * 1.2,
                }
            )
    return pd.DataFrame(rows)


def _receipts(
    promised: str, received: str | None, qty: float = 50, ordered: float = 50
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sku": ["A"],
            "location": ["DC1"],
            "promised_on": [pd.Timestamp(promised)],
            "received_on": [pd.NaT if received is None else pd.Timestamp(received)],
            "qty": [qty],
            "ordered_qty": [ordered],
        }
    )


SEGMENTS = pd.DataFrame({"sku": ["A"], "location": ["S1"], "segment": ["AX"]})
PARENTS = {"S1": "DC1"}


@pytest.mark.parametrize(
    ("name", "kwargs", "cause", "detail"),
    [
        ("demand within the plan, supply on time", {}, "policy", "too low"),
        ("demand above the planned P95", {"panel": _panel(12.0)}, "forecast_error", "p95 10.0"),
        (
            "DC receipt due before the stockout arrived after it",
            {"receipts": _receipts("2026-09-18", "2026-09-23")},
            "supply_failure",
            "arrived 2026-09-23",
        ),
        (
            "receipt still open",
            {"receipts": _receipts("2026-09-18", None)},
            "supply_failure",
            "not received",
        ),
        (
            "receipt arrived short",
            {"receipts": _receipts("2026-09-18", "2026-09-17", qty=20)},
            "supply_failure",
            "arrived short",
        ),
        (
            "receipt on time and complete",
            {"receipts": _receipts("2026-09-18", "2026-09-17")},
            "policy",
            "",
        ),
        (
            "receipt promised after the stockout cannot explain it",
            {"receipts": _receipts("2026-09-22", "2026-09-25")},
            "policy",
            "",
        ),
        (
            "quarantined sales row three days before",
            {
                "quarantined": pd.DataFrame(
                    {"sku": ["A"], "location": ["S1"], "date": ["2026-09-17"]}
                )
            },
            "data_failure",
            "quarantined",
        ),
        (
            "no forecast logged for the date (failed run)",
            {"forecasts": _log()[lambda f: f["date"] != DAY]},
            "data_failure",
            "no forecast",
        ),
        (
            "data beats supply beats forecast",
            {
                "panel": _panel(12.0).assign(gap=lambda p: p["date"] == DAY - pd.Timedelta(days=1)),
                "receipts": _receipts("2026-09-18", None),
            },
            "data_failure",
            "missing",
        ),
        (
            "supply beats forecast",
            {"panel": _panel(12.0), "receipts": _receipts("2026-09-18", None)},
            "supply_failure",
            "",
        ),
    ],
)
def test_each_rule(name: str, kwargs: dict[str, Any], cause: str, detail: str) -> None:
    args: dict[str, Any] = {
        "panel": _panel(),
        "forecasts": _log(),
        "segments": SEGMENTS,
        "parents": PARENTS,
        "service_levels": {"AX": 0.95},
    } | kwargs
    panel = args.pop("panel")
    out = classify_stockouts(panel, **args)
    assert len(out) == 1, name
    assert out["cause"].iloc[0] == cause, (name, out["detail"].iloc[0])
    assert detail in out["detail"].iloc[0]


def test_the_planned_quantile_follows_the_segment_service_level() -> None:
    assert planned_quantile_column(0.95, ["p50", "p90", "p95", "p98"]) == "p95"
    assert planned_quantile_column(0.97, ["p50", "p90", "p95", "p98"]) == "p98"
    assert planned_quantile_column(0.99, ["p50", "p90"]) == "p90"  # the highest logged
    # Demand 9.5: above P90 (9.0) but within P95 (10): a 97% segment reads P98 (12).
    panel = _panel(9.5)
    low = classify_stockouts(
        panel, forecasts=_log(), segments=SEGMENTS, service_levels={"AX": 0.90}
    )
    high = classify_stockouts(
        panel, forecasts=_log(), segments=SEGMENTS, service_levels={"AX": 0.97}
    )
    assert low["cause"].iloc[0] == "forecast_error" and high["cause"].iloc[0] == "policy"


def test_counts_per_segment_and_stockouts_outside_the_log() -> None:
    second = _panel(12.0).assign(sku="B")
    early = _panel().assign(sku="C", date=lambda p: p["date"] - pd.Timedelta(days=30))
    panel = pd.concat([_panel(), second, early], ignore_index=True)
    log = pd.concat([_log(), _log().assign(sku="B")], ignore_index=True)
    segments = pd.DataFrame({"sku": ["A", "B"], "location": ["S1", "S1"], "segment": ["AX", "CZ"]})
    out = classify_stockouts(panel, forecasts=log, segments=segments)
    counts = cause_counts(out)
    assert list(counts.columns) == [*CAUSES, "total"]
    assert counts.loc["AX", "policy"] == 1 and counts.loc["CZ", "forecast_error"] == 1
    assert counts.loc["all", "total"] == 2
    assert counts.attrs["outside_log"] == 1  # C's stockout predates every logged forecast
    empty = classify_stockouts(panel, forecasts=log.head(0))
    assert empty.empty and cause_counts(empty).loc["all", "total"] == 0

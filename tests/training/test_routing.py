"""Routing: classes from a series' own history, routes chosen on earlier folds' errors, and
routed quantiles that follow the chosen method's level without crossing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from training.routing import SHORT, apply_routes, choose_routes, route_classes


def _history(lengths: dict[str, int]) -> pd.DataFrame:
    rows = [
        {
            "sku": sku,
            "location": "L",
            "date": pd.Timestamp("2026-01-01") + pd.Timedelta(days=d),
            "gap": False,
        }
        for sku, n in lengths.items()
        for d in range(n)
    ]
    return pd.DataFrame(rows)


def test_short_series_are_their_own_class() -> None:
    segments = pd.DataFrame(
        {"sku": ["A", "B"], "location": ["L", "L"], "intermittency": ["smooth", "lumpy"]}
    )
    classes = route_classes(_history({"A": 3, "B": 40}), segments, min_history=10)
    assert dict(zip(classes["sku"], classes["route_class"], strict=True)) == {
        "A": SHORT,
        "B": "lumpy",
    }


def _scored(errors: dict[tuple[str, str], float], n: int = 40) -> pd.DataFrame:
    rows = []
    for (route_class, method), error in errors.items():
        for i in range(n):
            rows.append(
                {
                    "route_class": route_class,
                    "method": method,
                    "actual": 10.0,
                    "p50": 10.0 + error,
                    "i": i,
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("errors", "expected"),
    [
        ({("short", "m"): 5.0, ("short", "naive"): 1.0}, {"short": "naive"}),
        ({("short", "m"): 1.0, ("short", "naive"): 5.0}, {}),
        ({("short", "m"): 2.0, ("short", "naive"): 2.0}, {}),  # a tie keeps the model
        (
            {
                ("lumpy", "m"): 3.0,
                ("lumpy", "tsb"): 1.0,
                ("smooth", "m"): 1.0,
                ("smooth", "tsb"): 2.0,
            },
            {"lumpy": "tsb"},
        ),
    ],
)
def test_routes_pick_the_lowest_mae_per_class(
    errors: dict[tuple[str, str], float], expected: dict[str, str]
) -> None:
    assert choose_routes(_scored(errors), model="m") == expected


def test_too_few_rows_keep_the_model() -> None:
    scored = _scored({("short", "m"): 5.0, ("short", "naive"): 1.0}, n=5)
    assert choose_routes(scored, model="m", min_rows=30) == {}


def test_routed_quantiles_rescale_to_the_baseline_point() -> None:
    dates = pd.to_datetime(["2026-02-01", "2026-02-02"])
    model = pd.DataFrame(
        {
            "sku": "A",
            "location": "L",
            "date": dates,
            "method": "m",
            "p10": [5.0, 0.0],
            "p50": [10.0, 0.0],
            "p90": [20.0, 1.0],
            "p95": [25.0, 2.0],
            "p98": [30.0, 3.0],
        }
    )
    naive = pd.DataFrame(
        {"sku": "A", "location": "L", "date": dates, "method": "naive", "p50": [2.0, 4.0]}
    )
    classes = pd.DataFrame({"sku": ["A"], "location": ["L"], "route_class": [SHORT]})
    out = apply_routes(
        pd.concat([model, naive], ignore_index=True),
        classes,
        {SHORT: "naive"},
        model="m",
        name="routed",
    )
    assert (out["method"] == "routed").all() and (out["routed_to"] == "naive").all()
    np.testing.assert_allclose(out.loc[0, ["p10", "p50", "p90", "p95", "p98"]], [1, 2, 4, 5, 6])
    # A zero model median cannot be rescaled: every quantile takes the baseline point.
    np.testing.assert_allclose(out.loc[1, ["p10", "p50", "p90", "p95", "p98"]], [4] * 5)


def test_unrouted_series_keep_the_model_forecast() -> None:
    model = pd.DataFrame(
        {
            "sku": "A",
            "location": "L",
            "date": [pd.Timestamp("2026-02-01")],
            "method": "m",
            "p10": [1.0],
            "p50": [2.0],
            "p90": [3.0],
            "p95": [4.0],
            "p98": [5.0],
        }
    )
    classes = pd.DataFrame({"sku": ["A"], "location": ["L"], "route_class": ["smooth"]})
    out = apply_routes(model, classes, {SHORT: "naive"}, model="m", name="routed")
    assert out.loc[0, "p50"] == 2.0 and out.loc[0, "routed_to"] == "m"


def test_a_route_must_win_most_folds() -> None:
    # naive wins fold 0 by far (pooled it wins) but loses folds 1 and 2: stays with the model.
    fold0 = _scored({("short", "m"): 9.0, ("short", "naive"): 1.0}).assign(fold=0)
    fold1 = _scored({("short", "m"): 1.0, ("short", "naive"): 2.0}).assign(fold=1)
    fold2 = _scored({("short", "m"): 1.0, ("short", "naive"): 2.0}).assign(fold=2)
    three = pd.concat([fold0, fold1, fold2], ignore_index=True)
    assert choose_routes(three.drop(columns="fold"), model="m") == {"short": "naive"}
    assert choose_routes(three, model="m") == {}
    # Two wins of three folds route it.
    fold2_won = _scored({("short", "m"): 3.0, ("short", "naive"): 2.0}).assign(fold=2)
    most = pd.concat([fold0, fold1, fold2_won], ignore_index=True)
    assert choose_routes(most, model="m") == {"short": "naive"}
    steady = pd.concat(
        [_scored({("short", "m"): 3.0, ("short", "naive"): 1.0}).assign(fold=f) for f in range(2)],
        ignore_index=True,
    )
    assert choose_routes(steady, model="m") == {"short": "naive"}


def test_smooth_and_erratic_classes_stay_with_the_model() -> None:
    scored = _scored(
        {
            ("smooth", "m"): 5.0,
            ("smooth", "naive"): 1.0,
            ("erratic", "m"): 5.0,
            ("erratic", "naive"): 1.0,
            ("lumpy", "m"): 5.0,
            ("lumpy", "naive"): 1.0,
        }
    )
    assert choose_routes(scored, model="m") == {"lumpy": "naive"}

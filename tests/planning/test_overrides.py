"""Planner overrides: band maths, applying to the plan's cube and to a long frame, accuracy
against actuals (hand-computed), and the repository on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from features.dataset import Frequency
from planning.forecasts import SeriesForecasts
from planning.overrides import (
    InvalidOverride,
    Override,
    OverrideConflict,
    Overrides,
    UnknownOverride,
    apply_overrides,
    baseline_frame,
    horizon_dates,
    override_accuracy,
)
from training.quantiles import QUANTILE_COLUMNS, QUANTILES

POSTGRES_URL = os.environ.get(
    "RESTOCK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NOW = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=30)
BAND = np.array([2.0, 10.0, 15.0, 17.0, 20.0])  # p10, p50, p90, p95, p98
DAYS = tuple(dt.date(2026, 11, d) for d in (1, 2, 3, 4))


def make(**change: Any) -> Override:
    fields: dict[str, Any] = {
        "sku": "B",
        "location": "S1",
        "start": dt.date(2026, 11, 2),
        "end": dt.date(2026, 11, 3),
        "kind": "percent",
        "value": 50.0,
        "rationale": "flyer promotion the model cannot see",
        "created_by": "ann-planner",
        "expires_at": LATER,
    }
    return Override(**(fields | change))


def cube() -> SeriesForecasts:
    keys = pd.DataFrame({"sku": ["A", "B"], "location": ["S1", "S1"], "routed_to": "m"})
    quantiles = np.stack([np.tile(BAND, (4, 1)), np.tile(BAND * 2, (4, 1))])
    drivers: dict[tuple[str, str], list[dict[str, float | str]]] = {
        ("B", "S1"): [{"feature": "price", "contribution": 0.1}]
    }
    return SeriesForecasts(keys=keys, quantiles=quantiles, levels=QUANTILES, drivers=drivers)


# -- band maths -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("units", 14.0, [6.0, 14.0, 19.0, 21.0, 24.0]),  # shifted up 4, shape kept
        ("units", 3.0, [0.0, 3.0, 8.0, 10.0, 13.0]),  # shifted down 7, p10 clipped at 0
        ("units", 0.0, [0.0, 0.0, 5.0, 7.0, 10.0]),
        ("percent", 50.0, [3.0, 15.0, 22.5, 25.5, 30.0]),
        ("percent", -50.0, [1.0, 5.0, 7.5, 8.5, 10.0]),
    ],
)
def test_adjust_band(kind: str, value: float, expected: list[float]) -> None:
    out = make(kind=kind, value=value).adjust(BAND, 1)
    np.testing.assert_allclose(out, expected)
    assert np.all(np.diff(out) >= 0)


@pytest.mark.parametrize(
    ("frequency", "review", "horizon", "expected"),
    [
        ("daily", dt.date(2026, 10, 31), 3, ["2026-11-01", "2026-11-02", "2026-11-03"]),
        ("weekly", dt.date(2026, 10, 26), 2, ["2026-11-02", "2026-11-09"]),
        ("monthly", dt.date(2026, 11, 1), 3, ["2026-12-01", "2027-01-01", "2027-02-01"]),
    ],
)
def test_horizon_dates(frequency: str, review: dt.date, horizon: int, expected: list[str]) -> None:
    dates = horizon_dates(pd.Timestamp(review), Frequency(frequency), horizon)
    assert dates == tuple(dt.date.fromisoformat(d) for d in expected)


# -- applying ---------------------------------------------------------------------------------


def test_apply_to_plan_cube_changes_only_covered_periods_and_says_so() -> None:
    before = cube()
    override = make(id=7, kind="units", value=30.0)  # B's p50 is 20: shift the band +10
    after = apply_overrides(before, [override], DAYS)
    np.testing.assert_array_equal(after.quantiles[0], before.quantiles[0])
    np.testing.assert_allclose(after.quantiles[1, [0, 3]], np.tile(BAND * 2, (2, 1)))
    np.testing.assert_allclose(after.quantiles[1, 1:3], np.tile([14.0, 30, 40, 44, 50], (2, 1)))
    note = str(after.drivers[("B", "S1")][0]["feature"])
    assert note.startswith("planner override #7: 30 units/period on 2026-11-02..2026-11-03")
    assert after.drivers[("B", "S1")][1] == {"feature": "price", "contribution": 0.1}
    # The model's forecast is left as it was: the router shows both.
    np.testing.assert_array_equal(before.quantiles[1, 1], BAND * 2)
    assert len(before.drivers[("B", "S1")]) == 1


@pytest.mark.parametrize(
    ("overrides", "b_day2_p50", "notes"),
    [
        ([], 20.0, 0),
        ([make(sku="Z")], 20.0, 0),  # a series the plan does not hold
        ([make(start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 5))], 20.0, 0),  # past horizon
        ([make(value=50.0)], 30.0, 1),
        ([make(value=50.0), make(kind="units", value=5.0)], 5.0, 2),  # the later one wins
        ([make(kind="units", value=5.0), make(value=50.0)], 30.0, 2),  # on the model's band
    ],
)
def test_apply_to_plan_cube_cases(overrides: list[Override], b_day2_p50: float, notes: int) -> None:
    after = apply_overrides(cube(), overrides, DAYS)
    assert after.quantiles[1, 1, 1] == pytest.approx(b_day2_p50)
    assert len(after.drivers[("B", "S1")]) == 1 + notes


def test_apply_needs_one_date_per_step() -> None:
    with pytest.raises(ValueError, match="one date per horizon step"):
        apply_overrides(cube(), [make()], DAYS[:3])


def test_apply_to_long_frame() -> None:
    frame = pd.DataFrame(
        [("B", "S1", pd.Timestamp(d), *BAND) for d in DAYS],
        columns=["sku", "location", "date", *QUANTILE_COLUMNS],
    )
    out = apply_overrides(frame, [make(id=3, value=-50.0)])
    assert out["override_id"].tolist() == [pd.NA, 3, 3, pd.NA]
    np.testing.assert_allclose(out.loc[1, list(QUANTILE_COLUMNS)], [1.0, 5.0, 7.5, 8.5, 10.0])
    np.testing.assert_allclose(out.loc[0, list(QUANTILE_COLUMNS)], BAND)
    np.testing.assert_allclose(frame.loc[1, list(QUANTILE_COLUMNS)], BAND)


# -- accuracy ---------------------------------------------------------------------------------


def test_override_accuracy_hand_computed() -> None:
    # Model P50 10 on 2 and 3 Nov; actual demand 12 and 14; 4 Nov has no actual yet.
    baseline = ((dt.date(2026, 11, 2), 10.0), (dt.date(2026, 11, 3), 10.0))
    period = {"start": dt.date(2026, 11, 2), "end": dt.date(2026, 11, 4)}
    overrides = [
        make(
            id=1,
            kind="units",
            value=13.0,
            baseline=(*baseline, (dt.date(2026, 11, 4), 10.0)),
            **period,
        ),
        make(id=2, kind="percent", value=50.0, baseline=baseline, **period),
        make(id=3, kind="percent", value=-50.0, baseline=baseline, revoked_at=NOW, **period),
        make(id=4, kind="units", value=1.0, **period),  # no baseline: nothing to compare
    ]
    actuals = pd.DataFrame(
        {"sku": "B", "location": "S1", "date": ["2026-11-02", "2026-11-03"], "demand": [12.0, 14.0]}
    )
    table = override_accuracy(overrides, baseline_frame(overrides), actuals).set_index(
        "override_id"
    )
    assert list(table.index) == [1, 2, 3]
    # units 13: |13-12|, |13-14| -> 1; model |10-12|, |10-14| -> 3.
    # +50%: 15 -> |3|, |1| -> 2.  -50%: 5 -> |7|, |9| -> 8.
    assert table["mae_model"].tolist() == [3.0, 3.0, 3.0]
    assert table["mae_override"].tolist() == [1.0, 2.0, 8.0]
    assert table["improvement"].tolist() == [2.0, 1.0, -5.0]
    assert table["override_better"].tolist() == [True, True, False]
    assert table["periods"].tolist() == [2, 2, 2]
    assert table["pending"].tolist() == [1, 0, 0]
    assert table["revoked"].tolist() == [False, False, True]


def test_override_accuracy_before_actuals_is_pending() -> None:
    override = make(id=1, baseline=((dt.date(2026, 11, 2), 10.0),))
    actuals = pd.DataFrame(columns=["sku", "location", "date", "demand"])
    row = override_accuracy([override], baseline_frame([override]), actuals).iloc[0]
    assert (row["periods"], row["pending"], row["override_better"]) == (0, 1, None)
    assert np.isnan(row["mae_model"])


# -- repository -------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Overrides:
    return Overrides(f"sqlite:///{tmp_path}/restock.db")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"end": dt.date(2026, 11, 1)}, "before start"),
        ({"expires_at": NOW}, "not after now"),
        ({"expires_at": NOW - dt.timedelta(days=1)}, "not after now"),
        ({"expires_at": dt.datetime(2027, 1, 1)}, "timezone-aware"),
        ({"kind": "percent", "value": -100.0}, "above -100"),
        ({"kind": "units", "value": -1.0}, "cannot be negative"),
        ({"value": float("nan")}, "finite"),
        ({"kind": "double"}, "not one of"),
        ({"rationale": "   "}, "rationale is required"),
        ({"created_by": ""}, "name the planner"),
        ({"sku": ""}, "must not be empty"),
    ],
)
def test_add_refuses_invalid(store: Overrides, change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidOverride, match=message):
        store.add(make(**change), now=NOW)
    assert store.list() == []


def _roundtrip(store: Overrides) -> None:
    baseline = ((dt.date(2026, 11, 2), 10.5), (dt.date(2026, 11, 3), 11.0))
    added = store.add(make(baseline=baseline, model_version=2), now=NOW)
    assert added.id is not None and added.created_at == NOW
    assert store.get(added.id) == added
    assert store.get(added.id).baseline == baseline
    assert [o.id for o in store.active(NOW)] == [added.id]
    assert store.active(LATER) == []  # expired at its expiry
    assert store.active(dt.date(2026, 11, 30)) == [added]  # a date: its first instant
    with pytest.raises(OverrideConflict, match=f"override #{added.id} .* revoke it first"):
        store.add(make(start=dt.date(2026, 11, 3), end=dt.date(2026, 11, 9)), now=NOW)
    other = store.add(make(location="S2"), now=NOW)  # another series: no clash
    revoked = store.revoke(
        added.id, by="ann-admin", reason="promo cancelled", now=LATER - dt.timedelta(days=1)
    )
    assert (revoked.revoked_by, revoked.revoke_reason) == ("ann-admin", "promo cancelled")
    assert revoked.status(NOW) == "active" and revoked.status(LATER) == "revoked"
    assert [o.id for o in store.active(LATER - dt.timedelta(hours=1))] == [other.id]
    with pytest.raises(OverrideConflict, match="already revoked by ann-admin"):
        store.revoke(added.id, by="ann-admin", reason="again")
    # Once revoked, the periods are free again; history keeps both.
    again = store.add(make(kind="units", value=4.0), now=LATER - dt.timedelta(hours=1))
    assert [o.id for o in store.list(sku="B", location="S1")] == [added.id, again.id]


def test_repository_roundtrip_sqlite(store: Overrides) -> None:
    _roundtrip(store)


def test_unknown_ids(store: Overrides) -> None:
    with pytest.raises(UnknownOverride, match="no forecast override #99"):
        store.get(99)
    with pytest.raises(UnknownOverride, match="#99"):
        store.revoke(99, by="ann", reason="typo")
    with pytest.raises(InvalidOverride, match="who .* and why"):
        store.revoke(1, by="ann", reason=" ")


def test_expired_override_frees_its_periods(store: Overrides) -> None:
    store.add(make(expires_at=NOW + dt.timedelta(days=1)), now=NOW)
    later = store.add(make(expires_at=LATER), now=NOW + dt.timedelta(days=2))
    assert [o.id for o in store.active(NOW + dt.timedelta(days=3))] == [later.id]


def test_add_in_callers_transaction_rolls_back_with_it(store: Overrides) -> None:
    with store.session() as session:
        session.begin()
        store.add(make(), now=NOW, session=session)
        session.rollback()
    assert store.list() == []
    with store.session() as session, session.begin():
        added = store.add(make(), now=NOW, session=session)
    assert store.list() == [added]


def _postgres() -> Iterator[sa.Engine]:
    schema = f"restock_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except (sa.exc.OperationalError, ImportError) as e:
        admin.dispose()
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL} (set RESTOCK_TEST_POSTGRES_URL): {e}")
    engine = sa.create_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_repository_roundtrip_postgres() -> None:
    for engine in _postgres():
        _roundtrip(Overrides(engine))
        # The table itself refuses a period ending before it starts.
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO forecast_overrides (sku, location, start_date, end_date, kind, "
                    "value, rationale, created_by, created_at, expires_at, baseline) VALUES "
                    "('B', 'S1', '2026-11-02', '2026-11-01', 'units', 1, 'x', 'a', now(), now(), "
                    "'{}')"
                )
            )

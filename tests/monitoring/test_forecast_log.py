"""The forecast log: what a plan forecast is kept, replaced on re-plan, read by target date."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from monitoring.forecast_log import ForecastLog, forecasts_from_cube, record_forecasts

ORIGIN = dt.date(2026, 9, 1)


def _forecasts(origin: dt.date = ORIGIN, steps: int = 3, level: float = 10.0) -> pd.DataFrame:
    rows = []
    for sku, loc in (("A", "S1"), ("B", "S1")):
        for step in range(1, steps + 1):
            rows.append(
                {
                    "sku": sku,
                    "location": loc,
                    "date": pd.Timestamp(origin) + pd.Timedelta(days=step),
                    "step": step,
                    "p10": level * 0.5,
                    "p50": level,
                    "p90": level * 1.5,
                    "p95": level * 1.7,
                    "p98": level * 2.0,
                    "segment": "AX",
                    "routed_to": "restock_lgbm",
                }
            )
    return pd.DataFrame(rows)


def test_record_read_and_replace(engine: sa.Engine) -> None:
    log = ForecastLog(engine)
    assert log.record(_forecasts(), model_name="m", model_version=2, origin=ORIGIN) == 6
    # A re-plan of the same date by the same version replaces, never duplicates.
    assert log.record(_forecasts(level=20.0), model_name="m", model_version=2, origin=ORIGIN) == 6
    later = ORIGIN + dt.timedelta(days=1)
    log.record(_forecasts(later), model_name="m", model_version=3, origin=later)
    rows = log.read(model_name="m")
    assert len(rows) == 12
    first = rows[rows["model_version"] == 2]
    assert first["p50"].tolist() == [20.0] * 6 and first["segment"].tolist() == ["AX"] * 6
    assert str(rows["date"].dtype).startswith("datetime64")
    window = log.read(model_name="m", start=dt.date(2026, 9, 3), end=dt.date(2026, 9, 3))
    assert sorted(window["model_version"].tolist()) == [2, 2, 3, 3]
    assert len(log.read(model_name="m", versions=[3])) == 6
    assert set(log.read(model_name="m", max_step=2)["step"]) == {1, 2}
    assert log.read(model_name="other").empty
    origins = log.origins(model_name="m")
    assert origins["model_version"].tolist() == [2, 3] and origins["rows"].tolist() == [6, 6]
    assert log.prune(before=dt.date(2026, 9, 4)) == 6  # 9/2, 9/3 of v2 and 9/3 of v3
    assert sorted(log.read(model_name="m")["date"].dt.day.unique()) == [4, 5]


def test_missing_quantiles_and_labels_are_stored_as_null(engine: sa.Engine) -> None:
    plain = _forecasts()[["sku", "location", "date", "step", "p50"]]
    record_forecasts(
        database=engine, forecasts=plain, model_name="m", model_version=1, origin=ORIGIN
    )
    rows = ForecastLog(engine).read(model_name="m")
    assert rows["p10"].isna().all() and rows["segment"].isna().all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns=["step"]), "lack column"),
        (lambda f: f.assign(date=pd.Timestamp(ORIGIN)), "not after its origin"),
        (lambda f: f.assign(step=0), "step must be"),
        (lambda f: f.assign(p50=np.nan), "p50 must be a finite"),
        (lambda f: f.assign(p90=-1.0), ">= 0"),
        (lambda f: pd.concat([f, f.head(1)]), "appears twice"),
    ],
)
def test_bad_forecasts_are_refused_before_writing(
    tmp_path: object, change: object, message: str
) -> None:
    log = ForecastLog(f"sqlite:///{tmp_path}/r.db")
    with pytest.raises(ValueError, match=message):
        log.record(change(_forecasts()), model_name="m", model_version=1, origin=ORIGIN)  # type: ignore[operator]
    assert log.read(model_name="m").empty


def test_cube_to_rows() -> None:
    keys = pd.DataFrame({"sku": ["A", "B"], "location": ["S1", "S1"], "routed_to": ["x", "y"]})
    cube = np.arange(2 * 3 * 2, dtype=float).reshape(2, 3, 2)
    dates = [dt.date(2026, 9, 2), dt.date(2026, 9, 3), dt.date(2026, 9, 4)]
    rows = forecasts_from_cube(keys, cube, (0.5, 0.9), dates)
    assert rows["step"].tolist() == [1, 2, 3, 1, 2, 3]
    assert rows["p50"].tolist() == [0, 2, 4, 6, 8, 10] and rows["p90"].tolist()[:2] == [1, 3]
    assert rows["routed_to"].tolist()[3:] == ["y"] * 3
    assert rows["date"].iloc[4] == pd.Timestamp("2026-09-03")
    with pytest.raises(ValueError, match="does not match"):
        forecasts_from_cube(keys.head(1), cube, (0.5, 0.9), dates)

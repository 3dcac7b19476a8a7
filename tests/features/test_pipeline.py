"""The pipeline steps on demo and real data: contracts hold, rows are accounted for, features
land in the store with their spec."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from features.dataset import Frequency
from features.loaders.errors import SourceError
from features.pipeline import run_features, run_ingest
from features.sources import Source
from features.storage import load_dataset
from features.store import FeatureStore
from restock.settings import DemoSettings, Settings
from tests.shared_data import needs_shared_data, shared_data_dir


def _store_frame(settings: Settings, key: str) -> pd.DataFrame:
    return FeatureStore(settings.paths.feature_store).read(key)


def test_demo_with_faults_accounts_for_every_row(settings: Settings) -> None:
    report = run_ingest(settings, Source.DEMO, None, demo_size="tiny", demo_faults=True)
    sales = report.table("sales")
    assert sales.rows_in == sales.valid + sales.quarantined
    assert sales.quarantined == 7 and all(v == 1 for v in sales.reasons.values())
    features = run_features(settings)
    frame = _store_frame(settings, features.store_key)
    assert len(frame) == features.rows
    assert features.segments and sum(features.segments.values()) == features.series
    assert set(features.feature_columns) <= set(frame.columns)
    plot = Path(features.segments_plot)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 10_000


@needs_shared_data("walmart_store_sales")
def test_walmart_weekly_goes_through_the_same_path(settings: Settings) -> None:
    root = shared_data_dir()
    assert root is not None
    report = run_ingest(settings, Source.WALMART, root / "walmart_store_sales")
    sales = report.table("sales")
    assert (sales.rows_in, sales.quarantined) == (421_570, 1_285)
    assert sales.reasons == {"negative": 1_285}  # returns: negative weekly sales
    features = run_features(settings)
    assert features.frequency == "weekly"
    frame = _store_frame(settings, features.store_key)
    assert "lag_52" in frame.columns and frame["is_holiday"].sum() > 0
    # Quarantined weeks come back as filled gaps with zero units, flagged, as the protocol says.
    assert features.filled_gaps > 0


@needs_shared_data("carparts_intermittent")
def test_carparts_monthly_is_mostly_intermittent(settings: Settings) -> None:
    root = shared_data_dir()
    assert root is not None
    run_ingest(settings, Source.CARPARTS, root / "carparts_intermittent")
    assert load_dataset(settings.paths).frequency is Frequency.MONTHLY
    features = run_features(settings)
    assert features.series == 2_674
    pattern = features.intermittency
    assert pattern["intermittent"] + pattern.get("lumpy", 0) > features.series / 2


@needs_shared_data("scms_lead_times")
def test_scms_is_receipts_only(settings: Settings) -> None:
    root = shared_data_dir()
    assert root is not None
    report = run_ingest(settings, Source.SCMS, root / "scms_lead_times")
    receipts = report.table("receipts")
    assert (receipts.rows_in, receipts.valid) == (10_324, 4_587)
    assert receipts.reasons == {"bad_date": 5_732, "date_order": 5}
    with pytest.raises(SourceError, match="receipts-only source"):
        run_features(settings)


def test_weekly_series_off_its_weekday_is_a_clear_error(settings: Settings) -> None:
    folder = settings.home.parent / "in"
    folder.mkdir()
    dates = [*pd.date_range("2026-01-02", periods=6, freq="W-FRI").strftime("%Y-%m-%d")]
    dates.append("2026-02-15")  # a Sunday inside a Friday series
    rows = "\n".join(f"A,S1,{d},3" for d in dates)
    (folder / "sales.csv").write_text("sku,location,date,units\n" + rows + "\n")
    run_ingest(settings, Source.CSV, folder)
    with pytest.raises(SourceError, match="cannot clean the sales of 'in': weekly sales"):
        run_features(settings)


def test_rebuilding_on_new_data_keeps_the_store_to_its_setting(settings: Settings) -> None:
    settings = settings.model_copy(update={"feature_store_keep": 1})
    keys = []
    for hidden in (7, 0):  # a week of sales arrives: new data, a new entry
        week = settings.model_copy(update={"demo": DemoSettings(hidden_days=hidden)})
        run_ingest(week, Source.DEMO, None, demo_size="tiny")
        keys.append(run_features(week).store_key)
    assert keys[0] != keys[1]
    assert FeatureStore(settings.paths.feature_store).keys() == [keys[1]]
    # The same data again reuses its entry, which the pruning never removes.
    again = run_features(settings)
    assert again.store_key == keys[1] and len(_store_frame(settings, keys[1])) == again.rows

"""The command line end to end: real Prefect flow runs, a real home folder, real files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from features.storage import load_dataset, load_quarantine
from features.store import FeatureStore
from restock.cli import app
from restock.home import HomePaths

pytestmark = pytest.mark.usefixtures("prefect_harness")

GOOD = [f"A1,S1,2026-01-{d:02d},{d},2.5,0,0" for d in range(1, 29)] + [
    f"B2,S1,2026-01-{d:02d},{d % 3},4.0,{d % 7 == 0:d},0" for d in range(1, 29)
]
# One row of each bad kind, with the reason validation must give it.
BAD = {
    "A1,S1,2026-02-01,-3,2.5,0,0": "negative",
    "A1,S1,2026-02-02,NaN,2.5,0,0": "non_finite",
    "A1,S1,2026-02-03,4,0,0,0": "non_positive",
    "ZZ9,S1,2026-02-04,4,2.5,0,0": "unknown_sku",
    "A1,S9,2026-02-05,4,2.5,0,0": "unknown_location",
    "A1,S1,2026-01-05,7,2.5,0,0": "duplicate_key",
    "A1,S1,2030-01-01,4,2.5,0,0": "future_date",
    "A1,S1,01/02/2026,4,2.5,0,0": "bad_date",
}


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("RESTOCK_AS_OF", "2026-11-01")
    monkeypatch.setenv("RESTOCK_SHOW_PROGRESS", "false")
    return CliRunner()


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    header = "sku,location,date,units,price,on_promo,stockout"
    (folder / "sales.csv").write_text("\n".join([header, *GOOD, *BAD]) + "\n")
    (folder / "items.csv").write_text("sku,category,unit_cost\nA1,food,1.0\nB2,toys,2.0\n")
    (folder / "locations.csv").write_text("location,kind,region\nS1,store,north\n")
    return folder


def test_ingest_quarantines_exactly_the_bad_rows(tmp_path: Path, runner: CliRunner) -> None:
    home = tmp_path / "home"
    result = runner.invoke(
        app, ["ingest", "--source", "csv", "--path", str(_folder(tmp_path)), "--home", str(home)]
    )
    assert result.exit_code == 0, result.output
    paths = HomePaths(home)
    quarantined = load_quarantine(paths, "sales")
    assert sorted(quarantined["q_reason"]) == sorted(BAD.values())
    # Each quarantined row is the bad row itself, identified by its original text.
    for _, row in quarantined.iterrows():
        text = ",".join(row[c] for c in ["sku", "location", "date", "units", "price"])
        assert any(line.startswith(text) for line in BAD), text
    assert len(load_dataset(paths).sales) == len(GOOD)
    assert "8 row(s) quarantined" in result.output
    shown = runner.invoke(app, ["quarantine", "--home", str(home)])
    assert "unknown_location" in shown.output and "future_date" in shown.output


def test_ingest_of_a_non_csv_file_fails_clearly(tmp_path: Path, runner: CliRunner) -> None:
    picture = tmp_path / "photo.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = runner.invoke(
        app, ["ingest", "--source", "csv", "--path", str(picture), "--home", str(tmp_path)]
    )
    assert result.exit_code == 2
    # The console wraps long paths wherever the terminal width falls, inside words too.
    assert "isnotaCSVorparquetfile" in "".join(result.output.split())
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "--source", "walmart"], "needs --path"),
        (["ingest", "--source", "csv", "--path", "/no/such/file.csv"], "does not exist"),
        (["ingest", "--source", "excel", "--path", "x"], "unknown source 'excel'"),
        (["ingest", "--source", "demo", "--size", "huge"], "unknown demo size 'huge'"),
        (["features"], "nothing has been ingested"),
    ],
)
def test_usage_errors_say_what_to_do(
    tmp_path: Path, runner: CliRunner, args: list[str], message: str
) -> None:
    result = runner.invoke(app, [*args, "--home", str(tmp_path)])
    assert result.exit_code == 2 and message in result.output


def test_missing_columns_name_the_file(tmp_path: Path, runner: CliRunner) -> None:
    sales = tmp_path / "sales.csv"
    sales.write_text("sku,store,day,qty\nA,S,2026-01-01,3\n")
    result = runner.invoke(
        app, ["ingest", "--source", "csv", "--path", str(sales), "--home", str(tmp_path / "h")]
    )
    assert result.exit_code == 2
    assert "missing required column(s) 'location', 'date', 'units'" in result.output


@pytest.mark.slow
def test_demo_runs_ingest_features_and_reuses_the_store(tmp_path: Path, runner: CliRunner) -> None:
    home = tmp_path / "home"
    first = runner.invoke(app, ["demo", "--size", "tiny", "--no-train", "--home", str(home)])
    assert first.exit_code == 0, first.output
    assert "7 row(s) quarantined" in first.output and "built" in first.output
    store = FeatureStore(home / "feature_store")
    key = store.latest()
    assert key is not None
    features = store.read(key)
    manifest = store.manifest(key)
    assert manifest["rows"] == len(features) > 0
    assert manifest["spec"]["frequency"] == "daily"
    assert set(manifest["series_codes"]["skus"]) >= set(features["sku"].astype("str"))
    segments = pd.read_parquet(home / "data" / "cleaned" / "segments.parquet")
    assert (
        set(segments["abc"]) <= {"A", "B", "C"}
        and len(segments) == features.groupby(["sku", "location"], observed=True).ngroups
    )
    again = runner.invoke(app, ["features", "--home", str(home)])
    assert again.exit_code == 0 and "reused" in again.output
    assert store.keys() == [key]


def test_contracts_command_documents_every_table(runner: CliRunner) -> None:
    result = runner.invoke(app, ["contracts"], env={"COLUMNS": "200"})
    for table in ["sales", "items", "locations", "inventory", "receipts", "service_policy"]:
        assert table in result.output


def test_generate_writes_a_folder_that_ingests_cleanly(tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "demo"
    written = runner.invoke(app, ["generate", "--size", "tiny", "--out", str(out)])
    assert written.exit_code == 0, written.output
    assert {p.name for p in out.iterdir()} >= {"sales.parquet", "items.parquet", "receipts.parquet"}
    home = tmp_path / "home"
    ingested = runner.invoke(
        app, ["ingest", "--source", "csv", "--path", str(out), "--home", str(home)]
    )
    assert ingested.exit_code == 0, ingested.output
    assert load_quarantine(HomePaths(home), "sales").empty

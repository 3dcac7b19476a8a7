"""Issue 9, item 4: every loader against a corpus of hostile files. Each case ends in a clear
`SourceError` naming the file (what `restock ingest` prints with exit code 2) or in a load whose
bad rows are quarantined with a reason; never another exception, never a hang."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest
from typer.testing import CliRunner

from features.ingest import IngestReport
from features.loaders.errors import SourceError
from features.pipeline import run_ingest
from features.sources import Source
from restock.cli import app as cli
from restock.settings import Settings
from tests.reliability.hostile_files import LOADERS, MUTATIONS, write_garbage

CASE_SECONDS = 30  # a hang is a failure, not a stuck CI job
RESTOCK = Path(sys.executable).parent / "restock"


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Raise TimeoutError in this (main) thread after `seconds`."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def ingest(source: Source, path: Path, home: Path) -> IngestReport | SourceError:
    """The ingest pipeline (load, validate, store) on `path`: its report, or its SourceError."""
    settings = Settings(home=home, as_of="2026-11-01", show_progress=False)
    with deadline(CASE_SECONDS):
        try:
            return run_ingest(settings, source, path)
        except SourceError as error:
            return error


def assert_clear(outcome: IngestReport | SourceError, path: Path, expect: str) -> None:
    if isinstance(outcome, SourceError):
        assert expect in ("error", "either"), f"refused a file it should load: {outcome}"
        # The message names the file or folder, so the person knows what to fix.
        assert path.stem in str(outcome) or str(path.parent) in str(outcome), str(outcome)
        return
    assert expect in ("quarantine", "either"), f"loaded a file it should refuse: {outcome}"
    for table in outcome.tables:
        if not table.defaulted:  # a defaulted table has no input rows to account for
            assert table.rows_in == table.valid + table.quarantined, table
    if expect == "quarantine":
        assert outcome.quarantined > 0, outcome


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_hostile_file(loader: str, mutation: str, tmp_path: Path) -> None:
    case, broken = LOADERS[loader], MUTATIONS[mutation]
    folder = tmp_path / "source"
    broken.build(case)(folder)
    outcome = ingest(case.source, folder, tmp_path / "home")
    assert_clear(outcome, case.main_file(folder), broken.expect)


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_the_valid_source_loads(loader: str, tmp_path: Path) -> None:
    """The control: without a mutation every loader loads its source."""
    case = LOADERS[loader]
    outcome = ingest(case.source, case.write(tmp_path / "source"), tmp_path / "home")
    assert isinstance(outcome, IngestReport), outcome


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("text", [False, True], ids=["bytes", "text"])
def test_a_hundred_megabytes_of_garbage(tmp_path: Path, suffix: str, text: bool) -> None:
    """100 MB of garbage named like a sales file: refused within the deadline, memory bounded
    by the reader (the file is generated here, never committed)."""
    folder = tmp_path / "source"
    folder.mkdir()
    garbage = write_garbage(folder / f"sales{suffix}", 100, text=text)
    outcome = ingest(Source.CSV, folder, tmp_path / "home")
    assert_clear(outcome, garbage, "error")


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_the_command_exits_2_with_the_message(
    loader: str, tmp_path: Path, prefect_harness: None
) -> None:
    """`restock ingest` on binary garbage: exit code 2 and the file named, no traceback."""
    case = LOADERS[loader]
    folder = tmp_path / "source"
    MUTATIONS["binary garbage"].build(case)(folder)
    args = ["ingest", "--source", case.source.value, "--path", str(folder)]
    with deadline(CASE_SECONDS):
        done = CliRunner().invoke(cli, [*args, "--home", str(tmp_path / "home")])
    assert done.exit_code == 2, done.output
    # (The test harness lets Prefect log the failed task too; `restock` itself silences
    # Prefect's logs, see the subprocess test below.)
    # The console wraps long lines, inside a long path too: compare without any whitespace.
    said = "".join(done.output.split())
    assert f"{case.main}.csv" in said and "utf-8" in said.lower(), done.output


@pytest.mark.slow
def test_a_user_sees_no_traceback(tmp_path: Path) -> None:
    """The real command in its own process, as a person runs it: exit 2, one clear message."""
    folder = tmp_path / "source"
    MUTATIONS["binary garbage"].build(LOADERS["walmart"])(folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    done = subprocess.run(
        [str(RESTOCK), "ingest", "--source", "walmart", "--path", str(folder)],
        cwd=tmp_path,
        # Wide enough that the console does not wrap the long temporary path mid-word.
        env={**env, "RESTOCK_HOME": str(tmp_path / "home"), "COLUMNS": "1000"},
        capture_output=True,
        text=True,
        timeout=240,
    )
    said = " ".join((done.stdout + done.stderr).split())  # the console wraps long lines
    assert done.returncode == 2, said
    compact = "".join(said.split())
    assert "train.csvisnotUTF-8text" in compact and "Traceback" not in said, said

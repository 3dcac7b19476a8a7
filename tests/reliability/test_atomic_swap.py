"""`features.storage.atomic_folder`, the swap behind every ingest: the target is replaced whole,
left untouched on failure, and (on Linux) never missing while a swap happens, which is what a
kill -9 at any instant relies on (tests/reliability/test_killed_ingest.py)."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from features.storage import _exchange, atomic_folder


def _write(folder: Path, text: str) -> None:
    for name in ("a.txt", "b.txt"):
        (folder / name).write_text(text)


def _contents(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


def test_a_swap_replaces_the_folder_whole_and_leaves_nothing_hidden(tmp_path: Path) -> None:
    target = tmp_path / "ingested"
    for text in ("first", "second"):
        with atomic_folder(target) as folder:
            _write(folder, text)
    assert _contents(target) == {"a.txt": "second", "b.txt": "second"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ingested"]


def test_a_failed_write_leaves_the_previous_folder(tmp_path: Path) -> None:
    target = tmp_path / "ingested"
    with atomic_folder(target) as folder:
        _write(folder, "first")
    with pytest.raises(RuntimeError), atomic_folder(target) as folder:
        (folder / "a.txt").write_text("half")
        raise RuntimeError("killed mid-write")
    assert _contents(target) == {"a.txt": "first", "b.txt": "first"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ingested"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux only")
def test_the_target_never_goes_missing_during_swaps(tmp_path: Path) -> None:
    target = tmp_path / "ingested"
    with atomic_folder(target) as folder:
        _write(folder, "0")
    probe = tmp_path / "probe"
    probe.mkdir()
    assert _exchange(probe, target) and _exchange(probe, target)  # supported here
    missing, stop = [], threading.Event()

    def watch() -> None:
        while not stop.is_set():
            if not (target / "a.txt").is_file():
                missing.append(1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for n in range(300):
            with atomic_folder(target) as folder:
                _write(folder, str(n))
    finally:
        stop.set()
        watcher.join()
    assert missing == []
    assert _contents(target) == {"a.txt": "299", "b.txt": "299"}


def test_the_next_write_removes_what_a_killed_one_left(tmp_path: Path) -> None:
    target = tmp_path / "ingested"
    with atomic_folder(target) as folder:
        _write(folder, "first")
    killed = tmp_path / ".ingested.tmp-deadbeef"  # SIGKILL between mkdir and the swap
    killed.mkdir()
    (killed / "sales.parquet").write_text("half")
    running = tmp_path / ".ingested.tmp-0badf00d"  # another ingest writing right now
    running.mkdir()
    old = time.time() - 7 * 3600
    for p in (killed / "sales.parquet", killed):
        os.utime(p, (old, old))
    with atomic_folder(target) as folder:
        _write(folder, "second")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ingested.tmp-0badf00d", "ingested"]
    assert _contents(target) == {"a.txt": "second", "b.txt": "second"}

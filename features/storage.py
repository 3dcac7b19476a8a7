"""Persist ingested tables and quarantine under a restock home, atomically.

A new ingest replaces the previous one as a whole: tables are written into a temporary folder
beside the target and swapped in with renames, so an interrupted ingest leaves the last complete
one in place and never a half-written mix. On Linux the swap is one `renameat2(RENAME_EXCHANGE)`,
so the target never goes missing, not even between two renames (a kill there would leave the
previous tables set aside under a hidden name); elsewhere it is two renames.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import sys
import uuid
from pathlib import Path

import pandas as pd

from features.dataset import Dataset, Frequency
from features.ingest import IngestReport
from features.loaders.errors import SourceError
from features.stale import STALE_AFTER, remove_stale
from restock.home import HomePaths

__all__ = [
    "atomic_folder",
    "ingested_rows",
    "load_dataset",
    "load_ingest_report",
    "load_quarantine",
    "save_ingest",
]

_TABLES = ("sales", "items", "locations", "inventory", "receipts", "service_policy")


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step (Linux `renameat2`); False when the platform or the
    file system cannot, and the caller falls back to two renames."""
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:  # glibc before 2.28, or another libc
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(done == 0)


class atomic_folder:  # noqa: N801 - used as a context manager, reads like `with open(...)`
    """Context manager yielding a temp folder that replaces `target` only on success."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.tmp = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> Path:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        # A killed earlier write of this target left its temporary (or set-aside) folder.
        remove_stale(self.target.parent, f".{self.target.name}.", stale_after=STALE_AFTER)
        self.tmp.mkdir()
        return self.tmp

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        if self.target.exists() and _exchange(self.tmp, self.target):
            shutil.rmtree(self.tmp, ignore_errors=True)  # it now holds the previous folder
            return
        old = self.target.parent / f".{self.target.name}.old-{uuid.uuid4().hex[:8]}"
        if self.target.exists():
            os.replace(self.target, old)
        os.replace(self.tmp, self.target)
        shutil.rmtree(old, ignore_errors=True)


def save_ingest(
    dataset: Dataset,
    report: IngestReport,
    quarantine: dict[str, pd.DataFrame],
    paths: HomePaths,
) -> None:
    """Write the validated tables, the quarantine and the report under the home folder."""
    with atomic_folder(paths.ingested) as folder:
        for name, table in dataset.tables().items():
            table.to_parquet(folder / f"{name}.parquet", index=False)
        if dataset.calendar is not None:
            dataset.calendar.to_parquet(folder / "calendar.parquet", index=False)
        meta = {
            "name": dataset.name,
            "frequency": dataset.frequency.value,
            "rows": {name: len(table) for name, table in dataset.tables().items()},
        }
        (folder / "meta.json").write_text(json.dumps(meta, indent=2))
    with atomic_folder(paths.quarantine) as folder:
        for name, rows in quarantine.items():
            if len(rows):
                rows.to_parquet(folder / f"{name}.parquet", index=False)
        (folder / "summary.json").write_text(json.dumps(report.to_dict(), indent=2))


def _require_ingested(paths: HomePaths) -> None:
    if not (paths.ingested / "meta.json").is_file():
        raise SourceError(
            f"nothing has been ingested in {paths.root}; run `restock ingest --source demo` "
            "(or --source csv --path FOLDER) first, or set RESTOCK_HOME to the right folder"
        )


def load_dataset(paths: HomePaths) -> Dataset:
    """Read the last ingested dataset of this home."""
    _require_ingested(paths)
    meta = json.loads((paths.ingested / "meta.json").read_text())
    tables = {name: pd.read_parquet(paths.ingested / f"{name}.parquet") for name in _TABLES}
    calendar_path = paths.ingested / "calendar.parquet"
    return Dataset(
        **tables,
        frequency=Frequency(meta["frequency"]),
        name=meta["name"],
        calendar=pd.read_parquet(calendar_path) if calendar_path.is_file() else None,
    )


def ingested_rows(paths: HomePaths) -> dict[str, int]:
    """Rows per table of the last ingest, without reading the tables."""
    _require_ingested(paths)
    meta = json.loads((paths.ingested / "meta.json").read_text())
    return {str(k): int(v) for k, v in meta.get("rows", {}).items()}


def load_ingest_report(paths: HomePaths) -> IngestReport:
    _require_ingested(paths)
    return IngestReport.from_dict(json.loads((paths.quarantine / "summary.json").read_text()))


def load_quarantine(paths: HomePaths, table: str = "sales") -> pd.DataFrame:
    """Quarantined rows of one table (empty when none were rejected)."""
    _require_ingested(paths)
    path = paths.quarantine / f"{table}.parquet"
    return pd.read_parquet(path) if path.is_file() else pd.DataFrame()

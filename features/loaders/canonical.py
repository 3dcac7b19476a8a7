"""Canonical folders: one CSV or parquet file per contract, named after it.

`sales.csv` (or `sales.parquet`) is required; `items`, `locations`, `inventory`, `receipts`,
`service_policy` and `calendar` are optional and get documented defaults (`features.defaults`).
CSV values are read as text so that validation, not the reader, decides what a bad value is.
A single file may be given instead of a folder: it is read as the sales table.
"""

from __future__ import annotations

from pathlib import Path

from features.contracts import CONTRACTS
from features.dataset import RawTables
from features.loaders._source import find_file, read_table_file
from features.loaders.errors import SourceError
from features.validate import check_columns

__all__ = ["TABLE_NAMES", "load_canonical", "preflight_canonical", "read_table_file"]

TABLE_NAMES = (*CONTRACTS, "calendar")


def load_canonical(path: Path) -> RawTables:
    """Read a canonical folder (or a single sales file) into raw tables by contract name."""
    if not path.exists():
        raise SourceError(f"{path} does not exist; give a canonical folder or a sales CSV/parquet")
    if path.is_file():
        return RawTables({"sales": read_table_file(path)}, {"sales": str(path)}, name=path.stem)
    found = {name: find_file(path, name) for name in TABLE_NAMES}
    if found["sales"] is None:
        present = sorted(p.name for p in path.iterdir())[:10]
        raise SourceError(
            f"{path} has no sales.csv or sales.parquet (found: {', '.join(present) or 'nothing'}); "
            "a canonical folder holds one file per contract named after it: sales.csv, "
            "items.csv, locations.csv, inventory.csv, receipts.csv, service_policy.csv"
        )
    tables = {name: read_table_file(p) for name, p in found.items() if p is not None}
    sources = {name: str(p) for name, p in found.items() if p is not None}
    return RawTables(tables, sources, name=path.name)


def preflight_canonical(path: Path) -> None:
    """Cheap whole-file checks (format, encoding, header) before any long-running work.

    Reads only the first rows, so a wrong file fails in a second rather than after a flow
    has started; `load_canonical` repeats the checks on the full file.
    """
    if not path.exists():
        raise SourceError(f"{path} does not exist; give a canonical folder or a sales CSV/parquet")
    found = {"sales": path} if path.is_file() else {n: find_file(path, n) for n in CONTRACTS}
    if found["sales"] is None:
        load_canonical(path)  # raises the folder's explanation
    for name, file in found.items():
        if file is not None:
            head = read_table_file(file, nrows=100)
            check_columns(head, CONTRACTS[name], str(file))

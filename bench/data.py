"""Where the real data sets live: the same lookup the tests use (`tests/shared_data.py`).

`RESTOCK_SHARED_DATA`, else `../shared/data` beside the repository. The data is never copied
into the repository; a benchmark that needs a missing folder says which and how to provide it.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["MissingData", "data_folder", "shared_data_dir"]

_REPO = Path(__file__).resolve().parents[1]


class MissingData(FileNotFoundError):
    """A real data folder a benchmark needs is absent."""


def shared_data_dir() -> Path | None:
    """`RESTOCK_SHARED_DATA`, else `../shared/data` beside the repository; None when absent."""
    env = os.environ.get("RESTOCK_SHARED_DATA")
    candidate = Path(env) if env else _REPO.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


def data_folder(name: str) -> Path:
    """The real data set `name` (e.g. `walmart_store_sales`), or MissingData naming the fix."""
    root = shared_data_dir()
    if root is None or not (root / name).is_dir():
        raise MissingData(
            f"real data '{name}' not found: set RESTOCK_SHARED_DATA to the folder holding it "
            "or place it in ../shared/data beside the repository"
        )
    return root / name

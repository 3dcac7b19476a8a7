"""Where the real data sets live, and a skip marker for tests that need them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

__all__ = ["needs_shared_data", "shared_data_dir"]


def shared_data_dir() -> Path | None:
    """`RESTOCK_SHARED_DATA`, else `../shared/data` beside the repository; None when absent."""
    env = os.environ.get("RESTOCK_SHARED_DATA")
    candidate = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    return candidate if candidate.is_dir() else None


def needs_shared_data(subfolder: str) -> pytest.MarkDecorator:
    """Skip with a reason naming the missing folder (the real data is never copied into git)."""
    root = shared_data_dir()
    present = root is not None and (root / subfolder).is_dir()
    return pytest.mark.skipif(
        not present,
        reason=f"real data '{subfolder}' not found "
        "(set RESTOCK_SHARED_DATA or place it in ../shared/data)",
    )

"""Leftovers of killed writes: temporary folders beside a target that no writer touches any more.

Writes in restock go through a hidden temporary folder that is renamed into place on success and
removed on failure; only a kill (power, OOM, SIGKILL) leaves one behind. Nothing reads them, but
each can hold a whole dataset, so the next write of the same kind removes those older than a
cut-off that no running write reaches (a running write keeps its folder's time fresh).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

__all__ = ["STALE_AFTER", "remove_stale"]

# Untouched this long, a temporary folder belongs to a killed write, not a running one: every
# file a writer adds updates the folder's modification time, and one file takes seconds.
STALE_AFTER = dt.timedelta(hours=6)


def remove_stale(
    folder: Path, prefix: str, *, stale_after: dt.timedelta, now: dt.datetime | None = None
) -> list[str]:
    """Delete folders in `folder` whose name starts with `prefix` and whose newest modification
    (the folder or a file directly in it) is older than `stale_after`; returns their names."""
    if not folder.is_dir():
        return []
    cutoff = (now or dt.datetime.now(dt.UTC)).timestamp() - stale_after.total_seconds()
    removed = []
    for path in sorted(folder.iterdir()):
        if not (path.name.startswith(prefix) and path.is_dir()):
            continue
        try:
            times = [path.stat().st_mtime, *(p.stat().st_mtime for p in path.iterdir())]
        except FileNotFoundError:  # finished or removed meanwhile: not ours to judge
            continue
        if max(times) < cutoff:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed

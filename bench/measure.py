"""Run a contender in its own process and measure its wall time and peak memory.

The peak RSS comes from `os.wait4` on that one child: the same kernel rusage GNU `time -v` prints
as "Maximum resident set size", but per process (RUSAGE_CHILDREN would give the maximum over every
child so far, so later contenders would inherit the peak of earlier ones).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Measured", "run_measured"]


@dataclass(frozen=True)
class Measured:
    wall_s: float
    peak_rss_bytes: int
    returncode: int

    @property
    def peak_rss_gb(self) -> float:
        return self.peak_rss_bytes / 1e9


def run_measured(cmd: Sequence[str], *, env: dict[str, str] | None = None) -> Measured:
    """Run `cmd` to completion (output passes through); wall seconds and the child's max RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(list(cmd), env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen.wait
    # Linux reports ru_maxrss in kilobytes.
    return Measured(wall, int(usage.ru_maxrss) * 1024, proc.returncode)

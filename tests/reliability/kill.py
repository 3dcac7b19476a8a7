"""Run a `restock` command in its own process group and kill -9 the whole group at a set time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["cli_env", "restock", "run_until_killed"]

RESTOCK = str(Path(sys.executable).parent / "restock")


def cli_env(home: Path) -> dict[str, str]:
    """A small, fast configuration for the CLI on `home` (the serving tests' settings)."""
    return {
        **os.environ,
        "OMP_WAIT_POLICY": "PASSIVE",
        "RESTOCK_AS_OF": "2026-11-01",
        "RESTOCK_SHOW_PROGRESS": "false",
        "RESTOCK_TRAINING__FOLDS": "1",
        "RESTOCK_TRAINING__NUM_BOOST_ROUND": "40",
        "RESTOCK_PLANNING__N_SAMPLES": "300",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }


def restock(
    *args: str, env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """`restock <args>` to completion; output captured."""
    return subprocess.run(
        [RESTOCK, *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def run_until_killed(
    args: list[str],
    *,
    env: dict[str, str],
    after: float,
    once: Callable[[], bool] | None = None,
    timeout: float = 600,
) -> bool:
    """Start `restock <args>` and SIGKILL its process group `after` seconds later, counted from
    the moment `once()` turns true when given (polled every few ms: "mid-write"). True when it
    was still running (a fault injected), False when it had already finished."""
    proc = subprocess.Popen(
        [RESTOCK, *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own group: children (Prefect's server) die with it
    )
    deadline = time.monotonic() + timeout
    while once is not None and not once():
        if proc.poll() is not None:
            return False
        if time.monotonic() > deadline:
            break
        time.sleep(0.002)
    try:
        proc.wait(timeout=after)
        return False
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:  # finished between the wait and the kill
        pass
    proc.wait(timeout=30)
    time.sleep(0.2)  # let the kernel release the killed children's files
    return True

"""The machine and software a benchmark ran on, for the header of BENCHMARKS.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

__all__ = ["machine_info"]

_REPO = Path(__file__).resolve().parents[1]
_PACKAGES = (
    "restock",
    "lightgbm",
    "mlforecast",
    "statsforecast",
    "pandas",
    "numpy",
    "scikit-learn",
)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=_REPO,
            capture_output=True,
            text=True,
            timeout=10,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=_REPO,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = done.stdout.strip() or "unknown"
    return f"{commit} (uncommitted changes)" if dirty.stdout.strip() else commit


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_info() -> dict[str, str]:
    """CPU, cores, RAM, OS, Python and package versions, date, git commit."""
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    info = {
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "git commit": _git_commit(),
        "CPU": _cpu(),
        "cores": str(os.cpu_count()),
        "RAM": f"{ram:.0f} GB",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "(unset)"),
    }
    info.update({name: _version(name) for name in _PACKAGES})
    return info

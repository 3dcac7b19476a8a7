"""Point Prefect at the restock home before it is imported, so its state lives there too."""

from __future__ import annotations

import os

from restock.home import HomePaths

__all__ = ["configure_prefect"]


def configure_prefect(paths: HomePaths) -> None:
    """Set Prefect's environment for this home; values the user already set are kept.

    Without a `PREFECT_API_URL`, every process starts a temporary local server (~6-13 s); with
    one (a `prefect server start` elsewhere), runs are recorded there instead.
    """
    paths.prefect.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(paths.prefect))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # A cold CI machine can take longer than Prefect's default to start its temporary server.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    # The CLI reports outcomes itself (errors included, with what to do); Prefect's own log
    # lines would repeat them as tracebacks. Runs and their states are still recorded.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

"""The task runner a flow run uses, from the settings: Prefect's thread pool, or Dask.

With `RESTOCK_FLOWS__TASK_RUNNER=dask` the partitioned steps (feature building in
`RESTOCK_FLOWS__FEATURE_PARTITIONS` parts) run as tasks on a Dask cluster: a local one started
for the run (`RESTOCK_FLOWS__DASK_WORKERS` workers, threads in this process, which LightGBM and
pyarrow use fully since they release the GIL) or a running one at `RESTOCK_FLOWS__DASK_ADDRESS`
(`dask scheduler` + `dask worker` on other machines, each with this package installed).
"""

from __future__ import annotations

from typing import Any

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from restock.settings import Settings

__all__ = ["task_runner"]


def task_runner(settings: Settings) -> TaskRunner[Any]:
    flows = settings.flows
    runner: TaskRunner[Any]
    if flows.task_runner == "threads":
        runner = ThreadPoolTaskRunner(max_workers=max(2, flows.feature_partitions))
        return runner
    from prefect_dask import DaskTaskRunner

    if flows.dask_address:
        runner = DaskTaskRunner(address=flows.dask_address)
        return runner
    runner = DaskTaskRunner(
        cluster_kwargs={
            "n_workers": flows.dask_workers,
            "threads_per_worker": 1,
            "processes": False,
            "dashboard_address": None,
        }
    )
    return runner

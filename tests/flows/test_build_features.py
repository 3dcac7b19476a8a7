"""The Prefect flows run for real (a test server per session) and record their runs."""

from __future__ import annotations

import asyncio

import pandas as pd
import pytest

from features.loaders.errors import SourceError
from features.sources import Source
from features.storage import load_ingest_report
from flows.build_features import build_features, ingest_data
from restock.settings import Settings

pytestmark = pytest.mark.usefixtures("prefect_harness")


async def _states(flow_name: str) -> list[str]:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    async with get_client() as client:
        runs = await client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name]))
        )
    return [run.state.type.value for run in runs if run.state is not None]


def test_build_features_ingests_then_builds_and_is_recorded(settings: Settings) -> None:
    ingest_report, features_report = build_features(settings, Source.DEMO, None, "tiny", True)
    assert ingest_report is not None and ingest_report.quarantined == 7
    assert load_ingest_report(settings.paths).quarantined == 7
    assert features_report.series > 0 and not features_report.reused
    # A second run without a source reuses the ingested data and the identical feature entry.
    _, again = build_features(settings)
    assert again.reused and again.store_key == features_report.store_key
    assert asyncio.run(_states("build_features")).count("COMPLETED") >= 2


def test_a_failed_ingest_fails_its_run_and_keeps_the_message(settings: Settings) -> None:
    with pytest.raises(SourceError, match="needs --path"):
        ingest_data(settings, Source.WALMART, None)
    assert "FAILED" in asyncio.run(_states("ingest_data"))


@pytest.mark.parametrize("runner", ["threads", "dask"])
def test_partitioned_features_on_each_runner_equal_the_single_pass(
    settings: Settings, runner: str
) -> None:
    from features.store import FeatureStore

    build_features(settings, Source.DEMO, None, "tiny")  # the single streaming pass
    store = FeatureStore(settings.paths.feature_store)
    (key,) = store.keys()
    single = store.read(key)
    # The same data again, built in 3 partitions as tasks on a thread pool or a Dask cluster.
    partitioned = settings.model_copy(
        update={
            "home": settings.paths.root.parent / f"home-{runner}",
            "flows": settings.flows.model_copy(
                update={"task_runner": runner, "feature_partitions": 3}
            ),
        }
    )
    _, report = build_features(partitioned, Source.DEMO, None, "tiny")
    again = FeatureStore(partitioned.paths.feature_store)
    assert report.store_key == key and not report.reused
    assert len(again.part_paths(key)) >= 3
    pd.testing.assert_frame_equal(again.read(key), single)
    assert not [p for p in again.root.iterdir() if p.name.startswith(".tmp-")]  # no staging left

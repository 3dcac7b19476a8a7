"""The model store on a real MLflow registry: hot swap on promotion and rollback, the last good
model kept when the registry or a version fails, polling, and consistent snapshots.

One MLflow store per module (creating one costs seconds) holding constant models: a loaded model
predicts its constant, so it tells which version it is. Each test registers its own model name.
"""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import mlflow
import pandas as pd
import pytest

from restock.home import HomePaths
from restock.settings import ServingSettings, Settings
from serving.model_store import ModelStore, ServedModel
from tests.training.constant_model import ConstantModel
from training.registry import Registry, open_registry, promote, register, rollback
from training.tracking import configure_tracking, ensure_experiment, log_training_run

EXAMPLE = pd.DataFrame({"sku_code": [0, 1], "price": [1.0, 2.0]})
VALUES = (1.0, 2.0, 3.0)
pytestmark = pytest.mark.filterwarnings("ignore:Hint. Inferred schema contains integer:UserWarning")


@dataclass(frozen=True)
class Store:
    paths: HomePaths
    uris: dict[float, str]  # model constant -> models:/<id>


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    paths = HomePaths(tmp_path_factory.mktemp("store") / "home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", "unset-by-test")
        mp.setenv("MLFLOW_REGISTRY_URI", "unset-by-test")
        configure_tracking(paths)
        ensure_experiment("demand", paths)
        uris = {
            value: log_training_run(
                experiment="demand",
                run_name=f"constant-{value}",
                params={},
                metrics={},
                tags={},
                artifacts={},
                model=ConstantModel(value),
                input_example=EXAMPLE,
            ).model_uri
            for value in VALUES
        }
        yield Store(paths, uris)
        mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
        mlflow.set_registry_uri(None)  # type: ignore[arg-type]


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    return str(request.node.name)


@pytest.fixture
def database(tmp_path: Path) -> str:
    """This test's own alias history (rollback replays it)."""
    return f"sqlite:///{tmp_path}/restock.db"


@pytest.fixture
def registry(store: Store, database: str) -> Registry:
    return open_registry(store.paths, database_url=database)


def _settings(store: Store, database: str, poll_seconds: float = 0.0) -> Settings:
    return Settings(
        home=store.paths.root,
        database_url=database,
        show_progress=False,
        serving=ServingSettings(poll_seconds=poll_seconds),
    )


def _register(registry: Registry, store: Store, name: str, *values: float) -> None:
    for value in values:
        register(registry=registry, model_uri=store.uris[value], name=name, metrics={}, tags={})


def _promote(registry: Registry, name: str, version: int) -> None:
    promote(registry=registry, name=name, version=version, actor="test", reason="test")


def _value(served: ServedModel | None) -> float:
    assert served is not None
    return float(served.python_model.predict(None, EXAMPLE)[0])


def test_without_a_champion_nothing_is_served_and_status_says_what_to_run(
    store: Store, registry: Registry, database: str, name: str
) -> None:
    other = f"{name}-never-registered"
    models = ModelStore(_settings(store, database), names=(name, other))
    _register(registry, store, name, 1.0)  # a challenger only
    assert models.refresh() == []
    for model in (name, other):
        assert models.current(model) is None
        status = models.status()[model]
        assert status.version is None and status.last_error is None and not status.stale
        assert status.hint is not None and "restock train" in status.hint
        assert status.last_check is not None


def test_promotion_and_rollback_swap_the_served_model(
    store: Store, registry: Registry, database: str, name: str
) -> None:
    models = ModelStore(_settings(store, database), names=(name,))
    _register(registry, store, name, 1.0, 2.0)
    _promote(registry, name, 1)
    assert models.refresh() == [name]
    first = models.current(name)
    assert first is not None and first.version == 1 and _value(first) == 1.0
    assert models.refresh() == []  # nothing moved: nothing reloaded
    assert models.current(name) is first
    _promote(registry, name, 2)
    assert models.refresh() == [name]
    assert _value(models.current(name)) == 2.0
    rollback(registry=registry, name=name, actor="test", reason="worse in production")
    assert models.refresh() == [name]
    served = models.current(name)
    assert served is not None and served.version == 1 and _value(served) == 1.0
    status = models.status()[name]
    assert (status.version, status.last_error, status.stale, status.hint) == (1, None, False, None)
    assert status.loaded_at == served.loaded_at


def test_an_unreadable_registry_keeps_the_last_good_model(
    store: Store, registry: Registry, database: str, name: str
) -> None:
    models = ModelStore(_settings(store, database), names=(name,))
    _register(registry, store, name, 1.0)
    _promote(registry, name, 1)
    models.refresh()
    db = store.paths.mlruns / "mlflow.db"
    good = db.read_bytes()
    try:
        with db.open("r+b") as f:  # in place: open connections see it too
            f.write(b"\0" * len(good))
        assert models.refresh() == []
        assert _value(models.current(name)) == 1.0
        status = models.status()[name]
        assert status.stale and status.version == 1
        assert status.last_error is not None
        assert status.last_error.startswith("cannot read the registry")
        assert status.last_error.endswith("still serving version 1")
    finally:
        with db.open("r+b") as f:
            f.write(good)
    assert models.refresh() == []
    status = models.status()[name]
    assert not status.stale and status.last_error is None


def test_a_version_that_does_not_load_keeps_the_last_good_model(
    store: Store, registry: Registry, database: str, name: str
) -> None:
    models = ModelStore(_settings(store, database), names=(name,))
    _register(registry, store, name, 1.0, 3.0)
    _promote(registry, name, 1)
    models.refresh()
    broken = registry.client.get_logged_model(store.uris[3.0].removeprefix("models:/"))
    shutil.rmtree(urlparse(broken.artifact_location).path)  # only this test uses 3.0
    _promote(registry, name, 2)
    assert models.refresh() == []
    assert _value(models.current(name)) == 1.0
    status = models.status()[name]
    assert status.stale and status.last_error is not None
    assert status.last_error.startswith(f"cannot load {name} version 2")


def test_a_deleted_alias_keeps_the_model_and_says_so(
    store: Store, registry: Registry, database: str, name: str
) -> None:
    models = ModelStore(_settings(store, database), names=(name,))
    _register(registry, store, name, 1.0)
    _promote(registry, name, 1)
    models.refresh()
    registry.client.delete_registered_model_alias(name, "champion")
    assert models.refresh() == []
    assert _value(models.current(name)) == 1.0
    status = models.status()[name]
    assert status.stale and status.last_error is not None and "no champion" in status.last_error


def test_readers_always_get_a_version_with_its_own_model(
    store: Store, registry: Registry, database: str, name: str
) -> None:
    models = ModelStore(_settings(store, database), names=(name,))
    _register(registry, store, name, 1.0, 2.0)
    _promote(registry, name, 1)
    models.refresh()
    seen: set[tuple[int, float]] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            served = models.current(name)
            assert served is not None
            seen.add((served.version, served.python_model.value))
            time.sleep(0.0001)  # let the refreshing thread run

    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers:
        thread.start()
    for version in (2, 1, 2, 1):
        _promote(registry, name, version)
        assert models.refresh() == [name]
    done.set()
    for thread in readers:
        thread.join()
    assert seen == {(1, 1.0), (2, 2.0)}


def test_the_poller_picks_up_a_promotion(
    store: Store, registry: Registry, database: str, name: str
) -> None:
    assert not ModelStore(_settings(store, database), names=(name,)).start_polling()  # 0: off
    models = ModelStore(_settings(store, database, poll_seconds=0.05), names=(name,))
    _register(registry, store, name, 1.0)
    assert models.start_polling() and not models.start_polling()  # one poller
    try:
        _promote(registry, name, 1)
        deadline = time.monotonic() + 10
        while models.current(name) is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _value(models.current(name)) == 1.0
    finally:
        models.stop()
    assert not models.polling


def test_a_model_no_poll_has_confirmed_lately_is_stale(
    store: Store, registry: Registry, database: str, name: str
) -> None:
    now = [dt.datetime(2026, 11, 1, tzinfo=dt.UTC)]
    models = ModelStore(
        _settings(store, database, poll_seconds=60), names=(name,), clock=lambda: now[0]
    )
    _register(registry, store, name, 1.0)
    _promote(registry, name, 1)
    models.refresh()
    now[0] += dt.timedelta(seconds=181)
    assert not models.status()[name].stale  # not polling: nobody promised fresher
    assert models.start_polling()  # its first check is 60 s away
    try:
        now[0] -= dt.timedelta(seconds=2)
        assert not models.status()[name].stale  # 179 s: within three polls
        now[0] += dt.timedelta(seconds=2)
        assert models.status()[name].stale  # 181 s: the poller is not getting through
    finally:
        models.stop()

"""Registry lifecycle on a real MLflow SQLite store: register, gate, promote, rollback, history.

One MLflow store per module (creating one costs ~2 s); each test uses its own model name and its
own alias-history database, so tests do not see each other's moves.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from restock.home import HomePaths
from tests.training.constant_model import ConstantModel
from training.alias_history import AliasHistory, AliasMove
from training.gate import GateThresholds
from training.lifecycle import register_and_gate
from training.registry import (
    DEMAND_MODEL,
    Registry,
    RegistryError,
    champion,
    history,
    open_registry,
    promote,
    register,
    rollback,
    versions,
)
from training.tracking import configure_tracking, ensure_experiment, log_training_run

EXAMPLE = pd.DataFrame({"sku_code": [0, 1], "price": [1.0, 2.0]})
BASELINES = {"seasonal_naive": {"MASE": 1.0}}
GOOD = {"MASE": 0.8, "coverage80": 0.8}
POSTGRES_URL = os.environ.get(
    "RESTOCK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@dataclass(frozen=True)
class Store:
    paths: HomePaths
    uris: dict[float, str]  # model constant -> models:/<id>


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A configured home holding three logged models predicting 1, 2 and 3."""
    paths = HomePaths(tmp_path_factory.mktemp("registry") / "home")
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
            for value in (1.0, 2.0, 3.0)
        }
        yield Store(paths, uris)
        mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
        mlflow.set_registry_uri(None)  # type: ignore[arg-type]


@pytest.fixture
def registry(store: Store, tmp_path: Path) -> Registry:
    return open_registry(store.paths, database_url=f"sqlite:///{tmp_path}/restock.db")


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A model name of this test's own."""
    return str(request.node.name)


def _register(registry: Registry, store: Store, name: str, value: float, mase: float = 0.8) -> int:
    return register(
        registry=registry,
        model_uri=store.uris[value],
        name=name,
        metrics={"MASE": mase, "coverage80": 0.8},
        tags={"feature_spec": "abc"},
    )


def _champion_version(registry: Registry, name: str) -> int | None:
    current = champion(registry=registry, name=name)
    return None if current is None else int(current.version)


def _moves(registry: Registry, name: str) -> list[tuple[str, str, int | None, int]]:
    return [
        (m.action, m.alias, m.from_version, m.to_version)
        for m in history(registry=registry, name=name)
    ]


def test_register_sets_challenger_never_champion(
    registry: Registry, store: Store, name: str
) -> None:
    assert _register(registry, store, name, 1.0) == 1
    assert _register(registry, store, name, 2.0, mase=0.7) == 2
    assert champion(registry=registry, name=name) is None
    listed = versions(registry=registry, name=name)
    assert [(v.version, v.aliases) for v in listed] == [(1, ()), (2, ("challenger",))]
    assert listed[1].metrics == {"MASE": 0.7, "coverage80": 0.8}
    assert listed[1].source == store.uris[2.0]
    assert listed[1].run_id is not None and listed[1].gate == {}
    assert _moves(registry, name) == [
        ("register", "challenger", None, 1),
        ("register", "challenger", 1, 2),
    ]


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("runs:/abc/model", "expected 'models:/<model_id>'"),
        ("models:/demand-forecaster/1", "expected 'models:/<model_id>'"),
        ("models:/m-0123456789abcdef", "no logged model"),
    ],
)
def test_register_refuses_what_is_not_a_logged_model(
    registry: Registry, uri: str, message: str, name: str
) -> None:
    with pytest.raises(RegistryError, match=message):
        register(registry=registry, model_uri=uri, name=name, metrics={}, tags={})


def test_promote_moves_champion_and_records_who_and_why(
    registry: Registry, store: Store, name: str
) -> None:
    before = dt.datetime.now(dt.UTC)
    for value in (1.0, 2.0):
        _register(registry, store, name, value)
    promote(registry=registry, name=name, version=1, actor="ana", reason="first model")
    promote(registry=registry, name=name, version=2, actor="ben", reason="better MASE")
    promote(registry=registry, name=name, version=2, actor="ben", reason="retry")  # no-op
    assert _champion_version(registry, name) == 2
    promotions = [m for m in history(registry=registry, name=name) if m.alias == "champion"]
    assert [(m.from_version, m.to_version, m.actor, m.reason) for m in promotions] == [
        (None, 1, "ana", "first model"),
        (1, 2, "ben", "better MASE"),
    ]
    assert all(m.at.tzinfo is not None and m.at >= before for m in promotions)
    assert promotions[0].at <= promotions[1].at
    assert [v.aliases for v in versions(registry=registry, name=name)] == [
        (),
        ("challenger", "champion"),
    ]


def test_unknown_model_or_version_says_what_exists(
    registry: Registry, store: Store, name: str
) -> None:
    _register(registry, store, name, 1.0)
    with pytest.raises(RegistryError, match=r"has no version 7; versions: \[1\]"):
        promote(registry=registry, name=name, version=7, actor="ana", reason="typo")
    with pytest.raises(RegistryError, match=rf"unknown model 'nope'; registered models: .*{name}"):
        champion(registry=registry, name="nope")
    with pytest.raises(RegistryError, match="unknown model"):
        history(registry=registry, name="nope")
    with pytest.raises(RegistryError, match="actor and a reason"):
        promote(registry=registry, name=name, version=1, actor="ana", reason=" ")


def test_rollback_walks_back_through_promotions_and_is_recorded(
    registry: Registry, store: Store, name: str
) -> None:
    for value in (1.0, 2.0, 3.0):
        _register(registry, store, name, value)
    for version in (1, 2, 3):
        promote(registry=registry, name=name, version=version, actor="ana", reason=f"v{version}")
    assert rollback(registry=registry, name=name, actor="oncall", reason="v3 drifts") == 2
    assert _champion_version(registry, name) == 2
    assert rollback(registry=registry, name=name, actor="oncall", reason="v2 too") == 1
    with pytest.raises(RegistryError, match="no previous champion.*first champion"):
        rollback(registry=registry, name=name, actor="oncall", reason="again")
    # A new promotion after rollbacks: rolling it back returns to where it came from.
    promote(registry=registry, name=name, version=3, actor="ana", reason="fixed v3")
    assert rollback(registry=registry, name=name, actor="oncall", reason="not fixed") == 1
    champion_moves = [m for m in _moves(registry, name) if m[1] == "champion"]
    assert champion_moves == [
        ("promote", "champion", None, 1),
        ("promote", "champion", 1, 2),
        ("promote", "champion", 2, 3),
        ("rollback", "champion", 3, 2),
        ("rollback", "champion", 2, 1),
        ("promote", "champion", 1, 3),
        ("rollback", "champion", 3, 1),
    ]
    last = history(registry=registry, name=name)[-1]
    assert (last.actor, last.reason) == ("oncall", "not fixed")


def test_rollback_without_previous_champion(registry: Registry, store: Store, name: str) -> None:
    _register(registry, store, name, 1.0)
    with pytest.raises(RegistryError, match="no previous champion.*champion is unset"):
        rollback(registry=registry, name=name, actor="oncall", reason="panic")
    promote(registry=registry, name=name, version=1, actor="ana", reason="first")
    with pytest.raises(RegistryError, match="version 1 was its first champion"):
        rollback(registry=registry, name=name, actor="oncall", reason="panic")
    assert _champion_version(registry, name) == 1


def test_rollback_refuses_a_champion_moved_outside_restock(
    registry: Registry, store: Store, name: str
) -> None:
    for value in (1.0, 2.0, 3.0):
        _register(registry, store, name, value)
    promote(registry=registry, name=name, version=1, actor="ana", reason="first")
    promote(registry=registry, name=name, version=2, actor="ana", reason="second")
    registry.client.set_registered_model_alias(name, "champion", "3")  # e.g. the MLflow UI
    with pytest.raises(RegistryError, match="points to 3 .* moved outside restock"):
        rollback(registry=registry, name=name, actor="oncall", reason="?")


def test_failed_history_write_undoes_the_alias_move(
    registry: Registry, store: Store, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register(registry, store, name, 1.0)
    _register(registry, store, name, 2.0)
    promote(registry=registry, name=name, version=1, actor="ana", reason="first")

    def broken(move: AliasMove, *, pending: bool = False) -> AliasMove:
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(registry.history, "append", broken)
    with pytest.raises(sa.exc.OperationalError):
        promote(registry=registry, name=name, version=2, actor="ana", reason="second")
    assert _champion_version(registry, name) == 1


def test_serving_loads_the_champion_and_sees_a_rollback(registry: Registry, store: Store) -> None:
    for value in (1.0, 2.0):
        _register(registry, store, DEMAND_MODEL, value)
    promote(registry=registry, name=DEMAND_MODEL, version=1, actor="ana", reason="first")
    promote(registry=registry, name=DEMAND_MODEL, version=2, actor="ana", reason="second")
    loaded = mlflow.pyfunc.load_model(f"models:/{DEMAND_MODEL}@champion")
    np.testing.assert_array_equal(loaded.predict(EXAMPLE), [2.0, 2.0])
    rollback(registry=registry, name=DEMAND_MODEL, actor="oncall", reason="bad week")
    reloaded = mlflow.pyfunc.load_model(f"models:/{DEMAND_MODEL}@champion")
    np.testing.assert_array_equal(reloaded.predict(EXAMPLE), [1.0, 1.0])


def test_gate_promotes_a_first_good_model_and_refuses_a_worse_one(
    registry: Registry, store: Store, name: str
) -> None:
    def gate(value: float, metrics: dict[str, float]) -> Any:
        return register_and_gate(
            registry=registry,
            name=name,
            model_uri=store.uris[value],
            metrics=metrics,
            baselines=BASELINES,
            thresholds=GateThresholds(),
            actor="retrain-flow",
            tags={"data_hash": "d1"},
        )

    first = gate(1.0, GOOD)
    assert (first.version, first.passed) == (1, True)
    assert _champion_version(registry, name) == 1
    # Worse MASE than the champion (0.9 > 0.8) and intervals covering 60% instead of 80%.
    worse = gate(2.0, {"MASE": 0.9, "coverage80": 0.6})
    assert (worse.version, worse.passed) == (2, False)
    assert _champion_version(registry, name) == 1
    info = {v.version: v for v in versions(registry=registry, name=name)}
    assert info[2].aliases == ("challenger",)
    assert info[2].gate == {
        "passed": "false",
        "beats_baseline.seasonal_naive": "passed: MASE 0.9 vs seasonal_naive 1 (10.0% better)",
        "beats_champion": "failed: MASE 0.9 vs champion 0.8 (12.5% worse)",
        "calibrated": "failed: coverage80 0.600 outside 0.80 ± 0.05",
    }
    assert info[1].gate["passed"] == "true"
    better = gate(3.0, {"MASE": 0.7, "coverage80": 0.82})
    assert better.passed and _champion_version(registry, name) == 3
    assert _moves(registry, name) == [
        ("register", "challenger", None, 1),
        ("promote", "champion", None, 1),
        ("register", "challenger", 1, 2),
        ("register", "challenger", 2, 3),
        ("promote", "champion", 1, 3),
    ]
    reasons = [m.reason for m in history(registry=registry, name=name) if m.action == "promote"]
    assert reasons == [
        "promotion gate passed (first champion)",
        "promotion gate passed (beats version 1)",
    ]


def _roundtrip(store: AliasHistory) -> None:
    at = dt.datetime(2026, 11, 1, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    first = store.append(AliasMove("m", "champion", None, 1, "promote", "ana", "first", at=at))
    store.append(AliasMove("m", "challenger", None, 2, "register", "training", "new"))
    store.append(AliasMove("other", "champion", 3, 4, "rollback", "bob", "drift"))
    moves = store.read(model_name="m")
    assert [(m.alias, m.to_version) for m in moves] == [("champion", 1), ("challenger", 2)]
    assert moves[0] == first
    assert moves[0].at == at and moves[0].at.tzinfo is not None  # stored and returned as UTC
    assert moves[0].at.utcoffset() == dt.timedelta(0)
    assert [m.model_name for m in store.read(alias="champion")] == ["m", "other"]
    ids = [m.id or 0 for m in store.read()]
    assert ids == sorted(ids) and len(set(ids)) == 3 and min(ids) > 0


def test_alias_history_sqlite_roundtrip(tmp_path: Path) -> None:
    store = AliasHistory.for_home(HomePaths(tmp_path / "fresh-home"))
    assert store.url == f"sqlite:///{tmp_path}/fresh-home/restock.db"
    assert store.read() == []  # the table is created on first use
    _roundtrip(store)


def test_alias_history_offers_no_update_or_delete() -> None:
    public = {n for n in vars(AliasHistory) if not n.startswith("_")}
    # `settle` deletes only the pending marker of a move, never a history row.
    assert public == {"append", "read", "for_home", "url", "pending", "settle"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"action": "demote"}, "action 'demote'"),
        ({"to_version": 0}, "versions start at 1"),
        ({"actor": " "}, "actor must name"),
        ({"at": dt.datetime(2026, 1, 1)}, "timezone-aware"),
    ],
)
def test_alias_history_refuses_invalid_moves(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    fields: dict[str, Any] = {
        "model_name": "m",
        "alias": "champion",
        "from_version": None,
        "to_version": 1,
        "action": "promote",
        "actor": "ana",
        "reason": "r",
    }
    store = AliasHistory(f"sqlite:///{tmp_path}/h.db")
    with pytest.raises(ValueError, match=message):
        store.append(AliasMove(**(fields | change)))
    assert store.read() == []


def _postgres_engine() -> tuple[sa.Engine, str]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("PostgreSQL driver missing: add psycopg[binary] to the dependencies")
    schema = f"restock_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as e:
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL} (set RESTOCK_TEST_POSTGRES_URL): {e}")
    finally:
        admin.dispose()
    engine = sa.create_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    return engine, schema


def test_alias_history_postgres_roundtrip() -> None:
    engine, schema = _postgres_engine()
    try:
        _roundtrip(AliasHistory(engine))
        with engine.connect() as conn:
            tables = conn.execute(
                sa.text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                {"s": schema},
            ).scalars()
            assert sorted(tables) == ["alias_history", "alias_pending"]
    finally:
        engine.dispose()
        admin = sa.create_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_a_move_journaled_but_never_applied_is_rolled_forward(
    registry: Registry, store: Store, name: str
) -> None:
    # A kill between the history row and MLflow's alias: the history is the journal.
    _register(registry, store, name, 1.0)
    _register(registry, store, name, 2.0)
    promote(registry=registry, name=name, version=1, actor="ann", reason="first")
    move = AliasMove(name, "champion", 1, 2, "promote", "ann", "killed")
    registry.history.append(move, pending=True)
    assert _champion_version(registry, name) == 2
    assert registry.history.pending(model_name=name, alias="champion") == []
    assert rollback(registry=registry, name=name, actor="ann", reason="back") == 1
    assert _champion_version(registry, name) == 1


def test_an_alias_moved_outside_restock_is_not_rolled_forward(
    registry: Registry, store: Store, name: str
) -> None:
    for value in (1.0, 2.0, 3.0):
        _register(registry, store, name, value)
    promote(registry=registry, name=name, version=1, actor="ann", reason="first")
    registry.client.set_registered_model_alias(name, "champion", "3")  # by hand in MLflow
    assert _champion_version(registry, name) == 3
    with pytest.raises(RegistryError, match="outside restock"):
        rollback(registry=registry, name=name, actor="ann", reason="back")
    promote(registry=registry, name=name, version=2, actor="ann", reason="second")
    registry.client.set_registered_model_alias(name, "champion", "1")  # a manual revert
    assert _champion_version(registry, name) == 1  # stays: nothing was pending


def test_a_failed_alias_move_is_recorded_as_undone(
    registry: Registry, store: Store, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register(registry, store, name, 1.0)
    _register(registry, store, name, 2.0)
    promote(registry=registry, name=name, version=1, actor="ann", reason="first")

    def unreachable(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("registry unreachable")

    monkeypatch.setattr(registry.client, "set_registered_model_alias", unreachable)
    with pytest.raises(ConnectionError):
        promote(registry=registry, name=name, version=2, actor="ann", reason="better")
    monkeypatch.undo()
    assert _champion_version(registry, name) == 1  # nothing rolled forward
    assert _moves(registry, name)[-2:] == [
        ("promote", "champion", 1, 2),
        ("rollback", "champion", 2, 1),
    ]
    with pytest.raises(RegistryError, match="first champion"):
        rollback(registry=registry, name=name, actor="ann", reason="back")

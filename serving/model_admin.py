"""Model admin shared by the JSON API and the models page: promote, roll back, look around.

A move goes through `training.registry` (which appends to the alias history), is written to the
audit log, and the served champions are reloaded at once instead of waiting for the poller, so
a rollback is effective on the next request. `overview` gathers what an ML engineer reads
before moving an alias: every version with its backtest metrics beside the baselines', its
aliases and gate verdicts, the alias history and where the MLflow run is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlflow.exceptions import MlflowException

from serving.state import AppState
from training.alias_history import AliasMove
from training.registry import (
    CHALLENGER,
    CHAMPION,
    DEMAND_MODEL,
    LEADTIME_MODEL,
    Registry,
    RegistryError,
    VersionInfo,
    history,
    promote,
    rollback,
    versions,
)

__all__ = [
    "AliasChange",
    "MethodScores",
    "ModelOverview",
    "VersionDetail",
    "model_names",
    "overview",
    "promote_champion",
    "rollback_champion",
    "run_link",
]

# The registered models restock trains; others found in the registry are listed after them.
KNOWN_MODELS: tuple[str, ...] = (DEMAND_MODEL, LEADTIME_MODEL)
# Run metrics are `<method>.<metric>`: the model's own methods first, then the baselines
# (demand: restock_routed, restock_lgbm; lead time: model, model_frozen).
_OWN_METHODS = ("restock_routed", "restock_lgbm", "model", "model_frozen")
_METRIC = re.compile(r"(?P<method>[A-Za-z0-9_]+)\.(?P<metric>[A-Za-z0-9_]+)")
_SHOWN_METRICS = ("MASE", "WAPE", "bias", "pinball", "coverage80", "mae", "p90_coverage")
MAX_VERSIONS = 20  # newest versions whose runs are read (one MLflow call each)


@dataclass(frozen=True)
class AliasChange:
    """Where `champion` points after a move, and the version serving answers with now."""

    model: str
    champion: int
    served_version: int | None


@dataclass(frozen=True)
class MethodScores:
    """One method's backtest scores in a version's run (the model or a baseline)."""

    method: str
    baseline: bool
    scores: dict[str, float]


@dataclass(frozen=True)
class VersionDetail:
    info: VersionInfo
    methods: tuple[MethodScores, ...]  # empty when the run is gone or logged no metrics
    run_url: str | None


@dataclass(frozen=True)
class ModelOverview:
    name: str
    versions: tuple[VersionDetail, ...]  # newest first
    moves: tuple[AliasMove, ...]  # newest first
    champion: int | None
    challenger: int | None
    served_version: int | None
    metric_names: tuple[str, ...]  # columns of the methods table
    error: str | None = None  # the registry could not be read: what to do


def _serving(state: AppState, name: str) -> int | None:
    """The version serving answers with; None for a model it does not serve or has not loaded."""
    if name not in state.models.names:
        return None
    current = state.models.current(name)
    return None if current is None else current.version


def _served(state: AppState, name: str) -> int | None:
    state.models.refresh()
    return _serving(state, name)


def _champion_of(registry: Registry, name: str) -> int | None:
    return next(
        (v.version for v in versions(registry=registry, name=name) if CHAMPION in v.aliases),
        None,
    )


def promote_champion(
    *, state: AppState, name: str, version: int, actor: str, reason: str
) -> AliasChange:
    """Point `champion` at `version`; audited and served from the next request. Raises
    `RegistryError` for an unknown model or version."""
    registry = state.registry()
    old = _champion_of(registry, name)
    promote(registry=registry, name=name, version=version, actor=actor, reason=reason)
    state.audit.record(
        actor=actor,
        action="model.promote",
        entity_type="model",
        entity_id=name,
        before={"champion": old},
        after={"champion": version},
        reason=reason,
    )
    return AliasChange(model=name, champion=version, served_version=_served(state, name))


def rollback_champion(*, state: AppState, name: str, actor: str, reason: str) -> AliasChange:
    """Move `champion` back to the version before the latest promotion; audited. Raises
    `RegistryError` when there is nothing to roll back to."""
    registry = state.registry()
    old = _champion_of(registry, name)
    target = rollback(registry=registry, name=name, actor=actor, reason=reason)
    state.audit.record(
        actor=actor,
        action="model.rollback",
        entity_type="model",
        entity_id=name,
        before={"champion": old},
        after={"champion": target},
        reason=reason,
    )
    return AliasChange(model=name, champion=target, served_version=_served(state, name))


def run_link(tracking_uri: str, experiment_id: str, run_id: str) -> str:
    """The MLflow UI address of a run: the tracking server's own when it is one, else a local
    `mlflow ui` on its default port (started with `--backend-store-uri <tracking uri>`)."""
    base = tracking_uri if tracking_uri.startswith(("http://", "https://")) else ""
    base = (base or "http://127.0.0.1:5000").rstrip("/")
    return f"{base}/#/experiments/{experiment_id}/runs/{run_id}"


def _methods(metrics: dict[str, float]) -> tuple[MethodScores, ...]:
    by_method: dict[str, dict[str, float]] = {}
    for key, value in metrics.items():
        found = _METRIC.fullmatch(key)
        if found and found["metric"] in _SHOWN_METRICS:
            by_method.setdefault(found["method"], {})[found["metric"]] = value
    own = [m for m in _OWN_METHODS if m in by_method]
    baselines = sorted(m for m in by_method if m not in _OWN_METHODS)
    return tuple(
        MethodScores(method=m, baseline=m not in _OWN_METHODS, scores=by_method[m])
        for m in [*own, *baselines]
    )


def _detail(registry: Registry, info: VersionInfo, tracking_uri: str) -> VersionDetail:
    if info.run_id is None:
        return VersionDetail(info=info, methods=(), run_url=None)
    try:
        run = registry.client.get_run(info.run_id)
    except MlflowException:  # a deleted run must not hide the rest of the page
        return VersionDetail(info=info, methods=(), run_url=None)
    link = run_link(tracking_uri, run.info.experiment_id, info.run_id)
    return VersionDetail(info=info, methods=_methods(dict(run.data.metrics)), run_url=link)


def model_names(registry: Registry) -> list[str]:
    """restock's registered models first, then any other the registry holds."""
    try:
        found = [m.name for m in registry.client.search_registered_models()]
    except MlflowException:  # an unreachable registry still lists the known names
        found = []
    return [*KNOWN_MODELS, *sorted(set(found) - set(KNOWN_MODELS))]


def overview(state: AppState, registry: Registry, name: str) -> ModelOverview:
    """Versions (newest first, runs read for the newest `MAX_VERSIONS`), alias moves (newest
    first), champion, challenger and the version serving answers with."""
    served = _serving(state, name)
    try:
        found = versions(registry=registry, name=name)
        moves = history(registry=registry, name=name)
    except RegistryError as e:
        return ModelOverview(name, (), (), None, None, served, (), error=str(e))
    tracking_uri = str(registry.client.tracking_uri)
    newest = sorted(found, key=lambda v: v.version, reverse=True)
    details = tuple(
        _detail(registry, v, tracking_uri)
        if i < MAX_VERSIONS
        else VersionDetail(info=v, methods=(), run_url=None)
        for i, v in enumerate(newest)
    )
    names = {m for d in details for s in d.methods for m in s.scores}
    alias = {a: v.version for v in found for a in v.aliases}
    return ModelOverview(
        name=name,
        versions=details,
        moves=tuple(sorted(moves, key=lambda m: m.at, reverse=True)),
        champion=alias.get(CHAMPION),
        challenger=alias.get(CHALLENGER),
        served_version=served,
        metric_names=tuple(m for m in _SHOWN_METRICS if m in names),
    )

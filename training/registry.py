"""The model registry lifecycle: register a challenger, promote a champion, roll back, list.

Aliases, not stages (STYLE.md). `challenger` marks the latest registered version, `champion` the
one serving reads (`models:/<name>@champion`). Only `promote` and `rollback` move `champion`, and
only onto a fully created version, so a crash mid-training or mid-gate never leaves a
half-registered champion. Every alias move is appended to `training.alias_history`; rollback
replays that history to find where `champion` pointed before the latest promotion still in force.

MLflow and the history database are two stores: an alias is moved first, then the move is
recorded, and if recording fails the alias is moved back, so the two never disagree for long.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from mlflow import MlflowClient
from mlflow.entities.logged_model_status import LoggedModelStatus
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException

from restock.home import HomePaths
from training.alias_history import Action, AliasHistory, AliasMove, default_database_url
from training.tracking import default_tracking_uri

__all__ = [
    "CHALLENGER",
    "CHAMPION",
    "DEMAND_MODEL",
    "GATE_TAG_PREFIX",
    "LEADTIME_MODEL",
    "METRIC_TAG_PREFIX",
    "Registry",
    "RegistryError",
    "VersionInfo",
    "champion",
    "history",
    "metric_tags",
    "open_registry",
    "promote",
    "register",
    "rollback",
    "set_version_tags",
    "versions",
]

DEMAND_MODEL = "demand-forecaster"
LEADTIME_MODEL = "lead-time"
CHAMPION = "champion"
CHALLENGER = "challenger"
METRIC_TAG_PREFIX = "metric."
GATE_TAG_PREFIX = "gate."
_NOT_FOUND = "RESOURCE_DOES_NOT_EXIST"
_EXISTS = "RESOURCE_ALREADY_EXISTS"


class RegistryError(Exception):
    """A registry operation cannot proceed; the message says what exists and what to do."""


@dataclass(frozen=True)
class Registry:
    """An MLflow client bound to one tracking URI, and the alias history beside it."""

    client: MlflowClient
    history: AliasHistory


@dataclass(frozen=True)
class VersionInfo:
    version: int
    aliases: tuple[str, ...]
    created: dt.datetime
    run_id: str | None
    source: str | None
    metrics: dict[str, float]  # from `metric.<name>` version tags
    gate: dict[str, str]  # from `gate.<check>` version tags


def open_registry(
    paths: HomePaths, *, tracking_uri: str | None = None, database_url: str | None = None
) -> Registry:
    """The home's registry (`<home>/mlruns/mlflow.db`, history in `<home>/restock.db`) unless
    URIs are given; touches no process-wide MLflow state."""
    uri = tracking_uri or default_tracking_uri(paths)
    if uri.startswith("sqlite:///"):
        paths.mlruns.mkdir(parents=True, exist_ok=True)
    history = AliasHistory(database_url or default_database_url(paths))
    return Registry(client=MlflowClient(tracking_uri=uri, registry_uri=uri), history=history)


def _tag_key(prefix: str, name: str) -> str:
    # MLflow tag keys allow letters, digits, `_ - . / : ` and spaces; anything else would raise.
    return prefix + re.sub(r"[^A-Za-z0-9_\-./: ]", "_", name)


def _aliases(registry: Registry, name: str) -> dict[str, int]:
    try:
        model = registry.client.get_registered_model(name)
    except MlflowException as e:
        if e.error_code != _NOT_FOUND:
            raise
        names = sorted(m.name for m in registry.client.search_registered_models())
        known = ", ".join(names) or "none"
        raise RegistryError(
            f"unknown model {name!r}; registered models: {known} (register a version first)"
        ) from None
    return {alias: int(version) for alias, version in model.aliases.items()}


def _version(registry: Registry, name: str, version: int) -> ModelVersion:
    _aliases(registry, name)  # unknown model first: a clearer message than "no version"
    try:
        return registry.client.get_model_version(name, str(version))
    except MlflowException as e:
        if e.error_code != _NOT_FOUND:
            raise
        known = sorted(int(v.version) for v in _search(registry, name))
        raise RegistryError(
            f"model {name!r} has no version {version}; versions: {known or 'none'}"
        ) from None


def _search(registry: Registry, name: str) -> list[ModelVersion]:
    quoted = name.replace("'", "\\'")
    return list(registry.client.search_model_versions(f"name = '{quoted}'"))


def _reconcile(registry: Registry, name: str, alias: str) -> None:
    """Finish a move the history journaled but MLflow never confirmed (a kill in between).

    Such a move is still marked pending: apply it (setting an alias is idempotent) and settle
    it. An alias changed by hand in MLflow leaves nothing pending and is left alone (rollback
    then says it was moved outside restock).
    """
    for move in registry.history.pending(model_name=name, alias=alias):
        if move.id is None:
            continue
        try:
            registry.client.set_registered_model_alias(name, alias, str(move.to_version))
        except MlflowException as e:
            if e.error_code != _NOT_FOUND:
                raise
            # The version is gone: nothing to complete; the next move records where it points.
        registry.history.settle(move.id)


_UNDO: dict[Action, Action] = {"promote": "rollback", "rollback": "promote", "register": "register"}


def _move_alias(
    registry: Registry,
    *,
    name: str,
    alias: str,
    to_version: int,
    action: Action,
    actor: str,
    reason: str,
) -> None:
    _reconcile(registry, name, alias)
    previous = _aliases(registry, name).get(alias)
    # Journal first, marked pending: a kill after this line leaves a move `_reconcile`
    # completes; one before it leaves nothing to explain. Never an alias moved without its
    # history row.
    move = registry.history.append(
        AliasMove(name, alias, previous, to_version, action, actor, reason), pending=True
    )
    assert move.id is not None
    try:
        registry.client.set_registered_model_alias(name, alias, str(to_version))
    except Exception as exc:
        # The caller hears it failed, so it must not complete later: record its undoing (when
        # there is a version to go back to) and settle it.
        if previous is not None:
            undo = AliasMove(
                name, alias, to_version, previous, _UNDO[action], "restock", f"undone: {exc}"
            )
            registry.history.append(undo)
        registry.history.settle(move.id)
        raise
    registry.history.settle(move.id)


def _logged_model_id(registry: Registry, model_uri: str) -> tuple[str, str | None]:
    model_id = model_uri.removeprefix("models:/")
    if not model_uri.startswith("models:/") or not model_id or "/" in model_id or "@" in model_id:
        raise RegistryError(
            f"cannot register {model_uri!r}: expected 'models:/<model_id>' as returned by "
            "training.tracking.log_training_run"
        )
    try:
        logged = registry.client.get_logged_model(model_id)
    except MlflowException as e:
        if e.error_code != _NOT_FOUND:
            raise
        raise RegistryError(
            f"no logged model {model_id!r} in {registry.client.tracking_uri}; log it with "
            "log_training_run against the same tracking URI"
        ) from None
    if logged.status != LoggedModelStatus.READY:
        raise RegistryError(
            f"logged model {model_id!r} is {logged.status}, not READY (its upload did not "
            "finish); log it again"
        )
    return model_id, logged.source_run_id


def register(
    *,
    registry: Registry,
    model_uri: str,
    name: str,
    metrics: Mapping[str, float],
    tags: Mapping[str, str],
    actor: str = "training",
) -> int:
    """Create a version of `name` (and the model if new) from a logged model; return its number.

    Metrics become version tags `metric.<name>` (what the gate compares); the version gets the
    `challenger` alias. `champion` is never touched here.
    """
    model_id, run_id = _logged_model_id(registry, model_uri)
    try:
        registry.client.create_registered_model(name)
    except MlflowException as e:
        if e.error_code != _EXISTS:
            raise
    version_tags = {_tag_key("", k): str(v) for k, v in tags.items()}
    version_tags |= {_tag_key(METRIC_TAG_PREFIX, k): repr(float(v)) for k, v in metrics.items()}
    created = registry.client.create_model_version(
        name, source=model_uri, run_id=run_id, tags=version_tags, model_id=model_id
    )
    version = int(created.version)
    _move_alias(
        registry,
        name=name,
        alias=CHALLENGER,
        to_version=version,
        action="register",
        actor=actor,
        reason=f"registered from {model_uri}",
    )
    return version


def set_version_tags(
    *, registry: Registry, name: str, version: int, tags: Mapping[str, str]
) -> None:
    """Set tags on an existing version (keys made MLflow-safe), e.g. the gate's verdict."""
    _version(registry, name, version)
    for key, value in tags.items():
        registry.client.set_model_version_tag(name, str(version), _tag_key("", key), value)


def metric_tags(version: ModelVersion) -> dict[str, float]:
    """The `metric.<name>` tags of a version as floats (the metrics it was registered with)."""
    out = {}
    for key, value in version.tags.items():
        if key.startswith(METRIC_TAG_PREFIX):
            try:
                out[key.removeprefix(METRIC_TAG_PREFIX)] = float(value)
            except ValueError:
                continue  # a hand-edited tag is not a metric
    return out


def champion(*, registry: Registry, name: str) -> ModelVersion | None:
    """The version `champion` points to, None before the first promotion."""
    _reconcile(registry, name, CHAMPION)
    current = _aliases(registry, name).get(CHAMPION)
    return None if current is None else _version(registry, name, current)


def _require_reason(actor: str, reason: str) -> None:
    if not actor.strip() or not reason.strip():
        raise RegistryError("moving champion needs an actor and a reason (kept in the history)")


def promote(*, registry: Registry, name: str, version: int, actor: str, reason: str) -> None:
    """Point `champion` at `version` and record the move; promoting the champion is a no-op."""
    _require_reason(actor, reason)
    _version(registry, name, version)
    if _aliases(registry, name).get(CHAMPION) == version:
        return
    _move_alias(
        registry,
        name=name,
        alias=CHAMPION,
        to_version=version,
        action="promote",
        actor=actor,
        reason=reason,
    )


def _promotions_in_force(moves: list[AliasMove]) -> list[AliasMove]:
    # A stack: each promotion pushes, each rollback undoes the latest promotion still in force.
    stack: list[AliasMove] = []
    for move in moves:
        if move.action == "promote":
            stack.append(move)
        elif move.action == "rollback" and stack:
            stack.pop()
    return stack


def rollback(*, registry: Registry, name: str, actor: str, reason: str) -> int:
    """Move `champion` back to where it pointed before the latest promotion still in force.

    Returns the version now champion. Raises `RegistryError` when there is no previous champion
    or when `champion` was moved outside restock (the history no longer explains it).
    """
    _require_reason(actor, reason)
    _reconcile(registry, name, CHAMPION)
    current = _aliases(registry, name).get(CHAMPION)
    stack = _promotions_in_force(registry.history.read(model_name=name, alias=CHAMPION))
    if not stack:
        raise RegistryError(
            f"no previous champion for {name!r}: no promotion to roll back "
            f"(champion is {current if current is not None else 'unset'}); promote a version"
        )
    latest = stack[-1]
    if latest.to_version != current:
        raise RegistryError(
            f"champion of {name!r} points to {current} but the last recorded promotion set "
            f"{latest.to_version}: it was moved outside restock; promote the version you want"
        )
    if latest.from_version is None:
        raise RegistryError(
            f"no previous champion for {name!r}: version {current} was its first champion; "
            "promote another version instead"
        )
    target = latest.from_version
    _version(registry, name, target)  # still there (versions can be deleted in MLflow)
    _move_alias(
        registry,
        name=name,
        alias=CHAMPION,
        to_version=target,
        action="rollback",
        actor=actor,
        reason=reason,
    )
    return target


def versions(*, registry: Registry, name: str) -> list[VersionInfo]:
    """Every version of `name`, oldest first, with aliases, metrics and gate verdicts."""
    by_version: dict[int, list[str]] = {}
    for alias, number in _aliases(registry, name).items():
        by_version.setdefault(number, []).append(alias)
    out = []
    for mv in sorted(_search(registry, name), key=lambda v: int(v.version)):
        number = int(mv.version)
        out.append(
            VersionInfo(
                version=number,
                aliases=tuple(sorted(by_version.get(number, []))),
                created=dt.datetime.fromtimestamp(mv.creation_timestamp / 1000, tz=dt.UTC),
                run_id=mv.run_id,
                source=mv.source,
                metrics=metric_tags(mv),
                gate={
                    k.removeprefix(GATE_TAG_PREFIX): v
                    for k, v in mv.tags.items()
                    if k.startswith(GATE_TAG_PREFIX)
                },
            )
        )
    return out


def history(*, registry: Registry, name: str) -> list[AliasMove]:
    """Every alias move of `name`, oldest first; kept even if the model is deleted in MLflow."""
    moves = registry.history.read(model_name=name)
    if not moves:
        _aliases(registry, name)  # unknown model: say so rather than return []
    return moves

"""Load a registered model version by alias (or number) as the Python object behind its pyfunc.

Planning and serving need more than `predict`: the demand model's SHAP contributions and the
lead-time model's distribution. `unwrap_python_model` gives them the `DemandPyfunc` /
`LeadTimePyfunc` that training logged, and the version says which model produced a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mlflow

from restock.settings import Settings
from training.registry import CHAMPION, RegistryError, open_registry
from training.tracking import configure_tracking

__all__ = ["LoadedModel", "load_registered"]


@dataclass(frozen=True)
class LoadedModel:
    """A registered version and the Python model it wraps."""

    name: str
    version: int
    python_model: Any


def load_registered(
    settings: Settings, *, name: str, alias: str = CHAMPION, version: int | None = None
) -> LoadedModel | None:
    """The version `alias` points to (or `version`), None when the alias points nowhere."""
    registry = open_registry(
        settings.paths, tracking_uri=settings.tracking_uri, database_url=settings.database
    )
    if version is None:
        try:
            found = registry.client.get_model_version_by_alias(name, alias)
        except mlflow.exceptions.MlflowException:
            return None
        version = int(found.version)
    configure_tracking(settings.paths, settings.tracking_uri)
    try:
        pyfunc = mlflow.pyfunc.load_model(f"models:/{name}/{version}")
    except mlflow.exceptions.MlflowException as e:
        raise RegistryError(
            f"cannot load {name} version {version}: {e}; check `restock models list --model {name}`"
        ) from e
    return LoadedModel(name=name, version=version, python_model=pyfunc.unwrap_python_model())

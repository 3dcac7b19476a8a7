"""The models serving answers with: each registered model's `champion`, hot-swapped when it moves.

`refresh()` asks the registry where `champion` points; when the version moved (a promotion or a
rollback) it loads the new one and swaps it in, so a rollback takes effect without a restart
(DESIGN.md section 4). Loading happens outside the lock; the swap is one assignment under it,
and readers get a frozen `ServedModel` snapshot, so a request never mixes two versions.

Failures never take a model away: when the registry is unreachable, the alias points nowhere or
the new version does not load, the last good model keeps serving, the error is recorded and
`status()` reports the model as stale. A background thread (`start_polling`) refreshes every
`settings.serving.poll_seconds` (0: never); an admin endpoint can call `refresh()` at any time.
Nothing runs on construction: call `refresh()` once at start-up.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from restock.settings import Settings
from training.loading import load_registered
from training.registry import (
    DEMAND_MODEL,
    LEADTIME_MODEL,
    Registry,
    RegistryError,
    champion,
    open_registry,
)

__all__ = ["MODELS", "ModelSource", "ModelStatus", "ModelStore", "ServedModel"]

MODELS: tuple[str, ...] = (DEMAND_MODEL, LEADTIME_MODEL)
# With polling on, a model whose last successful check is older than this many polls is stale:
# the poller has died or keeps failing, so the alias may have moved without us.
_STALE_AFTER_POLLS = 3
_log = logging.getLogger(__name__)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ServedModel:
    """One loaded version: what a request reads, whole, from `ModelStore.current`."""

    name: str
    version: int
    python_model: Any  # the pyfunc's Python object (DemandPyfunc, LeadTimePyfunc)
    loaded_at: dt.datetime


@dataclass(frozen=True)
class ModelStatus:
    """What /health says about one model.

    `stale`: what is served may not be the registry's champion (the last check failed, or
    polling has not confirmed it lately). `hint` says what to run when nothing is served.
    """

    name: str
    version: int | None
    loaded_at: dt.datetime | None
    last_check: dt.datetime | None
    last_error: str | None
    stale: bool
    hint: str | None


class ModelSource(Protocol):
    """Where services read models from (a `ModelStore`, or a fixed set in tests)."""

    def current(self, name: str) -> ServedModel | None: ...

    def status(self) -> dict[str, ModelStatus]: ...


@dataclass
class _State:
    served: ServedModel | None = None
    last_check: dt.datetime | None = None
    last_ok: dt.datetime | None = None
    last_error: str | None = None
    hint: str | None = None


def _no_champion_hint(name: str) -> str:
    return (
        f"no champion '{name}' in the registry: run `restock train`, or promote a version "
        f"with `restock models promote VERSION --model {name}`"
    )


class ModelStore:
    """The champion of each model in `names`, loaded by alias and swapped atomically."""

    def __init__(
        self,
        settings: Settings,
        *,
        names: Sequence[str] = MODELS,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self._settings = settings
        self._names = tuple(names)
        self._clock = clock
        self._states = {name: _State(hint=_no_champion_hint(name)) for name in self._names}
        self._lock = threading.Lock()  # guards _states; held only for reads and swaps
        self._refreshing = threading.Lock()  # one refresh at a time (poller vs admin call)
        self._registry: Registry | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    def current(self, name: str) -> ServedModel | None:
        """The served snapshot of `name` (version and model together), None before any load."""
        with self._lock:
            state = self._states.get(name)
            if state is None:
                raise KeyError(f"model {name!r} is not served; served models: {self._names}")
            return state.served

    def refresh(self) -> list[str]:
        """Check every model's `champion`; load and swap those that moved. Returns the names
        swapped. Never raises for registry or load failures: they are recorded in `status`."""
        swapped = []
        with self._refreshing:
            for name in self._names:
                if self._refresh_one(name):
                    swapped.append(name)
        return swapped

    def status(self) -> dict[str, ModelStatus]:
        """Per model: version served, when loaded and checked, the last error, staleness."""
        now = self._clock()
        polling = self.polling
        limit = dt.timedelta(seconds=_STALE_AFTER_POLLS * self._settings.serving.poll_seconds)
        out = {}
        with self._lock:
            for name, state in self._states.items():
                served = state.served
                late = polling and (state.last_ok is None or now - state.last_ok > limit)
                out[name] = ModelStatus(
                    name=name,
                    version=None if served is None else served.version,
                    loaded_at=None if served is None else served.loaded_at,
                    last_check=state.last_check,
                    last_error=state.last_error,
                    stale=state.last_error is not None or late,
                    hint=state.hint,
                )
        return out

    # -- polling ---------------------------------------------------------------------------

    @property
    def polling(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start_polling(self) -> bool:
        """Refresh every `serving.poll_seconds` in a daemon thread; False when polling is off
        (0 seconds) or already running."""
        interval = self._settings.serving.poll_seconds
        if interval <= 0 or self.polling:
            return False
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._poll, args=(interval,), name="restock-model-poller", daemon=True
        )
        self._thread.start()
        return True

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the poller and wait for it (a refresh in progress finishes first)."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        self._thread = None

    def _poll(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.refresh()
            except Exception:  # a poller that dies silently would freeze the served models
                _log.exception("model refresh failed; retrying in %s s", interval)

    # -- one model -------------------------------------------------------------------------

    def _open(self) -> Registry:
        if self._registry is None:
            s = self._settings
            self._registry = open_registry(
                s.paths, tracking_uri=s.tracking_uri, database_url=s.database
            )
        return self._registry

    def _record(self, name: str, *, error: str | None, hint: str | None, ok: bool) -> None:
        now = self._clock()
        with self._lock:
            state = self._states[name]
            state.last_check = now
            state.last_error = error
            state.hint = hint
            if ok:
                state.last_ok = now

    def _refresh_one(self, name: str) -> bool:
        served = self.current(name)
        keeping = "nothing served" if served is None else f"still serving version {served.version}"
        try:
            target = champion(registry=self._open(), name=name)
        except RegistryError as e:  # the model is unknown: nothing registered yet
            return self._without_champion(name, served, str(e))
        except Exception as e:  # unreachable, corrupt or misconfigured: keep the last good model
            self._registry = None  # reconnect on the next attempt
            self._record(
                name,
                error=f"cannot read the registry ({type(e).__name__}: {e}); {keeping}",
                hint=None if served else _no_champion_hint(name),
                ok=False,
            )
            return False
        if target is None:
            return self._without_champion(name, served, f"model {name!r} has no champion alias")
        version = int(target.version)
        if served is not None and served.version == version:
            self._record(name, error=None, hint=None, ok=True)
            return False
        try:
            loaded = load_registered(self._settings, name=name, version=version)
        except Exception as e:  # a broken artifact must not take the good model down
            self._record(
                name,
                error=f"cannot load {name} version {version} ({type(e).__name__}: {e}); {keeping}",
                hint=None if served else _no_champion_hint(name),
                ok=False,
            )
            return False
        if loaded is None:  # only an alias lookup answers None; kept for the type checker
            return self._without_champion(name, served, f"{name} version {version} vanished")
        fresh = ServedModel(name, loaded.version, loaded.python_model, self._clock())
        with self._lock:
            self._states[name].served = fresh
        self._record(name, error=None, hint=None, ok=True)
        previous = "none" if served is None else served.version
        _log.info("serving %s version %s (was %s)", name, fresh.version, previous)
        return True

    def _without_champion(self, name: str, served: ServedModel | None, why: str) -> bool:
        if served is None:
            self._record(name, error=None, hint=_no_champion_hint(name), ok=True)
        else:
            # Deliberate or not, an empty alias is no reason to stop answering: keep it, say so.
            self._record(
                name,
                error=f"{why}; still serving version {served.version} (promote a version)",
                hint=None,
                ok=False,
            )
        return False

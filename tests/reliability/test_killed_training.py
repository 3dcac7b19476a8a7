"""Issue 9, item 3a: `restock train` killed with SIGKILL at seeded random moments leaves the
registry consistent: after `champion()` (which rolls a journaled move forward) each model's
champion alias is where the last journaled champion move put it, nothing stays pending,
`restock models list` works, and the next `restock train` succeeds.

Each run trains with a different number of boosting rounds, so a run that gets far enough can
beat the champion and move the alias: kills then land before, during or after real moves.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from restock.cli import app as cli
from restock.home import HomePaths
from tests.reliability.kill import cli_env, restock, run_until_killed
from training.registry import (
    CHALLENGER,
    CHAMPION,
    DEMAND_MODEL,
    LEADTIME_MODEL,
    champion,
    open_registry,
)

SEED, KILLS = 9, 4
TRAIN_SECONDS = 30.0  # about one `restock train` of the tiny demo here; kills fall inside it


def _pending(home: Path) -> int:
    """Alias moves journaled but not yet confirmed by MLflow (a kill landed in between)."""
    registry = open_registry(HomePaths(home))
    return sum(
        len(registry.history.pending(model_name=name, alias=alias))
        for name in (DEMAND_MODEL, LEADTIME_MODEL)
        for alias in (CHAMPION, CHALLENGER)
    )


def _check_registry(home: Path) -> dict[str, int | None]:
    """Assert the registry agrees with its journal; returns each model's champion version."""
    registry = open_registry(HomePaths(home))
    found = {}
    for name in (DEMAND_MODEL, LEADTIME_MODEL):
        current = champion(registry=registry, name=name)  # reconciles a journaled move
        moves = registry.history.read(model_name=name, alias=CHAMPION)
        journaled = moves[-1].to_version if moves else None
        version = None if current is None else int(current.version)
        assert version == journaled, f"{name}: champion {version}, journal says {journaled}"
        assert registry.history.pending(model_name=name, alias=CHAMPION) == []
        found[name] = version
        listed = CliRunner().invoke(cli, ["models", "list", "--model", name, "--home", str(home)])
        assert listed.exit_code == 0, listed.output
    return found


@pytest.mark.slow
def test_training_killed_at_random_points_leaves_the_registry_consistent(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = cli_env(home)
    built = restock("demo", "--size", "tiny", "--no-drift", "--home", str(home), env=env)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    first = _check_registry(home)
    assert first[DEMAND_MODEL] is not None

    rng = random.Random(SEED)
    injected = rolled_forward = 0
    for n in range(KILLS):
        after = rng.uniform(0.1, 1.0) * TRAIN_SECONDS
        rounds = {"RESTOCK_TRAINING__NUM_BOOST_ROUND": str(60 + 30 * n)}
        injected += run_until_killed(["train", "--home", str(home)], env=env | rounds, after=after)
        rolled_forward += _pending(home)
        _check_registry(home)
    assert injected >= KILLS - 1  # the seeded times fall inside a run here

    done = restock(
        "train", "--home", str(home), env=env | {"RESTOCK_TRAINING__NUM_BOOST_ROUND": "200"}
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    _check_registry(home)
    # The challenger journal is settled too, by the registrations that followed the kills.
    registry = open_registry(HomePaths(home))
    for name in (DEMAND_MODEL, LEADTIME_MODEL):
        moves = registry.history.read(model_name=name, alias=CHALLENGER)
        aliases = registry.client.get_registered_model(name).aliases
        assert int(aliases[CHALLENGER]) == moves[-1].to_version
        assert registry.history.pending(model_name=name, alias=CHALLENGER) == []
    last = _check_registry(home)
    print(
        f"\ntraining kills: {injected} of {KILLS} injected, {rolled_forward} journaled moves "
        f"found pending after a kill (rolled forward); champions {first} -> {last}"
    )

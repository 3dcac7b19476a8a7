"""Schemathesis against the app's own OpenAPI schema: every operation, as admin and as buyer,
with valid and invalid inputs; no 5xx and every response as the schema documents it.

Each operation is fuzzed three ways: positive data, negative data (schemathesis breaks the
schema on purpose), and positive data aimed at resources that exist (a real order, series and
model), because random path values mostly end in a 404 and never reach the deeper code.
`derandomize=True` makes the run the same on every machine (a failure reproduces); the number of
examples per operation and mode bounds the time in CI.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import sqlalchemy as sa
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

from restock.settings import Settings
from tests.serving.conftest import auth, first_series

EXAMPLES = 40  # per operation and mode; about 1,900 cases per role in all
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]


@dataclass
class Tally:
    cases: int = 0
    failures: dict[str, str] = field(default_factory=dict)


def _known_resources(home: Path) -> dict[str, Any]:
    """Path values that exist in the fuzzed home: a series, an order and its first line."""
    sku, location = first_series(home)
    engine = sa.create_engine(Settings(home=home).database)
    with engine.connect() as db:
        order_id, line_id = db.execute(
            sa.text("SELECT order_id, id FROM po_lines ORDER BY order_id, id LIMIT 1")
        ).one()
    engine.dispose()
    return {
        "sku": sku,
        "location": location,
        "order_id": order_id,
        "line_id": line_id,
        "name": "demand-forecaster",
        "override_id": 1,
    }


def _fuzz(
    operation: APIOperation,
    strategy: st.SearchStrategy[schemathesis.Case],
    headers: dict[str, str],
    tally: Tally,
    label: str,
) -> None:
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        tally.cases += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        pass  # nothing to break: an operation without parameters has no negative cases
    except (Exception, BaseExceptionGroup) as exc:  # collected, reported per operation below
        tally.failures[f"{operation.label} [{label}]"] = "".join(
            traceback.format_exception_only(exc)
        )[:3000]


@pytest.mark.slow
@pytest.mark.parametrize("role", ["admin", "buyer"])
def test_every_operation_survives_fuzzing(
    role: str, fuzz_app: FastAPI, fuzz_home: Path, tokens: dict[str, str]
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    headers = auth(tokens, role)
    known = _known_resources(fuzz_home)
    tally = Tally()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, operation.as_strategy(mode), headers, tally, mode.value)
        names = {p.name for p in operation.path_parameters}
        if names:
            pinned = {n: known[n] for n in names if n in known}
            strategy = operation.as_strategy(path_parameters=pinned)
            _fuzz(operation, strategy, headers, tally, "existing resources")
    print(f"\n{role}: {len(operations)} operations, {tally.cases} cases")
    assert not tally.failures, "\n\n".join(f"{k}:\n{v}" for k, v in tally.failures.items())

"""Recording a planner's override of the demand forecast: shared by the JSON API and the planner
page, so both keep the model's P50 beside the override and audit it in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from planning.overrides import InvalidOverride, Kind, Override, Overrides
from serving.state import AppState

__all__ = ["ENTITY", "OverrideDraft", "audited", "create_override"]

ENTITY = "forecast_override"


@dataclass(frozen=True, kw_only=True)
class OverrideDraft:
    """What a planner asks for: a sku-location, the periods (inclusive), how, why, until when."""

    sku: str
    location: str
    start: dt.date
    end: dt.date
    kind: Kind
    value: float
    rationale: str
    expires_at: dt.datetime


def audited(o: Override) -> dict[str, Any]:
    """The fields of an override the audit trail keeps."""
    fields = ("sku", "location", "start", "end", "kind", "value", "expires_at", "model_version")
    return {name: getattr(o, name) for name in fields} | {"revoked_at": o.revoked_at}


def create_override(
    *, state: AppState, overrides: Overrides, draft: OverrideDraft, actor: str
) -> Override:
    """Store the override with the model's P50 on its periods now, and its audit event, in one
    transaction. Raises `InvalidOverride` (a period entirely in the past, bad values),
    `OverrideConflict`, and the forecast errors (`UnknownSeries`, `NoModel`, `NoPanel`)."""
    fc = state.forecasts.forecast(draft.sku, draft.location)
    first = fc.steps[0].date
    if draft.start <= draft.end < first:  # end < start: the repository says so
        raise InvalidOverride(
            f"the override ends on {draft.end}, before the first forecast period {first}: "
            "overrides change forecasts, not history"
        )
    wanted = Override(
        **asdict(draft),
        created_by=actor,
        baseline=tuple(
            (s.date, s.quantiles["p50"]) for s in fc.steps if draft.start <= s.date <= draft.end
        ),
        model_version=fc.model_version,
    )
    with overrides.session() as session, session.begin():
        created = overrides.add(wanted, session=session)
        state.audit.record(
            actor=actor,
            action="override.create",
            entity_type=ENTITY,
            entity_id=str(created.id),
            before=None,
            after=audited(created),
            reason=created.rationale,
            session=session,
        )
    return created

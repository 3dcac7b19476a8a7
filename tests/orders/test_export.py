"""Released POs for an ERP: one row per line, exact money as text, CSV and JSON."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from orders import workflow
from orders.export import EXPORT_COLUMNS, ExportRow, export_released, to_csv, to_json
from tests.orders.workflow_helpers import THRESHOLDS, World

T1 = dt.datetime(2026, 11, 3, 8, 0, tzinfo=dt.UTC)
T2 = dt.datetime(2026, 11, 3, 8, 0, 0, 500, tzinfo=dt.UTC)  # half a millisecond later


def _release_two(w: World) -> tuple[int, list[int], int, list[int]]:
    """acme2 (approved) released at T1, then acme1 (auto-approved) at T2; their line ids."""
    common = w.common()
    workflow.approve(
        **common, order_id=w.acme2, actor="alice", expected_version=1, thresholds=THRESHOLDS
    )
    workflow.release(**common, order_id=w.acme2, actor="bot", expected_version=2, at=T1)
    workflow.release(**common, order_id=w.acme1, actor="bot", expected_version=1, at=T2)
    lines2 = [ln.id for ln in w.queue.get_order(w.acme2).lines]
    lines1 = [ln.id for ln in w.queue.get_order(w.acme1).lines]
    return w.acme2, lines2, w.acme1, lines1


def test_export_lists_released_lines_in_release_order(world: World) -> None:
    acme2, [b1], acme1, [a1, a2] = _release_two(world)
    rows = export_released(queue_or_engine=world.queue)
    base = {"source_kind": "supplier", "source": "ACME"}
    assert rows == [
        {"po_id": acme2, "line_id": b1, **base, "destination": "DC2", "sku": "B1",
         "quantity": 10, "unit_cost": "4.1000", "value": "41.0000",
         "released_at": "2026-11-03T08:00:00+00:00"},
        {"po_id": acme1, "line_id": a1, **base, "destination": "DC1", "sku": "A1",
         "quantity": 120, "unit_cost": "2.5000", "value": "300.0000",
         "released_at": "2026-11-03T08:00:00.000500+00:00"},
        {"po_id": acme1, "line_id": a2, **base, "destination": "DC1", "sku": "A2",
         "quantity": 7, "unit_cost": "13.3300", "value": "93.3100",
         "released_at": "2026-11-03T08:00:00.000500+00:00"},
    ]  # fmt: skip
    # `since` is exclusive: the PO released at T1 was imported already.
    assert [r["sku"] for r in export_released(queue_or_engine=world.engine, since=T1)] == [
        "A1",
        "A2",
    ]
    assert export_released(queue_or_engine=world.queue, since=T2) == []


def test_csv_and_json_text(world: World) -> None:
    acme2, [b1], acme1, [a1, a2] = _release_two(world)
    rows = export_released(queue_or_engine=world.queue)
    assert to_csv(rows) == (
        "po_id,line_id,source_kind,source,destination,sku,quantity,unit_cost,value,released_at\r\n"
        f"{acme2},{b1},supplier,ACME,DC2,B1,10,4.1000,41.0000,2026-11-03T08:00:00+00:00\r\n"
        f"{acme1},{a1},supplier,ACME,DC1,A1,120,2.5000,300.0000,"
        "2026-11-03T08:00:00.000500+00:00\r\n"
        f"{acme1},{a2},supplier,ACME,DC1,A2,7,13.3300,93.3100,2026-11-03T08:00:00.000500+00:00\r\n"
    )
    parsed = json.loads(to_json(rows))
    assert parsed == rows
    assert list(parsed[0]) == list(EXPORT_COLUMNS)
    assert '"unit_cost": "13.3300"' in to_json(rows)  # money stays text, never a float


def test_csv_quotes_what_needs_quoting() -> None:
    row: ExportRow = {
        "po_id": 1, "line_id": 2, "source_kind": "supplier", "source": 'Acme, "Intl"',
        "destination": "DC1", "sku": "A1", "quantity": 3, "unit_cost": "1.0000",
        "value": "3.0000", "released_at": "2026-11-03T08:00:00+00:00",
    }  # fmt: skip
    assert to_csv([row]).splitlines()[1] == (
        '1,2,supplier,"Acme, ""Intl""",DC1,A1,3,1.0000,3.0000,2026-11-03T08:00:00+00:00'
    )
    assert to_csv([]) == ",".join(EXPORT_COLUMNS) + "\r\n"


def test_since_must_be_aware(world: World) -> None:
    with pytest.raises(ValueError, match="must be timezone-aware"):
        export_released(queue_or_engine=world.queue, since=dt.datetime(2026, 11, 3))

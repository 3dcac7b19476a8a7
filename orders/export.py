"""Released POs for an ERP: one row per line, as records, CSV text or JSON text.

Money is text with 4 decimal places ("2.5000") in every format, so nothing turns it into a
float on the way; times are ISO 8601 in UTC. Rows come in release order (then PO, then line),
and `since` is exclusive: pass the latest `released_at` already imported to get only newer POs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import sqlalchemy as sa

from orders.domain import POStatus
from orders.models import LineRow, OrderRow
from orders.rows import as_utc
from orders.transition_runner import QueueOrEngine, as_queue

__all__ = [
    "EXPORT_COLUMNS",
    "FORMULA_STARTS",
    "ExportRow",
    "export_released",
    "neutralise",
    "to_csv",
    "to_json",
]

EXPORT_COLUMNS: tuple[str, ...] = (
    "po_id",
    "line_id",
    "source_kind",
    "source",
    "destination",
    "sku",
    "quantity",
    "unit_cost",
    "value",
    "released_at",
)
ExportRow = dict[str, str | int]  # keys: EXPORT_COLUMNS; po_id, line_id, quantity are ints


def export_released(
    *, queue_or_engine: QueueOrEngine, since: dt.datetime | None = None
) -> list[ExportRow]:
    """Every line of every released PO, released strictly after `since` (all when None)."""
    if since is not None and since.tzinfo is None:
        raise ValueError(f"since {since} must be timezone-aware (UTC)")
    queue = as_queue(queue_or_engine)
    query = (
        sa.select(OrderRow, LineRow)
        .join(LineRow, LineRow.order_id == OrderRow.id)
        .where(OrderRow.status == POStatus.RELEASED, OrderRow.released_at.is_not(None))
        .order_by(OrderRow.released_at, OrderRow.id, LineRow.id)
    )
    if since is not None:
        query = query.where(OrderRow.released_at > since.astimezone(dt.UTC))
    with queue.session() as session:
        rows: list[ExportRow] = []
        for order, line in session.execute(query).tuples():
            assert order.released_at is not None  # filtered above
            rows.append(
                {
                    "po_id": order.id,
                    "line_id": line.id,
                    "source_kind": order.source_kind.value,
                    "source": order.source,
                    "destination": order.destination,
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "unit_cost": f"{line.unit_cost:.4f}",
                    "value": f"{line.value:.4f}",
                    "released_at": as_utc(order.released_at).isoformat(),
                }
            )
        return rows


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_COLUMNS = ("source_kind", "source", "destination", "sku")


def neutralise(text: str) -> str:
    """`text` with a leading apostrophe when a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(rows: list[ExportRow]) -> str:
    """CSV text (RFC 4180: CRLF line ends, quoted where needed), header row always present.

    Text that a spreadsheet would execute (a sku or supplier like `=HYPERLINK(...)`) gets a
    leading apostrophe, so the file opens as data; numbers are never changed. JSON is for
    programs and keeps every value as stored.
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutralise(str(v)) if k in TEXT_COLUMNS else v for k, v in row.items()})
    return out.getvalue()


def to_json(rows: list[ExportRow]) -> str:
    """A JSON array of the rows, keys in `EXPORT_COLUMNS` order."""
    return json.dumps([{key: row[key] for key in EXPORT_COLUMNS} for row in rows], indent=1)

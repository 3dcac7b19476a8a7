"""The purchase-order suggestion queue: plans, POs and their explained lines, stored in the
restock database (issue 4, storage; issue 5 adds the approval workflow and HTTP on top).

`orders.domain` holds the value objects and the pure rules (grouping lines into POs, the status a
new PO starts in); `orders.validation` the rules a plan must meet; `orders.models` the tables
and `orders.rows` the conversions to and from them; `orders.repository` the `PurchaseOrderQueue`
that reads and writes them; `orders.errors` the domain errors.

The approval workflow (issue 5): `orders.workflow` (approve, reject, edit_quantity, release,
bulk_approve, submit) over `orders.transitions` (the state machine as data),
`orders.thresholds` (auto / dual approval), `orders.transition_runner` (one transaction per
transition), `orders.decisions` (answers and idempotent replay) and `orders.audit` (the
recorder port); `orders.listing` the queue screen's query; `orders.export` released POs for an
ERP; `orders.schema` creates and upgrades the tables.
"""

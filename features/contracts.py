"""Data contracts: the canonical tables every loader produces and every later step reads.

A contract is data, not code: its columns, types, units, meaning, key and business rules. The
validator (`features.validate`) enforces the rules generically, so adding a rule here is enough to
have it checked, quarantined and counted. DESIGN.md section 3 is the source of these tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "CONTRACTS",
    "INVENTORY",
    "ITEMS",
    "LOCATIONS",
    "RECEIPTS",
    "SALES",
    "SERVICE_POLICY",
    "Column",
    "Contract",
    "Kind",
    "Reference",
]


class Kind(StrEnum):
    """Logical column types; `features.validate` coerces raw text into them."""

    TEXT = "text"  # pandas `str`
    CATEGORY = "category"  # high-cardinality repeated labels in big tables (sku, location)
    FLOAT = "float"
    INT = "int"
    BOOL = "bool"
    DATE = "date"  # datetime64, midnight, no timezone


@dataclass(frozen=True)
class Column:
    """One column: its type, meaning and unit, and the rules a value must meet."""

    name: str
    kind: Kind
    description: str
    unit: str = ""
    required: bool = True
    # An optional column that is absent is filled with this value (None means missing/NaN).
    default: object = None
    # Whether a present value may be missing (NaN / empty). Keys are never nullable.
    nullable: bool = False
    # Numeric bounds: value >= min_value (or > when min_inclusive is False).
    min_value: float | None = None
    min_inclusive: bool = True
    max_value: float | None = None
    max_inclusive: bool = True
    choices: tuple[str, ...] | None = None
    # Dates after "today" are impossible for observed facts (sales, receipts).
    not_in_future: bool = False


@dataclass(frozen=True)
class Reference:
    """A foreign key: values of `column` must exist in `target`'s key column of the same name."""

    column: str
    target: str


@dataclass(frozen=True)
class Contract:
    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    references: tuple[Reference, ...] = ()
    # Pairs (earlier, later) of date columns that must be ordered, e.g. ordered_on <= received_on.
    date_order: tuple[tuple[str, str], ...] = field(default=())

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"contract '{self.name}' has no column '{name}'")


SALES = Contract(
    name="sales",
    description=(
        "Units sold per sku, location and period (day, week or month). Sales are censored "
        "demand: on a stockout period the shelf ran empty, so true demand was at least `units`."
    ),
    key=("sku", "location", "date"),
    columns=(
        Column("sku", Kind.CATEGORY, "stock-keeping unit identifier"),
        Column("location", Kind.CATEGORY, "store or DC identifier"),
        Column(
            "date",
            Kind.DATE,
            "start of the period (daily: the day; weekly: the week's date as given; "
            "monthly: first day of the month)",
            not_in_future=True,
        ),
        Column("units", Kind.FLOAT, "units sold in the period", unit="units", min_value=0.0),
        Column(
            "price",
            Kind.FLOAT,
            "average selling price in the period; missing means unknown (carried forward)",
            unit="currency/unit",
            required=False,
            nullable=True,
            min_value=0.0,
            min_inclusive=False,
        ),
        Column(
            "on_promo",
            Kind.BOOL,
            "a promotion (discount, display, markdown) ran in the period",
            required=False,
            default=False,
        ),
        Column(
            "stockout",
            Kind.BOOL,
            "on-hand hit zero during the period, so `units` under-states demand",
            required=False,
            default=False,
        ),
    ),
    references=(Reference("sku", "items"), Reference("location", "locations")),
)

ITEMS = Contract(
    name="items",
    description="Item master: one row per sku with its economics and supplier terms.",
    key=("sku",),
    columns=(
        Column("sku", Kind.TEXT, "stock-keeping unit identifier"),
        Column("category", Kind.TEXT, "product group", required=False, default="unknown"),
        Column(
            "unit_cost",
            Kind.FLOAT,
            "purchase cost per unit",
            unit="currency/unit",
            required=False,
            nullable=True,
            min_value=0.0,
        ),
        Column(
            "unit_price",
            Kind.FLOAT,
            "list selling price per unit",
            unit="currency/unit",
            required=False,
            nullable=True,
            min_value=0.0,
            min_inclusive=False,
        ),
        Column(
            "supplier",
            Kind.TEXT,
            "supplier that replenishes the sku",
            required=False,
            default="unknown",
        ),
        Column(
            "pack_size",
            Kind.INT,
            "units per case; orders are multiples of it",
            unit="units",
            required=False,
            default=1,
            min_value=1,
        ),
        Column(
            "moq",
            Kind.INT,
            "minimum order quantity",
            unit="units",
            required=False,
            default=0,
            min_value=0,
        ),
        Column(
            "lifecycle",
            Kind.TEXT,
            "where the item is in its life",
            required=False,
            default="active",
            choices=("new", "active", "phase_out"),
        ),
    ),
)

LOCATIONS = Contract(
    name="locations",
    description="Stores and distribution centres; a store's parent is the DC that replenishes it.",
    key=("location",),
    columns=(
        Column("location", Kind.TEXT, "store or DC identifier"),
        Column(
            "kind",
            Kind.TEXT,
            "dc or store",
            required=False,
            default="store",
            choices=("dc", "store"),
        ),
        Column("region", Kind.TEXT, "region name", required=False, default="unknown"),
        Column(
            "parent",
            Kind.TEXT,
            "DC replenishing this location; empty for top level",
            required=False,
            nullable=True,
        ),
        Column(
            "tier",
            Kind.TEXT,
            "customer priority tier (e.g. platinum, gold, standard): its service target in "
            "service_policy and its priority when DC stock is short",
            required=False,
            default="standard",
        ),
    ),
)

INVENTORY = Contract(
    name="inventory",
    description="Stock snapshot per sku-location: what is on the shelf, on its way and owed.",
    key=("sku", "location", "as_of"),
    columns=(
        Column("sku", Kind.TEXT, "stock-keeping unit identifier"),
        Column("location", Kind.TEXT, "store or DC identifier"),
        Column("as_of", Kind.DATE, "date of the snapshot", not_in_future=True),
        Column("on_hand", Kind.FLOAT, "units physically available", unit="units", min_value=0.0),
        Column(
            "on_order",
            Kind.FLOAT,
            "units ordered and not yet received",
            unit="units",
            required=False,
            default=0.0,
            min_value=0.0,
        ),
        Column(
            "backorders",
            Kind.FLOAT,
            "units owed to customers",
            unit="units",
            required=False,
            default=0.0,
            min_value=0.0,
        ),
    ),
    references=(Reference("sku", "items"), Reference("location", "locations")),
)

RECEIPTS = Contract(
    name="receipts",
    description=(
        "Purchase-order lines and when they arrived: the history the lead-time model learns from."
    ),
    key=("po_line",),
    columns=(
        Column("po_line", Kind.TEXT, "purchase-order line identifier"),
        Column("supplier", Kind.TEXT, "vendor that shipped the line"),
        Column("sku", Kind.TEXT, "stock-keeping unit identifier"),
        Column("location", Kind.TEXT, "receiving location"),
        Column("ordered_on", Kind.DATE, "date the PO was sent to the supplier", not_in_future=True),
        Column(
            "promised_on",
            Kind.DATE,
            "date the supplier promised delivery",
            required=False,
            nullable=True,
        ),
        Column("received_on", Kind.DATE, "date the goods arrived", not_in_future=True),
        Column(
            "qty", Kind.FLOAT, "units received", unit="units", min_value=0.0, min_inclusive=False
        ),
        Column(
            "mode",
            Kind.TEXT,
            "shipment mode (road, sea, air, ...)",
            required=False,
            default="unknown",
        ),
        Column(
            "origin",
            Kind.TEXT,
            "where the goods shipped from (country or site)",
            required=False,
            default="unknown",
        ),
        Column(
            "product_group",
            Kind.TEXT,
            "product group of the sku, when the source has it",
            required=False,
            default="unknown",
        ),
        Column(
            "value",
            Kind.FLOAT,
            "line value",
            unit="currency",
            required=False,
            nullable=True,
            min_value=0.0,
        ),
    ),
    date_order=(("ordered_on", "received_on"),),
)

SERVICE_POLICY = Contract(
    name="service_policy",
    description=(
        "Service targets per ABC-XYZ segment (e.g. 'AX') or customer tier; '*' is the fallback."
    ),
    key=("segment",),
    columns=(
        Column("segment", Kind.TEXT, "ABC-XYZ segment such as 'AX', a tier name, or '*'"),
        Column(
            "cycle_service_level",
            Kind.FLOAT,
            "probability of no stockout in a replenishment cycle",
            unit="fraction",
            min_value=0.5,
            max_value=1.0,
            max_inclusive=False,
        ),
        Column(
            "fill_rate",
            Kind.FLOAT,
            "share of demand served from stock",
            unit="fraction",
            required=False,
            nullable=True,
            min_value=0.5,
            max_value=1.0,
            max_inclusive=False,
        ),
        Column(
            "review_period",
            Kind.INT,
            "periods between order reviews",
            unit="periods",
            required=False,
            default=1,
            min_value=1,
        ),
    ),
)

CONTRACTS: dict[str, Contract] = {
    c.name: c for c in (SALES, ITEMS, LOCATIONS, INVENTORY, RECEIPTS, SERVICE_POLICY)
}

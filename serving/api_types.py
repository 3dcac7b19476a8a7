"""Bounds on the whole numbers the API accepts, and the shape of its error answers.

A number the database cannot store is a bad request (422), not a crash: an id or version above
PostgreSQL's INTEGER (32-bit) made the driver raise mid-query, and SQLite overflows above 64
bits. Every integer that reaches a query is bounded to what both databases hold.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import BaseModel

__all__ = ["DB_INT_MAX", "FieldProblem", "ModelName", "Problem", "RowId", "parse_db_int"]

DB_INT_MAX = 2**31 - 1  # PostgreSQL INTEGER, the narrower of the two databases

RowId = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="a row id")]

# MLflow refuses (with an exception, not a "not found") a model name holding "/" or ":", or
# one that is only whitespace.
ModelName = Annotated[
    str,
    Path(max_length=256, pattern=r"^\s*[^/:\s][^/:]*$", description="a registered model name"),
]


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """Every 422: `detail` says what is wrong; `errors` names the fields when a field is."""

    detail: str
    errors: list[FieldProblem] | None = None


def parse_db_int(text: str, minimum: int = 0) -> int | None:
    """A form field's text as a whole number the database stores, else None.

    ASCII digits only: `str.isdigit` also accepts characters like "²" that `int` refuses.
    """
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if minimum <= value <= DB_INT_MAX else None

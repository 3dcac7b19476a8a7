"""The UI's static files: its own CSS and JS, and plotly.js from the installed plotly package
(no CDN: the UI works without network). Only these names are served."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from serving.web.errors import PageError

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_OWN = Path(__file__).parent / "static"
_TYPES = {".css": "text/css", ".js": "text/javascript"}
# Static names change when their content does (restock's own are small and change with a
# release; plotly's with the package), so a day of caching is safe.
_CACHE = "public, max-age=86400"


@cache
def _plotly() -> Path:
    return Path(str(files("plotly") / "package_data" / "plotly.min.js"))


def _path(name: str) -> Path | None:
    if name == "plotly.min.js":
        return _plotly()
    if name in {"restock.css", "restock.js"}:
        return _OWN / name
    return None


@router.get("/static/{name}", response_class=FileResponse)
def static_file(name: str) -> FileResponse:
    path = _path(name)
    if path is None or not path.is_file():
        raise PageError(404, f"There is no static file {name!r}.")
    media = _TYPES[path.suffix]
    return FileResponse(
        path, media_type=f"{media}; charset=utf-8", headers={"Cache-Control": _CACHE}
    )

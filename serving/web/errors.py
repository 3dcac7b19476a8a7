"""What a page raises instead of answering: rendered as an HTML page (`serving.web.handlers`)."""

from __future__ import annotations

__all__ = ["LoginRequired", "PageError"]


class PageError(Exception):
    """A page that cannot be shown as asked: an HTML error page with `status` and `message`."""

    def __init__(self, status: int, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.title = title or {
            400: "Bad request",
            403: "Not allowed",
            404: "Not found",
            409: "Conflict",
            422: "Check the form",
            503: "Not available yet",
        }.get(status, "Something went wrong")


class LoginRequired(Exception):
    """Nobody is signed in: the browser goes to the login page and comes back to `next_path`."""

    def __init__(self, next_path: str) -> None:
        super().__init__(f"sign in to open {next_path}")
        self.next_path = next_path

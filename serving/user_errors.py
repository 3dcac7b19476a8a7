"""What a user or API-token request can fail with; every error's message says why and what to do."""

from __future__ import annotations

__all__ = ["TokenNotFound", "UserError", "UserExists", "UserNotFound"]


class UserError(ValueError):
    """A user or token request that cannot be done as asked; the message says why."""


class UserExists(UserError):
    pass


class UserNotFound(UserError, LookupError):
    pass


class TokenNotFound(UserError, LookupError):
    pass

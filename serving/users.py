"""Users and API tokens: tables `users` and `api_tokens`, and the `UserDirectory` over them.

Passwords are stored as scrypt hashes, tokens as sha256 hex only: the database never holds a
secret that lets someone log in. Given an `AuditLog`, every change is an audit event committed
in the same transaction as the change.

The one import point for callers; each concept lives in its own module:

- `user_errors`: what a user or token request can fail with;
- `user_tables`: tables `users` and `api_tokens` (`UsersBase`) and how values are stored;
- `user_records`: `UserInfo` and `TokenInfo`, what an admin (or the audit log) sees of a row;
- `user_directory`: `UserDirectory`, which adds, changes, authenticates and lists them.
"""

from __future__ import annotations

# The `x as x` imports are names outside `__all__` that this module defined before the split:
# kept importable from here so code written against the single module still finds them.
from serving.user_directory import _TOUCH_EVERY as _TOUCH_EVERY
from serving.user_directory import _USERNAME as _USERNAME
from serving.user_directory import UserDirectory
from serving.user_directory import _decoy_hash as _decoy_hash
from serving.user_errors import TokenNotFound, UserError, UserExists, UserNotFound
from serving.user_records import TokenInfo, UserInfo
from serving.user_records import _audit_view as _audit_view
from serving.user_records import _token_info as _token_info
from serving.user_records import _user_info as _user_info
from serving.user_tables import UsersBase
from serving.user_tables import _roles as _roles
from serving.user_tables import _roles_text as _roles_text
from serving.user_tables import _TokenRow as _TokenRow
from serving.user_tables import _UserRow as _UserRow
from serving.user_tables import _utc as _utc
from serving.user_tables import _utc_or_none as _utc_or_none
from serving.user_tables import _utcnow as _utcnow

__all__ = [
    "TokenInfo",
    "TokenNotFound",
    "UserDirectory",
    "UserError",
    "UserExists",
    "UserInfo",
    "UserNotFound",
    "UsersBase",
]

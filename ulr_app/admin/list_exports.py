"""The users list (administrators only) as a CSV / XLSX download (:mod:`ulr_app.core.listexport`).

Never a secret: no password hash, no two-factor secret or recovery codes; whether two-factor sign-in
is on, as the user's page shows it."""
from __future__ import annotations

from typing import Any, Mapping

from ..core import listexport
from ..core.listexport import columns

USER_COLUMNS = columns(
    ("Name", lambda u: u.name),
    ("E-mail address", lambda u: u.email),
    ("Role", lambda u: u.role_label),
    ("Branch or region", lambda u: u.branch.name if u.branch else (u.region.name if u.region else "All")),
    ("Can sign in", lambda u: u.active),
    ("Two-factor sign-in", lambda u: u.has_two_factor),
    ("Last signed in", lambda u: u.last_login_at),
    ("User number", lambda u: u.id),
)


def users(fmt: str, stmt, filters: Mapping[str, Any]):
    return listexport.export(fmt, stmt, USER_COLUMNS, title="users", object_type="user_account", filters=filters)

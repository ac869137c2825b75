"""Roles, the login-by-default rule, role decorators and row scope through one ``visible()``.

Every view requires a signed-in user unless it is marked ``@public``. Role checks are
decorators that are easy to audit. Which rows a user may see is decided in one place:
``visible(select(Model), user)`` adds the scope rule registered for that model.
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, false, select

from .validation import db_id

ADMIN = "admin"
REGIONAL_ORGANISER = "regional_organiser"
BRANCH_CONVENOR = "branch_convenor"
LEARNING_REP = "learning_rep"
ALL_ROLES = (ADMIN, REGIONAL_ORGANISER, BRANCH_CONVENOR, LEARNING_REP)

F = TypeVar("F", bound=Callable[..., Any])

#: model class -> function(user) -> SQL condition for the rows that user may see (non-admins)
_SCOPE_RULES: dict[type, Callable[[Any], Any]] = {}


def public(view: F) -> F:
    """Mark a view as reachable without signing in (sign-in page, health check)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def roles_required(*roles: str) -> Callable[[F], F]:
    unknown = set(roles) - set(ALL_ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                abort(401)
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


admin_required = roles_required(ADMIN)


def scope_rule(model: type) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Register the rule that limits ``model`` rows for a non-admin user."""

    def decorator(rule: Callable[[Any], Any]) -> Callable[[Any], Any]:
        _SCOPE_RULES[model] = rule
        return rule

    return decorator


def visible(stmt: Select, user: Any) -> Select:
    """Limit a SELECT on a scoped model to the rows ``user`` may see. Unknown models see nothing."""
    entity = stmt.column_descriptions[0]["entity"]
    if user is None or not getattr(user, "is_authenticated", False):
        return stmt.where(false())
    if user.role == ADMIN:
        return stmt
    rule = _SCOPE_RULES.get(entity)
    if rule is None:
        return stmt.where(false())
    return stmt.where(rule(user))


def visible_ids(model: type, user: Any) -> Select:
    """A subquery of the ids of ``model`` that ``user`` may see (for ``IN`` conditions)."""
    stmt = select(model.id)
    if user.role == ADMIN:
        return stmt
    rule = _SCOPE_RULES.get(model)
    return stmt.where(false()) if rule is None else stmt.where(rule(user))


def get_visible_or_404(session, model: type, ident: Any, user: Any, *, options: tuple = ()) -> Any:
    """Load one record the user may see, or answer 404 (missing and out of scope look the same).
    ``options``: loader options (e.g. the relationships the page shows, joined)."""

    try:
        ident = db_id(ident)
    except (TypeError, ValueError):
        abort(404)
    obj = session.scalars(visible(select(model).where(model.id == ident).options(*options), user)).first()
    if obj is None:
        abort(404)
    return obj

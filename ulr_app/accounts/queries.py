"""Read side for users and tokens; scope rules for the User model."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..core.permissions import scope_rule, visible
from ..extensions import db
from .models import ApiToken, User


@scope_rule(User)
def _users_in_scope(user):
    # only administrators manage users; everyone else sees just themselves
    return User.id == user.id


def user_list(user, *, q: str = "", role: str = "", active: str = ""):
    stmt = visible(select(User), user).options(selectinload(User.branch), selectinload(User.region)).order_by(User.name)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(User.name.ilike(like), User.email.ilike(like)))
    if role:
        stmt = stmt.where(User.role == role)
    if active in ("yes", "no"):
        stmt = stmt.where(User.active.is_(active == "yes"))
    return stmt


def tokens_of(user):
    return db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    ).all()

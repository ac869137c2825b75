"""Server-side sessions: the cookie carries a random id; the row decides if it is still valid.

Signing out, changing a password and disabling a user revoke rows, so those sessions end at
once on every device. Idle sessions expire after SESSION_IDLE_MINUTES.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Optional

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_login import login_user, logout_user
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..core.models import utcnow
from ..extensions import db, login_manager
from .models import User, UserSession

SID = "sid"
#: when the user last proved who they are (seconds since the epoch), in the signed session cookie;
#: cleared with everything else when a session starts or ends
CONFIRMED = "confirmed_at"
#: write last_seen at most this often (avoids a write on every request)
TOUCH_EVERY = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User) -> UserSession:
    """Sign ``user`` in with a brand-new session id (the old cookie content is discarded)."""
    session.clear()
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(
        token_hash=_hash(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=current_app.config["SESSION_MAX_HOURS"]),
        ip_address=request.remote_addr,
        user_agent=(request.user_agent.string or "")[:255],
    )
    db.session.add(row)
    db.session.flush()
    session[SID] = token
    session.permanent = True
    login_user(user)
    g.user_session = row
    return row


def mark_confirmed() -> None:
    """The user has just proved who they are (password, and code if they have one): changing their
    e-mail, password or second factor is open to them for REAUTH_MINUTES."""
    session[CONFIRMED] = utcnow().timestamp()


def recently_confirmed() -> bool:
    from datetime import datetime, timezone

    from .rules import recently_confirmed as fresh

    stamp = session.get(CONFIRMED)
    at = datetime.fromtimestamp(stamp, timezone.utc) if isinstance(stamp, (int, float)) else None
    return fresh(at, utcnow(), current_app.config.get("REAUTH_MINUTES", 15))


def current_session_row() -> Optional[UserSession]:
    token = session.get(SID)
    if not token:
        return None
    # the user comes in the same statement (joined): every signed-in request reads both, and a second round trip
    # for the user cost each page a statement (issue 13)
    return db.session.scalars(select(UserSession).options(joinedload(UserSession.user))
                              .where(UserSession.token_hash == _hash(token))).first()


def end(reason: str = "signed_out") -> None:
    row = current_session_row()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        row.revoked_reason = reason
    logout_user()
    session.clear()


def revoke_all(user_id: int, reason: str, *, keep: Optional[UserSession] = None) -> int:
    stmt = (
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep.id)
    return db.session.execute(stmt).rowcount or 0


def load_user(user_id: str) -> Optional[User]:
    """Flask-Login's loader: valid only with a live, unrevoked, unexpired session row."""
    row = current_session_row()
    if row is None or str(row.user_id) != str(user_id):
        return None
    now = utcnow()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    if row.revoked_at is not None:
        g.session_ended = row.revoked_reason
        return None
    if row.expires_at <= now or row.last_seen_at + idle <= now:
        row.revoked_at = now
        row.revoked_reason = "timed_out"
        db.session.commit()  # the expiry must stick even though this request is refused
        g.session_ended = "timed_out"
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    g.user_session = row
    return user


def unauthorised():
    if request.path.startswith("/api/"):
        from flask import abort

        abort(401)
    if getattr(g, "session_ended", None) == "timed_out":
        flash("You were signed out because you had not done anything for a while. Sign in again to continue.", "info")
    elif session.get(SID):
        flash("Your session has ended. Sign in again to continue.", "info")
    session.pop(SID, None)
    target = request.full_path if request.method == "GET" else None
    if target and target.endswith("?"):
        target = target[:-1]
    return redirect(url_for("accounts.login", next=target) if target and target != "/" else url_for("accounts.login"))


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorised)
    login_manager.session_protection = "basic"
    login_manager.login_view = "accounts.login"

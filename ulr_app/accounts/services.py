"""The only code that changes users, passwords and API tokens. Flushes; never commits."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import Any, Mapping, Optional

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..core import audit, hooks
from ..core.errors import Conflict, ValidationFailed
from ..core.models import utcnow
from ..core.permissions import ADMIN, BRANCH_CONVENOR, LEARNING_REP, REGIONAL_ORGANISER
from ..extensions import db
from ..organisation.models import Branch, Region
from . import sessions
from .models import EMAIL_REMINDERS, ROLES, ApiToken, User
from .passwords import hash_password, needs_rehash, password_problems, verify_password

USER_FIELDS = ("email", "name", "role", "region_id", "branch_id", "active")
#: an API token's last use is written at most this often
TOKEN_TOUCH_EVERY = timedelta(seconds=60)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _check_version(obj: Any, version: Optional[int]) -> None:
    if version is not None and int(version) != obj.version:
        raise Conflict(f"This {obj.__label__} was changed by someone else. Reload it and try again.")


def _validate_user(data: dict[str, Any], *, existing: Optional[User] = None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean = dict(data)
    for field in ("email", "name", "role"):
        if field in clean and clean[field] is not None and not isinstance(clean[field], str):
            errors[field] = [f"{field.capitalize()} must be text"]
            clean.pop(field)
    if "active" in clean and not isinstance(clean["active"], bool):
        errors["active"] = ["Active must be true or false"]
    for field in ("email", "name"):
        if isinstance(clean.get(field), str) and "\x00" in clean[field]:
            errors[field] = ["Remove the NUL character"]
    if errors:
        raise ValidationFailed("Check the details you entered", errors)
    if "email" in data:
        email = normalise_email(data["email"])
        clean["email"] = email
        if not email:
            errors["email"] = ["Enter an e-mail address"]
        elif not EMAIL_RE.match(email) or len(email) > 254:
            errors["email"] = ["Enter an e-mail address in the correct format, like name@example.org"]
        else:
            q = select(User.id).where(func.lower(User.email) == email)
            if existing is not None:
                q = q.where(User.id != existing.id)
            if db.session.scalar(q) is not None:
                errors["email"] = ["A user with this e-mail address already exists"]
    if "name" in data:
        clean["name"] = (data["name"] or "").strip()
        if not clean["name"]:
            errors["name"] = ["Enter the person's name"]
        elif len(clean["name"]) > 120:
            errors["name"] = ["Name must be 120 characters or fewer"]
    role = data.get("role", existing.role if existing else None)
    if role not in ROLES:
        errors["role"] = ["Choose a role"]
    region_id = data.get("region_id", existing.region_id if existing else None)
    branch_id = data.get("branch_id", existing.branch_id if existing else None)
    if role == ADMIN:
        clean["region_id"], clean["branch_id"] = None, None
    elif role == REGIONAL_ORGANISER:
        if not region_id or db.session.get(Region, region_id) is None:
            errors["region_id"] = ["Choose the region this organiser works in"]
        clean["region_id"], clean["branch_id"] = region_id, None
    elif role in (BRANCH_CONVENOR, LEARNING_REP):
        branch = db.session.get(Branch, branch_id) if branch_id else None
        if branch is None:
            errors["branch_id"] = ["Choose the branch this person belongs to"]
        elif data.get("region_id") is not None and data.get("region_id") != branch.region_id:
            # a convenor's or ULR's region is their branch's: a different one is refused, never silently replaced
            errors["region_id"] = ["A branch convenor's or ULR's region is their branch's region: leave it out, "
                                   "or choose the branch's region"]
        else:
            clean["region_id"], clean["branch_id"] = branch.region_id, branch.id
    if errors:
        raise ValidationFailed("Check the details you entered", errors)
    return clean


def create_user(data: Mapping[str, Any], password: Optional[str] = None) -> User:
    clean = _validate_user({"email": "", "name": "", "role": None, "active": True,
                            **{k: v for k, v in data.items() if v is not None or k in ("region_id", "branch_id")}})
    if password is not None:
        problems = password_problems(password, email=clean["email"])
        if problems:
            raise ValidationFailed("Check the password", {"password": problems})
    user = User(**{k: clean.get(k) for k in USER_FIELDS})
    if password is not None:
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
    db.session.add(user)
    db.session.flush()
    audit.record(db.session, "create", user, summary=f"Created user {user.email} ({user.role_label})",
                 changes=audit.snapshot(user, USER_FIELDS))
    return user


def update_user(user: User, data: Mapping[str, Any], *, version: Optional[int] = None, actor: Optional[User] = None) -> dict:
    _check_version(user, version)
    clean = _validate_user(dict(data), existing=user)
    if actor is not None and actor.id == user.id:
        if clean.get("active") is False or clean.get("role", user.role) != user.role:
            raise ValidationFailed("You cannot disable yourself or change your own role",
                                   {"active": ["Ask another administrator to do this"]})
    changes = audit.apply_changes(user, clean, USER_FIELDS)
    if changes:
        if "active" in changes and not user.active:
            sessions.revoke_all(user.id, "user_disabled")
            _revoke_tokens(user)
        if "role" in changes or "branch_id" in changes or "region_id" in changes:
            sessions.revoke_all(user.id, "scope_changed")
        db.session.flush()
        audit.record(db.session, "update", user, summary=f"Changed user {user.email}", changes=changes)
    return changes


def set_password(user: User, password: str, *, reason: str, keep_session=None) -> None:
    problems = password_problems(password, email=user.email, name=user.name)
    if problems:
        raise ValidationFailed("Check the password", {"password": problems})
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    sessions.revoke_all(user.id, "password_changed", keep=keep_session)
    db.session.flush()
    audit.record(db.session, "update", user, summary=f"Password {reason} for {user.email}",
                 changes={"password_hash": ("x", "y")})


def change_own_password(user: User, current: str, new: str, keep_session=None) -> None:
    if not verify_password(user.password_hash, current):
        raise ValidationFailed("Check the password", {"current_password": ["Your current password is not correct"]})
    try:
        set_password(user, new, reason="changed by its owner", keep_session=keep_session)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, {"new_password": exc.fields.get("password", [])}) from exc


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def check_sign_in(email: str, password: str) -> tuple[Optional[User], bool]:
    """``(user, wrong_password)`` for these credentials: the user when they may sign in, else None and
    whether the failure was a wrong password or unknown address (which counts against the sign-in
    limits) rather than a disabled account. Audits failures (without the password). Changes no row."""
    email = normalise_email(email)
    user = db.session.scalars(select(User).where(func.lower(User.email) == email)).first() if email else None
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.active:
        audit.record(db.session, "sign_in_failed", None, object_type="user_account",
                     object_id=user.id if user else None,
                     summary=f"Failed sign-in for {email[:200] or '(no e-mail)'}"
                     + (" (account disabled)" if user is not None and ok and not user.active else ""))
        return None, not (ok and user is not None)
    return user, False


def record_sign_in(user: User, password: Optional[str], *, signed_in: bool = True) -> None:
    """Note the sign-in on the user's row with a plain UPDATE: it neither checks nor bumps the row's
    version, so two sign-ins to one account at the same moment both succeed, and an administrator
    editing the user meanwhile is not told someone else changed it. With ``signed_in=False`` (the
    password was right but a code is still to come) only an outdated password hash is renewed."""
    values: dict[str, Any] = {"last_login_at": utcnow()} if signed_in else {}
    if password is not None and needs_rehash(user.password_hash):
        values["password_hash"] = hash_password(password)
    if not values:
        return
    db.session.execute(update(User).where(User.id == user.id).values(**values),
                       execution_options={"synchronize_session": False})
    for name, value in values.items():
        set_committed_value(user, name, value)


# --- API tokens -------------------------------------------------------------------------

def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Check the token name", {"name": ["Enter a name for the token, like 'branch spreadsheet'"]})
    if len(name) > 80:
        raise ValidationFailed("Check the token name", {"name": ["Token name must be 80 characters or fewer"]})
    if not user.active:
        raise ValidationFailed("This user is disabled", {"user": ["A disabled user cannot have tokens"]})
    secret = "ulr_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=token_hash(secret), prefix=secret[:10],
                     expires_at=utcnow() + timedelta(days=current_app.config.get("API_TOKEN_DAYS", 365)))
    db.session.add(token)
    db.session.flush()
    audit.record(db.session, "create", token, summary=f"Created API token '{name}' for {user.email}")
    return token, secret


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(db.session, "update", token, summary=f"Revoked API token '{token.name}'",
                     changes={"revoked_at": (None, token.revoked_at)})


def _revoke_tokens(user: User) -> None:
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        token.revoked_at = utcnow()


@hooks.provide("organisation.branch_moved")
def follow_moved_branch(branch: Branch) -> None:
    """A branch moved to another region: its convenors' and ULRs' region follows it (each change audited)."""
    for user in db.session.scalars(select(User).where(User.branch_id == branch.id, User.region_id != branch.region_id)):
        before = user.region_id
        user.region_id = branch.region_id
        db.session.flush()
        audit.record(db.session, "update", user, summary=f"{user.email} moved to the region of branch {branch.name}",
                     changes={"region_id": (before, branch.region_id)})


@hooks.provide("api.token_user")
def user_for_token(secret: str) -> Optional[User]:
    if not secret:
        return None
    token = db.session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash(secret))).first()
    now = utcnow()
    # a disabled user's tokens stop at once (checked on every request, besides being revoked)
    if token is None or token.revoked_at is not None or token.expired(now) or not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_TOUCH_EVERY:
        # a plain UPDATE, at most once a minute per token, guarded so concurrent requests write it once
        stmt = update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now)
        stmt = stmt.where(ApiToken.last_used_at.is_(None) if token.last_used_at is None
                          else ApiToken.last_used_at == token.last_used_at)
        db.session.execute(stmt, execution_options={"synchronize_session": False})
        set_committed_value(token, "last_used_at", now)
    return token.user


def set_email_reminders(user: User, choice: str) -> dict:
    """The user chooses a daily reminder e-mail ("digest") or none."""
    if choice not in EMAIL_REMINDERS:
        raise ValidationFailed("Check your choice",
                               {"email_reminders": ["Choose whether you want a daily reminder e-mail"]})
    changes = audit.apply_changes(user, {"email_reminders": choice}, ("email_reminders",))
    if changes:
        db.session.flush()
        audit.record(db.session, "update", user, summary=f"{user.email} chose: {EMAIL_REMINDERS[choice]}",
                     changes=changes)
    return changes


def change_own_email(user: User, email: str) -> dict:
    """The user changes their own e-mail address (the view checks they confirmed who they are first)."""
    changes = update_user(user, {"email": email}, actor=user)
    return changes

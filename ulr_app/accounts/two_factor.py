"""Two-factor sign-in (TOTP) and recovery codes: the only code that changes them. Flushes; never commits.

The shared secret is stored as is in user_account.totp_secret (not encrypted: whoever can read the
database can read it; it is never shown after set-up, never put in the audit log, never in the API).
A code is accepted once: the last accepted 30-second step is kept per user and moved on with one
conditional UPDATE, so two requests with the same code cannot both pass.
"""
from __future__ import annotations

import hmac
import io
from datetime import datetime
from typing import Optional

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..core import audit
from ..core.errors import ValidationFailed
from ..core.models import utcnow
from ..extensions import db
from . import rules, sessions
from .models import RecoveryCode, User

ISSUER = "ULR Case Manager"
WRONG_CODE = "The code is not correct. Check your authenticator app and enter the newest code"


def required_for(user: User) -> bool:
    """Must this user sign in with a second factor (their role, or the 'everyone' setting)?"""
    return rules.two_factor_required(user.role, current_app.config.get("TWO_FACTOR_REQUIRED_ROLES", ()),
                                     current_app.config.get("TWO_FACTOR_FOR_ALL", False))


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters: 160 bits, as RFC 4226 recommends


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth:// address as a QR code: an SVG drawn here (no network), to put inline in the page."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", xmldecl=False, svgns=True, scale=5, border=4,
                                    dark="#0b0c0c", light="#ffffff", svgclass="app-qr", lineclass=None)
    svg = out.getvalue().decode()
    # a picture for sighted users only: the page says the same in words and shows the key as text
    return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)


def format_secret(secret: str) -> str:
    """The key in groups of four, as authenticator apps show it, for typing in by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _matching_step(secret: str, code: str, last_used: Optional[int], now: datetime) -> Optional[int]:
    totp = pyotp.TOTP(secret)
    for step in rules.candidate_steps(now, last_used):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _take_step(user: User, step: int) -> bool:
    """Move the user's last used step on to ``step``, unless another request already used it or a
    later one. A plain UPDATE: the user's version is not bumped."""
    result = db.session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step), execution_options={"synchronize_session": False})
    if result.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def check_totp(user: User, typed: str, *, now: Optional[datetime] = None) -> bool:
    code = rules.clean_totp_code(typed)
    if not user.has_two_factor or code is None:
        return False
    step = _matching_step(user.totp_secret or "", code, user.totp_last_step, now or utcnow())
    return step is not None and _take_step(user, step)


def use_recovery_code(user: User, typed: str) -> bool:
    """Spend one of the user's unused recovery codes; True if ``typed`` was one."""
    code = rules.clean_recovery_code(typed)
    if not user.has_two_factor or code is None:
        return False
    unused = db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                           RecoveryCode.used_at.is_(None))).all()
    for row in unused:
        if rules.recovery_code_matches(row.code_hash, code):
            spent = db.session.execute(
                update(RecoveryCode).where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow()), execution_options={"synchronize_session": False})
            if spent.rowcount == 1:
                audit.record(db.session, "update", user, summary=f"{user.email} used a recovery code "
                             f"({len(unused) - 1} left)")
                return True
            return False
    return False


def check_second_factor(user: User, typed: str) -> Optional[str]:
    """``"code"`` or ``"recovery code"`` when ``typed`` proves the second factor, else None."""
    if check_totp(user, typed):
        return "code"
    if use_recovery_code(user, typed):
        return "recovery code"
    return None


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [rules.new_recovery_code() for _ in range(rules.RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=rules.hash_recovery_code(rules.clean_recovery_code(c) or ""))
                       for c in codes)
    return codes


def enable(user: User, secret: str, typed: str, *, keep_session=None, now: Optional[datetime] = None) -> list[str]:
    """Turn on (or move to a new app) two-factor sign-in with ``secret``, proved by a first code from it.
    Returns the ten new recovery codes, to be shown once. Other sessions of the user end."""
    code = rules.clean_totp_code(typed)
    if code is None:
        raise ValidationFailed("Check the code", {"code": ["Enter the 6-digit code from your authenticator app"]})
    step = _matching_step(secret, code, None, now or utcnow())
    if step is None:
        raise ValidationFailed("Check the code", {"code": [WRONG_CODE]})
    again = user.has_two_factor
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    sessions.revoke_all(user.id, "second_factor_changed", keep=keep_session)
    db.session.flush()
    audit.record(db.session, "update", user,
                 summary=f"{user.email} {'moved two-factor sign-in to a new app' if again else 'set up two-factor sign-in'}",
                 changes={"totp_enabled_at": (None, user.totp_enabled_at)})
    return codes


def regenerate_recovery_codes(user: User) -> list[str]:
    if not user.has_two_factor:
        raise ValidationFailed("Two-factor sign-in is not set up", {"code": ["Set up two-factor sign-in first"]})
    codes = _new_recovery_codes(user)
    db.session.flush()
    audit.record(db.session, "update", user, summary=f"{user.email} made new recovery codes (the old ones no longer work)")
    return codes


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def turn_off(user: User, *, keep_session=None) -> None:
    """The user turns their own second factor off: refused when their role requires one."""
    if required_for(user):
        raise ValidationFailed("Two-factor sign-in is required for your role",
                               {"two_factor": ["Your role must sign in with a code. To use a new phone, set up again instead"]})
    if not user.has_two_factor:
        return
    before = user.totp_enabled_at
    _clear(user)
    sessions.revoke_all(user.id, "second_factor_changed", keep=keep_session)
    db.session.flush()
    audit.record(db.session, "update", user, summary=f"{user.email} turned off two-factor sign-in",
                 changes={"totp_enabled_at": (before, None)})


def reset(user: User, *, actor: User) -> None:
    """An administrator removes a user's second factor (a lost phone): the user is signed out
    everywhere and, if their role requires it, sets it up again at their next sign-in."""
    before = user.totp_enabled_at
    _clear(user)
    sessions.revoke_all(user.id, "second_factor_reset")
    db.session.flush()
    audit.record(db.session, "update", user,
                 summary=f"Two-factor sign-in of {user.email} reset by {actor.email}",
                 changes={"totp_enabled_at": (before, None)})

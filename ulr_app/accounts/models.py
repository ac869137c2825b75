"""People who sign in: users, their server-side sessions and API tokens."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import Base, TimestampMixin, VersionedMixin, utcnow
from ..organisation.models import Branch, Region

ROLES = {
    "admin": "Administrator",
    "regional_organiser": "Regional organiser",
    "branch_convenor": "Branch education convenor",
    "learning_rep": "Union learning rep (ULR)",
}
#: what a user gets by e-mail about the reminders of their branch or region (their choice, on their profile)
EMAIL_REMINDERS = {
    "digest": "One e-mail a day listing what needs doing (only on days when something does)",
    "none": "No reminder e-mails (I will check the home page)",
}


class User(UserMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "user_account"
    __label__ = "user"
    __secret_fields__ = frozenset({"password_hash", "totp_secret"})

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(30))
    region_id: Mapped[Optional[int]] = mapped_column(ForeignKey("region.id"), index=True)
    branch_id: Mapped[Optional[int]] = mapped_column(ForeignKey("branch.id"), index=True)
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    password_changed_at: Mapped[Optional[datetime]]
    last_login_at: Mapped[Optional[datetime]]
    #: two-factor sign-in: the TOTP shared secret (base32; stored as is, never shown after set-up nor
    #: audited), when it was set up, and the last 30-second time-step whose code was accepted (a
    #: code works once)
    totp_secret: Mapped[Optional[str]] = mapped_column(String(64))
    totp_enabled_at: Mapped[Optional[datetime]]
    totp_last_step: Mapped[Optional[int]] = mapped_column(BigInteger)
    #: reminders by e-mail: "digest" (one e-mail a day with what needs doing) or "none"
    email_reminders: Mapped[str] = mapped_column(String(10), default="digest", server_default="digest")

    region: Mapped[Optional[Region]] = relationship()
    branch: Mapped[Optional[Branch]] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None and bool(self.totp_secret)


class RecoveryCode(Base):
    """A single-use code that stands in for the authenticator app; only a salted SHA-256 is stored."""

    __tablename__ = "recovery_code"
    __label__ = "recovery code"
    __secret_fields__ = frozenset({"code_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[Optional[datetime]]


class UserSession(Base):
    """A signed-in browser. The cookie holds only the random id; its hash is stored here."""

    __tablename__ = "user_session"
    __label__ = "session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[Optional[datetime]]
    revoked_reason: Mapped[Optional[str]] = mapped_column(String(40))
    ip_address: Mapped[Optional[str]] = mapped_column(String(45))
    user_agent: Mapped[Optional[str]] = mapped_column(String(255))

    user: Mapped[User] = relationship()


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 hash is stored."""

    __tablename__ = "api_token"
    __label__ = "API token"
    __secret_fields__ = frozenset({"token_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[Optional[datetime]]
    #: the token stops working at this moment (API_TOKEN_DAYS after it was made)
    expires_at: Mapped[Optional[datetime]]
    revoked_at: Mapped[Optional[datetime]]

    user: Mapped[User] = relationship()

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

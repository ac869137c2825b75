"""The outbox: every e-mail the app sends (or, with no SMTP server set, writes to the log), kept with
what happened to it."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.models import Base, utcnow

#: status -> in words, for the outbox page
STATUSES = {
    "queued": "Waiting to be sent",
    "sending": "Being sent",
    "sent": "Sent",
    "failed": "Failed",
    "logged": "Written to the log (no e-mail server set)",
}


class OutboxMessage(Base):
    """One e-mail. A reminder digest names its user and day: one per user and day, never two."""

    __tablename__ = "outbox_message"
    __label__ = "e-mail"
    __table_args__ = (UniqueConstraint("user_id", "digest_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    #: queued, sending, sent, failed or logged (see :data:`STATUSES`)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    #: when a queued message may be tried (again): null = now
    next_attempt_at: Mapped[Optional[datetime]]
    #: what the SMTP server (or the connection) said the last time it failed
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: when a sender claimed it (status sending)
    claimed_at: Mapped[Optional[datetime]]
    sent_at: Mapped[Optional[datetime]]
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    #: the day of a reminder digest (null for any other message)
    digest_date: Mapped[Optional[date]]

"""The activity timeline of a record (agreement, ULR, case...): what happened, in words."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from .audit import current_actor
from .models import Base, utcnow


class TimelineEntry(Base):
    __tablename__ = "timeline_entry"
    __label__ = "timeline entry"
    __table_args__ = (Index("ix_timeline_entry_object", "object_type", "object_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(300))
    #: created, status_changed, edited, document_generated, document_uploaded, note...
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)


def add(session, obj, kind: str, text: str) -> TimelineEntry:

    actor_id, actor_label = current_actor()
    session.flush()
    entry = TimelineEntry(object_type=obj.__tablename__, object_id=obj.id, actor_id=actor_id,
                          actor_label=actor_label[:300], kind=kind, text=text)
    session.add(entry)
    return entry


def entries_for(session, obj) -> list[TimelineEntry]:
    return list(session.scalars(
        select(TimelineEntry).where(TimelineEntry.object_type == obj.__tablename__, TimelineEntry.object_id == obj.id)
        .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc())))


class ReminderSent(Base):
    """A reminder already given (by its key), so a daily cron never repeats one."""

    __tablename__ = "reminder_sent"
    __label__ = "reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

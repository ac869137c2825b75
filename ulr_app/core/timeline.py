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


#: field-name endings read as words: review_on -> "review date", starts_at -> "start time"
_ENDINGS = (("_on", " date"), ("_at", " time"), ("_id", ""), ("_hours", " hours"))
#: names the endings do not make plain enough
_WORDS = {"starts_at": "start time", "duration_hours": "length", "owner_id": "person working on it",
          "rep_id": "ULR", "ulr_places": "ULR places", "decided_on": "date of the decision",
          "requested_on": "date it was sent",
          "signed_on": "date of signing", "expires_on": "expiry date", "review_due_on": "review date", "url": "web address", "email": "e-mail address"}


def field_words(name: str, labels: dict[str, str] | None = None) -> str:
    """A record's field in plain words, for a timeline line: 'review_on' -> 'the review date'."""
    if labels and name in labels:
        return labels[name]  # the caller's own words, as they are
    words = _WORDS.get(name)
    if words is None:
        words = name
        for ending, replacement in _ENDINGS:
            if name.endswith(ending):
                words = name[: -len(ending)] + replacement
                break
        words = words.replace("_", " ").strip()
    return words if words.startswith(("the ", "their ", "its ")) else f"the {words}"


def changed_text(fields, labels: dict[str, str] | None = None) -> str:
    """'Changed the review date and the status': a sentence, never the field names themselves."""
    parts = list(dict.fromkeys(field_words(f, labels) for f in fields))
    if not parts:
        return "Changed"
    return "Changed " + (parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1])


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

"""The audit trail: who changed (or read) what, when, with the field diff."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __label__ = "audit entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    #: who it was at the time ("Ann Smith <ann@...>", or "command line")
    actor_label: Mapped[str] = mapped_column(String(300))
    #: create, update, delete, read, sign_in, sign_in_failed, sign_out, ...
    action: Mapped[str] = mapped_column(String(30), index=True)
    object_type: Mapped[str] = mapped_column(String(60), index=True)
    object_id: Mapped[Optional[int]] = mapped_column(index=True)
    summary: Mapped[str] = mapped_column(String(500))
    #: {field: [old, new]}; special-category values masked, secrets omitted
    changes: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    ip_address: Mapped[Optional[str]] = mapped_column(String(45))

    actor = relationship("User", lazy="raise_on_sql")
    #: the records an entry covers when it covers several (a read of a list, an export): written with it
    covers = relationship("AuditRecord", lazy="raise_on_sql", cascade="all, delete-orphan", passive_deletes=True)


class AuditRecord(Base):
    """One of the records an audit entry covers, when it covers several (``changes["records"]`` of a
    read of special-category data, or of an export): the audit page's "record" and "person" filters
    find an entry through these as well as through its own ``object_type``/``object_id``."""

    __tablename__ = "audit_record"
    __label__ = "audit entry record"

    # no surrogate id: the whole row is the key, so the rows of one entry go in as one INSERT (executemany)
    entry_id: Mapped[int] = mapped_column(ForeignKey("audit_entry.id", ondelete="CASCADE"), primary_key=True)
    record_type: Mapped[str] = mapped_column(String(60), primary_key=True)
    record_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)

    __table_args__ = (Index("ix_audit_record_record_type_record_id", "record_type", "record_id"),)

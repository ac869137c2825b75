"""The audit trail: who changed (or read) what, when, with the field diff."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, String
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

"""Background jobs: a report file, a summary or an export that may take seconds."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, utcnow

JOB_STATUSES = {"queued": "Waiting to start", "running": "Being made", "done": "Ready", "failed": "Failed"}


class Job(Base):
    __tablename__ = "job"
    __label__ = "background job"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: a registered job kind, e.g. report_pdf
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: a short description for the page: "Quarterly return FY2026-Q1 (PDF)"
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    #: 0 to 100
    progress: Mapped[int] = mapped_column(default=0)
    #: a plain-words message for the user when it failed
    message: Mapped[Optional[str]] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    # the result: a file under the instance folder
    result_path: Mapped[Optional[str]] = mapped_column(String(255))
    result_name: Mapped[Optional[str]] = mapped_column(String(200))
    result_type: Mapped[Optional[str]] = mapped_column(String(100))
    result_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[Optional[datetime]]
    finished_at: Mapped[Optional[datetime]]

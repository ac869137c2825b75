"""Data protection: the register of subject access requests (per branch) and the bank holidays an
administrator adds to the shipped list (ulr_app/data/bank_holidays_england_wales.csv)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import Base, TimestampMixin, VersionedMixin, utcnow
from ..learners.models import Learner
from ..organisation.models import Branch


class SubjectAccessRequest(VersionedMixin, TimestampMixin, Base):
    """A person's request for a copy of their personal data (UK GDPR Art 15)."""

    __tablename__ = "subject_access_request"
    __label__ = "subject access request"
    __table_args__ = (Index("ix_subject_access_request_branch_status_due", "branch_id", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    person_name: Mapped[str] = mapped_column(String(120))
    #: the learner the request is about, when they are one of the branch's learners
    learner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("learner.id", ondelete="SET NULL"), index=True)
    received_on: Mapped[date]
    #: when proof of identity that was asked for arrived (the clock starts then)
    identity_received_on: Mapped[Optional[date]]
    extension_months: Mapped[int] = mapped_column(default=0, server_default="0")
    extension_reason: Mapped[Optional[str]] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open", index=True)
    answered_on: Mapped[Optional[date]]
    #: worked out by rules.due_on; stored for listing and sorting (kept up to date by the services)
    due_on: Mapped[date] = mapped_column(index=True)

    branch: Mapped[Branch] = relationship()
    learner: Mapped[Optional[Learner]] = relationship()


class BankHoliday(TimestampMixin, Base):
    """A bank holiday in England and Wales added by an administrator (beyond the shipped list)."""

    __tablename__ = "bank_holiday"
    __label__ = "bank holiday"

    id: Mapped[int] = mapped_column(primary_key=True)
    holiday_on: Mapped[date] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(120))
    notes: Mapped[Optional[str]] = mapped_column(Text)


class SubjectAccessExport(Base):
    """One export of what was found about the person: the search it ran, the third parties' names and
    details the convenor redacted from free text (recorded here), and the background job that made the
    ZIP. The file is kept until it is downloaded once, or for EXPORT_KEPT_DAYS days."""

    __tablename__ = "subject_access_export"
    __label__ = "subject access export"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("subject_access_request.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[Optional[int]] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"), index=True)
    #: {"name", "email", "learner_id"}: what was searched for
    search: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the words and phrases redacted from every text, as the convenor typed them
    redactions: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    downloaded_at: Mapped[Optional[datetime]]
    #: when the file was deleted from disk (downloaded, or EXPORT_KEPT_DAYS passed)
    deleted_at: Mapped[Optional[datetime]]

    request: Mapped[SubjectAccessRequest] = relationship()

"""Time-off requests under the Acas Code, and the employer's decision."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import Base, TimestampMixin, VersionedMixin
from ..organisation.models import Branch, Workplace
from ..reps.models import Rep

KINDS = {
    "ulr_duties": "ULR duties",
    "ulr_training": "ULR training",
    "member_access": "Member's access to a ULR",
    "learner_release": "Learner release for a course",
}
PURPOSES = {
    "analysing_needs": "Analysing learning or training needs",
    "information_advice": "Information and advice about learning",
    "arranging_learning": "Arranging learning or training",
    "promoting_learning": "Promoting the value of learning",
    "consulting_employer": "Consulting the employer about these",
    "preparation": "Preparing for any of these",
    "ulr_training": "Training for the ULR role",
    "accessing_ulr": "A member seeing a ULR",
    "course_attendance": "Attending a course",
}
#: which purposes fit each kind
KIND_PURPOSES = {
    "ulr_duties": ("analysing_needs", "information_advice", "arranging_learning", "promoting_learning",
                   "consulting_employer", "preparation"),
    "ulr_training": ("ulr_training",),
    "member_access": ("accessing_ulr",),
    "learner_release": ("course_attendance",),
}
STATUSES = {
    "draft": "Draft", "submitted": "Submitted", "granted": "Granted", "partly_granted": "Partly granted",
    "refused": "Refused", "withdrawn": "Withdrawn",
}
DECISIONS = ("granted", "partly_granted", "refused", "withdrawn")
REFUSAL_REASONS = {
    "cover": "No cover", "workload": "Workload", "operational": "Operational needs",
    "not_job_related": "Not job-related", "short_notice": "Short notice", "other": "Other",
}


class TimeOffRequest(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "time_off_request"
    # the list's order (latest start first): its first page is read off the index, not sorted from the
    # whole scope (migration e4f5a6b7c8d9, issue 13)
    __table_args__ = (Index("ix_time_off_request_starts_at_id", "starts_at", "id"),)
    __label__ = "time-off request"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    rep_id: Mapped[Optional[int]] = mapped_column(ForeignKey("rep.id"), index=True)
    #: the learner (for learner release)
    learner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("learner.id", ondelete="SET NULL"), index=True)
    workplace_id: Mapped[int] = mapped_column(ForeignKey("workplace.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))
    starts_at: Mapped[datetime]
    duration_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    location: Mapped[str] = mapped_column(String(200))
    reason: Mapped[Optional[str]] = mapped_column(Text)
    #: the course, for training and learner release
    course: Mapped[Optional[str]] = mapped_column(String(200))
    requested_on: Mapped[Optional[date]]
    #: the requester expects the time to be paid (member access is unpaid unless an agreement says so)
    paid_requested: Mapped[Optional[bool]]
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    decided_on: Mapped[Optional[date]]
    paid: Mapped[Optional[bool]]
    hours_granted: Mapped[Optional[Decimal]] = mapped_column(Numeric(6, 2))
    refusal_reason: Mapped[Optional[str]] = mapped_column(String(20))
    refusal_details: Mapped[Optional[str]] = mapped_column(Text)
    acas_ec_started_on: Mapped[Optional[date]]
    acas_ec_certificate_on: Mapped[Optional[date]]
    tribunal_claim_on: Mapped[Optional[date]]
    #: the time_off_dispute case opened for a refusal (cases arrive with the learners issue)
    case_id: Mapped[Optional[int]] = mapped_column(index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)

    branch: Mapped[Branch] = relationship()
    rep: Mapped[Optional[Rep]] = relationship()
    workplace: Mapped[Workplace] = relationship()

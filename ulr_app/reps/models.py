"""ULR appointments: who, where, the union's notices and the training route."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import Base, TimestampMixin, VersionedMixin
from ..organisation.models import Branch, Employer, Workplace

TRAINING_ROUTES = {"already_trained": "Already trained (approved course or experience)",
                   "will_train": "Will be trained (within six months of the notice)"}


class Rep(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "rep"
    __label__ = "ULR appointment"
    #: the branch's own reference is unique within the branch (imports update by it)
    __table_args__ = (UniqueConstraint("branch_id", "reference", name="uq_rep_branch_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id"), index=True)
    workplace_id: Mapped[Optional[int]] = mapped_column(ForeignKey("workplace.id"), index=True)
    #: the ULR's login, if they have one
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[Optional[str]] = mapped_column(String(254), index=True)
    appointed_on: Mapped[date]
    #: the union's written notice to the employer that the person is a ULR
    notice_given_on: Mapped[Optional[date]]
    training_route: Mapped[str] = mapped_column(String(20), default="will_train")
    #: the single "will be trained" notice (s.168A(5))
    will_train_notice_on: Mapped[Optional[date]]
    training_course: Mapped[Optional[str]] = mapped_column(String(200))
    trained_on: Mapped[Optional[date]]
    training_completion_notified_on: Mapped[Optional[date]]
    stood_down_on: Mapped[Optional[date]]
    notes: Mapped[Optional[str]] = mapped_column(Text)
    #: the branch's own reference for the person (unique within the branch, used by imports)
    reference: Mapped[Optional[str]] = mapped_column(String(60))
    #: while set (a tribunal claim, a grievance...), the appointment cannot be erased
    legal_hold_reason: Mapped[Optional[str]] = mapped_column(Text)
    #: set when the record was erased by anonymisation (ulr_app.dataprotection.erasure)
    erased_at: Mapped[Optional[datetime]]
    erased_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    branch: Mapped[Branch] = relationship()
    employer: Mapped[Employer] = relationship()
    workplace: Mapped[Optional[Workplace]] = relationship()

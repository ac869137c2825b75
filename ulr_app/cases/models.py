"""Cases: the convenor's case log. Their activities and follow-ups are contacts
(:mod:`ulr_app.contacts`), shared with learners."""
from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..agreements.models import Agreement
from ..core.models import Base, TimestampMixin, VersionedMixin
from ..learners.models import Learner
from ..organisation.models import Branch, Workplace
from ..timeoff.models import TimeOffRequest
from ..contacts.models import Activity, FollowUp  # noqa: F401  (a case's timeline and follow-ups)
from .rules import KINDS, STATUSES  # noqa: F401  (labels for views and forms)


class Case(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "case_record"
    __label__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    #: who works the case (a user: a convenor or a ULR with a login)
    owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                         index=True)
    learner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("learner.id", ondelete="SET NULL"), index=True)
    agreement_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agreement.id", ondelete="SET NULL"), index=True)
    workplace_id: Mapped[Optional[int]] = mapped_column(ForeignKey("workplace.id", ondelete="SET NULL"), index=True)
    time_off_request_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("time_off_request.id", ondelete="SET NULL"), index=True, unique=True)  # one case per request
    summary: Mapped[str] = mapped_column(String(300))
    details: Mapped[Optional[str]] = mapped_column(Text)
    opened_on: Mapped[date]
    due_on: Mapped[Optional[date]] = mapped_column(index=True)
    closed_on: Mapped[Optional[date]]
    outcome: Mapped[Optional[str]] = mapped_column(Text)

    branch: Mapped[Branch] = relationship()
    owner: Mapped[Optional[User]] = relationship(foreign_keys=[owner_id])
    learner: Mapped[Optional[Learner]] = relationship()
    agreement: Mapped[Optional[Agreement]] = relationship()
    workplace: Mapped[Optional[Workplace]] = relationship()
    time_off_request: Mapped[Optional[TimeOffRequest]] = relationship()

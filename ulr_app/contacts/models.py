"""Contacts and follow-ups: what happened with a learner or on a case, and the next steps planned.

An *activity* (note, call, meeting, e-mail, letter, visit) belongs to a case, to a learner, or to
both: logging a contact with a learner is an activity on the learner. A *follow-up* is a planned
next step, due on a date, on a case (from the case kind's template) or on a learner. Learners and cases
sit above this package: the links to them are by name, so nothing here imports them.
"""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Optional

from sqlalchemy import ForeignKey, Index, String, Text, column, event, select, table, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import Base, TimestampMixin
from .rules import ACTIVITY_KINDS  # noqa: F401  (labels for views and forms)

if TYPE_CHECKING:  # learners and cases sit above contacts: named for the type checker only
    from ..cases.models import Case
    from ..learners.models import Learner


class Activity(TimestampMixin, Base):
    """Something that happened on a case or with a learner (a contact)."""

    __tablename__ = "activity"
    # a learner's last contact / "no contact since" as an index-only probe (migration b8e1d4f7a2c9)
    __table_args__ = (Index("ix_activity_learner_id_happened_on", "learner_id", "happened_on"),)
    __label__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    #: moved: both learners' kept last contact (standing.py)
    learner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True,
                                                      active_history=True)
    kind: Mapped[str] = mapped_column(String(20))
    happened_on: Mapped[date] = mapped_column(index=True)
    text: Mapped[str] = mapped_column(Text)
    by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    by_label: Mapped[str] = mapped_column(String(300), default="")

    case: Mapped[Optional["Case"]] = relationship("Case")
    learner: Mapped[Optional["Learner"]] = relationship("Learner")


class FollowUp(TimestampMixin, Base):
    """A planned next step on a case or a learner, due on a date."""

    __tablename__ = "follow_up"
    # follow-ups not yet done, by due date: reminders and "What needs doing" (migration b8e1d4f7a2c9)
    __table_args__ = (Index("ix_follow_up_open_due_on", "due_on", "id", postgresql_where=text("done_on IS NULL"),
                            sqlite_where=text("done_on IS NULL")),
                      # a branch's (or a region's branches') follow-ups not yet done, by due date: the home pages'
                      # "What needs doing" reads only its own branches' entries (migration d3e4f5a6b7c8, issue 13)
                      Index("ix_follow_up_open_branch_due_on", "branch_id", "due_on", "id",
                            postgresql_where=text("done_on IS NULL"), sqlite_where=text("done_on IS NULL")))
    __label__ = "follow-up"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    learner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    #: a copy of the branch of its case or learner (set on insert by the listener below; neither ever moves
    #: branch), so that a branch's follow-ups are found by an index instead of through every open follow-up
    #: in the country. Reads still check the case's or learner's own branch: the copy only narrows.
    branch_id: Mapped[Optional[int]] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(index=True)
    done_on: Mapped[Optional[date]]
    done_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    case: Mapped[Optional["Case"]] = relationship("Case")
    learner: Mapped[Optional["Learner"]] = relationship("Learner")


@event.listens_for(FollowUp, "before_insert")
def _copy_branch(_mapper, connection, target: FollowUp) -> None:
    """A new follow-up takes the branch of its case, or else of its learner (their tables named, not
    imported: cases and learners sit above this package)."""
    if target.branch_id is not None:
        return
    owner, ident = ("case_record", target.case_id) if target.case_id is not None else ("learner", target.learner_id)
    if ident is not None:
        rows = table(owner, column("id"), column("branch_id"))
        target.branch_id = connection.scalar(select(rows.c.branch_id).where(rows.c.id == ident))

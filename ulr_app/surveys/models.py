"""Learning needs surveys, the workplaces each covers (with their staff numbers where known), and the
answers. An answer stores no address and no name: only what the respondent chose and wrote. Ticked boxes
(a question with many answers) are rows of :class:`SurveyChoice`, so the results are SQL counts."""
from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import Base, TimestampMixin, VersionedMixin
from ..organisation.models import Branch, Workplace
from ..reps.models import Rep


class Survey(VersionedMixin, TimestampMixin, Base):
    """A learning needs survey of a branch, followed up by one ULR."""

    __tablename__ = "survey"
    __label__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    #: the ULR who follows up the people who ask to be contacted
    rep_id: Mapped[int] = mapped_column(ForeignKey("rep.id"), index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: the words at the top of the answering page
    intro: Mapped[Optional[str]] = mapped_column(Text)
    #: the question keys asked (rules.QUESTIONS), in the set's order
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: question key -> the survey's own wording (the set's wording where missing)
    wording: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="draft", server_default="draft", index=True)
    opened_on: Mapped[Optional[date]]
    closed_on: Mapped[Optional[date]]
    #: the short link's random part (/s/<token>): unguessable
    token: Mapped[str] = mapped_column(String(43), unique=True)

    branch: Mapped[Branch] = relationship()
    rep: Mapped[Rep] = relationship()
    places: Mapped[list["SurveyWorkplace"]] = relationship(back_populates="survey", cascade="all, delete-orphan",
                                                           order_by="SurveyWorkplace.id")


class SurveyWorkplace(Base):
    """A workplace a survey covers, with its number of staff where known (for the response rate)."""

    __tablename__ = "survey_workplace"
    __label__ = "surveyed workplace"
    __table_args__ = (UniqueConstraint("survey_id", "workplace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    workplace_id: Mapped[int] = mapped_column(ForeignKey("workplace.id"), index=True)
    staff_count: Mapped[Optional[int]]

    survey: Mapped[Survey] = relationship(back_populates="places")
    workplace: Mapped[Workplace] = relationship()


class SurveyResponse(Base):
    """One person's answers. No address, no name, no time of day (the day only), and nothing that says whether
    the person also asked to be contacted: their enquiry cannot be matched to their answers."""

    __tablename__ = "survey_response"
    __label__ = "survey response"
    __table_args__ = (Index("ix_survey_response_survey_workplace", "survey_id", "workplace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    workplace_id: Mapped[Optional[int]] = mapped_column(ForeignKey("workplace.id", ondelete="SET NULL"))
    submitted_on: Mapped[date]
    job_role: Mapped[Optional[str]] = mapped_column(String(120))
    staff_category: Mapped[Optional[str]] = mapped_column(String(30))
    contract: Mapped[Optional[str]] = mapped_column(String(20))
    hours: Mapped[Optional[str]] = mapped_column(String(20))
    level: Mapped[Optional[str]] = mapped_column(String(20))
    digital_skills: Mapped[Optional[str]] = mapped_column(String(20))
    comments: Mapped[Optional[str]] = mapped_column(Text)

    survey: Mapped[Survey] = relationship()
    choices: Mapped[list["SurveyChoice"]] = relationship(cascade="all, delete-orphan")


class SurveyChoice(Base):
    """One ticked box of a question with many answers (course types, barriers, times...)."""

    __tablename__ = "survey_choice"
    __label__ = "survey answer"
    __table_args__ = (Index("ix_survey_choice_question_choice", "question", "choice"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(String(30))
    choice: Mapped[str] = mapped_column(String(30))

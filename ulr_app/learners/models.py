"""Learners, their needs analyses, the course catalogue and enrolments (domain.md section 5)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.models import Base, TimestampMixin, VersionedMixin
from ..organisation.models import Branch, Employer, Workplace
from ..reps.models import Rep
from . import rules

STAFF_CATEGORIES = {
    "learning_support": "Learning support", "pupil_welfare": "Pupil welfare",
    "specialist_technical": "Specialist and technical", "administrative": "Administrative", "site": "Site",
    "non_school": "Not school-based",
}
CONTRACTS = {"full_year": "Full year", "term_time_only": "Term-time only"}
HOURS = {"full_time": "Full time", "part_time": "Part time"}
MEMBERSHIP = {"member": "UNISON member", "non_member": "Not a member"}
LEVEL_LABELS = {"pre_entry": "Pre-entry", "entry_1": "Entry level 1", "entry_2": "Entry level 2",
                "entry_3": "Entry level 3", **{f"level_{n}": f"Level {n}" for n in range(1, 9)},
                "unlevelled": "No level (informal)"}
BARRIERS = {
    "time_release": "Time off / release", "cover": "Cover", "workload": "Workload", "cost": "Cost",
    "childcare": "Childcare", "term_time_contract": "Term-time contract", "transport": "Transport",
    "confidence": "Confidence", "information": "Information (didn't know what was available)",
    "management_support": "Management support", "computer_access": "Computer access", "other": "Other",
}
COURSE_CATEGORIES = {
    "union_course": "Union course", "skills_for_life": "Skills for Life", "esol": "ESOL", "ict": "ICT",
    "vocational": "Vocational", "higher_education": "Higher education", "cpd": "CPD", "informal": "Informal",
}
SUBJECTS = {"literacy": "Literacy / English", "numeracy": "Numeracy / maths", "esol": "ESOL", "ict": "ICT",
            "other": "Other"}
ENROLMENT_STATUSES = {s: s.replace("_", " ").capitalize() for s in rules.STATUSES}


class Learner(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "learner"
    __label__ = "learner"
    __special_category__ = frozenset({"gender", "ethnicity", "disability", "age_band"})
    #: the branch's own reference is unique within the branch (imports update by it)
    __table_args__ = (UniqueConstraint("branch_id", "reference", name="uq_learner_branch_reference"),
                      # a ULR's caseload includes the learners they recorded and nobody has been assigned yet:
                      # found by a partial index of those alone, not by ANDing the creator's learners with the
                      # country's 40,000 unassigned ones, in every ULR page's scope (migration b7c8d9e0f1a2)
                      Index("ix_learner_unassigned_created_by_id", "created_by_id",
                            postgresql_where=text("rep_id IS NULL"), sqlite_where=text("rep_id IS NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    employer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employer.id"), index=True)
    workplace_id: Mapped[Optional[int]] = mapped_column(ForeignKey("workplace.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    email: Mapped[Optional[str]] = mapped_column(String(254), index=True)
    staff_category: Mapped[Optional[str]] = mapped_column(String(30), index=True)
    job_title: Mapped[Optional[str]] = mapped_column(String(120))
    contract: Mapped[Optional[str]] = mapped_column(String(20))
    hours: Mapped[Optional[str]] = mapped_column(String(20))
    membership: Mapped[Optional[str]] = mapped_column(String(20))
    joined_union_on: Mapped[Optional[date]]
    #: consent (date, and what it covers) must be recorded before anything beyond name and workplace
    consent_on: Mapped[Optional[date]]
    consent_scope: Mapped[Optional[str]] = mapped_column(Text)
    prior_level: Mapped[Optional[str]] = mapped_column(String(20))
    #: the assigned ULR
    rep_id: Mapped[Optional[int]] = mapped_column(ForeignKey("rep.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    # equality monitoring: optional, special-category data
    gender: Mapped[Optional[str]] = mapped_column(String(60))
    ethnicity: Mapped[Optional[str]] = mapped_column(String(120))
    disability: Mapped[Optional[str]] = mapped_column(String(60))
    age_band: Mapped[Optional[str]] = mapped_column(String(20))
    #: set when this record was merged into another (a duplicate): its history moved there
    merged_into_id: Mapped[Optional[int]] = mapped_column(ForeignKey("learner.id", ondelete="SET NULL"), index=True)
    #: the branch's own reference for the person (unique within the branch, used by imports)
    reference: Mapped[Optional[str]] = mapped_column(String(60))
    #: while set (a tribunal claim, a grievance...), the learner cannot be erased
    legal_hold_reason: Mapped[Optional[str]] = mapped_column(Text)
    #: set when the record was erased by anonymisation (ulr_app.dataprotection.erasure)
    erased_at: Mapped[Optional[datetime]]
    erased_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: kept up to date from the learner's enrolments and needs analyses (learners/standing.py): their stage
    #: (queries.STAGES), so a caseload is counted by stage without working out each learner's (issue 13)
    stage: Mapped[str] = mapped_column(String(20), default="no_enrolment", server_default="no_enrolment")
    #: kept up to date from the learner's contacts (standing.py): the latest one's date, None if never
    last_contact_on: Mapped[Optional[date]]

    branch: Mapped[Branch] = relationship()
    employer: Mapped[Optional[Employer]] = relationship()
    workplace: Mapped[Optional[Workplace]] = relationship()
    rep: Mapped[Optional[Rep]] = relationship()


class LearnerConsent(TimestampMixin, Base):
    """One consent the learner gave for one purpose (rules.PURPOSES): when and how, who took it, and
    its withdrawal. Kept after withdrawal: the history is the record of what was allowed when."""

    __tablename__ = "learner_consent"
    __label__ = "consent"
    #: the withdrawn consents of a learner, found by index when "may they be contacted?" is asked of the
    #: learners on one page (queries.contactable); a partial index, as few consents are ever withdrawn
    __table_args__ = (Index("ix_learner_consent_withdrawn", "learner_id", "purpose",
                            postgresql_where=text("withdrawn_on IS NOT NULL"),
                            sqlite_where=text("withdrawn_on IS NOT NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    #: records | contact | equality | sharing
    purpose: Mapped[str] = mapped_column(String(20))
    #: sharing only: the named provider or funder
    shared_with: Mapped[Optional[str]] = mapped_column(String(200))
    given_on: Mapped[date]
    #: paper_form | online | verbal | not_recorded (consents from before the history was kept)
    method: Mapped[str] = mapped_column(String(20))
    taken_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    taken_by_name: Mapped[Optional[str]] = mapped_column(String(120))
    withdrawn_on: Mapped[Optional[date]]
    withdrawn_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[Optional[str]] = mapped_column(Text)

    learner: Mapped[Learner] = relationship()
    taken_by: Mapped[Optional[User]] = relationship(foreign_keys=[taken_by_id])
    withdrawn_by: Mapped[Optional[User]] = relationship(foreign_keys=[withdrawn_by_id])


class NeedsAssessment(TimestampMixin, Base):
    __tablename__ = "needs_assessment"
    __label__ = "needs analysis"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: moved to another learner: both learners' kept stage (standing.py)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True,
                                            active_history=True)
    #: indexed: a quarter's needs analyses (the funding return's needs_assessed) are read by date, not found
    #: by probing every learner of the region (migration f5a6b7c8d9e0, issue 13)
    assessed_on: Mapped[date] = mapped_column(index=True)
    assessed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    literacy_level: Mapped[Optional[str]] = mapped_column(String(20))
    numeracy_level: Mapped[Optional[str]] = mapped_column(String(20))
    ict_level: Mapped[Optional[str]] = mapped_column(String(20))
    esol_need: Mapped[bool] = mapped_column(default=False)
    #: barrier codes (BARRIERS)
    barriers: Mapped[list[str]] = mapped_column(JSON, default=list)
    goals: Mapped[Optional[str]] = mapped_column(Text)

    learner: Mapped[Learner] = relationship()


class Course(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "course"
    __label__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    category: Mapped[str] = mapped_column(String(30), index=True)
    subject: Mapped[str] = mapped_column(String(20), default="other")
    level: Mapped[str] = mapped_column(String(20), default="unlevelled")
    provider: Mapped[Optional[str]] = mapped_column(String(200))
    qualification: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class Enrolment(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "enrolment"
    # "has an enrolment started in the period" (equality monitoring, funding returns) as an index-only probe
    # per learner, not a heap fetch each (migration f5a6b7c8d9e0, issue 13)
    __table_args__ = (Index("ix_enrolment_learner_id_started_on", "learner_id", "started_on"),)
    __label__ = "enrolment"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: moved to another learner: both learners' kept stage (standing.py)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True,
                                            active_history=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    #: the funding project whose enrolment-based measures count this enrolment
    project_id: Mapped[Optional[int]] = mapped_column(ForeignKey("project.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="enquiry", index=True)
    referred_on: Mapped[Optional[date]]
    started_on: Mapped[Optional[date]]
    planned_end_on: Mapped[Optional[date]]
    completed_on: Mapped[Optional[date]]
    achieved_on: Mapped[Optional[date]]
    withdrawn_on: Mapped[Optional[date]]
    withdrawal_reason: Mapped[Optional[str]] = mapped_column(Text)
    break_started_on: Mapped[Optional[date]]
    break_reason: Mapped[Optional[str]] = mapped_column(Text)
    return_on: Mapped[Optional[date]]
    #: the learner-release time-off request it needed
    time_off_request_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("time_off_request.id", ondelete="SET NULL"), index=True)

    learner: Mapped[Learner] = relationship()
    course: Mapped[Course] = relationship()

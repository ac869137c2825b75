"""Learning agreements between a branch and an employer, and what they cover."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import Base, TimestampMixin, VersionedMixin, utcnow
from ..organisation.models import Branch, Employer, Workplace

KINDS = {"short_term": "Short-term (one course or project)", "partnership": "Formal learning partnership"}
STATUSES = {
    "draft": "Draft",
    "negotiating": "Negotiating",
    "signed": "Signed",
    "under_review": "Under review",
    "expired": "Expired",
    "terminated": "Terminated",
}
SCHOOLS_SCOPES = {
    "included": "Schools included",
    "excluded": "Schools excluded",
    "silent": "Silent on schools",
}
LEARNER_TIME = {
    "paid": "Paid time off",
    "matched": "Matched (employer hour for each own-time hour)",
    "own_time": "Learners' own time",
    "not_stated": "Not stated",
}
FACILITIES = {"room": "A private room", "phone": "Telephone", "computer": "Computer", "email": "E-mail",
              "printer": "Printer and photocopier", "noticeboard": "Noticeboard", "storage": "Secure storage"}
MEETING_FREQUENCIES = {"monthly": "monthly", "bimonthly": "every two months", "quarterly": "every three months",
                       "twice_yearly": "twice a year", "yearly": "once a year"}
COURSE_CATEGORIES = {
    "union_course": "Union courses", "skills_for_life": "Skills for Life", "esol": "ESOL", "ict": "ICT",
    "vocational": "Vocational (NVQ and similar)", "higher_education": "Higher education", "cpd": "Continuing professional development",
    "informal": "Informal learning",
}


class Agreement(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "agreement"
    __label__ = "learning agreement"
    #: the branch's own reference is unique within the branch (imports update by it)
    __table_args__ = (UniqueConstraint("branch_id", "reference", name="uq_agreement_branch_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="partnership")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    #: other unions party to the agreement, e.g. "GMB, Unite"
    other_unions: Mapped[Optional[str]] = mapped_column(String(200))

    # scope
    whole_employer: Mapped[bool] = mapped_column(default=True)
    #: named services/directorates when not the whole employer
    services_covered: Mapped[Optional[str]] = mapped_column(Text)
    schools_scope: Mapped[str] = mapped_column(String(20), default="silent", index=True)
    equal_access: Mapped[bool] = mapped_column(default=True)

    # ULRs
    ulr_places: Mapped[Optional[int]]
    ulr_appointment: Mapped[Optional[str]] = mapped_column(Text)
    ulr_paid_time_off: Mapped[bool] = mapped_column(default=True)
    ulr_hours_per_month: Mapped[Optional[Decimal]] = mapped_column(Numeric(6, 2))
    ulr_ad_hoc_time: Mapped[bool] = mapped_column(default=True)
    ulr_facilities: Mapped[list[str]] = mapped_column(JSON, default=list)

    # members and learners
    member_access: Mapped[bool] = mapped_column(default=True)
    member_access_paid: Mapped[bool] = mapped_column(default=False)
    learner_time_off: Mapped[str] = mapped_column(String(20), default="not_stated")

    # joint working
    partnership_group: Mapped[bool] = mapped_column(default=False)
    partnership_employer_members: Mapped[Optional[int]]
    partnership_union_members: Mapped[Optional[int]]
    partnership_meeting_frequency: Mapped[Optional[str]] = mapped_column(String(20))
    coordinator: Mapped[bool] = mapped_column(default=False)
    coordinator_release_days: Mapped[Optional[Decimal]] = mapped_column(Numeric(3, 1))
    learning_centre: Mapped[bool] = mapped_column(default=False)
    learning_centre_details: Mapped[Optional[str]] = mapped_column(Text)

    # safeguards
    needs_analysis_learning_only: Mapped[bool] = mapped_column(default=True)
    confidentiality: Mapped[bool] = mapped_column(default=True)
    not_substitute_for_bargaining: Mapped[bool] = mapped_column(default=True)
    grievances_existing_procedures: Mapped[bool] = mapped_column(default=True)
    disputes_route: Mapped[Optional[str]] = mapped_column(Text)

    # signatures and dates
    employer_signatory: Mapped[Optional[str]] = mapped_column(String(120))
    employer_signatory_role: Mapped[Optional[str]] = mapped_column(String(120))
    union_signatory: Mapped[Optional[str]] = mapped_column(String(120))
    union_signatory_role: Mapped[Optional[str]] = mapped_column(String(120))
    starts_on: Mapped[Optional[date]]
    signed_on: Mapped[Optional[date]]
    review_due_on: Mapped[Optional[date]] = mapped_column(index=True)
    expires_on: Mapped[Optional[date]]

    clause_set: Mapped[Optional[str]] = mapped_column(String(80))
    #: the branch's own reference for the agreement (unique within the branch, used by imports)
    reference: Mapped[Optional[str]] = mapped_column(String(60))
    #: when someone last did something with it (drafts untouched for 90 days are flagged)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)

    branch: Mapped[Branch] = relationship()
    employer: Mapped[Employer] = relationship()
    named_schools: Mapped[list["AgreementSchool"]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementSchool.id")
    ulr_places_by_service: Mapped[list["AgreementUlrPlace"]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementUlrPlace.id")
    learner_time_by_course: Mapped[list["AgreementLearnerTime"]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementLearnerTime.id")
    documents: Mapped[list["AgreementDocument"]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementDocument.id.desc()")


class AgreementSchool(Base):
    """A school the agreement names as in or out, whatever its schools scope says generally."""

    __tablename__ = "agreement_school"
    __label__ = "named school"
    __table_args__ = (UniqueConstraint("agreement_id", "workplace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    workplace_id: Mapped[int] = mapped_column(ForeignKey("workplace.id"), index=True)
    #: "in" or "out"
    inclusion: Mapped[str] = mapped_column(String(3))

    agreement: Mapped[Agreement] = relationship(back_populates="named_schools")
    workplace: Mapped[Workplace] = relationship()


class AgreementUlrPlace(Base):
    """ULR places per service or directorate."""

    __tablename__ = "agreement_ulr_place"
    __label__ = "ULR places"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    service: Mapped[str] = mapped_column(String(120))
    places: Mapped[int]

    agreement: Mapped[Agreement] = relationship(back_populates="ulr_places_by_service")


class AgreementLearnerTime(Base):
    """Learners' time by course type (paid / matched / own time / not stated)."""

    __tablename__ = "agreement_learner_time"
    __label__ = "learners' time"
    __table_args__ = (UniqueConstraint("agreement_id", "course_category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    course_category: Mapped[str] = mapped_column(String(30))
    arrangement: Mapped[str] = mapped_column(String(20))

    agreement: Mapped[Agreement] = relationship(back_populates="learner_time_by_course")


class AgreementDocument(Base):
    """A generated draft PDF (a version, with its hash) or the uploaded signed copy."""

    __tablename__ = "agreement_document"
    __label__ = "agreement document"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    #: "generated" or "signed"
    kind: Mapped[str] = mapped_column(String(12))
    number: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    #: path relative to the instance folder
    stored_as: Mapped[str] = mapped_column(String(255))
    original_name: Mapped[Optional[str]] = mapped_column(String(255))
    size_bytes: Mapped[int]
    clause_set: Mapped[Optional[str]] = mapped_column(String(80))
    flagged_clauses: Mapped[Optional[list[Any]]] = mapped_column(JSON)
    #: generated documents: the clause set's version, and the agreement's status when it was generated
    #: ("signed": a copy made after signing, not the signed original)
    clause_set_version: Mapped[Optional[str]] = mapped_column(String(40))
    agreement_status: Mapped[Optional[str]] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    agreement: Mapped[Agreement] = relationship(back_populates="documents")

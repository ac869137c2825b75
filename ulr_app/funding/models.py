"""Funding programmes, projects, their profiles (targets and spend per quarter), re-profiles, and
the Go Award standards and evidence per employer (domain.md section 6)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import Base, TimestampMixin, VersionedMixin, utcnow
from ..organisation.models import Branch, Employer, Region

#: every measure a programme may count (domain.md section 6), in the order reports show them
MEASURES = {
    "learners_engaged": "Learners engaged",
    "learning_outcomes": "Learning outcomes",
    "needs_assessed": "Needs analyses done",
    "ulrs_recruited": "ULRs recruited",
    "ulrs_trained": "ULRs trained",
    "agreements_signed": "Learning agreements signed",
    "new_members": "New union members",
}
#: the eight standards of the regional Go (Get On) Award
GO_AWARD_STANDARDS = {
    "whole_council": "A whole-council approach",
    "sfl_strategy": "A council Skills for Life strategy",
    "developing_staff": "Developing staff to support Skills for Life",
    "union_partnership": "Partnership with trade unions",
    "identifying_needs": "Identifying staff with needs",
    "flexible_delivery": "Flexible workplace delivery",
    "wider_development": "Skills for Life within wider staff development",
    "local_implementation": "Local implementation",
}
STANDARD_STATUSES = {"not_started": "Not started", "in_progress": "In progress", "met": "Met"}


class Programme(TimestampMixin, Base):
    """A funder's scheme: its measures and the variance beyond which a return needs an explanation."""

    __tablename__ = "programme"
    __label__ = "funding programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: measure codes (MEASURES), in the order the return shows them
    measures: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: percent; |variance| above it needs a written explanation
    variance_threshold: Mapped[Decimal] = mapped_column(Numeric(5, 1), default=Decimal("20.0"))
    description: Mapped[Optional[str]] = mapped_column(Text)
    #: shipped by ``flask reference load`` (ulf, go_award)
    built_in: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class Project(VersionedMixin, TimestampMixin, Base):
    """A funded project: a programme's work in one region, or one branch of it."""

    __tablename__ = "project"
    __label__ = "funding project"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    #: null: the whole region
    branch_id: Mapped[Optional[int]] = mapped_column(ForeignKey("branch.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    budget: Mapped[Optional[Decimal]] = mapped_column(Numeric(12, 2))
    lead_organiser_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    notes: Mapped[Optional[str]] = mapped_column(Text)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    programme: Mapped[Programme] = relationship()
    region: Mapped[Region] = relationship()
    branch: Mapped[Optional[Branch]] = relationship()


class ProjectTarget(Base):
    """The profile: one measure's target for one quarter."""

    __tablename__ = "project_target"
    __label__ = "target"
    __table_args__ = (UniqueConstraint("project_id", "period", "measure"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    #: a financial-year quarter, ``FY2026-Q1``
    period: Mapped[str] = mapped_column(String(10))
    measure: Mapped[str] = mapped_column(String(40))
    target: Mapped[int]


class ProjectSpend(Base):
    """Money per quarter: the budget profile and the actual spend entered each quarter."""

    __tablename__ = "project_spend"
    __label__ = "spend"
    __table_args__ = (UniqueConstraint("project_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(10))
    budget: Mapped[Optional[Decimal]] = mapped_column(Numeric(12, 2))
    actual: Mapped[Optional[Decimal]] = mapped_column(Numeric(12, 2))


class ProfileChange(Base):
    """A re-profile (variation): the profile before and after, who, when and why."""

    __tablename__ = "project_profile_change"
    __label__ = "re-profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    #: {"targets": {"FY2026-Q1": {"learners_engaged": 40}}, "spend": {"FY2026-Q1": {"budget": "1000.00"}}}
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)


class GoAwardStandard(VersionedMixin, TimestampMixin, Base):
    """One of the eight Go Award standards for one employer: its status and notes."""

    __tablename__ = "go_award_standard"
    __label__ = "Go Award standard"
    __table_args__ = (UniqueConstraint("employer_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    notes: Mapped[Optional[str]] = mapped_column(Text)

    employer: Mapped[Employer] = relationship()


class GoAwardEvidence(Base):
    """Evidence for a standard: an uploaded document (kept like signed agreements) or a link to a record."""

    __tablename__ = "go_award_evidence"
    __label__ = "Go Award evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id", ondelete="CASCADE"), index=True)
    standard_code: Mapped[str] = mapped_column(String(40))
    #: "document" or "link"
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    # documents
    stored_as: Mapped[Optional[str]] = mapped_column(String(255))
    original_name: Mapped[Optional[str]] = mapped_column(String(255))
    content_type: Mapped[Optional[str]] = mapped_column(String(100))
    size_bytes: Mapped[Optional[int]]
    sha256: Mapped[Optional[str]] = mapped_column(String(64))
    # links: a record of the app, e.g. ("agreement", 12)
    link_type: Mapped[Optional[str]] = mapped_column(String(40))
    link_id: Mapped[Optional[int]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

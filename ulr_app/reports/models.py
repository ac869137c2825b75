"""A funding return per project and period (explanations, its workflow) and frozen report runs."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import Base, TimestampMixin, VersionedMixin, utcnow
from ..funding.models import Project

RETURN_STATUSES = {"draft": "Draft", "submitted": "Submitted"}


class FundingReturn(VersionedMixin, TimestampMixin, Base):
    """The quarterly return of one project for one period: explanations, then submitted (frozen)."""

    __tablename__ = "funding_return"
    __label__ = "quarterly return"
    __table_args__ = (UniqueConstraint("project_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    #: measure code (or "spend") -> the written explanation of its variance
    explanations: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[Optional[datetime]]
    submitted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: the frozen run made when it was last submitted
    run_id: Mapped[Optional[int]] = mapped_column(ForeignKey("report_run.id", ondelete="SET NULL"))
    reopened_at: Mapped[Optional[datetime]]
    reopened_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reopened_reason: Mapped[Optional[str]] = mapped_column(Text)

    project: Mapped[Project] = relationship()
    run: Mapped[Optional["ReportRun"]] = relationship(foreign_keys=[run_id])


class ReportRun(Base):
    """A report frozen as it was: parameters, every figure, who and when, and its files with hashes.
    Later changes to the records never change it."""

    __tablename__ = "report_run"
    __label__ = "report run"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: funding | schools_coverage | time_off | go_award | equality | project_summary
    report: Mapped[str] = mapped_column(String(40), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: SHA-256 of the parameters and figures as canonical JSON: printed on every page of its PDF
    sha256: Mapped[str] = mapped_column(String(64))
    project_id: Mapped[Optional[int]] = mapped_column(ForeignKey("project.id", ondelete="SET NULL"), index=True)
    region_id: Mapped[Optional[int]] = mapped_column(ForeignKey("region.id"), index=True)
    branch_id: Mapped[Optional[int]] = mapped_column(ForeignKey("branch.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: files relative to the instance folder, each with its SHA-256
    pdf_path: Mapped[Optional[str]] = mapped_column(String(255))
    pdf_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    csv_path: Mapped[Optional[str]] = mapped_column(String(255))
    csv_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    xlsx_path: Mapped[Optional[str]] = mapped_column(String(255))
    xlsx_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    #: a reopened return's earlier run is kept, marked superseded
    superseded: Mapped[bool] = mapped_column(default=False)


class ErasedLearnerFigures(Base):
    """What an erased learner adds to the figures that counted values erased from their record
    (ulr_app.dataprotection.erasure): the equality monitoring (equality report) and when they joined
    the union (the ULF ``new_members`` measure). It has NO link back to the person: no learner id, no
    name, no dates of its own; only the branch (the reports' scope) and, in
    :class:`ErasedLearnerCount`, what decides whether they count in a report's range. Written only by
    the erasure, read only by the report figures as aggregates; never shown row by row."""

    __tablename__ = "erased_learner_figures"
    __label__ = "erased learner's figures"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    gender: Mapped[Optional[str]] = mapped_column(String(60))
    ethnicity: Mapped[Optional[str]] = mapped_column(String(120))
    disability: Mapped[Optional[str]] = mapped_column(String(60))
    age_band: Mapped[Optional[str]] = mapped_column(String(20))
    joined_union_on: Mapped[Optional[date]]


class ErasedLearnerCount(Base):
    """When an erased learner counts: one row per distinct start date of their enrolments (equality:
    "an enrolment started in the range"), and one per funding project their enrolments were linked to
    (new_members). Distinct values only, not one row per enrolment."""

    __tablename__ = "erased_learner_count"
    __label__ = "erased learner's figures"

    id: Mapped[int] = mapped_column(primary_key=True)
    figures_id: Mapped[int] = mapped_column(ForeignKey("erased_learner_figures.id", ondelete="CASCADE"), index=True)
    started_on: Mapped[Optional[date]]
    project_id: Mapped[Optional[int]] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)

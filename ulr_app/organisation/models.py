"""Regions, branches, the employers a branch deals with, and their workplaces."""
from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import Base, TimestampMixin, VersionedMixin

EMPLOYER_KINDS = {
    "local_authority": "Local authority (council)",
    "school_governing_body": "School governing body",
    "academy_trust": "Academy trust",
    "contractor": "Contractor",
    "other": "Other employer",
}
WORKPLACE_KINDS = {"school": "School", "service": "Council service or directorate", "other": "Other site"}


class Region(Base):
    __tablename__ = "region"
    __label__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    #: ONS region code (E12...), for the English regions only
    ons_code: Mapped[Optional[str]] = mapped_column(String(9), unique=True)

    branches: Mapped[list["Branch"]] = relationship(back_populates="region", order_by="Branch.name")


branch_employer = Table(
    "branch_employer",
    Base.metadata,
    Column("branch_id", ForeignKey("branch.id", ondelete="CASCADE"), primary_key=True),
    Column("employer_id", ForeignKey("employer.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Branch(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "branch"
    __label__ = "branch"
    __table_args__ = (UniqueConstraint("region_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    #: the branch's postal address as printed on its letters (lines separated by newlines)
    address: Mapped[Optional[str]] = mapped_column(Text)
    #: the branch's telephone number and e-mail address for replies to its letters
    phone: Mapped[Optional[str]] = mapped_column(String(40))
    email: Mapped[Optional[str]] = mapped_column(String(254))

    region: Mapped[Region] = relationship(back_populates="branches")
    employers: Mapped[list["Employer"]] = relationship(
        secondary=branch_employer, back_populates="branches", order_by="Employer.name"
    )


class LocalAuthority(Base):
    """An English local authority (reference data from ONS/DfE)."""

    __tablename__ = "local_authority"
    __label__ = "local authority"

    id: Mapped[int] = mapped_column(primary_key=True)
    gss_code: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: DfE 3-digit LA code used in GIAS; null for authorities without schools
    la_code: Mapped[Optional[str]] = mapped_column(String(3), index=True)
    ons_region_code: Mapped[Optional[str]] = mapped_column(String(9))
    kind: Mapped[str] = mapped_column(String(60))
    live: Mapped[bool]
    operating_from: Mapped[Optional[date]]
    operating_to: Mapped[Optional[date]]


class Employer(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "employer"
    __label__ = "employer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    la_code: Mapped[Optional[str]] = mapped_column(String(3), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)

    region: Mapped[Region] = relationship()
    branches: Mapped[list[Branch]] = relationship(
        secondary=branch_employer, back_populates="employers", order_by="Branch.name"
    )
    workplaces: Mapped[list["Workplace"]] = relationship(
        back_populates="employer", order_by="Workplace.name", lazy="raise_on_sql"
    )


class Workplace(VersionedMixin, TimestampMixin, Base):
    __tablename__ = "workplace"
    __label__ = "workplace"
    # "Your organisation" counts a scope's workplaces and schools from this index alone (an administrator's:
    # the country's 22,590, 4.2 -> 2.5 ms on the national set; issue 13)
    __table_args__ = (Index("ix_workplace_employer_id_kind", "employer_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: schools: DfE unique reference number
    urn: Mapped[Optional[int]] = mapped_column(unique=True)
    establishment_type: Mapped[Optional[str]] = mapped_column(String(120))
    establishment_type_group: Mapped[Optional[str]] = mapped_column(String(120))
    establishment_status: Mapped[Optional[str]] = mapped_column(String(60))
    phase: Mapped[Optional[str]] = mapped_column(String(60))
    la_code: Mapped[Optional[str]] = mapped_column(String(3))
    town: Mapped[Optional[str]] = mapped_column(String(120))
    postcode: Mapped[Optional[str]] = mapped_column(String(10))
    #: council services: the service or directorate (housing, education, ...)
    service: Mapped[Optional[str]] = mapped_column(String(120))
    #: who letters to this workplace are addressed to: the head teacher or manager, and their job title
    contact_name: Mapped[Optional[str]] = mapped_column(String(120))
    contact_role: Mapped[Optional[str]] = mapped_column(String(120))

    employer: Mapped[Employer] = relationship(back_populates="workplaces")

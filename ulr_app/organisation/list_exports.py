"""Regions, branches, employers and workplaces as CSV / XLSX downloads (:mod:`ulr_app.core.listexport`)."""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy.orm import selectinload

from ..core import listexport
from ..core.listexport import columns
from . import queries
from .models import EMPLOYER_KINDS, WORKPLACE_KINDS, Employer, Region, Workplace

REGION_COLUMNS = columns(
    ("Region", lambda r: r.name),
    ("Branches", lambda r: len(r.branches)),
    ("ONS code", lambda r: r.ons_code),
    ("Region number", lambda r: r.id),
)

BRANCH_COLUMNS = columns(
    ("Branch", lambda b: b.name),
    ("Region", lambda b: b.region.name),
    ("Address", lambda b: b.address),
    ("Telephone", lambda b: b.phone),
    ("E-mail address", lambda b: b.email),
    ("Branch number", lambda b: b.id),
)


def _count(it, kind: str) -> int:
    return it[1].get(kind, 0)


#: items are (employer, {workplace kind: count}) pairs
EMPLOYER_COLUMNS = columns(
    ("Employer", lambda it: it[0].name),
    ("Kind", lambda it: EMPLOYER_KINDS.get(it[0].kind, it[0].kind)),
    ("LA code", lambda it: it[0].la_code),
    ("Schools", lambda it: _count(it, "school")),
    ("Other workplaces", lambda it: sum(n for k, n in it[1].items() if k != "school")),
    ("Region", lambda it: it[0].region.name),
    ("Employer number", lambda it: it[0].id),
)

WORKPLACE_COLUMNS = columns(
    ("Workplace", lambda w: w.name),
    ("Kind", lambda w: WORKPLACE_KINDS.get(w.kind, w.kind)),
    ("Employer", lambda w: w.employer.name),
    ("School phase", lambda w: w.phase),
    ("Establishment type", lambda w: w.establishment_type),
    ("Service", lambda w: w.service),
    ("Town", lambda w: w.town),
    ("Postcode", lambda w: w.postcode),
    ("URN", lambda w: w.urn),
    ("LA code", lambda w: w.la_code),
    ("Contact", lambda w: w.contact_name),
    ("Contact's role", lambda w: w.contact_role),
    ("Workplace number", lambda w: w.id),
)


def _with_counts(batch: list[Employer]) -> list[tuple[Employer, dict[str, int]]]:
    counts = queries.counts_by_employer([e.id for e in batch])  # one query a batch
    return [(e, counts.get(e.id, {})) for e in batch]


def regions(fmt: str, stmt, filters: Mapping[str, Any]):
    return listexport.export(fmt, stmt.options(selectinload(Region.branches)), REGION_COLUMNS, title="regions",
                             object_type="region", filters=filters)


def branches(fmt: str, stmt, filters: Mapping[str, Any]):
    return listexport.export(fmt, stmt, BRANCH_COLUMNS, title="branches", object_type="branch", filters=filters)


def employers(fmt: str, stmt, filters: Mapping[str, Any]):
    return listexport.export(fmt, stmt.options(selectinload(Employer.region)), EMPLOYER_COLUMNS, title="employers",
                             object_type="employer", filters=filters, prepare=_with_counts)


def workplaces(fmt: str, stmt, filters: Mapping[str, Any]):
    return listexport.export(fmt, stmt.options(selectinload(Workplace.employer)), WORKPLACE_COLUMNS,
                             title="workplaces", object_type="workplace", filters=filters)

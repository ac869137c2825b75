"""Demo data: regions, branches, employers, workplaces and schools.

The small world's LAs (``SMALL_LAS`` in :mod:`ulr_app.demo`) or, at national scale, every LA with
open schools in the national list: a branch and a council for each (named as people know them:
:func:`council_name`, :func:`branch_name`), the councils' services, a trust per region for the
academies, a contractor per region, and the schools from a GIAS-style CSV (:func:`school_employer`
says who employs a school's staff). Schools and council services are written by bulk insert (with
their audit entries), because ``--scale national`` has ~22,000 of them.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Iterator, Optional

from sqlalchemy import insert, select

from ..core import audit
from ..core.audit_models import AuditEntry
from ..core.errors import ServiceError
from ..extensions import db
from ..organisation import services as org
from ..organisation.models import Region, Workplace
from ..reference.loader import REGIONS, _local_authority_rows
from .world import BranchPlan, DemoWorld, EmployerPlan, Plan, WorkplacePlan, WorkplaceRef

COUNCIL_SERVICES = ("Housing", "Environment", "Children's services", "Adult social care", "Resources")

#: councils whose names do not follow the rule in :func:`council_name`, by LA name
COUNCIL_NAMES = {
    "Birmingham": "Birmingham City Council",
    "Brighton and Hove": "Brighton and Hove City Council",
    "City of London": "City of London Corporation",
    "County Durham": "Durham County Council",
    "Coventry": "Coventry City Council",
    "Derby": "Derby City Council",
    "Greenwich": "Royal Borough of Greenwich",
    "Isles of Scilly": "Council of the Isles of Scilly",
    "Kensington and Chelsea": "Royal Borough of Kensington and Chelsea",
    "Kingston upon Hull": "Hull City Council",
    "Kingston upon Thames": "Royal Borough of Kingston upon Thames",
    "Leeds": "Leeds City Council",
    "Leicester": "Leicester City Council",
    "Liverpool": "Liverpool City Council",
    "Manchester": "Manchester City Council",
    "Newcastle upon Tyne": "Newcastle City Council",
    "Nottingham": "Nottingham City Council",
    "Peterborough": "Peterborough City Council",
    "Plymouth": "Plymouth City Council",
    "Portsmouth": "Portsmouth City Council",
    "Salford": "Salford City Council",
    "Sheffield": "Sheffield City Council",
    "Southampton": "Southampton City Council",
    "Stoke-on-Trent": "Stoke-on-Trent City Council",
    "Sunderland": "Sunderland City Council",
    "Westminster": "Westminster City Council",
    "Wolverhampton": "City of Wolverhampton Council",
    "York": "City of York Council",
}
BRANCH_NAMES = {"391": "Newcastle City"}

#: fictional contractors, one per region used (name, what they do)
CONTRACTORS = (
    ("Brightmeal School Catering Ltd", "catering"),
    ("Clearwater Cleaning Services Ltd", "cleaning"),
    ("Keystone Facilities Management Ltd", "facilities"),
    ("Harvest Table Catering Ltd", "catering"),
    ("Sparkle Building Cleaning Ltd", "cleaning"),
    ("Greenway Grounds and Sites Ltd", "site"),
    ("Hearth and Home Catering Ltd", "catering"),
    ("Shire Support Services Ltd", "facilities"),
    ("Meridian Cleaning Co Ltd", "cleaning"),
)

# GIAS establishment types: who employs the staff (domain.md section 2). Schools of other types
# (independent, non-maintained special, colleges, schools abroad...) are not in the demo world.
ACADEMY_GROUPS = {"academies", "free schools"}
ACADEMY_WORDS = ("academy", "free school", "studio school", "university technical college")
COUNCIL_GROUPS = {"local authority maintained schools", "special schools"}
COUNCIL_TYPES = {
    "community school", "voluntary aided school", "voluntary controlled school", "foundation school",
    "community special school", "foundation special school", "local authority nursery school",
    "pupil referral unit",
}
REQUIRED_COLUMNS = ("URN", "LA (code)", "EstablishmentName", "TypeOfEstablishment (name)",
                    "EstablishmentStatus (name)")


# --- the plan ---------------------------------------------------------------------------

@dataclass
class _LocalAuthority:
    la_code: str
    name: str
    kind: str
    region_code: str


def _local_authorities() -> dict[str, _LocalAuthority]:
    """DfE LA code -> the authority (name, kind, UNISON region), from the shipped LA file.

    A live authority wins over a terminated one with the same code; a row of its own over a
    joint row ("Kingston upon Thames / Richmond upon Thames")."""
    region_by_ons = {ons: code for code, _name, ons in REGIONS if ons}
    found: dict[str, tuple[tuple, _LocalAuthority]] = {}
    for gss, values in _local_authority_rows():
        la_code, region_code = values["la_code"], region_by_ons.get(values["ons_region_code"] or "")
        if not la_code or not region_code:
            continue
        rank = (values["live"], "/" not in values["name"], values["operating_from"] or date.min, gss)
        la = _LocalAuthority(la_code, values["name"], values["kind"], region_code)
        if la_code not in found or rank > found[la_code][0]:
            found[la_code] = (rank, la)
    return {code: la for code, (_rank, la) in found.items()}


def _plain_la_name(name: str) -> str:
    """'Bristol, City of' -> 'Bristol'; 'Herefordshire, County of' -> 'Herefordshire'."""
    return re.sub(r",\s*(City|County) of$", "", name).strip()


def council_name(la: _LocalAuthority) -> str:
    plain = _plain_la_name(la.name)
    if plain in COUNCIL_NAMES:
        return COUNCIL_NAMES[plain]
    if la.kind == "London Boroughs":
        return f"London Borough of {plain}"
    if la.kind == "Counties":
        return f"{plain} County Council"
    if la.name.endswith(", City of"):
        return f"{plain} City Council"
    return f"{plain} Council"


def branch_name(la: _LocalAuthority) -> str:
    return BRANCH_NAMES.get(la.la_code, _plain_la_name(la.name))


def school_employer(row: dict) -> Optional[str]:
    """'council', 'academy_trust', or None for a school outside the demo world."""
    status = (row.get("EstablishmentStatus (name)") or "").strip().lower()
    if not status.startswith("open"):
        return None
    kind = (row.get("TypeOfEstablishment (name)") or "").strip().lower()
    group = (row.get("EstablishmentTypeGroup (name)") or "").strip().lower()
    if group in ACADEMY_GROUPS or any(word in kind for word in ACADEMY_WORDS):
        return "academy_trust"
    if kind in COUNCIL_TYPES or (group in COUNCIL_GROUPS and "independent" not in kind and "non-maintained" not in kind):
        return "council"
    return None


def _open_csv(path) -> Iterator[dict]:
    """Rows of a GIAS-style CSV, read by header name. GIAS extracts are often Windows-1252."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            with open(path, encoding=encoding, newline="") as fh:
                reader = csv.DictReader(fh)
                missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or ())]
                if missing:
                    raise ServiceError(f"The schools file {path} has no column {', '.join(missing)}: "
                                       "it must use the GIAS column names")
                rows = list(reader)
        except UnicodeDecodeError:
            continue
        return iter(rows)
    raise ServiceError(f"The schools file {path} is neither UTF-8 nor Windows-1252 text")


def _text(value: Optional[str], limit: int) -> Optional[str]:
    value = (value or "").strip()
    return value[:limit] if value else None


def _school(row: dict, employer_key: str) -> Optional[WorkplacePlan]:
    try:
        urn = int((row.get("URN") or "").strip())
    except ValueError:
        return None
    name = _text(row.get("EstablishmentName"), 200)
    if not (100000 <= urn <= 999999) or not name:
        return None
    return WorkplacePlan(
        employer_key=employer_key, name=name, kind="school", urn=urn,
        establishment_type=_text(row.get("TypeOfEstablishment (name)"), 120),
        establishment_type_group=_text(row.get("EstablishmentTypeGroup (name)"), 120),
        establishment_status=_text(row.get("EstablishmentStatus (name)"), 60),
        phase=_text(row.get("PhaseOfEducation (name)"), 60),
        la_code=(row.get("LA (code)") or "").strip(),
        town=_text(row.get("Town"), 120),
        postcode=_text(row.get("Postcode"), 10),
    )


def plan_organisation(la_codes: Iterable[str], schools: Iterable[dict]) -> tuple[
        list[BranchPlan], list[EmployerPlan], list[WorkplacePlan], list[WorkplacePlan], int]:
    """The organisation for these LAs: a branch and a council each, their schools and services, a
    trust per region for the academies, a contractor per region.

    Returns (branches, employers, workplaces, the schools among the workplaces, how many schools
    of the source file were left out)."""
    las = _local_authorities()
    region_order = [code for code, _name, _ons in REGIONS]
    region_names = {code: name for code, name, _ons in REGIONS}
    chosen = [las[c] for c in dict.fromkeys(la_codes) if c in las]
    chosen.sort(key=lambda la: region_order.index(la.region_code))  # stable: keeps the given order in a region

    branches, councils, by_la = [], [], {}
    for la in chosen:
        branch = BranchPlan(key=f"branch:{la.la_code}", name=branch_name(la), region_code=la.region_code)
        branches.append(branch)
        by_la[la.la_code] = la
        councils.append(EmployerPlan(key=f"council:{la.la_code}", name=council_name(la), kind="local_authority",
                                     region_code=la.region_code, branch_keys=(branch.key,), la_code=la.la_code))

    school_plans: list[WorkplacePlan] = []
    seen_urns: set[int] = set()
    skipped = 0
    academy_branches: dict[str, list[str]] = {}
    for row in sorted(schools, key=lambda r: (r.get("URN") or "").strip().zfill(6)):
        la = by_la.get((row.get("LA (code)") or "").strip())
        who = school_employer(row) if la else None
        if who == "academy_trust":
            key = f"trust:{la.region_code}"
        elif who == "council":
            key = f"council:{la.la_code}"
        else:
            skipped += 1
            continue
        school = _school(row, key)
        if school is None or school.urn in seen_urns:
            skipped += 1
            continue
        seen_urns.add(school.urn)
        school_plans.append(school)
        if who == "academy_trust":
            keys = academy_branches.setdefault(la.region_code, [])
            if f"branch:{la.la_code}" not in keys:
                keys.append(f"branch:{la.la_code}")

    employers = list(councils)
    workplaces: list[WorkplacePlan] = []
    for branch, council in zip(branches, councils):
        for service in COUNCIL_SERVICES:
            workplaces.append(WorkplacePlan(employer_key=council.key, name=f"{branch.name} {service}", kind="service",
                                            service=service, la_code=council.la_code))
    region_codes = list(dict.fromkeys(b.region_code for b in branches))
    branch_order = [b.key for b in branches]
    for index, region_code in enumerate(region_codes):
        if region_code in academy_branches:
            employers.append(EmployerPlan(
                key=f"trust:{region_code}", name=f"{region_names[region_code]} Academies Trust", kind="academy_trust",
                region_code=region_code, branch_keys=tuple(sorted(academy_branches[region_code], key=branch_order.index)),
            ))
        # the contractor works for the region's last branch (small world: Camden, Gateshead)
        branch = [b for b in branches if b.region_code == region_code][-1]
        contractor, what = CONTRACTORS[index % len(CONTRACTORS)]
        key = f"contractor:{region_code}"
        employers.append(EmployerPlan(key=key, name=contractor, kind="contractor", region_code=region_code,
                                      branch_keys=(branch.key,)))
        workplaces.append(WorkplacePlan(employer_key=key, name=f"{contractor.removesuffix(' Ltd')}, {branch.name} {what} contract",
                                        kind="other", la_code=branch.key.split(":")[1]))
    workplaces.extend(school_plans)
    return branches, employers, workplaces, school_plans, skipped


def _council_workplaces(workplaces: Iterable[WorkplacePlan]) -> dict[tuple[str, str], list[WorkplacePlan]]:
    """(employer key, kind) -> its workplaces (schools by URN)."""
    out: dict[tuple[str, str], list[WorkplacePlan]] = {}
    for w in workplaces:
        out.setdefault((w.employer_key, w.kind), []).append(w)
    for key in out:
        out[key].sort(key=lambda w: (w.urn or 0, w.name))
    return out


# --- writing the plan -------------------------------------------------------------------

def check_reference_data(region_codes: Iterable[str] = ()) -> dict[str, Region]:
    """The regions by code; ServiceError if reference data has not been loaded."""
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    missing = [code for code in region_codes if code not in regions]
    if not regions or missing:
        raise ServiceError("Reference data has not been loaded (no regions"
                           + (f" {', '.join(missing)}" if regions else "")
                           + "). Run `flask --app ulr_app reference load` first.")
    return regions


def _bulk_workplaces(plans: tuple[WorkplacePlan, ...], employer_ids: dict[str, int], chunk: int = 2000) -> int:
    """Insert workplaces in chunks, each with its 'create' audit entry (as create_workplace writes)."""
    actor_id, actor_label = audit.current_actor()
    fields = org.WORKPLACE_FIELDS
    for start in range(0, len(plans), chunk):
        rows = []
        for p in plans[start:start + chunk]:
            row = {f: getattr(p, f, None) for f in fields if f != "employer_id"}
            row["employer_id"] = employer_ids[p.employer_key]
            rows.append(row)
        ids = db.session.scalars(insert(Workplace).returning(Workplace.id, sort_by_parameter_order=True), rows).all()
        entries = [{
            "actor_id": actor_id, "actor_label": actor_label[:300], "action": "create", "object_type": "workplace",
            "object_id": wid, "summary": f"Created workplace {row['name']}"[:500],
            "changes": audit.masked_changes(Workplace, {f: (None, row[f]) for f in fields if row.get(f) is not None}),
        } for wid, row in zip(ids, rows)]
        db.session.execute(insert(AuditEntry), entries)
    return len(plans)


def apply_organisation(plan: Plan, world: DemoWorld) -> None:
    """The branches, the employers (each linked to its branches) and every workplace."""
    for b in plan.branches:
        world.branches[b.key] = org.create_branch({"name": b.name, "region_id": world.regions[b.region_code].id})
    for e in plan.employers:
        first, *others = [world.branches[k] for k in e.branch_keys]
        employer = org.create_employer({"name": e.name, "kind": e.kind, "la_code": e.la_code,
                                        "region_id": world.regions[e.region_code].id}, branch=first)
        for branch in others:
            org.link_branch(employer, branch)
        world.employers[e.key] = employer
    _bulk_workplaces(plan.workplaces, {k: e.id for k, e in world.employers.items()})


def _workplace_ids(refs: set[WorkplaceRef], world: "DemoWorld") -> dict[WorkplaceRef, int]:
    from sqlalchemy import select

    from ..extensions import db
    from ..organisation.models import Workplace

    employer_ids = {key: e.id for key, e in world.employers.items()}
    key_of = {i: key for key, i in employer_ids.items()}
    wanted = {employer_ids[ref[0]] for ref in refs}
    if not wanted:
        return {}
    rows = db.session.execute(select(Workplace.id, Workplace.employer_id, Workplace.name, Workplace.urn).where(
        Workplace.employer_id.in_(wanted))).all()
    return {(key_of[employer_id], name, urn): wid for wid, employer_id, name, urn in rows}

"""Demo data: a believable world of regions, branches, employers, workplaces and users.

``flask --app ulr_app demo-data --scale small|national --seed N`` calls :func:`build_demo`.

Two stages, so the output is reproducible and testable without a database:

1. a *plan* (:func:`plan_small`, :func:`plan_national`): a pure, deterministic description of
   everything to create (names, e-mails, passwords, URNs), made from the shipped data files and
   ``random.Random`` instances derived from the seed. Never the global ``random`` module, never
   today's date: records that need dates are dated relative to :data:`REFERENCE_DATE`.
2. :func:`apply_plan` writes the plan: branches, employers and users through the services (so
   the audit trail records them, as "demo data"); schools and council services by bulk insert
   (with their audit entries), because ``--scale national`` has ~22,000 of them.

Each concern draws from its own RNG (``_rng(seed, "people")``), so adding records for a later
feature does not change the names or passwords of an existing seed.

The small world ships its schools (``ulr_app/data/demo_schools.csv``); the national one reads
the national list from ``$ULR_SCHOOLS_CSV`` or ``ulr_app/data/schools_england_2018.csv``.

Passwords are the one thing NOT drawn from the seed: they come from ``secrets`` on every build,
so nobody can work them out from the code (there is no default password). Demo data is for
development, demonstrations and benchmarks, never a live instance.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import secrets
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator, Optional

from flask import current_app
from sqlalchemy import func, insert, select

from .accounts import services as account_services
from .accounts.models import User
from .accounts.passwords import hash_password, password_problems
from .core import audit
from .core.audit_models import AuditEntry
from .core.errors import ServiceError
from .core.models import utcnow
from .extensions import db
from .organisation import services as org
from .organisation.models import Branch, Employer, Region, Workplace
from .reference.loader import REGIONS, _local_authority_rows

SCALES = ("small", "national")
#: the day demo records are dated from (later features: cases, requests, enrolments)
REFERENCE_DATE = date(2026, 1, 12)
ROLE_ORDER = ("admin", "regional_organiser", "branch_convenor", "learning_rep")
ULRS_PER_BRANCH = 2

#: the small world: DfE LA code -> branch name, in the order they are built
SMALL_LAS = {"302": "Barnet", "202": "Camden", "391": "Newcastle City", "390": "Gateshead"}
SMALL_SCHOOLS_FILE = "demo_schools.csv"
NATIONAL_SCHOOLS_FILE = Path(__file__).resolve().parent / "data" / "schools_england_2018.csv"
NATIONAL_SCHOOLS_ENV = "ULR_SCHOOLS_CSV"

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

FIRST_NAMES = (
    "Aisha", "Alan", "Amanda", "Amir", "Andrew", "Angela", "Anita", "Barbara", "Bernadette", "Beverley",
    "Bola", "Carol", "Catherine", "Chloe", "Christine", "Claire", "Colin", "Darren", "David", "Deborah",
    "Declan", "Denise", "Donna", "Eileen", "Elaine", "Emma", "Fatima", "Fiona", "Gareth", "Gary",
    "Gillian", "Grace", "Hannah", "Hazel", "Helen", "Imran", "Irene", "Jacqueline", "Jane", "Janet",
    "Jasmine", "Jennifer", "Joanne", "Julie", "Karen", "Kate", "Kerry", "Kwame", "Lesley", "Linda",
    "Lorraine", "Lynn", "Margaret", "Marcia", "Mark", "Marta", "Maureen", "Michelle", "Mohammed", "Nadia",
    "Neil", "Nicola", "Niamh", "Olu", "Pamela", "Patricia", "Paul", "Priya", "Rachel", "Rajinder",
    "Rebecca", "Rita", "Ruth", "Sandra", "Sarah", "Shabana", "Sharon", "Sian", "Stephen", "Susan",
    "Tanya", "Tracey", "Valerie", "Wendy", "Yvonne", "Zainab",
)
SURNAMES = (
    "Adeyemi", "Ahmed", "Akhtar", "Allen", "Anderson", "Armstrong", "Atkinson", "Bailey", "Baker", "Begum",
    "Bell", "Bennett", "Brown", "Campbell", "Carr", "Charlton", "Chaudhry", "Clarke", "Collins", "Cooper",
    "Davies", "Dixon", "Doherty", "Edwards", "Evans", "Fletcher", "Forster", "Gallagher", "Graham", "Green",
    "Hall", "Harrison", "Hughes", "Hussain", "Jackson", "James", "Johnson", "Jones", "Kaur", "Kelly",
    "Khan", "Kowalski", "Lee", "Lewis", "Malik", "Martin", "Mensah", "Milburn", "Mitchell", "Moore",
    "Morgan", "Murphy", "Nowak", "O'Brien", "O'Connor", "Okafor", "Osei", "Parker", "Patel", "Phillips",
    "Price", "Rahman", "Reid", "Richardson", "Roberts", "Robson", "Shah", "Sharma", "Singh", "Smith",
    "Stewart", "Taylor", "Thompson", "Turner", "Walker", "Walsh", "Ward", "Watson", "White", "Williams",
    "Wilson", "Wood", "Wright", "Young",
)
PASSWORD_WORDS = (
    "anchor", "apron", "atlas", "badge", "banner", "basil", "beacon", "birch", "bramble", "bridge",
    "brook", "cable", "canal", "candle", "canvas", "castle", "cedar", "chalk", "cider", "clover",
    "cobalt", "comet", "copper", "coral", "cotton", "crane", "crystal", "daisy", "delta", "ember",
    "falcon", "fern", "fiddle", "flint", "forest", "fossil", "garnet", "ginger", "glacier", "granite",
    "harbour", "hazel", "heron", "holly", "island", "ivory", "jasper", "juniper", "kettle", "lantern",
    "larch", "lemon", "linen", "maple", "marble", "meadow", "mirror", "moss", "nectar", "nutmeg",
    "oak", "orbit", "orchard", "otter", "paddle", "pebble", "pepper", "pilot", "pine", "plum",
    "quartz", "quill", "raven", "ribbon", "river", "robin", "saffron", "sage", "sail", "signal",
    "silver", "sparrow", "spruce", "storm", "summit", "thistle", "thunder", "timber", "tulip", "velvet",
    "violet", "walnut", "willow", "winter", "wren", "yarrow",
)


# --- the plan ---------------------------------------------------------------------------

@dataclass(frozen=True)
class BranchPlan:
    key: str
    name: str
    region_code: str


@dataclass(frozen=True)
class EmployerPlan:
    key: str
    name: str
    kind: str
    region_code: str
    branch_keys: tuple[str, ...]
    la_code: Optional[str] = None


@dataclass(frozen=True)
class WorkplacePlan:
    employer_key: str
    name: str
    kind: str
    urn: Optional[int] = None
    establishment_type: Optional[str] = None
    establishment_type_group: Optional[str] = None
    establishment_status: Optional[str] = None
    phase: Optional[str] = None
    la_code: Optional[str] = None
    town: Optional[str] = None
    postcode: Optional[str] = None
    service: Optional[str] = None


@dataclass(frozen=True)
class UserPlan:
    role: str
    name: str
    email: str
    #: random on every build (secrets), so not part of the plan's identity
    password: str = field(compare=False)
    region_code: Optional[str] = None
    branch_key: Optional[str] = None


@dataclass(frozen=True)
class Plan:
    scale: str
    seed: int
    branches: tuple[BranchPlan, ...]
    employers: tuple[EmployerPlan, ...]
    workplaces: tuple[WorkplacePlan, ...]
    users: tuple[UserPlan, ...]
    #: schools in the source file left out (closed, independent, unknown LA...)
    schools_skipped: int = 0

    @property
    def region_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(b.region_code for b in self.branches))

    def logins(self) -> list[tuple[str, str, str]]:
        """(role, e-mail, password) for every user, admin first, then by role as in ROLE_ORDER."""
        ordered = sorted(self.users, key=lambda u: ROLE_ORDER.index(u.role))
        return [(u.role, u.email, u.password) for u in ordered]

    def fingerprint(self) -> str:
        data = asdict(self)
        for user in data["users"]:
            user.pop("password")
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _rng(seed: int, purpose: str) -> random.Random:
    """An RNG for one concern (str seeds are hashed with SHA-512: stable across runs and hosts)."""
    return random.Random(f"ulr-demo:{seed}:{purpose}")


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


class _People:
    """Unique, believable people with example.org e-mails (seeded) and passwords (not seeded)."""

    def __init__(self, seed: int):
        self.names = _rng(seed, "people")
        self.passwords = secrets.SystemRandom()
        self.taken: set[str] = set()

    def _password(self, email: str) -> str:
        while True:
            password = "-".join(self.passwords.choice(PASSWORD_WORDS) for _ in range(4))
            if not password_problems(password, email=email):
                return password

    def make(self, role: str, *, region_code=None, branch_key=None) -> UserPlan:
        while True:
            name = f"{self.names.choice(FIRST_NAMES)} {self.names.choice(SURNAMES)}"
            email = re.sub(r"[^a-z.]", "", name.lower().replace(" ", ".")) + "@example.org"
            if email not in self.taken:
                break
        self.taken.add(email)
        return UserPlan(role, name, email, self._password(email), region_code, branch_key)


def _plan(scale: str, seed: int, la_codes: Iterable[str], schools: Iterable[dict]) -> Plan:
    """The world for these LAs: a branch and a council each, their schools and services, a
    trust per region for the academies, a contractor per region, and the people."""
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

    people = _People(seed)
    users = [people.make("admin")]
    users += [people.make("regional_organiser", region_code=code) for code in region_codes]
    users += [people.make("branch_convenor", branch_key=b.key) for b in branches]
    users += [people.make("learning_rep", branch_key=b.key) for b in branches for _ in range(ULRS_PER_BRANCH)]
    return Plan(scale=scale, seed=seed, branches=tuple(branches), employers=tuple(employers),
                workplaces=tuple(workplaces), users=tuple(users), schools_skipped=skipped)


def plan_small(seed: int = 2008) -> Plan:
    """Two regions, four branches (Barnet, Camden; Newcastle City, Gateshead), their schools."""
    with resources.as_file(resources.files("ulr_app.data").joinpath(SMALL_SCHOOLS_FILE)) as path:
        return _plan("small", seed, SMALL_LAS, _open_csv(path))


def national_schools_path() -> Path:
    """The national schools file: $ULR_SCHOOLS_CSV, else ulr_app/data/schools_england_2018.csv."""
    configured = os.environ.get(NATIONAL_SCHOOLS_ENV, "").strip()
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise ServiceError(f"{NATIONAL_SCHOOLS_ENV} is set to {configured}, but there is no file there")
        return path
    if NATIONAL_SCHOOLS_FILE.is_file():
        return NATIONAL_SCHOOLS_FILE
    raise ServiceError(
        "The national demo needs the national list of schools (schools_england_2018.csv, or a GIAS "
        f"extract with the same column names). Put it at {NATIONAL_SCHOOLS_FILE} or set "
        f"{NATIONAL_SCHOOLS_ENV} to its path."
    )


def plan_national(seed: int = 2008, path: Optional[Path] = None) -> Plan:
    """Every English region; a branch and a council for every LA with open schools."""
    rows = list(_open_csv(path or national_schools_path()))
    las = _local_authorities()
    codes = sorted({(r.get("LA (code)") or "").strip() for r in rows if school_employer(r)} & las.keys(),
                   key=lambda c: (las[c].name, c))
    return _plan("national", seed, codes, rows)


# --- writing the plan -------------------------------------------------------------------

@dataclass
class DemoWorld:
    """What was created, for later steps (cases, learners...) to build on."""

    plan: Plan
    regions: dict[str, Region] = field(default_factory=dict)
    branches: dict[str, Branch] = field(default_factory=dict)
    employers: dict[str, Employer] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)  # by e-mail


def check_reference_data(region_codes: Iterable[str] = ()) -> dict[str, Region]:
    """The regions by code; ServiceError if reference data has not been loaded."""
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    missing = [code for code in region_codes if code not in regions]
    if not regions or missing:
        raise ServiceError("Reference data has not been loaded (no regions"
                           + (f" {', '.join(missing)}" if regions else "")
                           + "). Run `flask --app ulr_app reference load` first.")
    return regions


def check_empty(plan: Plan) -> None:
    """Demo data goes into a database without an organisation and without the demo users."""
    for model, what in ((Branch, "branches"), (Employer, "employers"), (Workplace, "workplaces")):
        if db.session.scalar(select(func.count()).select_from(model)):
            raise ServiceError(f"The database already has {what}: demo data can only be loaded into an "
                               "empty database (use --if-empty to skip it quietly).")
    emails = [u.email for u in plan.users]
    taken = set()
    for start in range(0, len(emails), 500):
        taken.update(db.session.scalars(select(User.email).where(func.lower(User.email).in_(emails[start:start + 500]))))
    if taken:
        raise ServiceError(f"Demo users already exist: {', '.join(sorted(taken)[:5])}")


def _hash_all(passwords: list[str]) -> list[str]:
    """argon2 hashes, a few at a time (argon2 releases the GIL): ~470 users at national scale."""
    app = current_app._get_current_object()

    def one(password: str) -> str:
        with app.app_context():
            return hash_password(password)

    if len(passwords) < 8:
        return [hash_password(p) for p in passwords]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(one, passwords))


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


def apply_plan(plan: Plan) -> DemoWorld:
    """Write the plan into the session (flushes; the caller commits)."""
    world = DemoWorld(plan, regions=check_reference_data(plan.region_codes))
    check_empty(plan)
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
    hashes = _hash_all([u.password for u in plan.users])
    for u, password_hash in zip(plan.users, hashes):
        user = account_services.create_user({
            "email": u.email, "name": u.name, "role": u.role,
            "region_id": world.regions[u.region_code].id if u.region_code else None,
            "branch_id": world.branches[u.branch_key].id if u.branch_key else None,
        })
        user.password_hash, user.password_changed_at = password_hash, utcnow()
        world.users[u.email] = user
    db.session.flush()
    return world


def build_demo(scale: str = "small", seed: int = 2008) -> list[tuple[str, str, str]]:
    """Build the demo world in the session (the caller commits); the logins, admin first."""
    if scale not in SCALES:
        raise ServiceError(f"Unknown scale {scale!r}: choose one of {', '.join(SCALES)}")
    check_reference_data()
    plan = plan_small(seed) if scale == "small" else plan_national(seed)
    apply_plan(plan)
    return plan.logins()

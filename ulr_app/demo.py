"""Demo data: a believable world of regions, branches, employers, workplaces and users.

``flask --app ulr_app demo-data --scale small|national --seed N`` calls :func:`build_demo`.

Two stages, so the output is reproducible and testable without a database:

1. a *plan* (:func:`plan_small`, :func:`plan_national`): a pure, deterministic description of
   everything to create (names, e-mails, passwords, URNs), made from the shipped data files and
   ``random.Random`` instances derived from the seed. Never the global ``random`` module, never
   the clock: records that need dates are dated relative to :data:`REFERENCE_DATE`. The one
   exception is passed in as ``today`` (default: REFERENCE_DATE; :func:`build_demo` gives the
   real date): one signed agreement's review falls due 40 days after it, so the reminders (home
   page, ``flask reminders``) have something "due soon" on whatever day the demo is built. The
   other reminders need no clock: a review already overdue and a draft left untouched since well
   before REFERENCE_DATE stay overdue and stale on any later day. The ULRs (:func:`_reps`) and
   the year of time-off requests (:func:`_time_off`) are dated from ``today`` as well, so every
   ULR status, the training-deadline warning and open tribunal deadlines (some within 14 days)
   show on the day the demo is built. So are the learners, their journeys and contacts, and the
   branches' cases (:mod:`ulr_app.demo_learners`): on-track colours, learners not contacted for
   90 days, overdue and coming follow-ups and case due dates show on the build date too.
2. :func:`apply_plan` writes the plan: branches, employers, users, learning agreements, ULRs,
   time-off requests, learners (needs analyses, enrolments step by step, contacts, follow-ups)
   and cases through the services (so the audit trail and the timelines record them, as
   "demo data"); schools and council services by bulk insert (with their audit entries), because
   ``--scale national`` has ~22,000 of them.

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
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_DOWN, Decimal
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Optional

from flask import current_app
from sqlalchemy import func, insert, select

from .accounts import services as account_services
from .accounts.models import User
from .accounts.passwords import hash_password, password_problems
from .agreements import services as agreement_services
from .agreements.models import Agreement
from .config import defaults as config_defaults
from .core import audit
from .core.audit_models import AuditEntry
from .core.errors import ServiceError
from .core.models import utcnow
from .extensions import db
from .organisation import services as org
from .organisation.models import Branch, Employer, Region, Workplace
from .reference.loader import REGIONS, _local_authority_rows
from .reps import rules as rep_rules
from .reps import services as rep_services
from .reps.models import Rep
from .timeoff import rules as time_off_rules
from .timeoff import services as time_off_services
from .timeoff.models import TimeOffRequest

if TYPE_CHECKING:  # pragma: no cover
    from .demo_learners import CasePlan, LearnerPlan

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
class AgreementPlan:
    """A learning agreement, the way a convenor would have recorded it (dates as YYYY-MM-DD)."""

    key: str
    branch_key: str
    employer_key: str
    #: where it ends up; it gets there through the lifecycle (:data:`STATUS_PATHS`)
    status: str
    #: create_agreement's fields (title, kind, schools_scope, ...), as (name, value) pairs
    values: tuple[tuple[str, Any], ...]
    #: signed_on, signatories, review and expiry dates: recorded just before it is signed
    signature: tuple[tuple[str, Any], ...] = ()
    named_in: tuple[int, ...] = ()  # URNs
    named_out: tuple[int, ...] = ()
    ulr_places_by_service: tuple[tuple[str, int], ...] = ()
    learner_time_by_course: tuple[tuple[str, str], ...] = ()
    #: status -> the note on its timeline entry
    notes: tuple[tuple[str, str], ...] = ()
    #: nobody has touched it since this day (a stale draft); None: it was last touched when built
    last_activity_on: Optional[str] = None

    @property
    def title(self) -> str:
        return dict(self.values)["title"]

    def field(self, name: str) -> Any:
        return {**dict(self.values), **dict(self.signature)}.get(name)


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
    agreements: tuple[AgreementPlan, ...] = ()
    reps: tuple["RepPlan", ...] = ()
    time_off: tuple["TimeOffPlan", ...] = ()
    learners: tuple["LearnerPlan", ...] = ()
    cases: tuple["CasePlan", ...] = ()

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


# --- learning agreements ------------------------------------------------------------------

#: the status changes that take a new draft to each status (rules.TRANSITIONS allows each step)
STATUS_PATHS = {
    "draft": (),
    "negotiating": ("negotiating",),
    "signed": ("negotiating", "signed"),
    "under_review": ("negotiating", "signed", "under_review"),
    "expired": ("negotiating", "signed", "expired"),
    "terminated": ("negotiating", "signed", "terminated"),
}
#: national scale: how many councils per region get an agreement besides the small world's four
AGREEMENTS_PER_REGION = 3
#: national scale: (status, schools scope) by turn, so every region has a mixture
GENERIC_AGREEMENTS = (
    ("signed", "included"), ("signed", "silent"), ("negotiating", "excluded"), ("under_review", "silent"),
    ("draft", "included"), ("expired", "silent"), ("terminated", "excluded"), ("signed", "excluded"),
)
BARNET_ULR_PLACES = (("Housing", 2), ("Environment", 2), ("Children's services", 3), ("Adult social care", 2),
                     ("Resources", 1))
BARNET_LEARNER_TIME = (("skills_for_life", "paid"), ("vocational", "matched"), ("higher_education", "own_time"))
#: the safeguards every model agreement has (and the services' defaults say so anyway)
DISPUTES_ROUTE = ("Disputes go first to the learning partnership group and, if not resolved there, to the "
                  "Joint Negotiating Committee (JNC).")


def _day(offset: int, base: date = REFERENCE_DATE) -> str:
    return (base + timedelta(days=offset)).isoformat()


class _Signatories:
    """Believable names for who signed (seeded, from their own RNG)."""

    def __init__(self, seed: int):
        self.rng = _rng(seed, "agreements")

    def name(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)}"

    def signature(self, branch: BranchPlan, *, signed: int, review: int, expires: int, base: date = REFERENCE_DATE,
                  employer_role: str = "Director of Human Resources") -> tuple[tuple[str, Any], ...]:
        return (("signed_on", _day(signed, base)), ("review_due_on", _day(review, base)),
                ("expires_on", _day(expires, base)),
                ("employer_signatory", self.name()), ("employer_signatory_role", employer_role),
                ("union_signatory", self.name()), ("union_signatory_role", f"Branch Secretary, {branch.name} UNISON"))


def _schools_of(schools: list[WorkplacePlan], employer_key: str, establishment_type: str, n: int) -> tuple[int, ...]:
    return tuple(sorted(s.urn for s in schools if s.employer_key == employer_key
                        and s.establishment_type == establishment_type and s.urn)[:n])


def _agreements(seed: int, branches: list[BranchPlan], employers: list[EmployerPlan], schools: list[WorkplacePlan],
                today: date) -> tuple[AgreementPlan, ...]:
    """Learning agreements in every status and schools scope, modelled on what "Time to train" found.

    The small world's four councils (and each region's trust and contractor) get bespoke ones,
    among them one modelled on the Barnet UNISON / London Borough of Barnet partnership agreement;
    at national scale the first few other councils of each region get one each as well.

    Reminders: Newcastle's review is overdue and the contractor's draft has been left untouched
    since well before REFERENCE_DATE (both stay so on any later day); Gateshead's review falls
    due 40 days after ``today``.
    """
    by_key = {e.key: e for e in employers}
    branch_by_key = {b.key: b for b in branches}
    people = _Signatories(seed)
    out: list[AgreementPlan] = []

    def add(key: str, employer_key: str, status: str, values: dict, **kw: Any) -> None:
        employer = by_key.get(employer_key)
        if employer is None:
            return
        out.append(AgreementPlan(key=key, branch_key=employer.branch_keys[0], employer_key=employer_key, status=status,
                                 values=tuple(values.items()), **kw))

    def branch_of(employer_key: str) -> Optional[BranchPlan]:
        employer = by_key.get(employer_key)
        return branch_by_key[employer.branch_keys[0]] if employer else None

    if (barnet := branch_of("council:302")) is not None:
        add("agreement:barnet", "council:302", "signed", {
            "title": "Barnet UNISON and London Borough of Barnet learning agreement",
            "kind": "partnership", "schools_scope": "included", "whole_employer": True, "equal_access": True,
            "ulr_places": sum(n for _s, n in BARNET_ULR_PLACES),
            "ulr_appointment": "ULRs are elected or appointed under UNISON rules; the branch tells Human Resources "
                               "in writing who they are, and when they are trained.",
            "ulr_paid_time_off": True, "ulr_hours_per_month": "7.5", "ulr_ad_hoc_time": True,
            "ulr_facilities": ["room", "phone", "computer", "email", "printer", "noticeboard"],
            "member_access": True, "member_access_paid": True, "learner_time_off": "matched",
            "partnership_group": True, "partnership_employer_members": 4, "partnership_union_members": 4,
            "partnership_meeting_frequency": "quarterly",
            "coordinator": True, "coordinator_release_days": "1",
            "learning_centre": True,
            "learning_centre_details": "A learning centre with computers and a ULR drop-in, open to all staff, "
                                       "schools' support staff included, on early, late and term-time shifts.",
            "needs_analysis_learning_only": True, "confidentiality": True, "not_substitute_for_bargaining": True,
            "grievances_existing_procedures": True, "disputes_route": DISPUTES_ROUTE,
            "starts_on": _day(-300),
        }, signature=people.signature(barnet, signed=-300, review=430, expires=795),
            ulr_places_by_service=BARNET_ULR_PLACES, learner_time_by_course=BARNET_LEARNER_TIME,
            notes=(("signed", "Signed at the Joint Negotiating Committee"),))

    if (camden := branch_of("council:202")) is not None:
        add("agreement:camden", "council:202", "under_review", {
            "title": "Camden learning agreement", "kind": "partnership", "schools_scope": "excluded",
            "ulr_places": 4, "learner_time_off": "own_time", "member_access_paid": False,
            "partnership_group": True, "partnership_employer_members": 3, "partnership_union_members": 3,
            "partnership_meeting_frequency": "twice_yearly", "ulr_facilities": ["room", "phone"],
            "disputes_route": DISPUTES_ROUTE,
        }, signature=people.signature(camden, signed=-1000, review=-20, expires=460),
            named_in=_schools_of(schools, "council:202", "Community special school", 2),
            notes=(("under_review", "Review opened at the partnership group: the branch wants schools included"),))

    trust_london = by_key.get("trust:greater_london")
    if trust_london is not None:
        add("agreement:trust:greater_london", trust_london.key, "negotiating", {
            "title": f"{trust_london.name} learning partnership", "kind": "partnership", "schools_scope": "included",
            "ulr_places": 3, "learner_time_off": "matched", "partnership_group": True,
            "partnership_employer_members": 2, "partnership_union_members": 2,
            "partnership_meeting_frequency": "bimonthly",
        }, notes=(("negotiating", "First draft sent to the trust's HR director"),))

    contractor = by_key.get("contractor:greater_london")
    if contractor is not None:
        add("agreement:contractor:greater_london", contractor.key, "draft", {
            "title": f"{contractor.name.removesuffix(' Ltd')}: food hygiene and NVQ Level 2 for kitchen staff",
            "kind": "short_term", "schools_scope": "silent", "learner_time_off": "not_stated",
            "partnership_group": False,
        }, last_activity_on=_day(-120))

    if (newcastle := branch_of("council:391")) is not None:
        add("agreement:newcastle", "council:391", "signed", {
            "title": "Newcastle City Council and UNISON learning agreement", "kind": "partnership",
            "schools_scope": "silent", "ulr_places": 6, "learner_time_off": "own_time",
            "partnership_group": True, "partnership_employer_members": 3, "partnership_union_members": 3,
            "partnership_meeting_frequency": "twice_yearly", "ulr_facilities": ["room", "computer", "email"],
            "disputes_route": DISPUTES_ROUTE,
        }, signature=people.signature(newcastle, signed=-800, review=-45, expires=300))
        add("agreement:newcastle:pilot", "council:391", "terminated", {
            "title": "Newcastle depots ULR pilot", "kind": "short_term", "schools_scope": "excluded",
            "whole_employer": False, "services_covered": "Environment; Housing repairs", "ulr_places": 2,
            "learner_time_off": "paid",
        }, signature=people.signature(newcastle, signed=-600, review=-235, expires=130,
                                      employer_role="Head of Environmental Services"),
            notes=(("terminated", "Ended early when the depots' work was contracted out"),))

    if (gateshead := branch_of("council:390")) is not None:
        add("agreement:gateshead:2019", "council:390", "expired", {
            "title": "Gateshead Council learning agreement 2019", "kind": "partnership", "schools_scope": "silent",
            "ulr_places": 3, "learner_time_off": "not_stated",
        }, signature=people.signature(gateshead, signed=-2400, review=-1700, expires=-1000),
            notes=(("expired", "Lapsed: not renewed after the council's restructure"),))
        add("agreement:gateshead", "council:390", "signed", {
            "title": "Gateshead Council and Gateshead UNISON learning agreement", "kind": "partnership",
            "schools_scope": "included", "ulr_places": 8, "learner_time_off": "paid", "member_access_paid": True,
            "partnership_group": True, "partnership_employer_members": 3, "partnership_union_members": 3,
            "partnership_meeting_frequency": "quarterly", "coordinator": True, "coordinator_release_days": "0.5",
            "disputes_route": DISPUTES_ROUTE,
        }, signature=people.signature(gateshead, signed=-700, review=40, expires=770, base=today),
            named_out=_schools_of(schools, "council:390", "Voluntary aided school", 2),
            learner_time_by_course=(("skills_for_life", "paid"), ("esol", "paid"), ("vocational", "matched")),
            notes=(("signed", "Signed by the Leader of the Council and the branch secretary"),))

    trust_north = by_key.get("trust:northern")
    if trust_north is not None:
        add("agreement:trust:northern", trust_north.key, "draft", {
            "title": f"{trust_north.name} learning agreement", "kind": "partnership", "schools_scope": "included",
            "ulr_places": 4, "learner_time_off": "matched",
        })

    # national scale: a few more councils per region, in turn through the statuses and scopes
    bespoke = {"council:302", "council:202", "council:391", "council:390"}
    turn = 0
    for region_code in dict.fromkeys(b.region_code for b in branches):
        councils = [e for e in employers if e.kind == "local_authority" and e.region_code == region_code
                    and e.key not in bespoke][:AGREEMENTS_PER_REGION]
        for council in councils:
            status, scope = GENERIC_AGREEMENTS[turn % len(GENERIC_AGREEMENTS)]
            branch = branch_by_key[council.branch_keys[0]]
            signature = () if status in ("draft", "negotiating") else people.signature(
                branch, signed=-200 - 30 * (turn % 12), review=165 + 7 * turn % 200, expires=900)
            if status == "expired":
                signature = people.signature(branch, signed=-1500, review=-900, expires=-400)
            add(f"agreement:{council.key}", council.key, status, {
                "title": f"{council.name} and {branch.name} UNISON learning agreement", "kind": "partnership",
                "schools_scope": scope, "ulr_places": 2 + turn % 7,
                "learner_time_off": ("paid", "matched", "own_time", "not_stated")[turn % 4],
            }, signature=signature)
            turn += 1
    return tuple(out)


# --- ULRs and time off ----------------------------------------------------------------------

#: the ERA 2025 commencement the plan assumes unless told otherwise (the shipped setting)
DEFAULT_COMMENCEMENT: date = config_defaults()["ERA_2025_COMMENCEMENT"]
#: time-off requests per branch over the year before the build date (plus the pinned refusals)
REQUESTS_PER_BRANCH = 30
REQUESTS_PER_BRANCH_NATIONAL = 6

#: a workplace in the plan: (employer key, name, URN or None)
WorkplaceRef = tuple[str, str, Optional[int]]

#: each branch's ULRs, by branch in turn: (a demo login or an extra person, profile, where they are based).
#: "Time to train": almost no ULRs are based in schools, so only a minority here are.
REP_PATTERNS = (
    (("login", "active_trained", "service"), ("login", "training_due_warning", "service"),
     ("extra", "active_completed", "school")),
    (("login", "active_completed", "service"), ("login", "training_due", "service"), ("extra", "stood_down", "service")),
    (("login", "active_trained", "service"), ("login", "active_completed", "service"), ("extra", "lapsed", "school")),
    (("login", "training_due", "service"), ("login", "active_trained", "service"), ("extra", "appointed", "service")),
)
PROFILE_STATUS = {"active_trained": "active", "active_completed": "active", "training_due": "training_due",
                  "training_due_warning": "training_due", "lapsed": "lapsed", "appointed": "appointed",
                  "stood_down": "stood_down"}
ULR_COURSE = "ULR stage 1: the role of the union learning rep (UNISON)"

TIME_OFF_KINDS = (("ulr_duties", 40), ("ulr_training", 12), ("member_access", 20), ("learner_release", 28))
#: share of decided requests the employer refuses, by the kind of workplace the time off is from
REFUSAL_RATES = {"school": 0.35, "service": 0.10, "other": 0.20}
#: the reasons employers give, by kind of workplace: schools mostly cannot (or will not) find cover
REFUSAL_REASON_WEIGHTS = {
    "school": (("cover", 45), ("workload", 27), ("operational", 10), ("short_notice", 8), ("not_job_related", 6),
               ("other", 4)),
    "service": (("operational", 30), ("workload", 28), ("cover", 16), ("short_notice", 12), ("not_job_related", 9),
                ("other", 5)),
    "other": (("operational", 40), ("cover", 30), ("workload", 20), ("other", 10)),
}
REFUSAL_DETAILS = {
    "cover": {"school": "The head teacher said the school could not find cover for the classroom that day.",
              "service": "The manager said there was nobody to cover the rota that day.",
              "other": "The contract manager said there was no relief cover."},
    "workload": "The manager said the team was too busy to release anyone.",
    "operational": "Operational needs: the service could not spare staff then.",
    "short_notice": "The employer said not enough notice was given.",
    "not_job_related": "The employer said the course was not related to the job.",
    "other": "No reason was given in writing.",
}
DURATIONS = {"ulr_duties": ("1", "1.5", "2", "3", "3.5", "7"), "ulr_training": ("6", "7", "14"),
             "member_access": ("0.5", "0.75", "1"), "learner_release": ("2", "2.5", "3", "6")}
START_TIMES = ("09:00", "09:30", "10:00", "13:00", "13:30")
TRAINING_COURSES = (ULR_COURSE, "ULR stage 2: supporting learners (UNISON)", "Learning needs assessment for ULRs",
                    "Mental health awareness for ULRs")
LEARNER_COURSES = ("Functional Skills English Level 1", "Functional Skills Maths Entry 3", "ESOL Entry 2",
                   "Level 2 Certificate in Supporting Teaching and Learning", "Level 3 Diploma in Adult Care",
                   "Return to Learn (UNISON)", "Digital skills for beginners")
DUTY_REASONS = {
    "analysing_needs": "Learning needs survey of the team",
    "information_advice": "Drop-in session: advice on courses and funding",
    "arranging_learning": "Arranging a Functional Skills course with the college",
    "promoting_learning": "Learning at Work Week stall",
    "consulting_employer": "Learning partnership group meeting",
    "preparation": "Preparing the learning survey",
}
#: open refusals placed on purpose, one per branch in turn: (kind, where, reason, days from the build date to
#: the tribunal deadline, Acas early conciliation recorded): the Acas one's days count before conciliation
#: extends it (in the months after the ERA 2025 change, conciliation may be what brings a deadline so close).
PINNED_REFUSALS = (
    ("ulr_duties", "school", "cover", 6, False),
    ("member_access", "school", "workload", 12, False),
    ("member_access", "school", "cover", 10, True),
    ("ulr_duties", "service", "operational", 60, False),
)


@dataclass(frozen=True)
class RepPlan:
    """A ULR appointment as the branch recorded it (dates as YYYY-MM-DD, relative to the build date)."""

    key: str
    branch_key: str
    employer_key: str
    workplace: WorkplaceRef
    name: str
    email: Optional[str]
    #: the demo login that is this ULR (None: no login)
    user_email: Optional[str]
    #: the status on the build date (what the dates were chosen to give)
    status: str
    school_based: bool
    #: create_rep's dates and training fields, as (name, value) pairs
    values: tuple[tuple[str, Any], ...]

    def field(self, name: str) -> Any:
        return dict(self.values).get(name)


@dataclass(frozen=True)
class TimeOffPlan:
    """A time-off request, and what happened to it (dates as YYYY-MM-DD, relative to the build date)."""

    key: str
    branch_key: str
    rep_key: Optional[str]
    workplace: WorkplaceRef
    #: school | service | other: the kind of workplace the time off is from
    workplace_kind: str
    #: create_request's fields (kind, purpose, starts_at...), as (name, value) pairs
    values: tuple[tuple[str, Any], ...]
    submitted: bool = True
    #: record_decision's fields, or () while the employer has not answered
    decision: tuple[tuple[str, Any], ...] = ()
    #: record_acas's fields
    acas: tuple[tuple[str, Any], ...] = ()
    #: who recorded it: the ULR's login (their e-mail), or None for the branch convenor
    recorded_by: Optional[str] = None

    @property
    def status(self) -> str:
        return dict(self.decision).get("status") or ("submitted" if self.submitted else "draft")

    def field(self, name: str) -> Any:
        return {**dict(self.values), **dict(self.decision), **dict(self.acas)}.get(name)


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _w in pairs], weights=[w for _k, w in pairs])[0]


def _ref(w: WorkplacePlan) -> WorkplaceRef:
    return (w.employer_key, w.name, w.urn)


def _rep_dates(profile: str, today: date, rng: random.Random) -> dict[str, Optional[date]]:
    """The dates that give ``profile`` its status on ``today`` (checked against the rules)."""
    ago = lambda n: today - timedelta(days=n)  # noqa: E731
    later = lambda d, n: d + timedelta(days=n)  # noqa: E731
    if profile == "active_trained":  # trained before appointment (an approved course or experience)
        appointed = ago(rng.randint(500, 900))
        return {"appointed_on": appointed, "notice_given_on": later(appointed, 3), "training_route": "already_trained",
                "trained_on": ago((today - appointed).days + rng.randint(200, 700)),
                "training_completion_notified_on": later(appointed, 3)}
    if profile == "active_completed":  # trained within the six months, and the employer told
        appointed = ago(rng.randint(250, 700))
        notice = later(appointed, 5)
        trained = later(notice, rng.randint(50, 150))
        return {"appointed_on": appointed, "notice_given_on": notice, "will_train_notice_on": notice,
                "trained_on": trained, "training_completion_notified_on": later(trained, rng.randint(3, 10))}
    if profile == "training_due":
        appointed = ago(rng.randint(40, 90))
        notice = later(appointed, rng.randint(2, 6))
        return {"appointed_on": appointed, "notice_given_on": notice, "will_train_notice_on": notice}
    if profile == "training_due_warning":  # the training deadline falls within a month of today
        target = later(today, rng.randint(10, 24))
        back = 150
        while rep_rules.training_deadline(ago(back)) > target:
            back += 1
        notice = ago(back)
        return {"appointed_on": ago(back + rng.randint(1, 5)), "notice_given_on": notice, "will_train_notice_on": notice}
    if profile == "lapsed":  # the six months passed without training
        appointed = ago(rng.randint(300, 420))
        notice = later(appointed, 5)
        return {"appointed_on": appointed, "notice_given_on": notice, "will_train_notice_on": notice}
    if profile == "appointed":  # the union has not told the employer yet
        return {"appointed_on": ago(rng.randint(5, 20))}
    if profile == "stood_down":
        appointed = ago(rng.randint(800, 1100))
        return {"appointed_on": appointed, "notice_given_on": later(appointed, 3), "training_route": "already_trained",
                "trained_on": ago((today - appointed).days + 100), "training_completion_notified_on": later(appointed, 3),
                "stood_down_on": ago(rng.randint(60, 150))}
    raise ValueError(profile)


def _new_person(rng: random.Random, taken: set[str]) -> tuple[str, str]:
    while True:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        email = re.sub(r"[^a-z.]", "", name.lower().replace(" ", ".")) + "@example.org"
        if email not in taken:
            taken.add(email)
            return name, email


def _council_workplaces(workplaces: Iterable[WorkplacePlan]) -> dict[tuple[str, str], list[WorkplacePlan]]:
    """(employer key, kind) -> its workplaces (schools by URN)."""
    out: dict[tuple[str, str], list[WorkplacePlan]] = {}
    for w in workplaces:
        out.setdefault((w.employer_key, w.kind), []).append(w)
    for key in out:
        out[key].sort(key=lambda w: (w.urn or 0, w.name))
    return out


def _reps(seed: int, branches: list[BranchPlan], workplaces: list[WorkplacePlan], users: list[UserPlan],
          today: date) -> tuple[RepPlan, ...]:
    """Three ULRs per branch, in every status on ``today``: the branch's two demo ULR logins and one
    person without a login; a minority based in schools. The first branch's second ULR has a
    training deadline within a month of ``today`` (the reminder and the warning show)."""
    rng, names = _rng(seed, "reps"), _rng(seed, "rep names")
    taken = {u.email for u in users}
    by_kind = _council_workplaces(workplaces)
    logins: dict[str, list[UserPlan]] = {}
    for u in users:
        if u.role == "learning_rep" and u.branch_key:
            logins.setdefault(u.branch_key, []).append(u)
    out = []
    for index, branch in enumerate(branches):
        council = f"council:{branch.key.split(':', 1)[1]}"
        services, schools = by_kind.get((council, "service"), []), by_kind.get((council, "school"), [])
        if not services:
            continue
        mine = list(logins.get(branch.key, []))
        for slot, (who, profile, where) in enumerate(REP_PATTERNS[index % len(REP_PATTERNS)], start=1):
            if profile == "training_due_warning" and index:
                profile = "training_due"  # one warning in the whole demo is enough
            school = where == "school" and bool(schools)
            workplace = rng.choice(schools) if school else services[(index + slot) % len(services)]
            if who == "login" and mine:
                user = mine.pop(0)
                name, email, user_email = user.name, user.email, user.email
            else:
                (name, email), user_email = _new_person(names, taken), None
            dates = _rep_dates(profile, today, rng)
            route = dates.pop("training_route", "will_train")
            status = rep_rules.status(rep_rules.RepFacts(training_route=route, **{
                f: dates.get(f) for f in ("appointed_on", "notice_given_on", "will_train_notice_on", "trained_on",
                                          "training_completion_notified_on", "stood_down_on")}), today)
            assert status == PROFILE_STATUS[profile], (profile, status)
            values = {"training_route": route, **{k: v.isoformat() for k, v in dates.items() if v is not None}}
            if dates.get("trained_on") or dates.get("will_train_notice_on"):
                values["training_course"] = ULR_COURSE
            out.append(RepPlan(key=f"rep:{branch.key}:{slot}", branch_key=branch.key, employer_key=council,
                               workplace=_ref(workplace), name=name, email=email, user_email=user_email, status=status,
                               school_based=school, values=tuple(values.items())))
    return tuple(out)


def _in_post(rep: RepPlan, day: date) -> bool:
    """Appointed, the employer told, and not yet stood down on ``day``."""
    notice, stood_down = rep.field("notice_given_on"), rep.field("stood_down_on")
    return (notice is not None and date.fromisoformat(notice) <= day
            and (stood_down is None or date.fromisoformat(stood_down) > day))


def _refusal_for(kind: str, target: date, today: date,
                 commencement_on: Optional[date]) -> tuple[date, Optional[date], Optional[date]]:
    """(refusal date, Acas early conciliation Day A, Day B) giving a tribunal deadline on or just
    before ``target`` (and not before ``today``).

    Usually the latest refusal date that does it, without conciliation. In the months when no
    refusal can have such a deadline (the ERA 2025 change makes failures from its commencement
    six-month ones, so none end between three months after the day before it and six months after
    it), a refusal just before the change with early conciliation that carries it there; failing
    that, the refusal whose deadline is soonest after ``today``.
    """
    def last_day(failure: date, started: Optional[date] = None, certificate: Optional[date] = None) -> date:
        return time_off_rules.tribunal_deadline(kind=kind, failure_on=failure, commencement_on=commencement_on,
                                                ec_started_on=started, ec_certificate_on=certificate).last_day

    best: Optional[tuple[date, date]] = None
    expired: Optional[tuple[date, date]] = None  # the latest refusal whose deadline has passed
    for back in range(1, 400):
        failure = today - timedelta(days=back)
        last = last_day(failure)
        if today <= last <= target:
            return failure, None, None
        if last >= today and (best is None or last < best[0]):
            best = (last, failure)
        if last < today and expired is None:
            expired = (last, failure)
    if expired is not None:
        last, failure = expired
        started = failure + timedelta(days=7)
        certificate = started + timedelta(days=(target - last).days)
        if started <= last and certificate <= today and today <= last_day(failure, started, certificate) <= target:
            return failure, started, certificate
    return (best[1] if best else today - timedelta(days=30)), None, None


def _time_off(seed: int, branches: list[BranchPlan], employers: list[EmployerPlan], workplaces: list[WorkplacePlan],
              reps: tuple[RepPlan, ...], today: date, commencement_on: Optional[date], *,
              per_branch: int) -> tuple[TimeOffPlan, ...]:
    """A year of time-off requests up to ``today`` in every branch, of all four kinds.

    Notice is mostly adequate, some short. The employers' answers follow "Time to train": schools
    refuse about 35% of the requests they decide, council services about 10% (contractors 20%),
    mostly for want of cover and workload in schools. The most recent few are undecided or still
    drafts. On top, :data:`PINNED_REFUSALS` puts open refusals in the first branches: tribunal
    deadlines 6 and 12 days after ``today``, one with Acas early conciliation recorded, one further
    off (the deadlines follow the ERA 2025 ``commencement_on`` setting).
    """
    rng = _rng(seed, "time off")
    by_kind = _council_workplaces(workplaces)
    others: dict[str, list[WorkplacePlan]] = {}
    for e in employers:
        if e.kind == "contractor":
            for branch_key in e.branch_keys:
                others.setdefault(branch_key, []).extend(by_kind.get((e.key, "other"), []))
    plans: list[dict[str, Any]] = []

    def place(branch: BranchPlan, school_share: float) -> tuple[WorkplacePlan, str]:
        council = f"council:{branch.key.split(':', 1)[1]}"
        schools, services = by_kind.get((council, "school"), []), by_kind[(council, "service")]
        roll = rng.random()
        if others.get(branch.key) and roll < 0.08:
            return rng.choice(others[branch.key]), "other"
        if schools and roll < school_share:
            return rng.choice(schools), "school"
        return rng.choice(services), "service"

    def fields(branch: BranchPlan, kind: str, rep: Optional[RepPlan], workplace: WorkplacePlan, requested: date,
               short: bool) -> dict[str, Any]:
        needed = 21 if kind in ("ulr_training", "learner_release") else 7
        notice = rng.randint(max(1, needed // 3), needed - 1) if short else rng.randint(needed, needed + 28)
        starts = requested + timedelta(days=notice)
        purpose = {"ulr_training": "ulr_training", "member_access": "accessing_ulr",
                   "learner_release": "course_attendance"}.get(kind) or rng.choice(tuple(DUTY_REASONS))
        where = workplace.name[:160]
        values: dict[str, Any] = {
            "kind": kind, "purpose": purpose, "starts_at": f"{starts.isoformat()}T{rng.choice(START_TIMES)}",
            "duration_hours": rng.choice(DURATIONS[kind]), "requested_on": requested.isoformat(),
        }
        if kind == "ulr_duties":
            values.update(location=(f"Staff room, {where}" if workplace.kind == "school"
                                    else f"{branch.name} Civic Centre learning centre"),
                          reason=DUTY_REASONS[purpose], paid_requested=True)
        elif kind == "ulr_training":
            values.update(location="UNISON regional centre", course=rng.choice(TRAINING_COURSES), paid_requested=True,
                          reason="Training for the ULR role (TULRCA 1992 s.168A(2))")
        elif kind == "member_access":
            values.update(location=f"Meeting room, {where}", paid_requested=rng.random() < 0.3,
                          reason="A member's appointment with the ULR about a course")
        else:
            values.update(location=f"{branch.name} College", course=rng.choice(LEARNER_COURSES),
                          paid_requested=rng.random() < 0.5, reason="Weekly class during working hours")
        return values

    for index, branch in enumerate(branches):
        if (f"council:{branch.key.split(':', 1)[1]}", "service") not in by_kind:
            continue
        mine = [r for r in reps if r.branch_key == branch.key]
        for n in range(per_branch):
            # the first is recent: sent, and the employer has not answered yet
            requested = today - timedelta(days=rng.randint(1, 6) if n == 0 else rng.randint(0, 364))
            kind = _weighted(rng, TIME_OFF_KINDS)
            in_post = [r for r in mine if _in_post(r, requested)]
            rep: Optional[RepPlan] = None
            if kind in ("ulr_duties", "ulr_training") and in_post:
                training = [r for r in in_post if r.field("training_route") == "will_train"]
                rep = rng.choice(training if kind == "ulr_training" and training else in_post)
                workplace = next(w for w in by_kind[(rep.employer_key, "school" if rep.school_based else "service")]
                                 if _ref(w) == rep.workplace)
                wkind = "school" if rep.school_based else "service"
            else:
                if kind != "member_access" or not in_post:
                    kind = "learner_release"
                rep = rng.choice(in_post) if in_post and (kind == "member_access" or rng.random() < 0.7) else None
                workplace, wkind = place(branch, 0.5 if kind == "member_access" else 0.55)
            short = rng.random() < 0.15
            values = fields(branch, kind, rep, workplace, requested, short)
            decided_on = requested + timedelta(days=rng.randint(1, 12))
            draft = (today - requested).days <= 5 and rng.random() < 0.4
            if draft:
                values["requested_on"] = None
            plans.append({"key": f"time_off:{branch.key}:{n + 1}", "branch": branch, "rep": rep, "workplace": workplace,
                          "wkind": wkind, "values": values, "short": short, "submitted": not draft,
                          "decided_on": None if n == 0 or draft or decided_on > today else decided_on})

    # the employers' answers: refusals by quota per kind of workplace (short notice refused more often)
    decided = [p for p in plans if p["decided_on"]]
    for wkind, rate in REFUSAL_RATES.items():
        group = [p for p in decided if p["wkind"] == wkind]
        keys = sorted(group, key=lambda p: rng.random() ** (1 / (2.0 if p["short"] else 1.0)), reverse=True)
        for p in keys[:round(rate * len(group))]:
            reason = "short_notice" if p["short"] and rng.random() < 0.6 else _weighted(rng, REFUSAL_REASON_WEIGHTS[wkind])
            details = REFUSAL_DETAILS[reason]
            p["decision"] = {"status": "refused", "refusal_reason": reason,
                             "refusal_details": details[wkind] if isinstance(details, dict) else details}
    for p in decided:
        if "decision" in p:
            continue
        roll, duration = rng.random(), Decimal(p["values"]["duration_hours"])
        if roll < 0.08 and duration >= 2:
            reason = _weighted(rng, REFUSAL_REASON_WEIGHTS[p["wkind"]])
            details = REFUSAL_DETAILS[reason]
            p["decision"] = {"status": "partly_granted", "paid": True, "refusal_reason": reason,
                             "hours_granted": str(duration.to_integral_value(rounding=ROUND_DOWN) / 2),
                             "refusal_details": details[p["wkind"]] if isinstance(details, dict) else details}
        elif roll < 0.12:
            p["decision"] = {"status": "withdrawn", "refusal_details": "Withdrawn by the member: the course moved."}
        else:
            kind = p["values"]["kind"]
            paid = True if kind in ("ulr_duties", "ulr_training") else bool(p["values"].get("paid_requested"))
            p["decision"] = {"status": "granted", "paid": paid}

    # open refusals with deadlines that matter on the build date
    for index, (kind, where, reason, days, acas) in enumerate(PINNED_REFUSALS[:len(branches)]):
        branch = branches[index]
        if (f"council:{branch.key.split(':', 1)[1]}", "service") not in by_kind:
            continue
        failure, started, certificate = _refusal_for(kind, today + timedelta(days=days), today, commencement_on)
        requested = failure - timedelta(days=rng.randint(3, 8))
        in_post = [r for r in reps if r.branch_key == branch.key and _in_post(r, requested)]
        if not in_post:
            continue
        school_reps = [r for r in in_post if r.school_based]
        if kind == "ulr_duties" and where == "school" and not school_reps:
            kind = "member_access"
        if kind == "ulr_duties":
            rep = (school_reps if where == "school" else [r for r in in_post if not r.school_based] or in_post)[0]
            workplace = next(w for w in workplaces if _ref(w) == rep.workplace)
            wkind = "school" if rep.school_based else "service"
        else:
            rep = in_post[0]
            council = f"council:{branch.key.split(':', 1)[1]}"
            schools = by_kind.get((council, "school"), [])
            wkind = "school" if where == "school" and schools else "service"
            workplace = (schools if wkind == "school" else by_kind[(council, "service")])[0]
        values = fields(branch, kind, rep, workplace, requested, short=False)
        details = REFUSAL_DETAILS[reason]
        plan = {"key": f"time_off:{branch.key}:open", "branch": branch, "rep": rep, "workplace": workplace,
                "wkind": wkind, "values": values, "submitted": True, "decided_on": failure,
                "decision": {"status": "refused", "refusal_reason": reason,
                             "refusal_details": details[wkind] if isinstance(details, dict) else details}}
        if acas and started is None:
            started = failure + timedelta(days=14)
            certificate = started + timedelta(days=28)
        if started is not None and started <= today:
                plan["acas"] = {"acas_ec_started_on": started.isoformat(),
                                "acas_ec_certificate_on": certificate.isoformat() if certificate <= today else None}
        plans.append(plan)

    out = []
    for p in plans:
        decision = dict(p.get("decision") or {})
        if decision:
            decision["decided_on"] = p["decided_on"].isoformat()
        rep = p["rep"]
        by_ulr = rep is not None and rep.user_email and p["values"]["kind"] in ("ulr_duties", "ulr_training")
        out.append(TimeOffPlan(key=p["key"], branch_key=p["branch"].key, rep_key=rep.key if rep else None,
                               workplace=_ref(p["workplace"]), workplace_kind=p["wkind"],
                               values=tuple(p["values"].items()), submitted=p["submitted"],
                               decision=tuple(decision.items()), acas=tuple((p.get("acas") or {}).items()),
                               recorded_by=rep.user_email if by_ulr else None))
    return tuple(out)


def _plan(scale: str, seed: int, la_codes: Iterable[str], schools: Iterable[dict], today: Optional[date] = None,
          commencement_on: Optional[date] = None) -> Plan:
    """The world for these LAs: a branch and a council each, their schools and services, a
    trust per region for the academies, a contractor per region, the people, learning
    agreements (:func:`_agreements`), ULRs (:func:`_reps`), a year of time-off requests
    (:func:`_time_off`), learners and cases (:mod:`ulr_app.demo_learners`)."""
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
    agreements = _agreements(seed, branches, employers, school_plans, today or REFERENCE_DATE)
    reps = _reps(seed, branches, workplaces, users, today or REFERENCE_DATE)
    time_off = _time_off(seed, branches, employers, workplaces, reps, today or REFERENCE_DATE,
                         commencement_on or DEFAULT_COMMENCEMENT,
                         per_branch=REQUESTS_PER_BRANCH if scale == "small" else REQUESTS_PER_BRANCH_NATIONAL)
    from . import demo_learners

    learners = demo_learners.plan_learners(
        seed, branches, workplaces, users, reps, today or REFERENCE_DATE,
        per_branch=demo_learners.LEARNERS_PER_BRANCH if scale == "small" else demo_learners.LEARNERS_PER_BRANCH_NATIONAL)
    cases = demo_learners.plan_cases(seed, branches, workplaces, users, reps, agreements, time_off, learners,
                                     today or REFERENCE_DATE, full=scale == "small")
    return Plan(scale=scale, seed=seed, branches=tuple(branches), employers=tuple(employers),
                workplaces=tuple(workplaces), users=tuple(users), schools_skipped=skipped, agreements=agreements,
                reps=reps, time_off=time_off, learners=learners, cases=cases)


def plan_small(seed: int = 2008, today: Optional[date] = None, commencement_on: Optional[date] = None) -> Plan:
    """Two regions, four branches (Barnet, Camden; Newcastle City, Gateshead), their schools.

    ``today`` (default :data:`REFERENCE_DATE`) dates the one review that falls due soon, the ULRs'
    notices (so each has its status on that day) and the year of time-off requests up to it;
    ``commencement_on`` is the ERA 2025 setting (default: the shipped one), which the requests'
    tribunal deadlines depend on."""
    with resources.as_file(resources.files("ulr_app.data").joinpath(SMALL_SCHOOLS_FILE)) as path:
        return _plan("small", seed, SMALL_LAS, _open_csv(path), today, commencement_on)


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


def plan_national(seed: int = 2008, path: Optional[Path] = None, today: Optional[date] = None,
                  commencement_on: Optional[date] = None) -> Plan:
    """Every English region; a branch and a council for every LA with open schools."""
    rows = list(_open_csv(path or national_schools_path()))
    las = _local_authorities()
    codes = sorted({(r.get("LA (code)") or "").strip() for r in rows if school_employer(r)} & las.keys(),
                   key=lambda c: (las[c].name, c))
    return _plan("national", seed, codes, rows, today, commencement_on)


# --- writing the plan -------------------------------------------------------------------

@dataclass
class DemoWorld:
    """What was created, for later steps (cases, learners...) to build on."""

    plan: Plan
    regions: dict[str, Region] = field(default_factory=dict)
    branches: dict[str, Branch] = field(default_factory=dict)
    employers: dict[str, Employer] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)  # by e-mail
    agreements: dict[str, Agreement] = field(default_factory=dict)  # by plan key
    reps: dict[str, Rep] = field(default_factory=dict)  # by plan key
    time_off: dict[str, TimeOffRequest] = field(default_factory=dict)  # by plan key
    learners: dict[str, Any] = field(default_factory=dict)  # by plan key
    cases: dict[str, Any] = field(default_factory=dict)  # by plan key


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
    _apply_agreements(plan.agreements, world)
    _apply_reps_and_time_off(plan, world)
    from .demo_learners import apply_cases, apply_learners

    apply_learners(plan.learners, world)
    apply_cases(plan.cases, world)
    return world


def _apply_agreements(plans: tuple[AgreementPlan, ...], world: DemoWorld) -> None:
    """Each agreement as a convenor would have made it: created as a draft with its clauses, its
    named schools, ULR places and learners' time set, then taken through the lifecycle, the
    signatures recorded just before it is signed (so the audit trail and timeline tell the story)."""
    urns = {urn for p in plans for urn in p.named_in + p.named_out}
    workplace_ids = dict(db.session.execute(
        select(Workplace.urn, Workplace.id).where(Workplace.urn.in_(urns))).tuples().all())
    for p in plans:
        agreement = agreement_services.create_agreement(
            {**dict(p.values), "employer_id": world.employers[p.employer_key].id}, branch=world.branches[p.branch_key])
        if p.named_in or p.named_out:
            agreement_services.set_named_schools(agreement, [workplace_ids[u] for u in p.named_in],
                                                 [workplace_ids[u] for u in p.named_out])
        if p.ulr_places_by_service:
            agreement_services.set_ulr_places(agreement, p.ulr_places_by_service)
        if p.learner_time_by_course:
            agreement_services.set_learner_time(agreement, dict(p.learner_time_by_course))
        notes = dict(p.notes)
        for status in STATUS_PATHS[p.status]:
            if status == "signed" and agreement.signed_on is None:
                agreement_services.update_agreement(agreement, dict(p.signature))
            agreement_services.change_status(agreement, status, note=notes.get(status, ""))
        if p.last_activity_on:
            agreement.last_activity_at = datetime.combine(date.fromisoformat(p.last_activity_on), time(10),
                                                          tzinfo=timezone.utc)
        world.agreements[p.key] = agreement
    db.session.flush()


def _apply_reps_and_time_off(plan: Plan, world: DemoWorld) -> None:
    """The ULRs as a convenor would have recorded them (appointed, then the training milestones and
    any standing down on their timelines), then the time-off requests: recorded (by the ULR for
    their own duties and training, otherwise by the convenor), sent, decided, Acas dates."""
    if not plan.reps and not plan.time_off:
        return
    refs = {r.workplace for r in plan.reps} | {t.workplace for t in plan.time_off}
    employer_ids = {key: e.id for key, e in world.employers.items()}
    key_of = {i: key for key, i in employer_ids.items()}
    rows = db.session.execute(select(Workplace.id, Workplace.employer_id, Workplace.name, Workplace.urn).where(
        Workplace.employer_id.in_({employer_ids[ref[0]] for ref in refs}))).all()
    workplace_ids = {(key_of[employer_id], name, urn): wid for wid, employer_id, name, urn in rows}
    convenors: dict[int, User] = {}
    for user in world.users.values():
        if user.role == "branch_convenor" and user.branch_id is not None:
            convenors.setdefault(user.branch_id, user)
    later = ("trained_on", "training_completion_notified_on", "stood_down_on")
    for r in plan.reps:
        values = dict(r.values)
        rep = rep_services.create_rep({
            **{k: v for k, v in values.items() if k not in later}, "name": r.name, "email": r.email,
            "employer_id": employer_ids[r.employer_key], "workplace_id": workplace_ids[r.workplace],
            "user_id": world.users[r.user_email].id if r.user_email else None}, branch=world.branches[r.branch_key])
        milestones = {k: values[k] for k in later if values.get(k)}
        if milestones:
            rep_services.update_rep(rep, milestones)
        world.reps[r.key] = rep
    for t in plan.time_off:
        branch = world.branches[t.branch_key]
        rep = world.reps.get(t.rep_key) if t.rep_key else None
        request = time_off_services.create_request(
            {**dict(t.values), "rep_id": rep.id if rep else None, "workplace_id": workplace_ids[t.workplace]},
            branch=branch, created_by=world.users[t.recorded_by] if t.recorded_by else convenors.get(branch.id))
        if t.submitted:
            time_off_services.submit(request)
        if t.decision:
            time_off_services.record_decision(request, dict(t.decision))
        if t.acas:
            time_off_services.record_acas(request, dict(t.acas))
        world.time_off[t.key] = request
    db.session.flush()


def build_demo(scale: str = "small", seed: int = 2008, today: Optional[date] = None) -> list[tuple[str, str, str]]:
    """Build the demo world in the session (the caller commits); the logins, admin first.

    ``today`` (default: the real date) dates the review that falls due soon, the ULRs' notices and
    the year of time-off requests, so the demo shows its reminders, statuses and open tribunal
    deadlines on the day it is built."""
    if scale not in SCALES:
        raise ServiceError(f"Unknown scale {scale!r}: choose one of {', '.join(SCALES)}")
    check_reference_data()
    today = today or date.today()
    commencement_on = current_app.config.get("ERA_2025_COMMENCEMENT")
    plan = (plan_small(seed, today, commencement_on) if scale == "small"
            else plan_national(seed, today=today, commencement_on=commencement_on))
    world = apply_plan(plan)
    from .demo_reports import apply_reports

    apply_reports(world, today)  # funding projects, a quarterly return, the Go Award (dated from today)
    return plan.logins()

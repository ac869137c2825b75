"""The shared plan of the demo world: what every domain's plan refers to.

The plan's building blocks (a branch, an employer, a workplace, a user, a reference to a
workplace), the whole :class:`Plan`, the :class:`DemoWorld` the domains write into, the names of
people, the day records are dated from, and the seeded RNGs. Imports no other module of the demo
package: each domain module (organisation, accounts, agreements, reps, timeoff, learners, cases,
funding, reports) imports this one and the modules of the domains below it.
"""
from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Optional

from ..accounts.models import User
from ..agreements.models import Agreement
from ..organisation.models import Branch, Employer, Region
from ..reps.models import Rep
from ..timeoff.models import TimeOffRequest

SCALES = ("small", "national")
#: the day demo records are dated from (later features: cases, requests, enrolments)
REFERENCE_DATE = date(2026, 1, 12)
ROLE_ORDER = ("admin", "regional_organiser", "branch_convenor", "learning_rep")

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


#: a workplace in the plan: (employer key, name, URN or None)
WorkplaceRef = tuple[str, str, Optional[int]]


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
    agreements: tuple[Any, ...] = ()  # agreements.AgreementPlan
    reps: tuple[Any, ...] = ()  # reps.RepPlan
    time_off: tuple[Any, ...] = ()  # timeoff.TimeOffPlan
    learners: tuple[Any, ...] = ()  # learners.LearnerPlan
    cases: tuple[Any, ...] = ()  # cases.CasePlan

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


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _w in pairs], weights=[w for _k, w in pairs])[0]


def _ref(w: WorkplacePlan) -> WorkplaceRef:
    return (w.employer_key, w.name, w.urn)


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

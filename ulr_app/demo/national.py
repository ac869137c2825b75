"""The national data set (issue 13): ``demo-data --scale national`` at the size a national union has.

:func:`build_national` first builds the national world of :func:`ulr_app.demo.apply_plan` through the
services (every region, a branch and a council for every LA with open schools, every school, the
demo logins, agreements, ULRs, time off, learners, cases, funding projects and the Go Award: the
records the pinned tests and the reminders rely on), with ONE password hashed ONCE for every demo
login. Then it adds the volume by bulk insert (COPY on PostgreSQL, executemany on SQLite), in the
same transaction, so a run killed half-way leaves the database as it was:

- a second branch ("<name> Schools") for the LAs with the most schools, until there are about
  :data:`BRANCHES` branches, each linked to its council and to its region's academy trust;
- :data:`TOTALS` (times ``fraction``): ULRs (each a login and an appointment), learners, needs
  analyses, enrolments, time-off requests, cases, their activities and follow-ups;
- an agreement for every council branch that has none, and a funding project with targets for
  every region that has none, and for the biggest branches.

The volume is skewed like real life: a branch's weight grows with the square of its LA's number of
schools (with a lognormal jitter), so a few big city and county branches have thousands of
learners and many have a few dozen; within a branch each ULR draws a lognormal weight, so some
ULRs have 200 learners and more, most a handful. Everything is drawn from ``random.Random``
instances seeded per branch (never the clock: dates are relative to ``today``), so the same seed
and day give the same rows. Every row keeps the app's rules: statuses from the vocabularies, the
dates each status needs and none it must not have, in order; versions 1; foreign keys inside one
branch and region. Each bulk table gets one audit entry saying how many rows were written.
"""
from __future__ import annotations

import bisect
import itertools
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import JSON, func, select, text

from ..accounts.passwords import hash_password
from ..agreements.models import Agreement
from ..cases.rules import TEMPLATES
from ..contacts.models import Activity
from ..core import audit
from ..core.errors import ServiceError
from ..extensions import db
from ..funding.models import MEASURES, Project
from ..learners.models import Course
from ..learners import standing
from ..learners.queries import stage_of
from ..organisation import services as org
from ..organisation.models import Employer, LocalAuthority, Workplace
from ..reps.models import Rep
from ..timeoff.models import KIND_PURPOSES
from .accounts import PASSWORD_WORDS
from .cases import CASE_ACTIVITIES, OTHER_CASES, OUTCOMES, SURVEY_GROUPS
from .funding import project_periods
from .learners import (
    AGE_BANDS,
    BARRIER_WEIGHTS,
    BREAK_REASONS,
    CATEGORY_SHARES,
    CONSENT_SCOPE,
    DISABILITY,
    ESOL_SHARE,
    ETHNICITY,
    FINAL_SHARES,
    GOALS,
    JOBS,
    PART_TIME,
    PART_TIME_JOBS,
    PRIOR_LEVELS,
    SERVICE_JOBS,
    START_LEVELS,
    TERM_TIME,
    WITHDRAWAL_REASONS,
    course_days,
)
from .reps import _rep_dates
from .timeoff import (
    DURATIONS,
    DUTY_REASONS,
    LEARNER_COURSES,
    REFUSAL_DETAILS,
    REFUSAL_RATES,
    REFUSAL_REASON_WEIGHTS,
    START_TIMES,
    TIME_OFF_KINDS,
    TRAINING_COURSES,
)
from .world import FIRST_NAMES, SURNAMES, DemoWorld, _rng

#: the national totals at fraction 1 (issue 13)
TOTALS = {"ulrs": 5_000, "learners": 250_000, "needs": 250_000, "enrolments": 600_000, "time_off": 60_000,
          "cases": 100_000, "activities": 500_000}
#: about this many branches: the LAs' own, then a schools branch for the LAs with the most schools
BRANCHES = 250
#: the share of activities on cases (the rest are contacts with learners)
CASE_ACTIVITY_SHARE = 0.7
#: a branch's weight: (its LA's schools + services) ** SKEW_POWER, jittered
SKEW_POWER = 2.0
REP_PROFILES = (("active_trained", 40), ("active_completed", 32), ("training_due", 10), ("lapsed", 6),
                ("appointed", 6), ("stood_down", 6))
LEARNING_PROFILES = frozenset({"active_trained", "active_completed", "training_due"})
CASE_KINDS = (("learner_support", 45), ("school_access", 15), ("learning_survey", 10), ("agreement_negotiation", 5),
              ("other", 17))
CASE_STATUS_WEIGHTS = (("open", 30), ("waiting", 15), ("closed", 55))
AGREEMENT_STATUSES = (("signed", 45), ("under_review", 10), ("negotiating", 15), ("draft", 15), ("expired", 10),
                      ("terminated", 5))
CONTACT_TEXTS = (("call", "Phoned about how the course is going"), ("meeting", "Met in the staff room about next steps"),
                 ("email", "Sent details of the next course and how to enrol"),
                 ("note", "Checked in after the class: going well"), ("visit", "Dropped in at the workplace"),
                 ("letter", "Wrote with the certificate and what could come next"))
CHUNK = 20_000
#: the share of learners who have given consent (the rest: name and workplace only)
CONSENT_SHARE = 0.975
#: national scale: learners, time off and cases through the services in this many branches a region
SERVICE_BRANCHES_PER_REGION = 2
#: how far back a learner's courses go
MAX_JOURNEY_DAYS = 3 * 365
UK = ZoneInfo("Europe/London")
SAFE_EMAIL = "{first}.{last}.{n}@example.org"


def _weighted(rng, pairs):
    return rng.choices([k for k, _w in pairs], weights=[w for _k, w in pairs])[0]


def _at(day: date, hour: int = 9) -> datetime:
    """A deterministic 'written at' time for a row dated ``day`` (never the clock)."""
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


# --- the bulk writer --------------------------------------------------------------------

class BulkWriter:
    """Rows buffered per table and written in parent-before-child order: COPY on PostgreSQL,
    executemany on SQLite, on the session's own connection (so in its transaction)."""

    ORDER = ("user_account", "rep", "agreement", "learner", "needs_assessment", "enrolment", "time_off_request",
             "case_record", "activity", "follow_up", "project", "project_target", "project_spend")

    def __init__(self, progress: Callable[[int], None] = lambda n: None, chunk: int | None = None):
        self.connection = db.session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"
        self.progress = progress
        self.chunk = chunk or CHUNK
        self.tables = {t.name: t for t in db.metadata.sorted_tables}
        self.columns: dict[str, tuple[str, ...]] = {}
        self.buffers: dict[str, list[tuple]] = {}
        self.counts: dict[str, int] = {}
        self.next_ids: dict[str, int] = {}
        self.buffered = 0
        self.analyzed_at: dict[str, int] = {}
        if self.postgres:
            # statistics for the world the services built (in this transaction: ANALYZE sees its rows), so the
            # foreign-key checks of the COPYs below are planned for tables of their real size
            self.connection.execute(text("ANALYZE"))

    def next_id(self, table: str) -> int:
        if table not in self.next_ids:
            current = self.connection.execute(select(func.max(self.tables[table].c.id))).scalar()
            self.next_ids[table] = (current or 0) + 1
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def add(self, table: str, row: dict[str, Any]) -> None:
        columns = self.columns.setdefault(table, tuple(row))
        self.buffers.setdefault(table, []).append(tuple(row[c] for c in columns))
        self.buffered += 1
        if self.buffered >= self.chunk:
            self.flush()

    def flush(self) -> None:
        for table in self.ORDER:
            rows = self.buffers.get(table)
            if rows:
                self._write(table, self.columns[table], rows)
                self.counts[table] = self.counts.get(table, 0) + len(rows)
                self.progress(len(rows))
                self.buffers[table] = []
                self._analyze_if_grown(table)
        self.buffered = 0

    #: a table is analysed again (in this transaction) when it has grown this many times since the last time
    GROWTH = 8

    def _analyze_if_grown(self, table: str) -> None:
        """PostgreSQL caches the plan of each foreign-key check made during the COPYs. Planned while a parent
        table was a few pages (or recorded as empty: ANALYZE of an empty table sets reltuples 0, which turns
        off the planner's 10-page floor for new tables), it is a sequential scan of that parent for every
        child row, and stays one as the parent grows: the national build took over 20 minutes instead of
        8. ANALYZE updates the statistics and so replans the checks; done as each table grows
        :attr:`GROWTH`-fold (a handful of times in all), it costs seconds."""
        if not self.postgres:
            return
        count = self.counts[table]
        if count >= 1_000 and count >= self.analyzed_at.get(table, 0) * self.GROWTH:
            # table is one of ORDER, the app's own table names, never input (bandit B608: safe)
            self.connection.execute(text(f'ANALYZE "{table}"'))  # nosec B608
            self.analyzed_at[table] = count

    def _write(self, name: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        table = self.tables[name]
        if self.postgres:
            json_at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
            raw = self.connection.connection.dbapi_connection
            statement = f'COPY "{name}" ({", ".join(columns)}) FROM STDIN'
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    if json_at:
                        row = list(row)
                        for i in json_at:
                            row[i] = None if row[i] is None else json.dumps(row[i])
                    copy.write_row(row)
        else:
            self.connection.execute(table.insert(), [dict(zip(columns, row)) for row in rows])

    def finish(self) -> dict[str, int]:
        """Write what is left; move PostgreSQL's id sequences past the ids given here."""
        self.flush()
        if self.postgres:
            for name in self.next_ids:
                # name is a table of the app's own metadata, never input (bandit B608 checked: safe)
                self.connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), (SELECT max(id) FROM \"{name}\"))"))  # nosec B608
        return dict(self.counts)


# --- the world as built by the services ---------------------------------------------------

@dataclass
class _Branch:
    id: int
    key: str
    name: str
    region_id: int
    region_code: str
    la_code: str
    council_id: int
    schools: list[tuple[int, int]]  # (workplace id, employer id)
    services: list[tuple[int, int, str]]  # (workplace id, employer id, service)
    convenor_id: int | None = None
    convenor_name: str = ""
    weight: float = 0.0
    learners: int = 0
    extra: bool = False
    reps: list[dict] = field(default_factory=list)  # existing and new appointments (id, user, workplace...)
    agreements: list[int] = field(default_factory=list)


def _shared_password() -> str:
    words = secrets.SystemRandom()
    return "-".join(words.choice(PASSWORD_WORDS) for _ in range(4))


def _allocate(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """``total`` split by ``weights`` (largest remainders), each at least ``minimum``."""
    if not weights:
        return []
    base = max(0, total - minimum * len(weights))
    whole = sum(weights) or 1.0
    raw = [base * w / whole for w in weights]
    out = [minimum + int(r) for r in raw]
    rest = total - sum(out)
    for i in sorted(range(len(raw)), key=lambda i: (raw[i] - int(raw[i]), -i), reverse=True)[:max(0, rest)]:
        out[i] += 1
    return out


class _Picker:
    """Weighted choices by bisect over cumulative weights (fast for many draws)."""

    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))

    def pick(self, rng) -> Any:
        return self.items[bisect.bisect(self.cum, rng.random() * self.cum[-1])]


def _pairs(pairs) -> _Picker:
    return _Picker([k for k, _w in pairs], [w for _k, w in pairs])


PICK_CATEGORY = _pairs(CATEGORY_SHARES)
PICK_FINAL = _pairs(FINAL_SHARES)
PICK_DISABILITY = _pairs(DISABILITY)
PICK_AGE = _pairs(AGE_BANDS)
PICK_ETHNICITY = {k: _pairs(v) for k, v in ETHNICITY.items()}
PICK_JOBS = {k: _pairs(v) for k, v in JOBS.items()}
PICK_START = {k: _pairs(v) for k, v in START_LEVELS.items()}
PICK_PRIOR = {k: _pairs(v) for k, v in PRIOR_LEVELS.items()}
PICK_WITHDRAWAL = _pairs(WITHDRAWAL_REASONS)
PICK_BREAK = _pairs(BREAK_REASONS)
PICK_REP = _pairs(REP_PROFILES)
PICK_CASE_KIND = _pairs(CASE_KINDS)
PICK_CASE_STATUS = _pairs(CASE_STATUS_WEIGHTS)
PICK_TIME_OFF = _pairs(TIME_OFF_KINDS)
PICK_AGREEMENT = _pairs(AGREEMENT_STATUSES)
#: how many enrolments a learner on a journey has (mean about 2.6)
PICK_ENROLMENTS = _pairs(((1, 26), (2, 25), (3, 21), (4, 14), (5, 8), (6, 6)))


def build_national(seed: int = 2008, today: date | None = None, fraction: float = 1.0,
                   progress: Callable[[int], None] | None = None,
                   on_total: Callable[[int], None] | None = None) -> list[tuple[str, str, str]]:
    """Build the national world in the session (the caller commits; nothing is committed here).

    ``fraction`` scales the bulk volume (1: the national totals; 0: only the world the services
    build); ``on_total`` is told how many bulk rows to expect, ``progress`` each batch written.
    Returns the logins (role, e-mail, password): all share one password."""
    from . import SCALES, apply_plan, apply_reports, check_reference_data, plan_national  # noqa: F401

    if not 0 <= fraction <= 1:
        raise ServiceError("The fraction must be between 0 and 1")
    check_reference_data()
    today = today or date.today()
    commencement_on = current_app.config.get("ERA_2025_COMMENCEMENT")
    plan = plan_national(seed, today=today, commencement_on=commencement_on)
    password = _shared_password()
    plan = replace(plan, users=tuple(replace(u, password=password) for u in plan.users))
    if fraction > 0:
        plan = _thin(plan)
    password_hash = hash_password(password)  # once, for every demo login
    world = apply_plan(plan, password_hashes={password: password_hash})
    apply_reports(world, today)
    logins = plan.logins()
    if fraction > 0:
        logins += _bulk(world, seed, today, fraction, password, password_hash, progress or (lambda n: None),
                        on_total or (lambda n: None))
    return logins


def _thin(plan):
    """The plan with learners, time off and cases through the services in only the first
    :data:`SERVICE_BRANCHES_PER_REGION` branches of each region (their records carry the pinned
    reminders, deadlines and journeys); the bulk rows give every branch its volume."""
    keep: dict[str, list[str]] = {}
    for b in plan.branches:
        keep.setdefault(b.region_code, []).append(b.key)
    kept = {k for keys in keep.values() for k in keys[:SERVICE_BRANCHES_PER_REGION]}
    return replace(plan, learners=tuple(p for p in plan.learners if p.branch_key in kept),
                   time_off=tuple(t for t in plan.time_off if t.branch_key in kept),
                   cases=tuple(c for c in plan.cases if c.branch_key in kept))


def _bulk(world: DemoWorld, seed: int, today: date, fraction: float, password: str, password_hash: str,
          progress, on_total) -> list[tuple[str, str, str]]:
    totals = {k: round(v * fraction) for k, v in TOTALS.items()}
    _every_council(world)
    branches = _branches(world, seed)
    expected = sum(totals.values()) + totals["cases"] + len(branches) * 2
    on_total(expected)
    writer = BulkWriter(progress)
    courses = [tuple(r) for r in db.session.execute(
        select(Course.id, Course.title, Course.level).where(Course.active.is_(True)).order_by(Course.id))]
    learners_by_branch = _allocate(totals["learners"], [b.weight for b in branches], minimum=3)
    for b, n in zip(branches, learners_by_branch):
        b.learners = n
    new_reps = _allocate(max(0, totals["ulrs"] - sum(len(b.reps) for b in branches)),
                         [b.learners ** 0.9 for b in branches])
    for b in branches:  # every branch has a ULR who can take learners
        if not any(r["learning"] for r in b.reps):
            i = branches.index(b)
            new_reps[i] = max(new_reps[i], 1)
    time_off = _allocate(totals["time_off"], [b.learners for b in branches])
    cases = _allocate(totals["cases"], [b.learners for b in branches])
    total_learners = max(1, totals["learners"])
    needs_per_learner = totals["needs"] / (total_learners * CONSENT_SHARE)  # only learners who consented
    enrolments_per_learner = totals["enrolments"] / total_learners
    case_activities = round(totals["activities"] * CASE_ACTIVITY_SHARE)
    contacts_per_learner = (totals["activities"] - case_activities) / total_learners
    activities_per_case = case_activities / max(1, totals["cases"])
    logins: list[tuple[str, str, str]] = []
    ctx = _Context(writer, today, courses, password_hash, needs_per_learner, enrolments_per_learner,
                   contacts_per_learner, activities_per_case)
    for b, reps, requests, n_cases in zip(branches, new_reps, time_off, cases):
        rng = _rng(seed, f"national:{b.key}")
        for email in ctx.reps(b, reps, rng):
            logins.append(("learning_rep", email, password))
        if b.convenor_id is None:
            email = ctx.convenor(b, rng)
            logins.append(("branch_convenor", email, password))
        learners = ctx.learners(b, rng)
        refused = ctx.time_off(b, requests, learners, rng)
        ctx.cases(b, n_cases, learners, refused, rng)
        ctx.agreement(b, rng)
    _projects(world, branches, today, writer, seed)
    counts = writer.finish()
    # a case's activities with a learner are contacts too: their learners' last contact, as the services keep it
    standing.refresh(writer.connection, among=select(Activity.learner_id).where(
        Activity.case_id.is_not(None), Activity.learner_id.is_not(None)))
    for table, n in counts.items():
        audit.record(db.session, "create", object_type=table,
                     summary=f"Demo data: {n:,} {table.replace('_', ' ')} rows written in bulk")
    db.session.flush()
    db.session.expire_all()
    return logins


def _every_council(world: DemoWorld) -> None:
    """A branch and a council (with its services) for every live council of the LA file that has
    none yet: the unitary authorities made since the schools list (their schools are listed under
    the old county's code)."""
    from .organisation import (
        COUNCIL_SERVICES,
        _bulk_workplaces,
        _local_authorities,
        branch_name,
        council_name,
    )
    from .world import WorkplacePlan

    las = _local_authorities()
    have = {e.la_code for e in world.employers.values() if e.la_code}
    live = db.session.scalars(select(LocalAuthority.la_code).where(
        LocalAuthority.live.is_(True), LocalAuthority.la_code.is_not(None), LocalAuthority.kind != "Other")
        .order_by(LocalAuthority.la_code)).all()
    for code in dict.fromkeys(live):
        la = las.get(code)
        if code in have or la is None or la.region_code not in world.regions:
            continue
        region_id = world.regions[la.region_code].id
        branch = org.create_branch({"name": branch_name(la), "region_id": region_id})
        employer = org.create_employer({"name": council_name(la), "kind": "local_authority", "la_code": code,
                                        "region_id": region_id}, branch=branch)
        world.branches[f"branch:{code}"], world.employers[f"council:{code}"] = branch, employer
        _bulk_workplaces(tuple(WorkplacePlan(employer_key=f"council:{code}", name=f"{branch.name} {service}",
                                             kind="service", service=service, la_code=code)
                               for service in COUNCIL_SERVICES), {f"council:{code}": employer.id})
    db.session.flush()


def _branches(world: DemoWorld, seed: int) -> list[_Branch]:
    """The branches the services built, then a schools branch for the LAs with most schools."""
    rng = _rng(seed, "national:branches")
    regions = {r.id: code for code, r in world.regions.items()}
    councils = {e.la_code: e for e in db.session.scalars(select(Employer).where(Employer.kind == "local_authority"))}
    trusts = {e.region_id: e for e in db.session.scalars(select(Employer).where(Employer.kind == "academy_trust"))}
    schools: dict[str, list[tuple[int, int]]] = {}
    services: dict[str, list[tuple[int, int, str]]] = {}
    for wid, employer_id, kind, la_code, service in db.session.execute(
            select(Workplace.id, Workplace.employer_id, Workplace.kind, Workplace.la_code, Workplace.service)
            .order_by(Workplace.id)):
        if kind == "school":
            schools.setdefault(la_code, []).append((wid, employer_id))
        elif kind == "service":
            services.setdefault(la_code, []).append((wid, employer_id, service))
    out: list[_Branch] = []
    for key, branch in world.branches.items():
        la_code = key.split(":", 1)[1]
        council = councils[la_code]
        out.append(_Branch(branch.id, key, branch.name, branch.region_id, regions[branch.region_id], la_code, council.id,
                           schools.get(la_code, []), services.get(la_code, [])))
    extra = sorted(out, key=lambda b: (-len(b.schools), b.key))[:max(0, BRANCHES - len(out))]
    for base in sorted(extra, key=lambda b: b.key):
        if not base.schools:
            continue
        branch = org.create_branch({"name": f"{base.name} Schools", "region_id": base.region_id})
        org.link_branch(db.session.get(Employer, base.council_id), branch)
        trust = trusts.get(base.region_id)
        if trust is not None and any(e == trust.id for _w, e in base.schools):
            org.link_branch(trust, branch)
        out.append(_Branch(branch.id, f"schools:{base.la_code}", branch.name, base.region_id, base.region_code,
                           base.la_code, base.council_id, base.schools, [], extra=True))
    db.session.flush()
    for b in out:
        size = len(b.schools) + len(b.services)
        b.weight = (size ** SKEW_POWER) * rng.lognormvariate(0, 0.35) * (0.6 if b.extra else 1.0)
    convenors = {u.branch_id: u for u in world.users.values() if u.role == "branch_convenor"}
    for b in out:
        if b.id in convenors:
            b.convenor_id, b.convenor_name = convenors[b.id].id, convenors[b.id].name
    reps = db.session.execute(select(Rep.id, Rep.branch_id, Rep.user_id, Rep.workplace_id, Rep.employer_id, Rep.name,
                                     Rep.stood_down_on, Rep.trained_on, Rep.notice_given_on).order_by(Rep.id)).all()
    by_id = {b.id: b for b in out}
    for rep_id, branch_id, user_id, workplace_id, employer_id, name, stood_down, trained, notice in reps:
        by_id[branch_id].reps.append({"id": rep_id, "user_id": user_id, "workplace_id": workplace_id, "name": name,
                                      "employer_id": employer_id,
                                      "learning": stood_down is None and (trained is not None or notice is not None)})
    for agreement_id, branch_id in db.session.execute(select(Agreement.id, Agreement.branch_id).order_by(Agreement.id)):
        by_id[branch_id].agreements.append(agreement_id)
    return out


class _Context:
    """Writes one branch's rows at a time (ids assigned here, so children can point at parents)."""

    def __init__(self, writer: BulkWriter, today: date, courses, password_hash: str, needs: float, enrolments: float,
                 contacts: float, case_activities: float):
        self.w, self.today, self.courses, self.password_hash = writer, today, courses, password_hash
        self.needs, self.enrolments, self.contacts, self.case_activities = needs, enrolments, contacts, case_activities
        self.email_n = itertools.count(1)
        by_level: dict[str, list] = {}
        for course in courses:
            by_level.setdefault(course[2], []).append(course)
        self.by_level = by_level
        self.levels = [lv for lv in ("pre_entry", "entry_1", "entry_2", "entry_3", "level_1", "level_2", "level_3",
                                     "level_4", "level_5", "unlevelled") if lv in by_level]
        self.now = _at(today)

    # people
    def _person(self, rng) -> tuple[str, str]:
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        email = SAFE_EMAIL.format(first=first.lower(), last="".join(c for c in last.lower() if c.isalpha()),
                                  n=next(self.email_n))
        return f"{first} {last}", email

    def _user(self, b: _Branch, role: str, rng, day: date) -> tuple[int, str, str]:
        name, email = self._person(rng)
        uid = self.w.next_id("user_account")
        self.w.add("user_account", {
            "id": uid, "email": email, "name": name, "role": role, "region_id": None, "branch_id": b.id,
            "password_hash": self.password_hash, "active": True, "password_changed_at": _at(day),
            "last_login_at": None, "version": 1, "created_at": _at(day), "updated_at": _at(day)})
        return uid, name, email

    def convenor(self, b: _Branch, rng) -> str:
        uid, name, email = self._user(b, "branch_convenor", rng, self.today - timedelta(days=rng.randint(30, 900)))
        b.convenor_id, b.convenor_name = uid, name
        return email

    def reps(self, b: _Branch, n: int, rng) -> list[str]:
        emails = []
        for _ in range(n):
            profile = PICK_REP.pick(rng)
            dates = _rep_dates(profile, self.today, rng)
            school = bool(b.schools) and (not b.services or rng.random() < 0.35)
            if school:
                workplace_id, employer_id = rng.choice(b.schools)
            else:
                workplace_id, employer_id, _service = rng.choice(b.services)
            uid, name, email = self._user(b, "learning_rep", rng, dates["appointed_on"])
            rid = self.w.next_id("rep")
            row = {"id": rid, "branch_id": b.id, "employer_id": employer_id, "workplace_id": workplace_id,
                   "user_id": uid, "name": name, "email": email, "appointed_on": dates["appointed_on"],
                   "notice_given_on": dates.get("notice_given_on"),
                   "training_route": dates.get("training_route", "will_train"),
                   "will_train_notice_on": dates.get("will_train_notice_on"), "training_course": None,
                   "trained_on": dates.get("trained_on"),
                   "training_completion_notified_on": dates.get("training_completion_notified_on"),
                   "stood_down_on": dates.get("stood_down_on"), "notes": None, "version": 1,
                   "created_at": _at(dates["appointed_on"]), "updated_at": _at(dates["appointed_on"])}
            if row["trained_on"] is not None and row["training_route"] == "will_train":
                row["training_course"] = TRAINING_COURSES[0]
            self.w.add("rep", row)
            b.reps.append({"id": rid, "user_id": uid, "workplace_id": workplace_id, "name": name,
                           "employer_id": employer_id, "learning": profile in LEARNING_PROFILES})
            emails.append(email)
        return emails

    # learners and their journeys
    def learners(self, b: _Branch, rng) -> list[dict]:
        takers = [r for r in b.reps if r["learning"]] or b.reps
        rep_pick = _Picker(takers, [rng.lognormvariate(0, 0.85) for _ in takers]) if takers else None
        london = "greater_london" if b.region_code == "greater_london" else ""
        out = []
        for _ in range(b.learners):
            category = PICK_CATEGORY.pick(rng)
            if category == "non_school" and b.services:
                workplace_id, employer_id, service = rng.choice(b.services)
                job = rng.choice(SERVICE_JOBS.get(service, ("Council officer",)))
            else:
                if category == "non_school":
                    category = "administrative"
                if b.schools:
                    workplace_id, employer_id = rng.choice(b.schools)
                else:
                    workplace_id, employer_id, _service = rng.choice(b.services)
                job = PICK_JOBS[category].pick(rng)
            rep = rep_pick.pick(rng) if rep_pick and rng.random() < 0.92 else None
            by_id = rep["user_id"] if rep and rep["user_id"] else b.convenor_id
            by_label = rep["name"] if rep and rep["user_id"] else b.convenor_name
            first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
            lid = self.w.next_id("learner")
            consent = rng.random() < CONSENT_SHARE
            learner = {"id": lid, "name": f"{first} {last}", "workplace_id": workplace_id, "by_id": by_id,
                       "by_label": by_label, "rep_id": rep["id"] if rep else None, "consent": consent,
                       "school": category != "non_school"}
            enrolments = self._enrolments(learner, rng) if consent else []
            if enrolments:  # consent and the needs analysis come a little before the first referral
                first_step = min(e["created_on"] for e in enrolments)
                joined = first_step - timedelta(days=rng.randint(3, 20))
            else:
                joined = self.today - timedelta(days=rng.randint(0, 3 * 365))
            learner["joined"] = joined
            row = {"id": lid, "branch_id": b.id, "employer_id": employer_id, "workplace_id": workplace_id,
                   "name": learner["name"], "email": None, "staff_category": category, "job_title": job,
                   "contract": None, "hours": None, "membership": None, "joined_union_on": None, "consent_on": None,
                   "consent_scope": None, "prior_level": None, "rep_id": learner["rep_id"],
                   "created_by_id": by_id, "gender": None, "ethnicity": None, "disability": None, "age_band": None,
                   "merged_into_id": None, "version": 1, "created_at": _at(joined), "updated_at": _at(joined)}
            if consent:
                local = "".join(c for c in f"{first}.{last}".lower() if c.isalpha() or c == ".")
                row.update(
                    email=f"{local}.{lid}@example.net" if rng.random() < 0.6 else None,
                    contract="term_time_only" if rng.random() < TERM_TIME[category] else "full_year",
                    hours="part_time" if job in PART_TIME_JOBS or rng.random() < PART_TIME[category] else "full_time",
                    membership="member" if rng.random() < 0.85 else "non_member",
                    consent_on=joined, consent_scope=CONSENT_SCOPE, prior_level=PICK_PRIOR[category].pick(rng))
                if row["membership"] == "member":
                    row["joined_union_on"] = joined - timedelta(days=rng.randint(30, 20 * 365))
                if rng.random() < 0.7:
                    row.update(gender="Male" if rng.random() < 0.12 else "Female",
                               ethnicity=PICK_ETHNICITY[london].pick(rng), disability=PICK_DISABILITY.pick(rng),
                               age_band=PICK_AGE.pick(rng))
            needs = self._needs(learner, category, rng) if consent else []
            contacts = self._contacts(learner, joined, rng) if consent and self.contacts > 0 else []
            # the stage and last contact the services keep on the row (learners/standing.py), by the same rule
            row.update(stage=stage_of([e["status"] for e in enrolments], bool(needs)),
                       last_contact_on=max((c["happened_on"] for c in contacts), default=None))
            self.w.add("learner", row)
            for n in needs:
                self.w.add("needs_assessment", n)
            for e in enrolments:
                e.pop("created_on")
                self.w.add("enrolment", e)
            for c in contacts:
                self.w.add("activity", c)
            out.append(learner)
        return out

    def _needs(self, learner: dict, category: str, rng) -> list[dict]:
        """The learner's needs analyses (rows to write)."""
        rows: list[dict] = []
        assessments = int(self.needs) + (1 if rng.random() < self.needs - int(self.needs) else 0)
        day = learner["joined"] + timedelta(days=rng.randint(0, 2))
        literacy, numeracy = PICK_START[category].pick(rng), PICK_START[category].pick(rng)
        for _ in range(max(1, assessments)):
            if day > self.today:
                break
            rows.append({
                "id": self.w.next_id("needs_assessment"), "learner_id": learner["id"], "assessed_on": day,
                "assessed_by_id": learner["by_id"], "literacy_level": literacy, "numeracy_level": numeracy,
                "ict_level": PICK_START[category].pick(rng), "esol_need": rng.random() < ESOL_SHARE.get(category, 0.03),
                "barriers": sorted({_weighted(rng, BARRIER_WEIGHTS) for _ in range(rng.randint(1, 3))}),
                "goals": rng.choice(GOALS[category]), "created_at": _at(day), "updated_at": _at(day)})
            day += timedelta(days=rng.randint(120, 400))
        return rows

    def _enrolments(self, learner: dict, rng) -> list[dict]:
        """The learner's enrolments, oldest first: the latest stands where it is today, each earlier
        one ended before the next was referred, none before MAX_JOURNEY_DAYS ago."""
        count = PICK_ENROLMENTS.pick(rng)
        final = PICK_FINAL.pick(rng)
        level_i = rng.randrange(len(self.levels))
        rows: list[dict] = []
        end_before = None
        for n in range(count):
            course_id, title, _level = rng.choice(self.by_level[self.levels[max(0, level_i - n)]])
            status = final if n == 0 else ("achieved" if rng.random() < 0.6 else
                                           "completed" if rng.random() < 0.6 else "withdrawn")
            row = self._enrolment(learner, course_id, title, status, end_before, rng)
            if row["created_on"] < self.today - timedelta(days=MAX_JOURNEY_DAYS):
                break
            rows.append(row)
            end_before = row["created_on"]
        rows.reverse()
        for row in rows:
            row["id"] = self.w.next_id("enrolment")
        return rows

    def _enrolment(self, learner: dict, course_id: int, title: str, status: str, end_before: date | None,
                   rng) -> dict:
        """One enrolment with the dates its status needs (and no others), in order, ending before
        ``end_before`` (None: the latest, as it stands today)."""
        today = self.today
        days = course_days(title, rng)
        d: dict[str, Any] = dict.fromkeys(("referred_on", "started_on", "planned_end_on", "completed_on",
                                           "achieved_on", "withdrawn_on", "withdrawal_reason", "break_started_on",
                                           "break_reason", "return_on"))
        created = None
        if end_before is None:
            if status == "enquiry":
                created = today - timedelta(days=rng.randint(0, 40))
            elif status == "referred":
                d["referred_on"] = today - timedelta(days=rng.randint(0, 45))
            elif status == "enrolled":
                d["referred_on"] = today - timedelta(days=rng.randint(10, 60))
                d["started_on"] = today + timedelta(days=rng.randint(-5, 30))
            elif status in ("in_progress", "break_in_learning"):
                d["started_on"] = today - timedelta(days=rng.randint(7, max(8, days)))
                d["referred_on"] = d["started_on"] - timedelta(days=rng.randint(7, 30))
            else:  # completed, achieved, withdrawn
                end = today - timedelta(days=rng.randint(1, 200))
                d["started_on"] = end - timedelta(days=days)
                d["referred_on"] = d["started_on"] - timedelta(days=rng.randint(7, 30))
        else:
            end = end_before - timedelta(days=rng.randint(10, 90))
            d["started_on"] = end - timedelta(days=days)
            d["referred_on"] = d["started_on"] - timedelta(days=rng.randint(7, 30))
        if d["started_on"]:
            d["planned_end_on"] = d["started_on"] + timedelta(days=days)
            if status in ("in_progress", "break_in_learning") and rng.random() < 0.25:  # running late: red
                late = today - timedelta(days=rng.randint(1, 30))
                d["planned_end_on"] = max(min(d["planned_end_on"], late), d["started_on"] + timedelta(days=1))
        if status in ("completed", "achieved"):
            d["completed_on"] = min(d["planned_end_on"], today)
            if status == "achieved":
                d["achieved_on"] = min(d["completed_on"] + timedelta(days=rng.randint(0, 40)), today)
        elif status == "withdrawn":
            span = max(0, min((d["planned_end_on"] - d["started_on"]).days, (today - d["started_on"]).days))
            d["withdrawn_on"] = d["started_on"] + timedelta(days=rng.randint(0, span))
            d["withdrawal_reason"] = PICK_WITHDRAWAL.pick(rng)
        elif status == "break_in_learning":
            d["break_started_on"] = min(today, d["started_on"] + timedelta(days=rng.randint(1, 60)))
            d["break_reason"] = PICK_BREAK.pick(rng)
            d["return_on"] = d["break_started_on"] + timedelta(days=rng.randint(30, 180))
        created = created or d["referred_on"]
        written = min(today, max(x for x in (created, d["started_on"], d["completed_on"], d["achieved_on"],
                                             d["withdrawn_on"], d["break_started_on"]) if x))
        return {"id": None, "learner_id": learner["id"], "course_id": course_id, "project_id": None, "status": status,
                **d, "time_off_request_id": None, "version": 1, "created_at": _at(created),
                "updated_at": _at(written), "created_on": created}

    def _contacts(self, learner: dict, since: date, rng) -> list[dict]:
        """The learner's contacts (activity rows to write)."""
        rows: list[dict] = []
        n = int(self.contacts) + (1 if rng.random() < self.contacts - int(self.contacts) else 0)
        span = max(0, (self.today - since).days)
        for _ in range(n):
            day = since + timedelta(days=rng.randint(0, span))
            kind, words = rng.choice(CONTACT_TEXTS)
            rows.append({
                "id": self.w.next_id("activity"), "case_id": None, "learner_id": learner["id"], "kind": kind,
                "happened_on": day, "text": words, "by_id": learner["by_id"], "by_label": learner["by_label"] or "",
                "created_at": _at(day, 12), "updated_at": _at(day, 12)})
        return rows

    # time off
    def time_off(self, b: _Branch, n: int, learners: list[dict], rng) -> list[dict]:
        in_post = [r for r in b.reps if r["learning"]]
        consenting = [lr for lr in learners if lr["consent"]]
        school_ids = {w for w, _e in b.schools}
        refused = []
        for _ in range(n):
            kind = PICK_TIME_OFF.pick(rng)
            rep, learner = None, None
            if kind in ("ulr_duties", "ulr_training", "member_access") and in_post:
                rep = rng.choice(in_post)
                workplace_id = rep["workplace_id"]
                school = workplace_id in school_ids
            elif consenting:
                kind = "learner_release"
                learner = rng.choice(consenting)
                rep = next((r for r in in_post if r["id"] == learner["rep_id"]), None)
                workplace_id, school = learner["workplace_id"], learner["school"]
            else:
                continue
            if workplace_id is None:
                continue
            requested = self.today - timedelta(days=rng.randint(0, 364))
            needed = 21 if kind in ("ulr_training", "learner_release") else 7
            short = rng.random() < 0.15
            notice = rng.randint(max(1, needed // 3), needed - 1) if short else rng.randint(needed, needed + 28)
            start_day = requested + timedelta(days=notice)
            hh, mm = map(int, rng.choice(START_TIMES).split(":"))
            starts_at = datetime.combine(start_day, time(hh, mm), tzinfo=UK).astimezone(UTC)
            purpose = rng.choice(KIND_PURPOSES[kind])
            duration = Decimal(rng.choice(DURATIONS[kind]))
            row = {"id": self.w.next_id("time_off_request"), "branch_id": b.id, "kind": kind,
                   "rep_id": rep["id"] if rep else None, "learner_id": learner["id"] if learner else None,
                   "workplace_id": workplace_id, "purpose": purpose, "starts_at": starts_at,
                   "duration_hours": duration, "location": None, "reason": None, "course": None,
                   "requested_on": requested, "paid_requested": None, "status": "submitted", "decided_on": None,
                   "paid": None, "hours_granted": None, "refusal_reason": None, "refusal_details": None,
                   "acas_ec_started_on": None, "acas_ec_certificate_on": None, "tribunal_claim_on": None,
                   "case_id": None, "created_by_id": (rep or {}).get("user_id") or b.convenor_id, "version": 1,
                   "created_at": _at(requested), "updated_at": _at(requested)}
            if kind == "ulr_duties":
                row.update(location="Staff room" if school else f"{b.name} Civic Centre learning centre",
                           reason=DUTY_REASONS[purpose], paid_requested=True)
            elif kind == "ulr_training":
                row.update(location="UNISON regional centre", course=rng.choice(TRAINING_COURSES), paid_requested=True,
                           reason="Training for the ULR role (TULRCA 1992 s.168A(2))")
            elif kind == "member_access":
                row.update(location="Meeting room", paid_requested=rng.random() < 0.3,
                           reason="A member's appointment with the ULR about a course")
            else:
                row.update(location=f"{b.name} College", course=rng.choice(LEARNER_COURSES),
                           paid_requested=rng.random() < 0.5, reason="Weekly class during working hours")
            decided = requested + timedelta(days=rng.randint(1, 12))
            if (self.today - requested).days <= 5 and rng.random() < 0.4:
                row.update(status="draft", requested_on=None)
            elif decided <= self.today and rng.random() < 0.93:
                wkind = "school" if school else "service"
                roll = rng.random()
                row["decided_on"] = decided
                row["updated_at"] = _at(decided)
                if roll < REFUSAL_RATES[wkind] * (1.6 if short else 1.0):
                    reason = "short_notice" if short and rng.random() < 0.6 else _weighted(rng, REFUSAL_REASON_WEIGHTS[wkind])
                    details = REFUSAL_DETAILS[reason]
                    row.update(status="refused", refusal_reason=reason,
                               refusal_details=details[wkind] if isinstance(details, dict) else details)
                elif roll < REFUSAL_RATES[wkind] + 0.08 and duration >= 2:
                    reason = _weighted(rng, REFUSAL_REASON_WEIGHTS[wkind])
                    details = REFUSAL_DETAILS[reason]
                    row.update(status="partly_granted", paid=True, refusal_reason=reason,
                               hours_granted=duration.to_integral_value(rounding=ROUND_DOWN) / 2,
                               refusal_details=details[wkind] if isinstance(details, dict) else details)
                elif roll < REFUSAL_RATES[wkind] + 0.12:
                    row.update(status="withdrawn", refusal_details="Withdrawn by the member: the course moved.")
                else:
                    row.update(status="granted", paid=True if kind in ("ulr_duties", "ulr_training")
                               else bool(row["paid_requested"]))
            if row["status"] == "refused":
                refused.append(row)
            else:
                self.w.add("time_off_request", row)
        return refused

    # cases
    def cases(self, b: _Branch, n: int, learners: list[dict], refused: list[dict], rng) -> None:
        owners = [(b.convenor_id, b.convenor_name)] + [(r["user_id"], r["name"]) for r in b.reps
                                                        if r["user_id"] and r["learning"]]
        disputes = refused[:max(0, min(len(refused) // 3, n // 8))]
        for request in disputes:
            request["case_id"] = self.w.next_id("case_record")
        for request in refused:
            self.w.add("time_off_request", request)
        consenting = [lr for lr in learners if lr["consent"]]
        for i in range(n):
            if i < len(disputes):
                kind, request = "time_off_dispute", disputes[i]
            else:
                kind, request = PICK_CASE_KIND.pick(rng), None
            owner_id, owner_name = owners[0] if rng.random() < 0.4 or len(owners) == 1 else rng.choice(owners[1:])
            status = PICK_CASE_STATUS.pick(rng)
            opened = self.today - timedelta(days=rng.randint(0, 720))
            learner_id = agreement_id = workplace_id = None
            if request is not None:
                opened = max(request["decided_on"], self.today - timedelta(days=rng.randint(0, 20)))
                opened = min(opened, self.today)
                summary = f"Refused {request['kind'].replace('_', ' ')} request: {request['refusal_reason'].replace('_', ' ')}"
                workplace_id = request["workplace_id"]
                learner_id = request["learner_id"]
            elif kind == "learner_support" and consenting:
                learner = rng.choice(consenting)
                learner_id, workplace_id = learner["id"], learner["workplace_id"]
                opened = max(opened, learner["joined"])
                summary = f"Support for {learner['name']}: release and cover for the class"
            elif kind == "agreement_negotiation" and b.agreements:
                agreement_id = rng.choice(b.agreements)
                summary = "Negotiating the learning agreement with the employer"
            elif kind == "school_access" and b.schools:
                workplace_id = rng.choice(b.schools)[0]
                summary = "Access for the ULR to a school that has not answered"
            elif kind == "learning_survey":
                summary = f"Learning survey of {rng.choice(SURVEY_GROUPS)}"
            else:
                kind = "other"
                summary = rng.choice(OTHER_CASES)
            cid = request["case_id"] if request is not None else self.w.next_id("case_record")
            closed_on = outcome = due_on = None
            if status == "closed":
                closed_on = opened + timedelta(days=rng.randint(7, 180))
                if closed_on > self.today:
                    status, closed_on = "open", None
                else:
                    outcome = rng.choice(OUTCOMES[kind])
            if status != "closed":
                due_on = opened + timedelta(days=rng.randint(14, 120))
            last = closed_on or self.today
            self.w.add("case_record", {
                "id": cid, "branch_id": b.id, "kind": kind, "status": status, "owner_id": owner_id,
                "created_by_id": owner_id, "learner_id": learner_id, "agreement_id": agreement_id,
                "workplace_id": workplace_id, "time_off_request_id": request["id"] if request else None,
                "summary": summary[:300], "details": None, "opened_on": opened, "due_on": due_on,
                "closed_on": closed_on, "outcome": outcome, "version": 1, "created_at": _at(opened),
                "updated_at": _at(last)})
            count = int(self.case_activities) + (1 if rng.random() < self.case_activities - int(self.case_activities) else 0)
            span = max(0, (last - opened).days)
            steps = CASE_ACTIVITIES[kind]
            for a in range(count):
                day = opened + timedelta(days=rng.randint(0, span))
                act_kind, words = steps[a % len(steps)]
                self.w.add("activity", {
                    "id": self.w.next_id("activity"), "case_id": cid, "learner_id": learner_id, "kind": act_kind,
                    "happened_on": day, "text": words, "by_id": owner_id, "by_label": owner_name or "",
                    "created_at": _at(day, 14), "updated_at": _at(day, 14)})
            if status != "closed":
                for title, due in [(t, opened + timedelta(days=d)) for t, d in TEMPLATES.get(kind, ())]:
                    done = due < self.today and rng.random() < 0.7
                    self.w.add("follow_up", {
                        "id": self.w.next_id("follow_up"), "case_id": cid, "learner_id": None, "branch_id": b.id,
                        "title": title,
                        "due_on": due, "done_on": min(due, self.today) if done else None,
                        "done_by_id": owner_id if done else None, "created_at": _at(opened), "updated_at": _at(opened)})

    # agreements
    def agreement(self, b: _Branch, rng) -> None:
        if b.extra or b.agreements:
            return
        status = PICK_AGREEMENT.pick(rng)
        row = {c.name: _default(c) for c in Agreement.__table__.columns if c.name != "id"}
        row.update(id=self.w.next_id("agreement"), branch_id=b.id, employer_id=b.council_id,
                   title=f"{b.name} UNISON learning agreement", status=status,
                   schools_scope=rng.choice(("included", "excluded", "silent")), version=1,
                   ulr_places=max(2, len(b.reps)), ulr_hours_per_month=Decimal(rng.choice((4, 6, 8, 10))),
                   ulr_facilities=["room", "phone", "computer", "noticeboard"][:rng.randint(1, 4)],
                   learner_time_off=rng.choice(("paid", "matched", "own_time", "not_stated")))
        touched = self.today - timedelta(days=rng.randint(0, 200))
        if status in ("signed", "under_review", "expired", "terminated"):
            signed = self.today - timedelta(days=rng.randint(60, 1400))
            review = signed + timedelta(days=730)
            if status == "signed" and review < self.today:
                status = "under_review"
            row.update(status=status, starts_on=signed, signed_on=signed, review_due_on=review,
                       employer_signatory="Director of Human Resources", employer_signatory_role="Director of HR",
                       union_signatory=b.convenor_name or "Branch secretary", union_signatory_role="Branch secretary",
                       expires_on=signed + timedelta(days=1095) if status == "expired" else None)
            if status == "expired":
                row["expires_on"] = min(row["expires_on"], self.today - timedelta(days=1))
                row["review_due_on"] = min(review, row["expires_on"])
            touched = max(touched, signed)
        row.update(last_activity_at=_at(touched), created_at=_at(touched), updated_at=_at(touched))
        self.w.add("agreement", row)
        b.agreements.append(row["id"])


def _default(column) -> Any:
    """A column's Python-side default (scalar or callable), as the ORM would have set it."""
    default = column.default
    if default is None:
        return None
    if default.is_scalar:
        return default.arg
    if default.is_callable:
        return default.arg(None)
    return None


def _projects(world: DemoWorld, branches: list[_Branch], today: date, writer: BulkWriter, seed: int) -> None:
    """A funding project with quarterly targets and budgets for every region without one, and for
    the biggest branches."""
    from .funding import _programmes

    rng = _rng(seed, "national:projects")
    programme = _programmes()["ulf"]
    quarters = project_periods(today)
    have = {r for (r,) in db.session.execute(select(Project.region_id).where(Project.branch_id.is_(None)))}
    organisers = {u.region_id: u.id for u in world.users.values() if u.role == "regional_organiser"}
    wanted: list[tuple[int, _Branch | None, str]] = []
    for region in world.regions.values():
        if region.id not in have and any(b.region_id == region.id for b in branches):
            wanted.append((region.id, None, f"Union Learning Fund: {region.name}"))
    for b in sorted(branches, key=lambda b: (-b.learners, b.id))[:max(1, len(branches) // 12)]:
        wanted.append((b.region_id, b, f"Union Learning Fund: {b.name} branch"))
    for region_id, b, name in wanted:
        pid = writer.next_id("project")
        size = b.learners if b else sum(x.learners for x in branches if x.region_id == region_id)
        budget = Decimal(max(12_000, min(400_000, size * 40))).quantize(Decimal("1.00"))
        writer.add("project", {
            "id": pid, "programme_id": programme.id, "name": name, "region_id": region_id,
            "branch_id": b.id if b else None, "starts_on": quarters[0].start, "ends_on": quarters[-1].end,
            "budget": budget, "lead_organiser_id": organisers.get(region_id), "notes": None, "created_by_id": None,
            "version": 1, "created_at": _at(quarters[0].start), "updated_at": _at(quarters[0].start)})
        for q in quarters:
            for measure in programme.measures:
                base = {"learners_engaged": 0.25, "learning_outcomes": 0.12, "needs_assessed": 0.2,
                        "ulrs_recruited": 0.01, "ulrs_trained": 0.008, "agreements_signed": 0.0005,
                        "new_members": 0.02}.get(measure, 0.05) if measure in MEASURES else 0.05
                writer.add("project_target", {"id": writer.next_id("project_target"), "project_id": pid,
                                              "period": q.code, "measure": measure,
                                              "target": max(1, round(size * base * rng.uniform(0.8, 1.2)))})
            writer.add("project_spend", {"id": writer.next_id("project_spend"), "project_id": pid, "period": q.code,
                                         "budget": (budget / len(quarters)).quantize(Decimal("1.00")),
                                         "actual": None})


def analyze() -> None:
    """After a bulk load (PostgreSQL; run after the commit), what autovacuum would do in time, which may be off:
    ``VACUUM ANALYZE``. ANALYZE for the planner's statistics; VACUUM for the visibility map, without which
    every index-only scan (the counts of a scope, the home pages' figures) visits the table's rows too, and to
    move the rows COPY left in the trigram indexes' pending lists into the indexes proper, which every name
    search otherwise reads through (0.9 ms for a surname instead of 4.2 ms on the national set; issue 13).
    VACUUM cannot run in a transaction: it runs on a connection of its own, in autocommit."""
    if db.session.connection().dialect.name == "postgresql":
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE)"))


__all__ = ["BRANCHES", "TOTALS", "BulkWriter", "analyze", "build_national"]

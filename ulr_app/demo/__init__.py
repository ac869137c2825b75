"""Demo data: a believable world of regions, branches, employers, workplaces, users, agreements,
ULRs, time-off requests, learners, cases, funding projects and the Go Award.

``flask --app ulr_app demo-data --scale small|national --seed N`` (:mod:`ulr_app.demo.cli`) calls
:func:`build_demo`.

One module per domain, in the app's layer order, each with its plan and its apply step:
:mod:`.world` (the shared plan: the records every domain's plan refers to, people's names, the
seeded RNGs, :data:`REFERENCE_DATE`), then :mod:`.organisation`, :mod:`.accounts`,
:mod:`.agreements`, :mod:`.reps`, :mod:`.timeoff`, :mod:`.learners`, :mod:`.cases`,
:mod:`.funding` and :mod:`.reports`. Each imports only :mod:`.world` and the modules of the
domains below it; this module runs them in order. A later domain adds its own module (and a line
in :func:`_plan` and :func:`apply_plan`).

Two stages, so the output is reproducible and testable without a database:

1. a *plan* (:func:`plan_small`, :func:`plan_national`): a pure, deterministic description of
   everything to create (names, e-mails, passwords, URNs), made from the shipped data files and
   ``random.Random`` instances derived from the seed. Never the global ``random`` module, never
   the clock: records that need dates are dated relative to :data:`REFERENCE_DATE`. The one
   exception is passed in as ``today`` (default: REFERENCE_DATE; :func:`build_demo` gives the
   real date): one signed agreement's review falls due 40 days after it, so the reminders (home
   page, ``flask reminders``) have something "due soon" on whatever day the demo is built. The
   other reminders need no clock: a review already overdue and a draft left untouched since well
   before REFERENCE_DATE stay overdue and stale on any later day. The ULRs and the year of
   time-off requests are dated from ``today`` as well, so every ULR status, the training-deadline
   warning and open tribunal deadlines (some within 14 days) show on the day the demo is built.
   So are the learners, their journeys and contacts, and the branches' cases: on-track colours,
   learners not contacted for 90 days, overdue and coming follow-ups and case due dates show on
   the build date too.
2. :func:`apply_plan` writes the plan: branches, employers, users, learning agreements, ULRs,
   time-off requests, learners (needs analyses, enrolments step by step, contacts, follow-ups)
   and cases through the services (so the audit trail and the timelines record them, as
   "demo data"); schools and council services by bulk insert (with their audit entries), because
   ``--scale national`` has ~22,000 of them. :func:`build_demo` then adds what the reports need
   (:mod:`.reports`: funding projects, a quarterly return, the Go Award).

Each concern draws from its own RNG (``_rng(seed, "people")``), so adding records for a later
feature does not change the names or passwords of an existing seed.

The small world ships its schools (``ulr_app/data/demo_schools.csv``); the national one reads
the national list from ``$ULR_SCHOOLS_CSV`` or ``ulr_app/data/schools_england_2018.csv``.

Passwords are the one thing NOT drawn from the seed: they come from ``secrets`` on every build,
so nobody can work them out from the code (there is no default password). Demo data is for
development, demonstrations and benchmarks, never a live instance.
"""
from __future__ import annotations

import os
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Iterable, Optional

from flask import current_app

from ..core.errors import ServiceError
from .accounts import ULRS_PER_BRANCH, apply_accounts, check_empty, plan_users
from .agreements import STATUS_PATHS, AgreementPlan, _agreements, _apply_agreements
from .cases import CasePlan, apply_cases, plan_cases
from .learners import LEARNERS_PER_BRANCH, LEARNERS_PER_BRANCH_NATIONAL, LearnerPlan, apply_learners, plan_learners
from .organisation import (_local_authorities, _open_csv, apply_organisation, check_reference_data, plan_organisation,
                           school_employer)
from .reports import ReportsWorld, apply_reports
from .reps import RepPlan, _apply_reps, _reps
from .timeoff import (DEFAULT_COMMENCEMENT, REQUESTS_PER_BRANCH, REQUESTS_PER_BRANCH_NATIONAL, TimeOffPlan,
                      _apply_time_off, _time_off)
from .world import (REFERENCE_DATE, ROLE_ORDER, SCALES, BranchPlan, DemoWorld, EmployerPlan, Plan, UserPlan,
                    WorkplacePlan, WorkplaceRef)

__all__ = [
    "build_demo", "apply_plan", "plan_small", "plan_national", "national_schools_path", "check_reference_data",
    "check_empty", "apply_reports", "SCALES", "REFERENCE_DATE", "ROLE_ORDER", "DEFAULT_COMMENCEMENT",
    "NATIONAL_SCHOOLS_FILE", "NATIONAL_SCHOOLS_ENV", "SMALL_LAS", "SMALL_SCHOOLS_FILE", "STATUS_PATHS",
    "ULRS_PER_BRANCH", "REQUESTS_PER_BRANCH", "REQUESTS_PER_BRANCH_NATIONAL", "LEARNERS_PER_BRANCH",
    "LEARNERS_PER_BRANCH_NATIONAL", "Plan", "DemoWorld", "ReportsWorld", "BranchPlan", "EmployerPlan",
    "WorkplacePlan", "WorkplaceRef", "UserPlan", "AgreementPlan", "RepPlan", "TimeOffPlan", "LearnerPlan", "CasePlan",
]

#: the small world: DfE LA code -> branch name, in the order they are built
SMALL_LAS = {"302": "Barnet", "202": "Camden", "391": "Newcastle City", "390": "Gateshead"}
SMALL_SCHOOLS_FILE = "demo_schools.csv"

NATIONAL_SCHOOLS_FILE = Path(__file__).resolve().parent.parent / "data" / "schools_england_2018.csv"
NATIONAL_SCHOOLS_ENV = "ULR_SCHOOLS_CSV"


# --- the plan ---------------------------------------------------------------------------

def _plan(scale: str, seed: int, la_codes: Iterable[str], schools: Iterable[dict], today: Optional[date] = None,
          commencement_on: Optional[date] = None) -> Plan:
    """The world for these LAs, each domain's plan in turn: the organisation (a branch and a
    council each, their schools and services, a trust per region for the academies, a contractor
    per region: :func:`~.organisation.plan_organisation`), the people (:func:`~.accounts.plan_users`),
    learning agreements (:func:`~.agreements._agreements`), ULRs (:func:`~.reps._reps`), a year of
    time-off requests (:func:`~.timeoff._time_off`), learners (:func:`~.learners.plan_learners`)
    and cases (:func:`~.cases.plan_cases`)."""
    branches, employers, workplaces, school_plans, skipped = plan_organisation(la_codes, schools)
    users = plan_users(seed, branches)
    agreements = _agreements(seed, branches, employers, school_plans, today or REFERENCE_DATE)
    reps = _reps(seed, branches, workplaces, users, today or REFERENCE_DATE)
    time_off = _time_off(seed, branches, employers, workplaces, reps, today or REFERENCE_DATE,
                         commencement_on or DEFAULT_COMMENCEMENT,
                         per_branch=REQUESTS_PER_BRANCH if scale == "small" else REQUESTS_PER_BRANCH_NATIONAL)
    learners = plan_learners(
        seed, branches, workplaces, users, reps, today or REFERENCE_DATE,
        per_branch=LEARNERS_PER_BRANCH if scale == "small" else LEARNERS_PER_BRANCH_NATIONAL)
    cases = plan_cases(seed, branches, workplaces, users, reps, agreements, time_off, learners,
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

def apply_plan(plan: Plan, password_hashes: Optional[dict[str, str]] = None) -> DemoWorld:
    """Write the plan into the session (flushes; the caller commits), each domain in turn.

    ``password_hashes`` (password -> hash) are reused instead of hashing again (the national
    world's logins share one password, hashed once)."""
    world = DemoWorld(plan, regions=check_reference_data(plan.region_codes))
    check_empty(plan)
    apply_organisation(plan, world)
    apply_accounts(plan, world, password_hashes)
    _apply_agreements(plan.agreements, world)
    _apply_reps(plan.reps, world)
    _apply_time_off(plan.time_off, world)
    apply_learners(plan.learners, world)
    apply_cases(plan.cases, world)
    return world


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
    apply_reports(world, today)  # funding projects, a quarterly return, the Go Award (dated from today)
    return plan.logins()

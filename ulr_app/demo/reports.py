"""Demo data, last of all: something real for every report.

Called by :func:`ulr_app.demo.build_demo` once the rest of the world is written (so it can count
what is there). Dated from the build date like the rest of the demo; deterministic for a seed and
a build date (its one RNG is ``_rng(seed, "reports")``).

- **A ULF project** for the main branch (the first branch: Barnet in the small world; its
  convenor and its region's organiser are the first of their role in the printed logins), over
  four financial-year quarters: the two before the current one, the current one and the next
  (built on 2026-12-07: FY2026-Q1 to FY2026-Q4), made by :mod:`ulr_app.demo.funding`; every
  measure near its target but :data:`MISSED_MEASURE` in the second quarter, missed by about 30%;
  the draft quarterly return for that quarter explains the miss (the demo organiser submits it).
  A budget of :data:`ULF_BUDGET` profiled per quarter, spend, one re-profile with its reason.
- **A region-wide Go Award project** for the main region's other branches (small world).
- **The Go Award**: the main branch's council has the eight standards and evidence.
- ``--scale national``: a smaller ULF project for the first branch of each of the next
  :data:`NATIONAL_PROJECT_REGIONS` - 1 regions as well (a few queries each).

The time-off requests, the learners' staff categories and equality monitoring and the ULRs'
workplaces already follow the study (``demo.timeoff.REFUSAL_RATES``, ``demo.learners``); the tests
measure them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..core import periods
from .funding import (MISSED_MEASURE, NATIONAL_PROJECT_REGIONS, ULF_BUDGET, _agreement_in_first_quarter,
                      _convenor_of, _go_award, _organiser_of, _programmes, _record, _spend, active_in, build_project,
                      enrolment_end, missed_target, near_target, project_periods, variance_pct)
from .world import DemoWorld, _rng

__all__ = ["EXPLANATION", "ReportsWorld", "apply_reports",
           # the funding helpers the tests of the demo's reports use
           "NATIONAL_PROJECT_REGIONS", "MISSED_MEASURE", "ULF_BUDGET", "active_in", "enrolment_end", "missed_target",
           "near_target", "project_periods", "variance_pct"]

EXPLANATION = (
    "Below profile because of the summer holidays. Most of our learners are school support staff on "
    "term-time-only contracts, so no course started in August, and two {branch} primary schools refused release "
    "for the September Functional Skills class because they could not find cover. The branch has taken the "
    "refusals up under the learning agreement and the October intake is back on profile."
)


@dataclass
class ReportsWorld:
    """What :func:`apply_reports` created."""

    projects: list[Any] = field(default_factory=list)
    funding_return: Any = None
    go_award_employer: Any = None
    evidence: list[Any] = field(default_factory=list)


# --- writing --------------------------------------------------------------------------------

def _funding_return(project, period: periods.Period, explanations: dict[str, str]):
    from ..reports.models import FundingReturn

    funding_return = FundingReturn(project_id=project.id, period=period.code, status="draft",
                                   explanations=dict(explanations))
    _record(funding_return, f"Started the {period.code} return of {project.name}", ("period", "status", "explanations"))
    return funding_return


def apply_reports(world: "DemoWorld", today: date) -> ReportsWorld:
    """Write the funding projects, the draft return, the Go Award standards and evidence (flushes)."""
    from ..extensions import db

    out = ReportsWorld()
    if not world.plan.branches:
        return out
    rng = _rng(world.plan.seed, "reports")
    programmes = _programmes()
    quarters = project_periods(today)
    first_year, last_year = quarters[0].start.year, quarters[-1].end.year
    fy = f"{first_year}-{str(last_year)[2:]}" if first_year != last_year else str(first_year)
    main_key = world.plan.branches[0].key
    main = world.branches[main_key]
    region = next(r for r in world.regions.values() if r.id == main.region_id)
    _agreement_in_first_quarter(world, main, quarters, rng)

    # the main branch's ULF project, with the missed measure in its second quarter and that return
    project, targets, _actuals = build_project(
        world, programmes["ulf"], name=f"{main.name} learning for school support staff {fy}", region=region,
        branch=main, quarters=quarters, today=today, rng=rng, budget=ULF_BUDGET,
        miss=(quarters[1].code, MISSED_MEASURE),
        notes=f"Return to Learn, Skills for Life and the ladder to HLTA for support staff in {main.name}'s schools "
              "and council services.")
    lead = _organiser_of(world, region.id)
    _spend(project, quarters, today, ULF_BUDGET, reprofile=True, changed_by=lead, targets=targets)
    out.projects.append(project)
    out.funding_return = _funding_return(project, quarters[1], {MISSED_MEASURE: EXPLANATION.format(branch=main.name)})

    # the rest of the region: a region-wide Go Award project (small world)
    others = [b for k, b in world.branches.items() if k != main_key and b.region_id == region.id]
    if others and world.plan.scale == "small":
        go, _t, _a = build_project(
            world, programmes["go_award"], name=f"{region.name} Go Award {fy}", region=region, branch=None,
            quarters=quarters, today=today, rng=rng, link_branch_ids=[b.id for b in others],
            notes="Skills for Life with the region's councils, towards the Go (Get On) Award.")
        out.projects.append(go)

    # national scale: a smaller ULF project in the next few regions
    if world.plan.scale == "national":
        seen = {main.region_id}
        for key in [b.key for b in world.plan.branches]:
            branch = world.branches[key]
            if branch.region_id in seen or len(seen) >= NATIONAL_PROJECT_REGIONS:
                continue
            seen.add(branch.region_id)
            their_region = next(r for r in world.regions.values() if r.id == branch.region_id)
            budget = ULF_BUDGET / 2
            extra, extra_targets, _a = build_project(
                world, programmes["ulf"], name=f"{branch.name} union learning {fy}", region=their_region,
                branch=branch, quarters=quarters, today=today, rng=rng, budget=budget)
            _spend(extra, quarters, today, budget, reprofile=False)
            out.projects.append(extra)

    # the Go Award: the main branch's council
    council = world.employers.get(f"council:{main_key.split(':', 1)[1]}")
    if council is not None:
        out.go_award_employer = council
        out.evidence = _go_award(world, council, main, _convenor_of(world, main.id))
    db.session.flush()
    return out

"""Demo data: funding projects and the Go Award.

Called by :func:`ulr_app.demo.reports.apply_reports` once the rest of the world is written (so it
can count what is there). Dated from the build date like the rest of the demo; deterministic for a
seed and a build date.

- **Projects** (:func:`build_project`) over four financial-year quarters (:func:`project_periods`):
  the enrolments of their branches active in those quarters are linked to them
  (``Enrolment.project_id``); a target for every measure of the programme in every quarter,
  worked out from what the demo records give (the definitions of domain.md section 6,
  :func:`measure_actuals`), so the actual figures land near the targets, but for a measure missed
  on purpose. A budget profiled per quarter, actual spend for the past quarters (the first one
  overspent), one re-profile with its reason (:func:`_spend`). A short-term agreement signed in the
  first quarter (with the region's academy trust) gives ``agreements_signed`` something to count.
- **The Go Award** (:func:`_go_award`): the eight standards of an employer (3 met, 3 in progress,
  2 not started) and evidence: links to its learning agreement and a ULR appointment, and two small
  PDFs made with WeasyPrint, kept under ``instance/goaward/<employer id>/`` (where uploads go) with
  their SHA-256.

Funding records are written through the models (their services are not used here), each with its
audit entry, as "demo data".
"""
from __future__ import annotations

import hashlib
import math
import os
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Optional

from markupsafe import escape

from ..core import periods
from .agreements import AgreementPlan, _apply_agreements
from .world import FIRST_NAMES, SURNAMES, DemoWorld

if TYPE_CHECKING:  # pragma: no cover
    from ..funding.models import Project

#: the main ULF project's budget, and its profile per quarter after the re-profile
ULF_BUDGET = Decimal("48000.00")
#: the measure missed (more than the 20% threshold under its target) in the project's second quarter
MISSED_MEASURE = "learners_engaged"
#: actual / target for the missed measure (about 30% under)
MISSED_SHARE = 0.7
#: where Go Award documents are kept in the instance folder (as ulr_app.funding.goaward keeps uploads)
EVIDENCE_FOLDER = "goaward"
#: the date stamped into the evidence PDFs' fonts (2026-01-01 00:00 UTC), so a build is byte for byte the same
EVIDENCE_EPOCH = 1767225600
#: at national scale, how many regions get a ULF project (the first, with the return, and the next ones)
NATIONAL_PROJECT_REGIONS = 4
QUARTERS = 4
#: budget moved from the second quarter to the third by the re-profile, and needs analyses moved with it
REPROFILE_MONEY = Decimal("2000.00")
REPROFILE_NEEDS = 2
REPROFILE_REASON = (
    "The college moved its ESOL and Functional Skills course from the summer term to the autumn. "
    "{money} of the {q2} budget and {needs} needs analyses moved to {q3}."
)
#: Go Award: (standard, status, notes, evidence); evidence kinds: agreement | rep | a document (title, file name, text)
GO_AWARD_PLAN: tuple[tuple[str, str, str, tuple[Any, ...]], ...] = (
    ("whole_council", "met", "Agreed by the council's corporate management team; every directorate, schools "
     "included, takes part.",
     (("document", "Council learning and skills statement", "learning-and-skills-statement.pdf",
       "The council commits every directorate, and the schools it maintains, to support staff to improve their "
       "reading, writing, maths and digital skills in work time."),)),
    ("sfl_strategy", "in_progress", "A draft strategy is out for comment with the partnership group.",
     (("document", "Skills for Life strategy: draft for the partnership group", "skills-for-life-strategy-draft.pdf",
       "Our aim: every member of staff who wants to can reach Level 2 in English and maths. We will offer "
       "Functional Skills and ESOL on site, in paid time, on early, late and term-time shifts."),)),
    ("developing_staff", "in_progress", "Two managers a term go on the Skills for Life awareness course.", ()),
    ("union_partnership", "met", "Partnership agreement signed; the learning partnership group meets quarterly.",
     (("agreement",),)),
    ("identifying_needs", "met", "ULRs carry out confidential needs analyses in every service.", (("rep",),)),
    ("flexible_delivery", "in_progress", "Drop-in sessions at the learning centre; schools still to be reached.", ()),
    ("wider_development", "not_started", "", ()),
    ("local_implementation", "not_started", "", ()),
)


# --- pure helpers ---------------------------------------------------------------------------

def project_periods(today: date, count: int = QUARTERS) -> list[periods.Period]:
    """The project's quarters: the two before the one ``today`` is in, that one, and the next."""
    first = periods.containing(today, "quarter").previous().previous()
    out = [first]
    while len(out) < count:
        out.append(out[-1].next())
    return out


def enrolment_end(completed_on: Optional[date], achieved_on: Optional[date],
                  withdrawn_on: Optional[date]) -> Optional[date]:
    """The earliest of completed_on, achieved_on and withdrawn_on (None: still going)."""
    ends = [d for d in (completed_on, achieved_on, withdrawn_on) if d]
    return min(ends) if ends else None


def active_in(started_on: Optional[date], end: Optional[date], start: date, finish: date) -> bool:
    """An enrolment active at any time from ``start`` to ``finish`` (domain.md section 6)."""
    return started_on is not None and started_on <= finish and (end is None or end >= start)


def variance_pct(actual: int, target: int) -> Optional[float]:
    return None if not target else round((actual - target) / target * 100, 1)


def near_target(actual: int, rng) -> int:
    """A target the actual lands near (within 15%, either side)."""
    if actual <= 2:
        return actual
    for factor in sorted((0.9, 1.0, 1.1, 1.15), key=lambda _f: rng.random()):
        target = max(1, round(actual * factor))
        if abs(variance_pct(actual, target)) <= 15:
            return target
    return actual  # pragma: no cover - 1.0 always qualifies


def missed_target(actual: int) -> int:
    """A target the actual misses by about 30% (always more than 20%)."""
    target = max(actual + 2, math.ceil(actual / MISSED_SHARE))
    assert variance_pct(actual, target) < -20
    return target


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


# --- counting what the demo holds ----------------------------------------------------------

def measure_actuals(project: "Project", quarters: Iterable[periods.Period]) -> dict[str, dict[str, int]]:
    """period code -> measure -> actual, counted the way domain.md section 6 defines them (the
    enrolment-based measures from the enrolments linked to the project, the others from the
    records in its scope: its branch, or every branch of its region)."""
    from sqlalchemy import select

    from ..agreements.models import Agreement
    from ..extensions import db
    from ..learners import rules as learner_rules
    from ..learners.models import Enrolment, Learner, NeedsAssessment
    from ..organisation.models import Branch
    from ..reps.models import Rep

    quarters = list(quarters)
    if project.branch_id is not None:
        branch_ids = [project.branch_id]
    else:
        branch_ids = list(db.session.scalars(select(Branch.id).where(Branch.region_id == project.region_id)))
    enrolments = db.session.execute(
        select(Enrolment.learner_id, Enrolment.status, Enrolment.started_on, Enrolment.completed_on,
               Enrolment.achieved_on, Enrolment.withdrawn_on).where(Enrolment.project_id == project.id)).all()
    linked_learners = {e.learner_id for e in enrolments}
    assessed = list(db.session.scalars(select(NeedsAssessment.assessed_on).join(Learner).where(
        Learner.branch_id.in_(branch_ids))))
    reps = db.session.execute(select(Rep.appointed_on, Rep.trained_on).where(Rep.branch_id.in_(branch_ids))).all()
    signed = list(db.session.scalars(select(Agreement.signed_on).where(
        Agreement.branch_id.in_(branch_ids), Agreement.signed_on.is_not(None))))
    joined = db.session.execute(select(Learner.id, Learner.joined_union_on).where(
        Learner.branch_id.in_(branch_ids), Learner.joined_union_on.is_not(None))).all()
    out: dict[str, dict[str, int]] = {}
    for q in quarters:
        def within(day: Optional[date]) -> bool:
            return day is not None and q.start <= day <= q.end

        out[q.code] = {
            "learners_engaged": len({e.learner_id for e in enrolments if active_in(
                e.started_on, enrolment_end(e.completed_on, e.achieved_on, e.withdrawn_on), q.start, q.end)}),
            "learning_outcomes": sum(within(learner_rules.outcome_on(e.status, e.completed_on, e.achieved_on))
                                     for e in enrolments),
            "needs_assessed": sum(within(d) for d in assessed),
            "ulrs_recruited": sum(within(r.appointed_on) for r in reps),
            "ulrs_trained": sum(within(r.trained_on) for r in reps),
            "agreements_signed": sum(within(d) for d in signed),
            "new_members": sum(within(d) and i in linked_learners for i, d in joined),
        }
    return out


# --- writing --------------------------------------------------------------------------------

def _programmes() -> dict[str, Any]:
    from sqlalchemy import select

    from ..extensions import db
    from ..funding.catalogue import load_programmes
    from ..funding.models import Programme

    load_programmes()  # `flask reference load` has done it (adds only what is missing)
    return {p.code: p for p in db.session.scalars(select(Programme))}


def _record(obj, summary: str, fields: Iterable[str]) -> None:
    from ..core import audit
    from ..extensions import db

    db.session.add(obj)
    db.session.flush()
    audit.record(db.session, "create", obj, summary=summary, changes=audit.snapshot(obj, fields))


def _organiser_of(world: "DemoWorld", region_id: int):
    return next((u for u in world.users.values() if u.role == "regional_organiser" and u.region_id == region_id), None)


def _convenor_of(world: "DemoWorld", branch_id: int):
    return next((u for u in world.users.values() if u.role == "branch_convenor" and u.branch_id == branch_id), None)


def link_enrolments(project: "Project", branch_ids: list[int], quarters: list[periods.Period]) -> int:
    """Link the enrolments of these branches' learners active in the project's quarters (and not
    linked to another project) to the project; each change audited. Returns how many."""
    from sqlalchemy import select

    from ..core import audit
    from ..extensions import db
    from ..learners.models import Enrolment, Learner

    start, finish = quarters[0].start, quarters[-1].end
    rows = db.session.scalars(select(Enrolment).join(Learner).where(
        Learner.branch_id.in_(branch_ids), Enrolment.project_id.is_(None), Enrolment.started_on.is_not(None),
        Enrolment.started_on <= finish).order_by(Enrolment.id)).all()
    linked = 0
    for e in rows:
        if not active_in(e.started_on, enrolment_end(e.completed_on, e.achieved_on, e.withdrawn_on), start, finish):
            continue
        e.project_id = project.id
        audit.record(db.session, "update", e, summary=f"Linked an enrolment to the project {project.name}",
                     changes={"project_id": (None, project.id)})
        linked += 1
    db.session.flush()
    return linked


def _agreement_in_first_quarter(world: "DemoWorld", branch, quarters: list[periods.Period], rng) -> None:
    """A short-term agreement signed in the project's first quarter with the region's academy
    trust, if the trust works with the branch (so ``agreements_signed`` has something to count)."""
    trust_key = next((e.key for e in world.plan.employers if e.kind == "academy_trust"
                      and e.branch_keys and e.branch_keys[0] == _branch_key(world, branch)), None)
    if trust_key is None:
        return
    trust = world.employers[trust_key]
    signed = quarters[0].start + timedelta(days=40)

    def person() -> str:
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"

    plan = AgreementPlan(
        key=f"agreement:{trust_key}:short", branch_key=_branch_key(world, branch), employer_key=trust_key,
        status="signed", values=(
            ("title", f"{trust.name}: Skills for Life in the {branch.name} academies"), ("kind", "short_term"),
            ("schools_scope", "included"), ("ulr_places", 2), ("learner_time_off", "paid"),
            ("starts_on", signed.isoformat())),
        signature=(("signed_on", signed.isoformat()), ("review_due_on", (signed + timedelta(days=540)).isoformat()),
                   ("expires_on", (signed + timedelta(days=730)).isoformat()),
                   ("employer_signatory", person()), ("employer_signatory_role", "Director of People"),
                   ("union_signatory", person()), ("union_signatory_role", f"Branch Secretary, {branch.name} UNISON")),
        notes=(("signed", "Signed for one year while the partnership agreement is negotiated"),))
    _apply_agreements((plan,), world)


def _branch_key(world: "DemoWorld", branch) -> str:
    return next(k for k, b in world.branches.items() if b.id == branch.id)


def build_project(world: "DemoWorld", programme, *, name: str, region, branch, quarters: list[periods.Period],
                  today: date, rng, budget: Optional[Decimal] = None, link_branch_ids: Optional[list[int]] = None,
                  miss: Optional[tuple[str, str]] = None, notes: str = ""):
    """A project with its enrolments linked and a target for every measure in every quarter,
    worked out from the actual figures: near them, but ``miss`` = (period, measure) missed."""
    from ..funding.models import Project, ProjectTarget

    lead = _organiser_of(world, region.id)
    project = Project(programme_id=programme.id, name=name, region_id=region.id,
                      branch_id=branch.id if branch is not None else None, starts_on=quarters[0].start,
                      ends_on=quarters[-1].end, budget=budget, lead_organiser_id=lead.id if lead else None,
                      created_by_id=lead.id if lead else None, notes=notes or None)
    _record(project, f"Created the funding project {name}",
            ("programme_id", "name", "region_id", "branch_id", "starts_on", "ends_on", "budget", "lead_organiser_id"))
    link_enrolments(project, link_branch_ids or ([branch.id] if branch is not None else []), quarters)
    actuals = measure_actuals(project, quarters)
    targets: dict[str, dict[str, int]] = {}
    past = [q for q in quarters if q.start <= today]
    for q in past:
        targets[q.code] = {}
        for measure in programme.measures:
            actual = actuals[q.code][measure]
            if miss == (q.code, measure):
                targets[q.code][measure] = missed_target(actual)
            elif q.end >= today:  # the current quarter: sized for the whole quarter
                targets[q.code][measure] = max(actual, round(actual * 1.1))
            else:
                targets[q.code][measure] = near_target(actual, rng)
    for q in quarters:
        if q.code not in targets:  # later quarters: the average of the quarters so far
            targets[q.code] = {m: round(sum(targets[p.code][m] for p in past) / max(1, len(past)))
                               for m in programme.measures}
    for q in quarters:
        for measure in programme.measures:
            _record(ProjectTarget(project_id=project.id, period=q.code, measure=measure,
                                  target=int(targets[q.code][measure])),
                    f"Set the {q.code} target for {measure} of {name}", ("period", "measure", "target"))
    return project, targets, actuals


def _spend(project, quarters: list[periods.Period], today: date, budget: Decimal, *,
           reprofile: bool, changed_by=None, targets: Optional[dict[str, dict[str, int]]] = None) -> None:
    """The budget profiled per quarter, actual spend for the past quarters (the first overspent),
    and (``reprofile``) one re-profile moving money and needs analyses from the second quarter to
    the third."""
    from ..funding.models import ProfileChange, ProjectSpend

    base = money(budget / len(quarters))
    budgets = {q.code: base for q in quarters}
    budgets[quarters[-1].code] = money(budget - base * (len(quarters) - 1))
    before_budgets = dict(budgets)
    q2, q3 = quarters[1].code, quarters[2].code
    if reprofile:
        budgets[q2], budgets[q3] = budgets[q2] - REPROFILE_MONEY, budgets[q3] + REPROFILE_MONEY
    actual = {}
    for index, q in enumerate(quarters):
        if q.end < today:  # a quarter that has ended has its spend entered
            share = Decimal("1.092") if index == 0 else Decimal("0.941")
            actual[q.code] = money(budgets[q.code] * share + Decimal(index) * Decimal("0.35"))
    for q in quarters:
        _record(ProjectSpend(project_id=project.id, period=q.code, budget=budgets[q.code], actual=actual.get(q.code)),
                f"Set the {q.code} budget of {project.name}", ("period", "budget", "actual"))
    if not reprofile or targets is None:
        return
    needs = min(REPROFILE_NEEDS, targets[q3].get("needs_assessed", 0))
    before = {"targets": {q2: {"needs_assessed": targets[q2]["needs_assessed"] + needs},
                          q3: {"needs_assessed": targets[q3]["needs_assessed"] - needs}},
              "spend": {q2: {"budget": str(before_budgets[q2])}, q3: {"budget": str(before_budgets[q3])}}}
    after = {"targets": {q2: {"needs_assessed": targets[q2]["needs_assessed"]},
                         q3: {"needs_assessed": targets[q3]["needs_assessed"]}},
             "spend": {q2: {"budget": str(budgets[q2])}, q3: {"budget": str(budgets[q3])}}}
    changed_at = datetime.combine(quarters[1].start + timedelta(days=20), time(10), tzinfo=timezone.utc)
    reason = REPROFILE_REASON.format(money=f"£{REPROFILE_MONEY:,}", q2=q2, q3=q3, needs=needs)
    _record(ProfileChange(project_id=project.id, changed_at=changed_at, changed_by_id=getattr(changed_by, "id", None),
                          reason=reason, before=before, after=after),
            f"Re-profiled {project.name}", ("reason",))


def evidence_folder(employer_id: int) -> Path:
    from flask import current_app

    return Path(current_app.instance_path) / EVIDENCE_FOLDER / str(employer_id)


def _evidence_pdf(title: str, employer_name: str, text: str) -> bytes:
    from ..core.pdf import render_pdf

    html = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>"
            "body{{font-family:sans-serif;font-size:11pt;margin:2cm}} h1{{font-size:18pt}}</style></head><body>"
            "<h1>{t}</h1><p><strong>{e}</strong></p><p>{x}</p><p>Evidence for the Go (Get On) Award.</p>"
            "</body></html>").format(t=escape(title), e=escape(employer_name), x=escape(text))
    # the same bytes on every build: where HarfBuzz's subsetter is missing, WeasyPrint subsets the fonts
    # with fontTools, which stamps each font with the clock unless SOURCE_DATE_EPOCH is set
    # (reproducible-builds.org); the demo is built in one process, so setting it for the call is safe
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = before or str(EVIDENCE_EPOCH)
    try:
        return render_pdf(html)
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]


def _go_award(world: "DemoWorld", employer, branch, actor) -> list[Any]:
    """The eight standards of the employer (3 met, 3 in progress, 2 not started) and their evidence."""
    from sqlalchemy import select

    from ..agreements.models import Agreement
    from ..extensions import db
    from ..funding.models import GoAwardEvidence, GoAwardStandard
    from ..reps.models import Rep

    agreement = db.session.scalars(select(Agreement).where(
        Agreement.employer_id == employer.id, Agreement.status.in_(("signed", "under_review")))
        .order_by(Agreement.id)).first()
    rep = db.session.scalars(select(Rep).where(Rep.employer_id == employer.id, Rep.stood_down_on.is_(None),
                                               Rep.notice_given_on.is_not(None)).order_by(Rep.id)).first()
    evidence = []
    for code, status, notes, items in GO_AWARD_PLAN:
        _record(GoAwardStandard(employer_id=employer.id, code=code, status=status, notes=notes or None),
                f"Set the Go Award standard {code} of {employer.name}", ("code", "status"))
        for item in items:
            if item[0] == "agreement" and agreement is not None:
                row = GoAwardEvidence(employer_id=employer.id, standard_code=code, kind="link",
                                      title=f"Learning agreement: {agreement.title}"[:200],
                                      link_type="agreement", link_id=agreement.id)
            elif item[0] == "rep" and rep is not None:
                row = GoAwardEvidence(employer_id=employer.id, standard_code=code, kind="link",
                                      title=f"ULR appointment: {rep.name}"[:200], link_type="rep", link_id=rep.id)
            elif item[0] == "document":
                _kind, title, filename, text = item
                content = _evidence_pdf(title, employer.name, text)
                digest = hashlib.sha256(content).hexdigest()
                folder = evidence_folder(employer.id)
                folder.mkdir(parents=True, exist_ok=True)
                stored = folder / f"{code}-{digest[:12]}.pdf"
                stored.write_bytes(content)
                row = GoAwardEvidence(employer_id=employer.id, standard_code=code, kind="document", title=title,
                                      stored_as=(Path(EVIDENCE_FOLDER) / str(employer.id) / stored.name).as_posix(),
                                      original_name=filename, content_type="application/pdf",
                                      size_bytes=len(content), sha256=digest)
            else:
                continue
            row.created_by_id = getattr(actor, "id", None)
            _record(row, f"Added Go Award evidence for {code}: {row.title}",
                    ("standard_code", "kind", "title", "link_type", "link_id", "sha256"))
            evidence.append(row)
    return evidence

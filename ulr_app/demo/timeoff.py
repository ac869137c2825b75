"""Demo data: a year of time-off requests up to the build date.

In every branch, of all four kinds; the employers' answers follow "Time to train" (schools refuse
far more often than council services, mostly for want of cover); open refusals with tribunal
deadlines that matter on the build date (:data:`PINNED_REFUSALS`, following the ERA 2025
commencement setting), one with Acas early conciliation recorded.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any, Optional

from ..config import defaults as config_defaults
from ..extensions import db
from ..timeoff import rules as time_off_rules
from ..timeoff import services as time_off_services
from .accounts import _convenors
from .organisation import _council_workplaces, _workplace_ids
from .reps import ULR_COURSE, RepPlan, _in_post
from .world import BranchPlan, DemoWorld, EmployerPlan, WorkplacePlan, WorkplaceRef, _ref, _rng, _weighted

#: the ERA 2025 commencement the plan assumes unless told otherwise (the shipped setting)
DEFAULT_COMMENCEMENT: date = config_defaults()["ERA_2025_COMMENCEMENT"]
#: time-off requests per branch over the year before the build date (plus the pinned refusals)
REQUESTS_PER_BRANCH = 30
REQUESTS_PER_BRANCH_NATIONAL = 6

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


# --- writing the plan -------------------------------------------------------------------

def _apply_time_off(plans: tuple[TimeOffPlan, ...], world: DemoWorld) -> None:
    """The time-off requests: recorded (by the ULR for their own duties and training, otherwise by
    the convenor), sent, decided, Acas dates."""
    if not plans:
        return
    workplace_ids = _workplace_ids({t.workplace for t in plans}, world)
    convenors = _convenors(world)
    for t in plans:
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

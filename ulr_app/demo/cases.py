"""Demo data: the cases each branch is working.

:func:`plan_cases` describes them from the seed and the build date: a dispute over the branch's
latest time-off refusal, learners who need help, and a dispute settled earlier, an agreement being
negotiated, access to a school, a learning survey, something else; owned by the convenor or a
ULR with a login; open, waiting and closed; due dates past and ahead; the planned follow-ups
partly done. :func:`apply_cases` opens them through the case services (a time-off dispute from the
refused request, so each links to the other), as "demo data".
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Optional

from ..core.templating import uk_date
from .accounts import _convenors
from .agreements import AgreementPlan
from .learners import ContactPlan, LearnerPlan, Pairs, _iso
from .organisation import _workplace_ids
from .reps import RepPlan
from .timeoff import TimeOffPlan
from .world import BranchPlan, DemoWorld, UserPlan, WorkplacePlan, WorkplaceRef, _ref, _rng


@dataclass(frozen=True)
class CasePlan:
    key: str
    branch_key: str
    kind: str
    #: where it ends up: open | waiting | closed
    status: str
    #: create_case's fields (summary, details, opened_on, due_on), as (name, value) pairs
    values: Pairs
    #: who works it and who opened it (demo logins' e-mails; None: the branch convenor)
    owner: Optional[str] = None
    created_by: Optional[str] = None
    learner_key: Optional[str] = None
    agreement_key: Optional[str] = None
    workplace: Optional[WorkplaceRef] = None
    time_off_key: Optional[str] = None
    activities: tuple[ContactPlan, ...] = ()
    #: planned follow-ups done: (title, done_on)
    done: tuple[tuple[str, str], ...] = ()
    closed_on: Optional[str] = None
    outcome: Optional[str] = None

    def field(self, name: str) -> Any:
        return dict(self.values).get(name)


CASE_STATUSES = ("open", "waiting", "closed")
#: what gets done on each kind of case: (activity kind, text)
CASE_ACTIVITIES = {
    "time_off_dispute": (("letter", "Wrote to the employer asking for the reasons for the refusal in writing"),
                         ("meeting", "Raised the refusal at the learning partnership group"),
                         ("call", "Talked to the member about Acas early conciliation and the tribunal deadline"),
                         ("email", "Sent the member the Acas Code guidance on time off for union learning")),
    "learner_support": (("call", "Talked it through with the learner"),
                        ("email", "E-mailed the college's learner support team"),
                        ("meeting", "Met the line manager about release for the class"),
                        ("note", "Found a Saturday class as a fallback")),
    "agreement_negotiation": (("meeting", "Meeting with Human Resources on the draft agreement"),
                              ("email", "Sent the branch's comments on the draft clauses"),
                              ("note", "Joint learning partnership group agreed in principle: equal numbers each side"),
                              ("meeting", "Branch committee discussed the draft")),
    "school_access": (("letter", "Wrote to the head teacher asking for a ULR drop-in"),
                      ("call", "Spoke to the school business manager"),
                      ("visit", "Visited the school office to leave course leaflets"),
                      ("email", "Asked the council's schools HR adviser to remind the school of the agreement")),
    "learning_survey": (("email", "Sent the survey to the school offices"),
                        ("visit", "Collected paper replies from the staff rooms"),
                        ("note", "Entered the replies; time off and cover named most often")),
    "other": (("note", "Booked the stall and ordered leaflets"), ("meeting", "Planned it with the ULRs"),
              ("email", "Told the members in the branch bulletin")),
}
OUTCOMES = {
    "time_off_dispute": ("Raised at the partnership group: the employer agreed release for the next course",
                         "Settled in Acas early conciliation: paid time off agreed for the missed session",
                         "The member chose not to take it further; noted for the agreement review"),
    "learner_support": ("Learner back on track: release agreed with the school", "Learner moved to an evening class",
                        "Learner decided to stop for now; will keep in touch"),
    "agreement_negotiation": ("Agreement signed",),
    "school_access": ("The head agreed a half-termly ULR drop-in in the staff room",
                      "Access agreed through the council's schools HR adviser"),
    "learning_survey": ("Survey done: the report went to the partnership group",),
    "other": ("Done: 23 members signed up for course information", "Done"),
}
SURVEY_GROUPS = ("midday supervisors", "teaching assistants", "school office staff", "cleaning and catering staff",
                 "site staff")
OTHER_CASES = ("Learning at Work Week stall at the civic centre", "Union learning report to the branch AGM",
               "Bid for a learning room and computers at the council depot", "Open day at the adult learning centre")


def plan_cases(seed: int, branches: list[BranchPlan], workplaces: list[WorkplacePlan], users: list[UserPlan],
               reps: tuple[RepPlan, ...], agreements: tuple["AgreementPlan", ...], time_off: tuple["TimeOffPlan", ...],
               learners: tuple[LearnerPlan, ...], today: date, *, full: bool) -> tuple[CasePlan, ...]:
    """The cases each branch is working: a dispute over its latest time-off refusal, learners who
    need help, and (``full``: all of them; otherwise one, in turn by branch) a dispute settled
    earlier, an agreement being negotiated, access to a school, a learning survey, and something
    else. Owned by the convenor or a ULR with a login; open, waiting and closed; due dates past
    and ahead; the planned follow-ups partly done."""
    rng = _rng(seed, "cases")
    ago = lambda n: today - timedelta(days=n)  # noqa: E731
    by_email = {u.email: u for u in users}
    convenors = {u.branch_key: u for u in users if u.role == "branch_convenor"}
    login_of = {r.key: r.user_email for r in reps if r.user_email}
    ulrs: dict[str, list[str]] = {}
    for r in reps:
        if r.user_email and r.status != "stood_down":
            ulrs.setdefault(r.branch_key, []).append(r.user_email)
    schools: dict[str, list[WorkplacePlan]] = {}
    for w in workplaces:
        if w.kind == "school" and w.employer_key.startswith("council:"):
            schools.setdefault(f"branch:{w.employer_key.split(':', 1)[1]}", []).append(w)
    out: list[CasePlan] = []

    def label(email: Optional[str], branch_key: str) -> tuple[Optional[str], str]:
        user = by_email.get(email) if email else convenors.get(branch_key)
        return (user.email, f"{user.name} <{user.email}>") if user else (None, "Branch education convenor")

    def story(kind: str, branch_key: str, owner: Optional[str], opened: date, end: date,
              n: int) -> tuple[ContactPlan, ...]:
        by, who = label(owner, branch_key)
        span = max(0, (end - opened).days)
        days = sorted(rng.randint(0, span) for _ in range(n))
        texts = CASE_ACTIVITIES[kind]
        return tuple(ContactPlan(kind=texts[i % len(texts)][0], happened_on=(opened + timedelta(days=d)).isoformat(),
                                 text=texts[i % len(texts)][1], by=by, by_label=who) for i, d in enumerate(days))

    def done(kind: str, opened: date, end: date, closed: bool) -> tuple[tuple[str, str], ...]:
        from ..cases.rules import planned_follow_ups

        out_: list[tuple[str, str]] = []
        for title, due in planned_follow_ups(kind, opened):
            if due <= end and (closed or rng.random() < 0.6):
                out_.append((title, min(end, max(opened, due + timedelta(days=rng.randint(-2, 5)))).isoformat()))
        return tuple(out_)

    def add(key: str, branch_key: str, kind: str, status: str, summary: str, details: str, *, opened: date,
            due: Optional[date] = None, owner: Optional[str] = None, created_by: Optional[str] = None,
            outcome: Optional[str] = None, closed_on: Optional[date] = None, **links: Any) -> None:
        opened = min(opened, ago(1))
        closed = None
        if status == "closed":
            closed = closed_on or min(ago(1), opened + timedelta(days=rng.randint(14, 90)))
        if due is None and status != "closed":
            due = ago(rng.randint(1, 30)) if rng.random() < 0.45 else today + timedelta(days=rng.randint(3, 60))
        elif due is None and kind != "other":
            due = opened + timedelta(days=rng.randint(14, 60))
        if due is not None and due < opened:
            due = opened + timedelta(days=rng.randint(7, 30))
        end = closed or today
        values = (("summary", summary[:300]), ("details", details), ("opened_on", opened.isoformat()),
                  ("due_on", _iso(due)))
        out.append(CasePlan(key=key, branch_key=branch_key, kind=kind, status=status,
                            values=tuple((k, v) for k, v in values if v not in (None, "")), owner=owner,
                            created_by=created_by, activities=story(kind, branch_key, owner, opened, end,
                                                                   rng.randint(1, 4)),
                            done=done(kind, opened, end, status == "closed"), closed_on=_iso(closed),
                            outcome=(outcome or rng.choice(OUTCOMES[kind])) if status == "closed" else None, **links))

    learners_of: dict[str, list[LearnerPlan]] = {}
    for p in learners:
        if p.enrolments:
            learners_of.setdefault(p.branch_key, []).append(p)
    for index, branch in enumerate(branches):
        mine = ulrs.get(branch.key, [])
        if branch.key not in convenors:
            continue
        # statuses in turn (by branch and case; at national scale also by round of the extra kinds)
        turn = lambda j: CASE_STATUSES[(index + j + index // 6) % 3]  # noqa: E731
        extras = ("old_dispute", "agreement", "school", "learner_ulr", "survey", "other")
        specs = ["dispute", "learner", *(extras if full else extras[index % 6:index % 6 + 1])]
        refusals = sorted((t for t in time_off if t.branch_key == branch.key and t.status == "refused"),
                          key=lambda t: (t.field("decided_on"), t.key))
        latest = next((t for t in refusals if t.key.endswith(":open")), refusals[-1] if refusals else None)
        for j, spec in enumerate(specs):
            key = f"case:{branch.key}:{j + 1}"
            if spec == "dispute" and latest is not None:
                decided = date.fromisoformat(latest.field("decided_on"))
                acas = bool(latest.field("acas_ec_started_on"))
                add(key, branch.key, "time_off_dispute", "waiting" if acas else "open",
                    "", f"Refused on {uk_date(decided)}: {latest.field('refusal_details')} The branch disputes it "
                        "under the Acas Code: the request gave the purpose, place, time and how long.",
                    opened=decided + timedelta(days=rng.randint(1, 5)), time_off_key=latest.key)
                out[-1] = _no_due(out[-1])  # the dispute's due date is its tribunal deadline (set by the service)
            elif spec == "old_dispute" and len(refusals) > 1:
                old = next(t for t in refusals if t is not latest)
                decided = date.fromisoformat(old.field("decided_on"))
                add(key, branch.key, "time_off_dispute", "closed", "",
                    f"Refused on {uk_date(decided)}: {old.field('refusal_details')}",
                    opened=decided + timedelta(days=rng.randint(1, 6)), time_off_key=old.key)
            elif spec in ("learner", "learner_ulr") and learners_of.get(branch.key):
                pool, ulr, creator = learners_of[branch.key], None, None
                if spec == "learner_ulr" and mine:
                    # a ULR opens a case about one of their own learners (else the convenor opens it for them)
                    ulr = mine[index % len(mine)]
                    theirs = [p for p in pool if ulr in (p.recorded_by, login_of.get(p.rep_key))]
                    pool, creator = (theirs, ulr) if theirs else (pool, None)
                learner = _needing_help(pool, rng, exclude={c.learner_key for c in out})
                if learner is None:
                    continue
                summary, details, opened = _learner_case(learner, today, rng)
                owner = ulr or login_of.get(learner.rep_key)
                add(key, branch.key, "learner_support", turn(j), summary, details, opened=opened, owner=owner,
                    created_by=creator, learner_key=learner.key)
            elif spec == "agreement":
                theirs = [a for a in agreements if a.branch_key == branch.key]
                pick = (next((a for a in theirs if a.status in ("draft", "negotiating")), None)
                        or next((a for a in theirs if a.status == "under_review"), None)
                        or next((a for a in theirs if a.status == "signed"), None))
                if pick is None:
                    add(key, branch.key, "agreement_negotiation", turn(j), f"Open talks on a learning agreement with "
                        f"{branch.name} Council", "No agreement yet: ask HR for a first meeting.",
                        opened=ago(rng.randint(20, 120)))
                elif pick.status == "signed":
                    signed = date.fromisoformat(pick.field("signed_on"))
                    add(key, branch.key, "agreement_negotiation", "closed", f"Negotiate: {pick.title}",
                        "Talks with the employer on a partnership agreement, schools included.",
                        opened=signed - timedelta(days=rng.randint(60, 150)), agreement_key=pick.key,
                        closed_on=signed, outcome=f"Agreement signed on {uk_date(signed)}")
                else:
                    add(key, branch.key, "agreement_negotiation", "waiting" if pick.status == "negotiating" else "open",
                        f"Negotiate: {pick.title}",
                        "Get the schools, learners' paid time and the partnership group in.",
                        opened=ago(rng.randint(30, 150)), agreement_key=pick.key)
            elif spec == "school" and schools.get(branch.key):
                school = rng.choice(schools[branch.key])
                owner = mine[0] if mine and j % 2 else None
                add(key, branch.key, "school_access", turn(j), f"Access to {school.name}: the head will not allow a "
                    "ULR drop-in", "Support staff there asked about courses, but the head says there is no room "
                    "and no time in the school day.", opened=ago(rng.randint(15, 160)), owner=owner,
                    workplace=_ref(school))
            elif spec == "survey":
                group = rng.choice(SURVEY_GROUPS)
                school = rng.choice(schools[branch.key]) if schools.get(branch.key) and rng.random() < 0.5 else None
                owner = mine[-1] if mine else None
                add(key, branch.key, "learning_survey", turn(j),
                    f"Learning needs survey of {group}" + (f" at {school.name}" if school else f" in {branch.name}"),
                    "What would they like to learn, and what stops them: time off, cover, cost, confidence?",
                    opened=ago(rng.randint(20, 200)), owner=owner, created_by=owner,
                    workplace=_ref(school) if school else None)
            elif spec == "other":
                add(key, branch.key, "other", turn(j), rng.choice(OTHER_CASES), "Promoting learning to members.",
                    opened=ago(rng.randint(10, 150)))
    return tuple(out)


def _no_due(case: CasePlan) -> CasePlan:
    return replace(case, values=tuple((k, v) for k, v in case.values if k != "due_on"))


def _needing_help(pool: list[LearnerPlan], rng: random.Random, exclude: set) -> Optional[LearnerPlan]:
    """A learner who needs the branch's help: withdrawn for want of cover, on a break, behind."""
    def score(p: LearnerPlan) -> int:
        last = p.enrolments[-1]
        reason = last.field("withdrawal_reason") or ""
        if last.status == "withdrawn" and "cover" in reason.lower():
            return 0
        if last.status == "break_in_learning":
            return 1
        if last.status == "in_progress":
            return 2
        return 3
    pool = [p for p in pool if p.key not in exclude]
    if not pool:
        return None
    best = min(score(p) for p in pool)
    return rng.choice([p for p in pool if score(p) == best])


def _learner_case(p: LearnerPlan, today: date, rng: random.Random) -> tuple[str, str, date]:
    last = p.enrolments[-1]
    name, course = p.field("name"), last.course
    when = lambda f: date.fromisoformat(last.field(f))  # noqa: E731
    if last.status == "withdrawn":
        return (f"{name}: no release to finish {course}",
                f"Withdrew: {last.field('withdrawal_reason')}. Ask the employer to release learners under the "
                "learning agreement.", when("withdrawn_on") + timedelta(days=rng.randint(1, 10)))
    if last.status == "break_in_learning":
        return (f"{name}: support to return to {course}", f"On a break ({last.field('break_reason').lower()}); "
                f"due back {last.field('return_on')}. Check the college will hold the place.",
                when("break_started_on") + timedelta(days=rng.randint(3, 12)))
    if last.status == "in_progress":
        return (f"{name}: release for {course}", "The line manager has stopped agreeing release for the weekly class.",
                max(when("started_on"), today - timedelta(days=rng.randint(10, 60))))
    return (f"{name}: advice on the next step after {course}", "Wants to go on to the next level: find a course "
            "and funding.", today - timedelta(days=rng.randint(5, 60)))


# --- writing the plan -------------------------------------------------------------------------

def apply_cases(plans: tuple[CasePlan, ...], world: "DemoWorld") -> None:
    """Each case as the convenor (or a ULR) opened it, through the case services: its planned
    follow-ups, activities, follow-ups done, then waiting or closed. A time-off dispute is opened
    from the refused request, so each links to the other."""
    from sqlalchemy import select

    from ..cases import services as case_services
    from ..contacts.models import FollowUp
    from ..extensions import db

    if not plans:
        return
    convenors = _convenors(world)
    workplace_ids = _workplace_ids({p.workplace for p in plans if p.workplace}, world)
    for p in plans:
        branch = world.branches[p.branch_key]
        convenor = convenors.get(branch.id)
        actor = world.users[p.created_by] if p.created_by else convenor
        owner = world.users[p.owner] if p.owner else convenor
        data: dict[str, Any] = {**dict(p.values), "owner_id": owner.id if owner else None}
        if p.learner_key:
            data["learner_id"] = world.learners[p.learner_key].id
        if p.agreement_key:
            data["agreement_id"] = world.agreements[p.agreement_key].id
        if p.workplace:
            data["workplace_id"] = workplace_ids[p.workplace]
        if p.time_off_key:
            case = case_services.open_dispute_case(world.time_off[p.time_off_key], actor, data)
        else:
            case = case_services.create_case({"kind": p.kind, **data}, branch, actor)
        for a in p.activities:
            activity = case_services.add_activity(case, {"kind": a.kind, "happened_on": a.happened_on, "text": a.text})
            by = world.users.get(a.by) if a.by else None
            activity.by_id, activity.by_label = (by.id if by else None), a.by_label[:300]
        if p.done:
            planned = {f.title: f for f in db.session.scalars(select(FollowUp).where(FollowUp.case_id == case.id))}
            for title, done_on in p.done:
                if title in planned and planned[title].done_on is None:
                    case_services.complete_follow_up(planned[title], done_on)
        if p.status == "waiting" or (p.status == "closed" and p.kind in ("time_off_dispute", "agreement_negotiation")):
            case_services.change_status(case, "waiting")
        if p.status == "closed":
            case_services.change_status(case, "closed", closed_on=p.closed_on, outcome=p.outcome)
        world.cases[p.key] = case
    db.session.flush()

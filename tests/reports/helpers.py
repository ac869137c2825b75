"""Hand-built data for the report tests: records made directly with the models (dates anywhere in
time, so quarters, leap years and 12-month windows can be set up exactly), each flushed and
committed. Others may import these builders."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Optional

from ulr_app.agreements.models import Agreement, AgreementSchool
from ulr_app.extensions import db
from ulr_app.funding.models import GoAwardEvidence, GoAwardStandard, Project, ProjectSpend, ProjectTarget
from ulr_app.learners.models import Course, Enrolment, Learner, NeedsAssessment
from ulr_app.organisation.models import Workplace
from ulr_app.reps.models import Rep
from ulr_app.timeoff.models import TimeOffRequest

_serial = itertools.count(1)


def d(text: str) -> date:
    return date.fromisoformat(text)


def _date(value: Any) -> Optional[date]:
    return d(value) if isinstance(value, str) else value


def save(obj):
    db.session.add(obj)
    db.session.commit()
    return obj


def project(world, programme, *, branch: Optional[str] = "a1", region: str = "a", starts_on="2026-04-01",
            ends_on="2027-03-31", targets: Optional[dict] = None, spend: Optional[dict] = None, name=None) -> Project:
    """A project of ``programme`` in a world branch (or the whole region with branch=None).
    targets {(period, measure): n}; spend {period: (budget, actual)} (None for not entered)."""
    p = save(Project(programme_id=programme.id, name=name or f"Project {next(_serial)}",
                     region_id=getattr(world.regions, region).id,
                     branch_id=getattr(world.branches, branch).id if branch else None,
                     starts_on=_date(starts_on), ends_on=_date(ends_on)))
    for (period, measure), n in (targets or {}).items():
        db.session.add(ProjectTarget(project_id=p.id, period=period, measure=measure, target=n))
    for period, (budget, actual) in (spend or {}).items():
        db.session.add(ProjectSpend(project_id=p.id, period=period,
                                    budget=None if budget is None else Decimal(str(budget)),
                                    actual=None if actual is None else Decimal(str(actual))))
    db.session.commit()
    return p


def course(category="skills_for_life", subject="literacy", level="entry_3", title=None) -> Course:
    return save(Course(title=title or f"Test course {next(_serial)} ({category} {subject} {level})",
                       category=category, subject=subject, level=level))


def workplace(world, employer="a1", *, kind="school", establishment_type="Community school", name=None) -> Workplace:
    return save(Workplace(employer_id=getattr(world.employers, employer).id, name=name or f"Workplace {next(_serial)}",
                          kind=kind, establishment_type=establishment_type if kind == "school" else None))


def learner(world, branch="a1", *, workplace="school_a1", name=None, **fields) -> Learner:
    """A learner at a world workplace (a key like "school_a1", a Workplace, or None)."""
    w = getattr(world.workplaces, workplace) if isinstance(workplace, str) else workplace
    return save(Learner(branch_id=getattr(world.branches, branch).id, name=name or f"Learner {next(_serial)}",
                        workplace_id=w.id if w else None, employer_id=w.employer_id if w else fields.pop("employer_id", None),
                        consent_on=date(2026, 1, 5), consent_scope="Learning records", **fields))


def enrolment(who: Learner, c: Course, *, project: Optional[Project] = None, status="in_progress", started_on="2026-04-10",
              completed_on=None, achieved_on=None, withdrawn_on=None) -> Enrolment:
    return save(Enrolment(learner_id=who.id, course_id=c.id, project_id=project.id if project else None, status=status,
                          referred_on=_date(started_on), started_on=_date(started_on),
                          completed_on=_date(completed_on), achieved_on=_date(achieved_on),
                          withdrawn_on=_date(withdrawn_on),
                          withdrawal_reason="Moved away" if withdrawn_on else None))


def needs(who: Learner, assessed_on="2026-05-01", **levels) -> NeedsAssessment:
    return save(NeedsAssessment(learner_id=who.id, assessed_on=_date(assessed_on), barriers=[], **levels))


def rep(world, branch="a1", *, workplace="school_a1", appointed_on="2026-01-05", notice_given_on="2026-01-06",
        training_route="already_trained", trained_on=None, training_completion_notified_on=None,
        will_train_notice_on=None, stood_down_on=None, name=None) -> Rep:
    w = getattr(world.workplaces, workplace) if isinstance(workplace, str) else workplace
    return save(Rep(branch_id=getattr(world.branches, branch).id, employer_id=w.employer_id, workplace_id=w.id,
                    name=name or f"ULR {next(_serial)}", appointed_on=_date(appointed_on),
                    notice_given_on=_date(notice_given_on), training_route=training_route,
                    trained_on=_date(trained_on), training_completion_notified_on=_date(training_completion_notified_on),
                    will_train_notice_on=_date(will_train_notice_on), stood_down_on=_date(stood_down_on)))


def agreement(world, branch="a1", *, employer=None, status="signed", schools_scope="included", signed_on="2025-06-01",
              expires_on=None, learner_time_off="not_stated", named=(), title=None) -> Agreement:
    """named: [(Workplace, "in" | "out")]."""
    emp = getattr(world.employers, employer or branch)
    a = save(Agreement(branch_id=getattr(world.branches, branch).id, employer_id=emp.id,
                       title=title or f"Agreement {next(_serial)}", status=status, schools_scope=schools_scope,
                       signed_on=_date(signed_on), expires_on=_date(expires_on), learner_time_off=learner_time_off,
                       employer_signatory="E. Mployer" if signed_on else None,
                       union_signatory="U. Nion" if signed_on else None))
    for w, inclusion in named:
        db.session.add(AgreementSchool(agreement_id=a.id, workplace_id=w.id, inclusion=inclusion))
    db.session.commit()
    return a


def request(world, branch="a1", *, workplace="school_a1", kind="ulr_duties", purpose=None, requested_on="2026-05-01",
            starts_at: Any = "2026-06-01T10:00:00+01:00", status="submitted", decided_on=None, refusal_reason=None,
            duration_hours="3", hours_granted=None, paid=None, learner=None, rep=None, tribunal_claim_on=None,
            created_by=None) -> TimeOffRequest:
    w = getattr(world.workplaces, workplace) if isinstance(workplace, str) else workplace
    purpose = purpose or {"ulr_duties": "analysing_needs", "ulr_training": "ulr_training",
                          "member_access": "accessing_ulr", "learner_release": "course_attendance"}[kind]
    starts = datetime.fromisoformat(starts_at) if isinstance(starts_at, str) else starts_at
    return save(TimeOffRequest(
        branch_id=getattr(world.branches, branch).id, kind=kind, purpose=purpose, workplace_id=w.id,
        starts_at=starts.astimezone(timezone.utc), duration_hours=Decimal(str(duration_hours)), location="On site",
        requested_on=_date(requested_on), status=status, decided_on=_date(decided_on), refusal_reason=refusal_reason,
        hours_granted=None if hours_granted is None else Decimal(str(hours_granted)), paid=paid,
        learner_id=learner.id if learner else None, rep_id=rep.id if rep else None,
        tribunal_claim_on=_date(tribunal_claim_on), created_by_id=created_by.id if created_by else None))


def standard(employer, code, status="in_progress") -> GoAwardStandard:
    return save(GoAwardStandard(employer_id=employer.id, code=code, status=status))


def evidence(employer, code, title="Evidence") -> GoAwardEvidence:
    return save(GoAwardEvidence(employer_id=employer.id, standard_code=code, kind="link", title=title,
                                link_type="agreement", link_id=1))


def user(world, key: str):
    return getattr(world.users, key)

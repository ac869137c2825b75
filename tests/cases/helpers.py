"""Test data for cases, built through the real services (committed): learners, a refused time-off
request, cases. Shared by the case page, service and API tests and the permission tables."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Optional

from flask import g

from ulr_app.cases import services
from ulr_app.extensions import db

TODAY = date.today()


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def learner(world, name: str = "Jo Bloggs", *, branch: str = "a1", rep=None, **extra):
    """A consenting learner at the branch's school (assigned to ``rep`` if given)."""
    from ulr_app.learners import services as learner_services

    g.audit_actor_label = "test set-up"
    b = getattr(world.branches, branch)
    w = {"a1": world.workplaces.school_a1, "a2": world.workplaces.school_a2, "b1": world.workplaces.school_b1}[branch]
    made = learner_services.create_learner({"name": name, "workplace_id": w.id, "consent_on": ago(30).isoformat(),
                                            "consent_scope": "Union learning records",
                                            "rep_id": rep.id if rep else None, **extra}, branch=b,
                                           not_duplicate=True)
    db.session.commit()
    return made


def refused_request(world, rep, *, status: str = "refused", decided_on: Optional[date] = None):
    """A ULR-duties request of ``rep``, sent and refused (for cover) ``decided_on`` (default 10 days ago)."""
    from ulr_app.timeoff import services as time_off

    g.audit_actor_label = "test set-up"
    r = time_off.create_request({"kind": "ulr_duties", "purpose": "analysing_needs", "rep_id": rep.id,
                                 "workplace_id": rep.workplace_id, "starts_at": f"{ago(5).isoformat()}T09:30",
                                 "duration_hours": "3", "location": "Library", "requested_on": ago(20).isoformat()},
                                branch=rep.branch)
    time_off.submit(r)
    if status:
        decision: dict[str, Any] = {"status": status, "decided_on": decided_on or ago(10)}
        if status in ("refused", "partly_granted"):
            decision["refusal_reason"] = "cover"
        if status in ("granted", "partly_granted"):
            decision["paid"] = True
        if status == "partly_granted":
            decision["hours_granted"] = "1"
        time_off.record_decision(r, decision)
    db.session.commit()
    return r


def case(world, summary: str = "Cover refused for training", *, branch: str = "a1", actor=None, commit: bool = True,
         **data):
    """A case in the world's branch, opened by ``actor`` (default: that branch's convenor, or nobody)."""
    g.audit_actor_label = "test set-up"
    b = getattr(world.branches, branch)
    if actor is None:
        actor = {"a1": world.users.convenor_a1, "a2": world.users.convenor_a2, "b1": world.users.convenor_b1}[branch]
    made = services.create_case({"kind": "other", "summary": summary, **data}, b, actor)
    if commit:
        db.session.commit()
    return made


def scoped_cases(w):
    """Cases in and out of each role's scope (made once per world, committed): w.cases.

    a1_ulr is owned by ulr_a1; a1 by Barnet's convenor (out of the ULR's scope); a2 Camden's; b1 Newcastle's.
    """
    if getattr(w, "cases", None) is None:
        from types import SimpleNamespace

        w.cases = SimpleNamespace(
            a1=case(w, "Barnet convenor's case", kind="learner_support"),
            a1_ulr=case(w, "Barnet ULR's own case", actor=w.users.ulr_a1, kind="learner_support"),
            a2=case(w, "Camden case", branch="a2", kind="learner_support"),
            b1=case(w, "Newcastle case", branch="b1", kind="learner_support"),
        )
    return w.cases

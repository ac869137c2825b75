"""Helpers for the JSON API tests: a client that sends a token, tokens, audit and error checks."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ulr_app.accounts import services as account_services
from ulr_app.core.audit_models import AuditEntry
from ulr_app.extensions import db

BASE = "/api/v1"


def url(path: str) -> str:
    return path if path.startswith(BASE) else BASE + path


class Api:
    """A test client that sends ``Authorization: Bearer <token>`` (or nothing, if token is None)."""

    def __init__(self, client: Any, token: str | None):
        self.client = client
        self.token = token

    def _headers(self, kw: dict) -> dict:
        headers = dict(kw.pop("headers", {}) or {})
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return headers

    def get(self, path: str, **kw: Any):
        return self.client.get(url(path), headers=self._headers(kw), **kw)

    def post(self, path: str, json: Any = None, **kw: Any):
        if json is not None:
            kw["json"] = json
        return self.client.post(url(path), headers=self._headers(kw), **kw)

    def patch(self, path: str, json: Any = None, **kw: Any):
        if json is not None:
            kw["json"] = json
        return self.client.patch(url(path), headers=self._headers(kw), **kw)

    def open(self, path: str, method: str, **kw: Any):
        return self.client.open(url(path), method=method, headers=self._headers(kw), **kw)


def new_token(user, name: str = "test") -> str:
    _token, secret = account_services.create_token(user, name)
    db.session.commit()
    return secret



def fresh() -> None:
    """Forget what the test's own session holds, to read what the requests committed."""
    db.session.rollback()
    db.session.expire_all()


def audit_entries(object_type: str, object_id: int | None = None, action: str | None = None) -> list[AuditEntry]:
    fresh()
    stmt = select(AuditEntry).where(AuditEntry.object_type == object_type).order_by(AuditEntry.id)
    if object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.session.scalars(stmt))


def count(model) -> int:
    fresh()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def assert_error(response, status: int, code: str, *, fields: tuple[str, ...] = ()) -> dict:
    """The contract's error shape, with the given status and (at least) these fields."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.is_json, response.get_data(as_text=True)
    error = response.json["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    for name in fields:
        assert name in error["fields"], (name, error)
        assert all(isinstance(m, str) and m for m in error["fields"][name])
    return error


def agreements_of(world):
    """One draft learning agreement per world branch (made once per world, committed): world.agreements.a1..."""
    from types import SimpleNamespace

    from flask import g

    from ulr_app.agreements import services as agreement_services

    if getattr(world, "agreements", None) is None:
        g.audit_actor_label = "test set-up"
        made = {}
        for key in ("a1", "a2", "b1"):
            branch, employer = getattr(world.branches, key), getattr(world.employers, key)
            made[key] = agreement_services.create_agreement(
                {"title": f"{branch.name} learning agreement", "employer_id": employer.id}, branch=branch)
        db.session.commit()
        world.agreements = SimpleNamespace(**made)
    return world.agreements


def reps_of(world):
    """ULR appointments (made once per world, committed): world.reps.a1 (ulr_a1's own, Barnet Housing),
    a1_other (Barnet, no login, a school), a2 (Camden school), b1 (ulr_b1's own, Newcastle school)."""
    from datetime import date, timedelta
    from types import SimpleNamespace

    from flask import g

    from ulr_app.reps import services as rep_services

    if getattr(world, "reps", None) is None:
        g.audit_actor_label = "test set-up"
        day = lambda n: (date.today() - timedelta(days=n)).isoformat()  # noqa: E731
        w, made = world.workplaces, {}
        for key, branch, employer, workplace, user, name in (
                ("a1", "a1", "a1", w.service_a1, world.users.ulr_a1, "Ulr Barnet"),
                ("a1_other", "a1", "a1", w.school_a1, None, "Sam Other"),
                ("a2", "a2", "a2", w.school_a2, None, "Camden Rep"),
                ("b1", "b1", "b1", w.school_b1, world.users.ulr_b1, "Ulr Newcastle")):
            made[key] = rep_services.create_rep({
                "name": name, "email": user.email if user else None, "user_id": user.id if user else None,
                "employer_id": getattr(world.employers, employer).id, "workplace_id": workplace.id,
                "appointed_on": day(60), "notice_given_on": day(59), "training_route": "will_train",
                "will_train_notice_on": day(59)}, branch=getattr(world.branches, branch))
        db.session.commit()
        world.reps = SimpleNamespace(**made)
    return world.reps


def requests_of(world):
    """One submitted ULR-duties request per rep of :func:`reps_of` (committed): world.time_off.a1..."""
    from datetime import date, timedelta
    from types import SimpleNamespace

    from flask import g

    from ulr_app.timeoff import services as time_off

    if getattr(world, "time_off", None) is None:
        reps = reps_of(world)
        g.audit_actor_label = "test set-up"
        made = {}
        for key in ("a1", "a1_other", "a2", "b1"):
            rep = getattr(reps, key)
            request = time_off.create_request({
                "kind": "ulr_duties", "rep_id": rep.id, "workplace_id": rep.workplace_id, "purpose": "promoting_learning",
                "starts_at": f"{(date.today() + timedelta(days=14)).isoformat()}T09:30", "duration_hours": "3",
                "location": "Staff room", "requested_on": (date.today() - timedelta(days=2)).isoformat()},
                branch=rep.branch)
            time_off.submit(request)
            made[key] = request
        db.session.commit()
        world.time_off = SimpleNamespace(**made)
    return world.time_off


def world_ids(world) -> dict[str, int]:
    """A record of the world (in convenor_a1's branch, made once) for each kind of id an API path names."""
    from tests.cases.helpers import scoped_cases
    from tests.reports.permissions import make_project

    from .learner_helpers import courses_of, enrolments_of, learners_of, needs_of

    if getattr(world, "ids", None) is None:
        project = make_project(world, branch=world.branches.a1)
        db.session.commit()
        world.ids = {
            "region_id": world.regions.a.id, "branch_id": world.branches.a1.id, "employer_id": world.employers.a1.id,
            "workplace_id": world.workplaces.school_a1.id, "user_id": world.users.ulr_a1.id,
            "agreement_id": agreements_of(world).a1.id, "rep_id": reps_of(world).a1.id,
            "time_off_request_id": requests_of(world).a1.id, "learner_id": learners_of(world).a1.id,
            "needs_assessment_id": needs_of(world).a1.id, "course_id": courses_of(world).literacy.id,
            "enrolment_id": enrolments_of(world).a1.id, "case_id": scoped_cases(world).a1.id,
            "programme_id": project.programme_id, "project_id": project.id}
    return world.ids

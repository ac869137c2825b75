"""Learner test data for the API tests, made through the real services once per world (committed).

``learners_of(world)``: a1 (Barnet, assigned to ulr_a1's appointment: in ulr_a1's caseload),
a1_other (Barnet, assigned to the other Barnet ULR: not in ulr_a1's caseload), a2 (Camden), b1
(Newcastle); each has consented, a1 and a2 have equality monitoring recorded.
``courses_of(world)``: literacy (Entry 3), numeracy (Level 1), retired (inactive). Titles are this
module's own: the seed catalogue (``flask reference load``) may still be there in a session's first test.
``needs_of(world)`` and ``enrolments_of(world)``: one needs analysis and one enquiry per learner.
"""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from flask import g

from ulr_app.extensions import db
from ulr_app.learners import services

from .helpers import reps_of

KEYS = ("a1", "a1_other", "a2", "b1")


def day(n: int = 0) -> str:
    """n days ago, as YYYY-MM-DD (negative: in the future)."""
    return (date.today() - timedelta(days=n)).isoformat()


CONSENT = {"consent_on": day(30), "consent_scope": "Records of learning and contact by the ULR and the branch"}
EQUALITY = {"gender": "female", "ethnicity": "Black British", "disability": "none declared", "age_band": "35-44"}


def learners_of(world):
    if getattr(world, "learners", None) is None:
        reps = reps_of(world)
        g.audit_actor_label = "test set-up"
        w = world.workplaces
        made = {}
        for key, branch, workplace, rep, name, equality in (
                ("a1", "a1", w.service_a1, reps.a1, "Asha Barnet", True),
                ("a1_other", "a1", w.school_a1, reps.a1_other, "Bob Barnet", False),
                ("a2", "a2", w.school_a2, reps.a2, "Cara Camden", True),
                ("b1", "b1", w.school_b1, reps.b1, "Dan Newcastle", False)):
            made[key] = services.create_learner({
                "name": name, "workplace_id": workplace.id, "rep_id": rep.id, "staff_category":
                "non_school" if workplace.kind != "school" else "learning_support", **CONSENT,
                **(EQUALITY if equality else {})}, branch=getattr(world.branches, branch), not_duplicate=True)
        db.session.commit()
        world.learners = SimpleNamespace(**made)
    return world.learners


LITERACY_TITLE = "API test literacy Entry 3"


def courses_of(world):
    if getattr(world, "courses", None) is None:
        g.audit_actor_label = "test set-up"
        world.courses = SimpleNamespace(
            literacy=services.create_course({"title": LITERACY_TITLE, "category": "skills_for_life",
                                             "subject": "literacy", "level": "entry_3", "qualification": True}),
            numeracy=services.create_course({"title": "API test numeracy Level 1", "category": "skills_for_life",
                                             "subject": "numeracy", "level": "level_1", "qualification": True}),
            retired=services.create_course({"title": "API test union course (retired)", "category": "union_course",
                                            "active": False}),
        )
        db.session.commit()
    return world.courses


def needs_of(world):
    if getattr(world, "needs", None) is None:
        learners = learners_of(world)
        g.audit_actor_label = "test set-up"
        world.needs = SimpleNamespace(**{
            key: services.record_needs_assessment(getattr(learners, key), {
                "assessed_on": day(20), "literacy_level": "entry_2", "barriers": ["cover", "confidence"]})
            for key in KEYS})
        db.session.commit()
    return world.needs


def enrolments_of(world):
    if getattr(world, "enrolments", None) is None:
        learners, courses = learners_of(world), courses_of(world)
        g.audit_actor_label = "test set-up"
        world.enrolments = SimpleNamespace(**{
            key: services.enrol(getattr(learners, key), {"course_id": courses.literacy.id}) for key in KEYS})
        db.session.commit()
    return world.enrolments

"""Page permission expectations for this domain, merged into tests/test_permissions.py EXPECTED.

endpoint -> (methods, roles allowed, resolver(world, role_key) -> (in-scope kwargs, out-of-scope kwargs
or None), public?). In scope for a ULR means a learner in their caseload (assigned to their own
appointment); out of scope, a learner of their own branch who is not.
"""
from __future__ import annotations

from datetime import date, timedelta
from itertools import count

_numbers = count(1)

ALL = frozenset({"admin", "regional_organiser", "branch_convenor", "learning_rep"})
WRITERS = frozenset({"admin", "branch_convenor", "learning_rep"})
MERGERS = frozenset({"admin", "branch_convenor"})
ADMIN = frozenset({"admin"})

CONSENT = {"consent_on": "2026-01-05", "consent_scope": "Learning records and contact by the branch"}


def _ulr_rep(w):
    """ulr_a1's appointment in branch A1 (made once, then reused)."""
    from sqlalchemy import select

    from ulr_app.extensions import db
    from ulr_app.reps import services as rep_services
    from ulr_app.reps.models import Rep

    rep = db.session.scalars(select(Rep).where(Rep.user_id == w.users.ulr_a1.id)).first()
    if rep is None:
        rep = rep_services.create_rep({"name": "Barnet ULR", "employer_id": w.employers.a1.id,
                                       "workplace_id": w.workplaces.service_a1.id, "appointed_on": "2026-01-05",
                                       "notice_given_on": "2026-01-06", "training_route": "already_trained",
                                       "user_id": w.users.ulr_a1.id}, branch=w.branches.a1)
    return rep


def _learners(w, role_key):
    """(in-scope learner, out-of-scope learner or None) for a role."""
    from ulr_app.learners import services

    places = {w.branches.a1.id: w.workplaces.school_a1, w.branches.a2.id: w.workplaces.school_a2,
              w.branches.b1.id: w.workplaces.school_b1}

    def make(branch, rep=None):
        if branch is None:
            return None
        return services.create_learner({"name": f"Learner of {branch.name}", "workplace_id": places[branch.id].id,
                                        "rep_id": rep.id if rep else None, **CONSENT}, branch=branch,
                                        not_duplicate=True)

    if role_key == "ulr_a1":
        return make(w.branches.a1, _ulr_rep(w)), make(w.branches.a1)
    table = {"organiser_a": (w.branches.a2, w.branches.b1), "convenor_a1": (w.branches.a1, w.branches.a2),
             "admin": (w.branches.b1, None)}
    inside, outside = table[role_key]
    return make(inside), make(outside)


def _scoped(kind: str):
    def resolve(w, role_key):
        from ulr_app.cases.models import FollowUp
        from ulr_app.extensions import db
        from ulr_app.learners import services

        inside, outside = _learners(w, role_key)
        out = []
        for learner in (inside, outside):
            if learner is None:
                out.append(None)
                continue
            ids = {"learner_id": learner.id}
            if kind == "enrolment":
                course = services.create_course({"title": f"Course for learner {learner.id}", "category": "skills_for_life",
                                                 "subject": "literacy", "level": "entry_3"})
                ids["enrolment_id"] = services.enrol(learner, {"course_id": course.id, "status": "enquiry"}).id
            elif kind == "follow_up":
                f = FollowUp(learner_id=learner.id, title="Next contact", due_on=date.today() + timedelta(days=7))
                db.session.add(f)
                db.session.flush()
                ids["follow_up_id"] = f.id
            out.append(ids)
        db.session.commit()
        return out[0], out[1]

    return resolve


def _consent(w, role_key):
    """A learner's consent to be contacted to withdraw (their page's "Withdraw" link)."""
    inside, outside = _scoped("learner")(w, role_key)
    return ({**inside, "purpose": "contact"} if inside else None), ({**outside, "purpose": "contact"} if outside else None)


def _course(w, role_key):
    from ulr_app.extensions import db
    from ulr_app.learners import services

    course = services.create_course({"title": f"Catalogue course {next(_numbers)}", "category": "cpd"})
    db.session.commit()
    return {"course_id": course.id}, None  # the catalogue is every user's to read


PAGES: dict = {
    "learners.learners": (("GET",), ALL, None, False),
    "learners.new_learner": (("GET", "POST"), WRITERS, None, False),
    "learners.learner": (("GET",), ALL, _scoped("learner"), False),
    "learners.edit_learner": (("GET", "POST"), WRITERS, _scoped("learner"), False),
    "learners.log_contact": (("POST",), WRITERS, _scoped("learner"), False),
    "learners.follow_up_done": (("POST",), WRITERS, _scoped("follow_up"), False),
    "learners.new_needs_assessment": (("GET", "POST"), WRITERS, _scoped("learner"), False),
    "learners.enrol": (("GET", "POST"), WRITERS, _scoped("learner"), False),
    "learners.enrolment_status": (("GET", "POST"), WRITERS, _scoped("enrolment"), False),
    "learners.new_consent": (("GET", "POST"), WRITERS, _scoped("learner"), False),
    "learners.withdraw_consent": (("GET", "POST"), WRITERS, _consent, False),
    "learners.merge_learner": (("GET", "POST"), MERGERS, _scoped("learner"), False),
    "learners.courses": (("GET",), ALL, None, False),
    "learners.new_course": (("GET", "POST"), ADMIN, None, False),
    "learners.edit_course": (("GET", "POST"), ADMIN, _course, False),
}

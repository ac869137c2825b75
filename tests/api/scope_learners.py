"""API role x route expectations for this domain, merged into tests/api/test_scope.py EXPECTED.

A ULR sees only their caseload, even in their own branch: ulr_a1's in-scope learner is assigned to
their appointment and the out-of-scope one to the other Barnet ULR. Needs analyses and enrolments
follow their learner. The course catalogue is everyone's to read, administrators' to change.
"""
from __future__ import annotations

from .learner_helpers import courses_of, enrolments_of, learners_of, needs_of

ALL = frozenset({"admin", "regional_organiser", "branch_convenor", "learning_rep"})
ADMIN = frozenset({"admin"})
WRITERS = frozenset({"admin", "branch_convenor", "learning_rep"})

#: role key -> (in-scope learner key, out-of-scope learner key or None)
BY_LEARNER = {"admin": ("b1", None), "organiser_a": ("a2", "b1"), "convenor_a1": ("a1_other", "a2"),
              "ulr_a1": ("a1", "a1_other")}


def _per_learner(made):
    def resolve(world, role_key):
        records = made(world)
        inside, outside = BY_LEARNER[role_key]
        return getattr(records, inside).id, (getattr(records, outside).id if outside else None)

    return resolve


def _course(world, role_key):
    return courses_of(world).literacy.id, None


LEARNERS = _per_learner(learners_of)
NEEDS = _per_learner(needs_of)
ENROLMENTS = _per_learner(enrolments_of)

EXPECTED: dict = {
    "api.list_learners": (ALL, None),
    "api.get_learner": (ALL, LEARNERS),
    "api.create_learner": (WRITERS, None),
    "api.update_learner": (WRITERS, LEARNERS),
    "api.list_needs_assessments": (ALL, None),
    "api.get_needs_assessment": (ALL, NEEDS),
    "api.create_needs_assessment": (WRITERS, None),
    "api.list_courses": (ALL, None),
    "api.get_course": (ALL, _course),
    "api.create_course": (ADMIN, None),
    "api.update_course": (ADMIN, _course),
    "api.list_enrolments": (ALL, None),
    "api.get_enrolment": (ALL, ENROLMENTS),
    "api.create_enrolment": (WRITERS, None),
    "api.update_enrolment": (WRITERS, ENROLMENTS),
}

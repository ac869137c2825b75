"""API role x route expectations for subject access requests, merged into tests/api/test_scope.py EXPECTED."""
from __future__ import annotations

READERS = frozenset({"admin", "regional_organiser", "branch_convenor"})
EDITORS = frozenset({"admin", "branch_convenor"})


def _sar_ids(w, key):
    from tests.dataprotection.helpers import scoped_sars

    inside, outside = scoped_sars(w, key)
    return inside.id, (outside.id if outside else None)


# endpoint -> (roles allowed, id resolver for the rule's one path variable, or None)
EXPECTED: dict = {
    "api.list_subject_access_requests": (READERS, None),
    "api.get_subject_access_request": (READERS, _sar_ids),
    "api.create_subject_access_request": (EDITORS, None),
    "api.update_subject_access_request": (EDITORS, _sar_ids),
}


def _erasable(w, key):
    """A fresh learner in scope and one out of scope (the walk's POST erases the one in scope)."""
    from tests.learners.permissions import _learners
    from ulr_app.extensions import db

    inside, outside = _learners(w, key)
    db.session.commit()
    return inside.id, (outside.id if outside else None)


EXPECTED["api.erase_learner"] = (READERS, _erasable)

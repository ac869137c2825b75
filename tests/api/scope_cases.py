"""API role x route expectations for this domain, merged into tests/api/test_scope.py EXPECTED."""
from __future__ import annotations

ALL = frozenset({"admin", "regional_organiser", "branch_convenor", "learning_rep"})
EDITORS = frozenset({"admin", "branch_convenor"})
WRITERS = frozenset({"admin", "branch_convenor", "learning_rep"})


def _case_ids(w, key):
    """(in-scope case id, out-of-scope case id or None): a ULR sees only the cases they work or recorded."""
    from tests.cases.helpers import scoped_cases
    from tests.cases.permissions import SCOPE

    made = scoped_cases(w)
    inside, outside = SCOPE[key]
    return getattr(made, inside).id, (getattr(made, outside).id if outside else None)


# endpoint -> (roles allowed, id resolver for the rule's one path variable, or None)
EXPECTED: dict = {
    "api.list_cases": (ALL, None),
    "api.get_case": (ALL, _case_ids),
    "api.create_case": (WRITERS, None),
    "api.update_case": (EDITORS, _case_ids),
    "api.add_case_activity": (WRITERS, _case_ids),
}

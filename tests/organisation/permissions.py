"""Page permission expectations for the organisation pages added with the branch's contact details,
merged into tests/test_permissions.py EXPECTED.

endpoint -> (methods, roles allowed, resolver(world, role_key) -> (in-scope kwargs, out-of-scope kwargs
or None), public?). A branch's contact details are changed by its convenor or an administrator; a
convenor asking for another branch's gets 404 (as for any record out of scope).
"""
from __future__ import annotations

EDITORS = frozenset({"admin", "branch_convenor"})


def _branch(w, role_key):
    table = {"organiser_a": (w.branches.a2, w.branches.b1), "convenor_a1": (w.branches.a1, w.branches.a2),
             "ulr_a1": (w.branches.a1, w.branches.b1), "admin": (w.branches.b1, None)}
    inside, outside = table[role_key]
    return {"branch_id": inside.id}, ({"branch_id": outside.id} if outside else None)


PAGES = {
    "organisation.edit_branch_contact": (("GET", "POST"), EDITORS, _branch, False),
}

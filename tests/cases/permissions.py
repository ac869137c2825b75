"""Page permission expectations for this domain, merged into tests/test_permissions.py EXPECTED.

Cases in and out of scope per role (tests.cases.helpers.scoped_cases): an organiser sees their
region's, a convenor their branch's, a ULR only the cases they work or recorded (not the rest of
their branch's). Organisers only read; ULRs open cases and work their own; convenors and
administrators change them and move caseloads.
"""
from __future__ import annotations

ALL = frozenset({"admin", "regional_organiser", "branch_convenor", "learning_rep"})
EDITORS = frozenset({"admin", "branch_convenor"})
WRITERS = frozenset({"admin", "branch_convenor", "learning_rep"})

#: role key -> (the scoped_cases key of a case in scope, of one out of scope or None)
SCOPE = {"admin": ("b1", None), "organiser_a": ("a2", "b1"), "convenor_a1": ("a1", "a2"), "ulr_a1": ("a1_ulr", "a1")}


def _case(w, role_key):
    from tests.cases.helpers import scoped_cases

    made = scoped_cases(w)
    inside, outside = SCOPE[role_key]
    return {"case_id": getattr(made, inside).id}, ({"case_id": getattr(made, outside).id} if outside else None)


def _follow_up(w, role_key):
    """A fresh follow-up (not yet done) on a case in scope and one out of scope."""
    from datetime import date

    from ulr_app.cases import services
    from ulr_app.extensions import db
    from tests.cases.helpers import scoped_cases

    made = scoped_cases(w)
    out = []
    for key in SCOPE[role_key]:
        if key is None:
            out.append(None)
            continue
        case = getattr(made, key)
        f = services.add_follow_up(case, "Check in", date.today())
        out.append({"case_id": case.id, "follow_up_id": f.id})
    db.session.commit()
    return out[0], out[1]


# endpoint -> (methods, roles allowed, resolver(world, role_key) -> (in-scope kwargs, out-of-scope kwargs or None), public?)
PAGES: dict = {
    "cases.cases": (("GET",), ALL, None, False),
    "cases.search_owners": (("GET",), ALL, None, False),
    "cases.new_case": (("GET", "POST"), WRITERS, None, False),
    "cases.case": (("GET",), ALL, _case, False),
    "cases.edit_case": (("GET", "POST"), EDITORS, _case, False),
    "cases.change_status": (("GET", "POST"), EDITORS, _case, False),
    "cases.add_activity": (("POST",), WRITERS, _case, False),
    "cases.add_follow_up": (("POST",), WRITERS, _case, False),
    "cases.follow_up_done": (("POST",), WRITERS, _follow_up, False),
    "cases.reassign": (("GET", "POST"), EDITORS, None, False),
}

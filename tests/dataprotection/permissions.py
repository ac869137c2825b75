"""Page permission expectations for data protection, merged into tests/test_permissions.py EXPECTED.

endpoint -> (methods, roles allowed, resolver(world, role_key) -> (in-scope kwargs, out-of-scope kwargs
or None), public?). In scope for an organiser: a request of a branch of their region (out: region B); for
a convenor: one of their branch (out: branch A2, in their region); administrators see all. ULRs keep no
register: 403 on every page (and nothing of it in their scope)."""
from __future__ import annotations

READERS = frozenset({"admin", "regional_organiser", "branch_convenor"})
EDITORS = frozenset({"admin", "branch_convenor"})
ADMIN = frozenset({"admin"})


def _sars(w, role_key):
    from tests.dataprotection.helpers import scoped_sars

    inside, outside = scoped_sars(w, role_key)
    return {"sar_id": inside.id}, ({"sar_id": outside.id} if outside else None)


def _exports(w, role_key):
    """A request's export whose file is ready (in scope) and another branch's (out of scope)."""
    from tests.dataprotection.helpers import ready_export

    inside, outside = _sars(w, role_key)
    made_in = ready_export(inside["sar_id"])
    made_out = ready_export(outside["sar_id"]) if outside else None
    return ({"sar_id": inside["sar_id"], "export_id": made_in},
            {"sar_id": outside["sar_id"], "export_id": made_out} if outside else None)


PAGES: dict = {
    "dataprotection.requests": (("GET",), READERS, None, False),
    "dataprotection.new_request": (("GET", "POST"), EDITORS, None, False),
    "dataprotection.subject_access_request": (("GET",), READERS, _sars, False),
    "dataprotection.edit_request": (("GET", "POST"), EDITORS, _sars, False),
    "dataprotection.find": (("GET",), READERS, _sars, False),
    "dataprotection.bank_holidays": (("GET", "POST"), ADMIN, None, False),
    "dataprotection.export": (("GET", "POST"), EDITORS, _sars, False),
    "dataprotection.download_export": (("GET",), EDITORS, _exports, False),
}


def _erasable_learners(w, role_key):
    from tests.learners.permissions import _scoped

    return _scoped("learner")(w, role_key)


def _erasable_reps(w, role_key):
    from tests.test_permissions import _reps

    return _reps(w, role_key)


# erasure (ulr_app/dataprotection/erase_views.py): convenors and above, in their scope; ULRs 403
PAGES.update({
    "learners.erase": (("GET", "POST"), READERS, _erasable_learners, False),
    "reps.erase": (("GET", "POST"), READERS, _erasable_reps, False),
})

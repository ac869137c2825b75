"""Page permission expectations for this domain, merged into tests/test_permissions.py EXPECTED.

endpoint -> (methods, roles allowed, resolver(world, role_key) -> (in-scope kwargs, out-of-scope kwargs
or None), public?). In scope for an organiser: a project of their region (out: region B); for a
convenor: a project of their branch (out: one of branch A2, in their region); administrators see all.
ULRs see no projects (403 on every funding page)."""
from __future__ import annotations

from itertools import count

_numbers = count(1)

ALL = frozenset({"admin", "regional_organiser", "branch_convenor", "learning_rep"})
ADMIN = frozenset({"admin"})
READERS = frozenset({"admin", "regional_organiser", "branch_convenor"})
EDITORS = frozenset({"admin", "regional_organiser"})


def _programme(w, code=None):
    from sqlalchemy import select

    from ulr_app.extensions import db
    from ulr_app.funding.catalogue import load_programmes
    from ulr_app.funding.models import Programme

    load_programmes()
    return db.session.scalars(select(Programme).where(Programme.code == (code or "ulf"))).one()


def _make_project(w, *, region, branch=None):
    from ulr_app.funding import services

    organiser = w.users.organiser_a if region is w.regions.a else w.users.organiser_b
    return services.create_project({"programme_id": _programme(w).id, "name": f"Project {next(_numbers)}",
                                    "branch_id": branch.id if branch else None, "starts_on": "2026-04-01",
                                    "ends_on": "2027-03-31"}, user=organiser)


def _projects(w, role_key):
    """(in-scope project kwargs, out-of-scope kwargs or None) for a role."""
    from ulr_app.extensions import db

    a, b = w.regions.a, w.regions.b
    table = {"organiser_a": ((a, None), (b, None)),
             "convenor_a1": ((a, w.branches.a1), (a, w.branches.a2)),
             "ulr_a1": ((a, w.branches.a1), (a, w.branches.a2)),
             "admin": ((b, w.branches.b1), None)}
    inside, outside = table[role_key]
    made_in = _make_project(w, region=inside[0], branch=inside[1])
    made_out = _make_project(w, region=outside[0], branch=outside[1]) if outside else None
    db.session.commit()
    return {"project_id": made_in.id}, ({"project_id": made_out.id} if made_out else None)


def _programme_kwargs(w, role_key):
    """A programme an administrator may change or delete (programmes are everyone's to read)."""
    from ulr_app.extensions import db
    from ulr_app.funding import services

    p = services.create_programme({"code": f"scheme_{next(_numbers)}", "name": "A regional scheme",
                                   "measures": ["learners_engaged"]})
    db.session.commit()
    return {"programme_id": p.id}, None


PAGES: dict = {
    "funding.programmes": (("GET",), READERS, None, False),
    "funding.new_programme": (("GET", "POST"), ADMIN, None, False),
    "funding.edit_programme": (("GET", "POST"), ADMIN, _programme_kwargs, False),
    "funding.delete_programme": (("POST",), ADMIN, _programme_kwargs, False),
    "funding.projects": (("GET",), READERS, None, False),
    "funding.new_project": (("GET", "POST"), EDITORS, None, False),
    "funding.project": (("GET",), READERS, _projects, False),
    "funding.edit_project": (("GET", "POST"), EDITORS, _projects, False),
    "funding.project_targets": (("GET", "POST"), EDITORS, _projects, False),
    "funding.upload_targets": (("POST",), EDITORS, _projects, False),
    "funding.targets_template": (("GET",), EDITORS, _projects, False),
    "funding.project_spend": (("GET", "POST"), EDITORS, _projects, False),
}

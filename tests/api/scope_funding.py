"""API role x route expectations for funding and reports, merged into tests/api/test_scope.py EXPECTED.

Projects: organisers see their region's, convenors their branch's (and region-wide ones covering it),
ULRs none. Reports answer 422 without their parameters (the walk sends none) and 403 to roles that
may not read them."""
from __future__ import annotations

ALL = frozenset({"admin", "regional_organiser", "branch_convenor", "learning_rep"})
READERS = frozenset({"admin", "regional_organiser", "branch_convenor"})
ORGANISERS = frozenset({"admin", "regional_organiser"})
ADMIN = frozenset({"admin"})


def _programme(w, key):
    from tests.reports.permissions import make_project
    from ulr_app.extensions import db

    project = make_project(w, branch=w.branches.a1)
    db.session.commit()
    return project.programme_id, None


def _project(w, key):
    from tests.reports.permissions import _projects

    inside, outside = _projects(w, key)
    return inside.id, (outside.id if outside is not None else None)


EXPECTED: dict = {
    "api.list_programmes": (READERS, None),
    "api.get_programme": (READERS, _programme),
    "api.create_programme": (ADMIN, None),
    "api.update_programme": (ADMIN, _programme),
    "api.list_projects": (READERS, None),
    "api.get_project": (READERS, _project),
    "api.create_project": (ORGANISERS, None),
    "api.update_project": (ORGANISERS, _project),
    "api.get_project_targets": (READERS, _project),
    "api.put_project_targets": (ORGANISERS, _project),
    "api.get_project_spend": (READERS, _project),
    "api.put_project_spend": (ORGANISERS, _project),
    "api.report_funding": (READERS, None),
    "api.report_schools_coverage": (ALL, None),
    "api.report_time_off": (ALL, None),
    "api.report_go_award": (ALL, None),
    "api.report_equality": (READERS, None),
}

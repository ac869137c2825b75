"""Page permission expectations for the report pages, merged into tests/test_permissions.py EXPECTED.

endpoint -> (methods, roles allowed, resolver(world, role_key) -> (in-scope url kwargs, out-of-scope kwargs
or None), public?). Projects: an organiser sees their region's, a convenor their branch's; ULRs no reports.
"""
from __future__ import annotations

from datetime import date

ALL = frozenset({"admin", "regional_organiser", "branch_convenor", "learning_rep"})
ADMIN = frozenset({"admin"})
READERS = frozenset({"admin", "regional_organiser", "branch_convenor"})
SUBMITTERS = frozenset({"admin", "regional_organiser"})
PERIOD = "FY2026-Q1"


def make_project(w, *, region=None, branch=None, name="Learning project"):
    from ulr_app.extensions import db
    from ulr_app.funding.catalogue import load_programmes
    from ulr_app.funding.models import Programme, Project
    from sqlalchemy import select

    load_programmes()
    ulf = db.session.scalars(select(Programme).where(Programme.code == "ulf")).one()
    region_id = branch.region_id if branch is not None else region.id
    project = Project(programme_id=ulf.id, name=name, region_id=region_id, branch_id=branch.id if branch else None,
                      starts_on=date(2026, 4, 1), ends_on=date(2027, 3, 31))
    db.session.add(project)
    db.session.flush()
    return project


def _projects(w, role_key):
    """(in-scope project, out-of-scope project or None)."""
    from ulr_app.extensions import db

    table = {"organiser_a": (dict(region=w.regions.a), dict(region=w.regions.b)),
             "convenor_a1": (dict(branch=w.branches.a1), dict(branch=w.branches.a2)),
             "ulr_a1": (dict(branch=w.branches.a1), dict(branch=w.branches.b1)),
             "admin": (dict(branch=w.branches.b1), None)}
    inside, outside = table[role_key]
    out = make_project(w, **inside), (make_project(w, **outside) if outside else None)
    db.session.commit()
    return out


def _project(extra=None):
    def resolve(w, role_key):
        inside, outside = _projects(w, role_key)
        kw = dict(extra or {})
        return ({"project_id": inside.id, **kw}, {"project_id": outside.id, **kw} if outside else None)

    return resolve


def _run(w, role_key):
    """A frozen report run (with a file) of an in-scope and an out-of-scope project."""
    from pathlib import Path

    from flask import current_app

    from ulr_app.extensions import db
    from ulr_app.reports.models import ReportRun

    def make(project):
        if project is None:
            return None
        run = ReportRun(report="funding", params={"project_id": project.id, "period": PERIOD}, figures={},
                        sha256="0" * 64, project_id=project.id, region_id=project.region_id)
        db.session.add(run)
        db.session.flush()
        relative = Path("reports") / "runs" / str(run.id) / "return.pdf"
        target = Path(current_app.instance_path) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"%PDF-1.7 test")
        run.pdf_path, run.pdf_sha256 = str(relative), "0" * 64
        db.session.commit()
        return {"run_id": run.id, "fmt": "pdf"}

    inside, outside = _projects(w, role_key)
    return make(inside), make(outside)


def _place(w, role_key):
    table = {"organiser_a": ({"region_id": w.regions.a.id}, {"region_id": w.regions.b.id}),
             "convenor_a1": ({"branch_id": w.branches.a1.id}, {"branch_id": w.branches.a2.id}),
             "ulr_a1": ({"branch_id": w.branches.a1.id}, {"branch_id": w.branches.b1.id}),
             "admin": ({"region_id": w.regions.b.id}, None)}
    return table[role_key]


def _figure(figure):
    def resolve(w, role_key):
        inside, outside = _place(w, role_key)
        return {**inside, "figure": figure}, ({**outside, "figure": figure} if outside else None)

    return resolve


def _employer(w, role_key):
    table = {"organiser_a": (w.employers.a2, w.employers.b1), "convenor_a1": (w.employers.a1, w.employers.b1),
             "ulr_a1": (w.employers.a1, w.employers.b1), "admin": (w.employers.b1, None)}
    inside, outside = table[role_key]
    return {"employer_id": inside.id}, ({"employer_id": outside.id} if outside else None)


PAGES: dict = {
    "reports.index": (("GET",), READERS, None, False),
    "reports.export": (("POST",), READERS, None, False),
    "reports.funding_return": (("GET", "POST"), READERS, _project({"period": PERIOD}), False),
    "reports.reopen_return": (("GET", "POST"), SUBMITTERS, _project({"period": PERIOD}), False),
    "reports.funding_records": (("GET",), READERS, _project({"period": PERIOD, "measure": "learners_engaged"}), False),
    "reports.project_summary": (("GET",), READERS, _project(), False),
    "reports.run_file": (("GET",), READERS, _run, False),
    "reports.schools_coverage": (("GET",), READERS, _place, False),
    "reports.schools_coverage_records": (("GET",), READERS, _figure("schools_with_ulr"), False),
    "reports.time_off": (("GET",), READERS, _place, False),
    "reports.equality": (("GET",), READERS, _place, False),
    "reports.go_award": (("GET",), READERS, _employer, False),
}

PAGES.update({
    "reports.time_off_records": (("GET",), READERS, _place, False),
    "reports.equality_records": (("GET",), READERS, lambda w, r: tuple(
        None if kw is None else {**kw, "dimension": "staff_category", "value": "site"} for kw in _place(w, r)), False),
})

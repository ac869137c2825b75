"""A 10,000-row file through the pages and the background jobs: the preview, one bad row refusing the whole
file, a good run, and a re-run that updates by reference without duplicating (issue 15 item 7)."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.imports.helpers import csv_bytes, xlsx_bytes
from tests.imports.test_pages import _run_id, _upload
from ulr_app.core import jobs as core_jobs
from ulr_app.core.audit_models import AuditEntry
from ulr_app.extensions import db
from ulr_app.imports import progress as live
from ulr_app.imports.models import ImportRun
from ulr_app.learners.models import Learner

ROWS = 10_000
HEADER = ("reference", "name", "workplace_urn")


def _rows(renamed=(), blank_name_at=None):
    rows = []
    for i in range(1, ROWS + 1):
        name = f"Learner {i:05d}" + (" (renamed)" if i in renamed else "")
        rows.append((f"BR-{i:05d}", "" if i == blank_name_at else name, "101309"))
    return rows


def _learners() -> int:
    return db.session.scalar(select(func.count()).select_from(Learner))


def _page(c, branch_id, run_id) -> str:
    return c.get(f"/branches/{branch_id}/imports/{run_id}").get_data(as_text=True)


def _confirm(c, branch_id, run_id):
    url = f"/branches/{branch_id}/imports/{run_id}"
    assert c.post(f"{url}/confirm", data={"csrf_token": c.token(url)}).status_code == 302
    core_jobs.wait_for_threads(600)


def test_ten_thousand_rows(app, world, login_as, monkeypatch):
    seen_progress: list[int] = []
    real_set = live.set_progress
    monkeypatch.setattr(live, "set_progress", lambda run_id, p: (seen_progress.append(p), real_set(run_id, p)))
    c = login_as("convenor_a1")
    branch_id = world.branches.a1.id

    # the preview: every row checked in the background, nothing saved
    good = csv_bytes(HEADER, _rows())
    run_id = _run_id(_upload(c, branch_id, "learners", "everyone.csv", good))
    core_jobs.wait_for_threads(600)
    page = _page(c, branch_id, run_id)
    assert "Checked: ready to import" in page
    assert re.search(r"Rows in the file</dt>\s*<dd[^>]*>10000</dd>", page)
    assert re.search(r"New</dt>\s*<dd[^>]*>10000</dd>", page)
    assert _learners() == 0
    assert len([p for p in seen_progress if 5 < p < 96]) >= 30 and seen_progress == sorted(seen_progress)

    # one bad row refuses the whole file, and says where
    bad = _run_id(_upload(c, branch_id, "learners", "everyone-bad.csv", csv_bytes(HEADER, _rows(blank_name_at=5000))))
    core_jobs.wait_for_threads(600)
    run = db.session.get(ImportRun, bad)
    assert run.status == "problems"
    assert run.problems == [{"row": 5001, "column": "name", "message": "Enter the learner's name"}]
    assert "Import these rows" not in _page(c, branch_id, bad)
    _confirm(c, branch_id, bad)
    assert _learners() == 0

    # the good run
    _confirm(c, branch_id, run_id)
    page = _page(c, branch_id, run_id)
    assert "10000 new, 0 updated, 0 unchanged" in page
    assert _learners() == 10_000
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "import")) == 1

    # the same records again (as XLSX), 25 of them renamed: updated by reference, none added
    renamed = set(range(1, 10_001, 400))
    again = _run_id(_upload(c, branch_id, "learners", "everyone.xlsx", xlsx_bytes(HEADER, _rows(renamed=renamed))))
    core_jobs.wait_for_threads(600)
    page = _page(c, branch_id, again)
    assert re.search(r"Updated</dt>\s*<dd[^>]*>25</dd>", page) and re.search(r"Unchanged</dt>\s*<dd[^>]*>9975</dd>", page)
    _confirm(c, branch_id, again)
    assert "0 new, 25 updated, 9975 unchanged" in _page(c, branch_id, again)
    assert _learners() == 10_000
    assert db.session.scalar(select(func.count()).select_from(Learner).where(Learner.name.like("%(renamed)"))) == 25

"""Upload -> preview -> confirm through the pages (with their CSRF tokens), the background jobs, and hostile files."""
from __future__ import annotations

import io
import re
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from tests.imports.helpers import csv_bytes, xlsx_bytes
from ulr_app.core import jobs as core_jobs
from ulr_app.core.audit_models import AuditEntry
from ulr_app.extensions import db
from ulr_app.imports import progress as live
from ulr_app.imports.models import ImportRun
from ulr_app.reps.models import Rep

REP_HEADER = ("reference", "name", "employer_id", "workplace_urn", "appointed_on", "training_route", "notes")


def _rep_rows(world, n=2, override=None):
    rows = [[f"R-{i}", f"ULR number {i}", world.employers.a1.id, 101309, "2025-01-06", "already_trained", ""]
            for i in range(1, n + 1)]
    for (i, column), value in (override or {}).items():
        rows[i - 1][REP_HEADER.index(column)] = value
    return rows


def _upload(client, branch_id, kind, filename, content):
    """A multipart POST with the body built here (the test client would spool a big one to an unclosed temporary
    file)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    url = f"/branches/{branch_id}/imports"
    upload = FileStorage(io.BytesIO(content), filename=filename, content_type="application/octet-stream")
    boundary, body = encode_multipart({"csrf_token": client.token(url), "kind": kind, "file": upload})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _run_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/imports/(\d+)$", response.headers["Location"]).group(1))


def _kept_files() -> list[Path]:
    folder = Path(current_app.instance_path) / "imports"
    return sorted(folder.glob("*")) if folder.exists() else []


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_upload_preview_confirm_and_rerun(app, world, login_as):
    c = login_as("convenor_a1")
    branch_id = world.branches.a1.id
    page = c.get(f"/branches/{branch_id}").get_data(as_text=True)
    assert f'href="/branches/{branch_id}/imports"' in page  # the way in, from the branch's page
    run_id = _run_id(_upload(c, branch_id, "reps", "ulrs.csv", csv_bytes(REP_HEADER, _rep_rows(world))))
    core_jobs.wait_for_threads(120)
    page = c.get(f"/branches/{branch_id}/imports/{run_id}").get_data(as_text=True)
    assert "Checked: ready to import" in page and "Import these rows" in page
    assert re.search(r"New</dt>\s*<dd[^>]*>2</dd>", page)
    assert _count(Rep) == 0  # the preview saved nothing
    url = f"/branches/{branch_id}/imports/{run_id}/confirm"
    assert c.post(url, data={"csrf_token": c.token(f"/branches/{branch_id}/imports/{run_id}")}).status_code == 302
    core_jobs.wait_for_threads(120)
    page = c.get(f"/branches/{branch_id}/imports/{run_id}").get_data(as_text=True)
    assert "Imported" in page and "2 new, 0 updated, 0 unchanged" in page
    assert _count(Rep) == 2
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).all()
    assert len(entries) == 1 and "2 new" in entries[0].summary
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == "rep", AuditEntry.action == "create")) == 2  # each record's own entry
    assert _kept_files() == []  # the file goes once imported
    # confirming again does nothing more
    c.post(url, data={"csrf_token": c.token(f"/branches/{branch_id}/imports/{run_id}")})
    core_jobs.wait_for_threads(120)
    assert _count(Rep) == 2
    # the same file again, one ULR renamed: updates by reference, never duplicates
    again = _run_id(_upload(c, branch_id, "reps", "ulrs.xlsx",
                            xlsx_bytes(REP_HEADER, _rep_rows(world, override={(2, "name"): "ULR renamed"}))))
    core_jobs.wait_for_threads(120)
    page = c.get(f"/branches/{branch_id}/imports/{again}").get_data(as_text=True)
    assert re.search(r"Updated</dt>\s*<dd[^>]*>1</dd>", page) and re.search(r"Unchanged</dt>\s*<dd[^>]*>1</dd>", page)
    c.post(f"/branches/{branch_id}/imports/{again}/confirm",
           data={"csrf_token": c.token(f"/branches/{branch_id}/imports/{again}")})
    core_jobs.wait_for_threads(120)
    assert _count(Rep) == 2
    assert db.session.scalar(select(Rep.name).where(Rep.reference == "R-2")) == "ULR renamed"


def test_problems_are_listed_by_row_and_column_and_nothing_can_be_imported(app, world, login_as):
    c = login_as("convenor_a1")
    branch_id = world.branches.a1.id
    rows = _rep_rows(world, 3, {(2, "appointed_on"): "31/2/2025", (3, "employer_id"): world.employers.a2.id})
    run_id = _run_id(_upload(c, branch_id, "reps", "ulrs.csv", csv_bytes(REP_HEADER, rows)))
    core_jobs.wait_for_threads(120)
    page = c.get(f"/branches/{branch_id}/imports/{run_id}").get_data(as_text=True)
    assert "Problems found: nothing can be imported" in page
    assert "Import these rows" not in page
    assert re.search(r">3</td>\s*<td[^>]*>appointed_on</td>\s*<td[^>]*>Enter the date of appointment as a real date", page)
    assert re.search(r">4</td>\s*<td[^>]*>employer_id</td>\s*<td[^>]*>Choose one of the employers this branch deals with",
                     page)
    assert _kept_files() == []
    response = c.post(f"/branches/{branch_id}/imports/{run_id}/confirm",
                      data={"csrf_token": c.token(f"/branches/{branch_id}/imports/{run_id}")})
    assert response.status_code == 302
    core_jobs.wait_for_threads(120)
    assert _count(Rep) == 0
    assert db.session.get(ImportRun, run_id).status == "problems"


def test_formula_like_cells_are_text_and_shown_escaped(app, world, login_as):
    c = login_as("convenor_a1")
    branch_id = world.branches.a1.id
    rows = _rep_rows(world, 1, {(1, "name"): '=HYPERLINK("http://evil.example","<b>click</b>")',
                                  (1, "notes"): "+44 20 7946 0000"})
    run_id = _run_id(_upload(c, branch_id, "reps", "ulrs.xlsx", xlsx_bytes(REP_HEADER, rows)))
    core_jobs.wait_for_threads(120)
    c.post(f"/branches/{branch_id}/imports/{run_id}/confirm",
           data={"csrf_token": c.token(f"/branches/{branch_id}/imports/{run_id}")})
    core_jobs.wait_for_threads(120)
    rep = db.session.scalars(select(Rep)).one()
    assert rep.name == '=HYPERLINK("http://evil.example","<b>click</b>")' and rep.notes == "+44 20 7946 0000"
    page = c.get(f"/reps/{rep.id}").get_data(as_text=True)
    assert "<b>click</b>" not in page and "&lt;b&gt;click&lt;/b&gt;" in page


def _refused(c, branch_id, kind, filename, content, message):
    response = _upload(c, branch_id, kind, filename, content)
    assert response.status_code in (400, 413), response.status_code
    page = response.get_data(as_text=True)
    assert "There is a problem" in page or response.status_code == 413
    assert message in page, page[:3000]
    return page


def test_hostile_files_are_refused_with_nothing_saved(app, world, login_as):
    c = login_as("convenor_a1")
    branch_id = world.branches.a1.id
    good = csv_bytes(REP_HEADER, _rep_rows(world, 1))
    _refused(c, branch_id, "reps", "ulrs.csv", b"%PDF-1.7 not a spreadsheet", "is not a CSV file")
    _refused(c, branch_id, "reps", "ulrs.pdf", good, "must be a CSV or XLSX file")
    _refused(c, branch_id, "reps", "ulrs.xlsx", good, "is not a real XLSX spreadsheet")
    _refused(c, branch_id, "reps", "ulrs.xls", good, "Old Excel files (.xls) cannot be read")
    _refused(c, branch_id, "reps", "ulrs.csv", b"", "The selected file is empty")
    _refused(c, branch_id, "reps", "ulrs.csv", csv_bytes(REP_HEADER, []), "no rows to import")
    _refused(c, branch_id, "reps", "ulrs.csv", csv_bytes(("reference", "name", "employer_id"), [("R-1", "A", 1)]),
             "Column appointed_on: This column is missing")
    _refused(c, branch_id, "reps", "ulrs.csv", csv_bytes((*REP_HEADER, "shoe_size"), [(*_rep_rows(world, 1)[0], 9)]),
             "Column shoe_size: This is not a column of this import")
    _refused(c, branch_id, "reps", "ulrs.csv", "name,reference\n\xe9,1\n".encode("latin-1"), "not saved as UTF-8")
    _refused(c, branch_id, "reps", "ul\x00rs.csv", good, "control characters")
    current_app.config["IMPORT_MAX_BYTES"] = 300
    try:
        _refused(c, branch_id, "reps", "ulrs.csv", good + b"#" * 300, "The file must be smaller than 300 bytes")
        _refused(c, branch_id, "reps", "ulrs.csv", good + b"#" * 600_000, "The file must be smaller than 300 bytes")
    finally:
        current_app.config.pop("IMPORT_MAX_BYTES")
    assert _count(ImportRun) == 0 and _count(Rep) == 0
    assert _kept_files() == []


def test_the_page_shows_progress_while_a_job_works(app, world, login_as):
    c = login_as("organiser_a")
    run = ImportRun(branch_id=world.branches.a2.id, kind="learners", status="importing", original_name="big.csv",
                    file_format="csv", size_bytes=1, sha256="0" * 64, counts={}, problems=[])
    db.session.add(run)
    db.session.commit()
    live.set_progress(run.id, 40)
    page = c.get(f"/branches/{world.branches.a2.id}/imports/{run.id}").get_data(as_text=True)
    assert 'value="40"' in page and "40% done" in page and "Being imported" in page
    live.forget(run.id)


def test_templates_list_the_allowed_values(app, world, login_as):
    from openpyxl import load_workbook

    from ulr_app.learners.catalogue import load_courses

    load_courses()
    db.session.commit()
    c = login_as("convenor_a1")
    text = c.get("/imports/templates/learners.csv").get_data(as_text=True)
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith('"# Learners')
    header = lines[-1].split(",")
    assert header[:2] == ["reference", "name"] and "workplace_urn" in header and "course_title" in header
    assert "learning_support, pupil_welfare" in text and "Return to Learn" in text
    book = load_workbook(io.BytesIO(c.get("/imports/templates/agreements.xlsx").data), read_only=True)
    assert book.sheetnames == ["Import", "Allowed values"]
    values = [row for row in book["Allowed values"].iter_rows(values_only=True)]
    status = next(row for row in values if row[0] == "status")
    assert "draft, negotiating, signed" in status[3]
    assert c.get("/imports/templates/learners.pdf").status_code == 404
    # a template, filled in and uploaded as it is, is read (its notes are skipped): only the empty rows are refused
    _refused(c, world.branches.a1.id, "learners", "learners.csv", text.encode("utf-8"), "no rows to import")


def test_an_import_that_cannot_finish_keeps_nothing_and_says_so(app, world, login_as):
    c = login_as("convenor_a1")
    branch_id = world.branches.a1.id
    run_id = _run_id(_upload(c, branch_id, "reps", "ulrs.csv", csv_bytes(REP_HEADER, _rep_rows(world))))
    core_jobs.wait_for_threads(120)
    for path in _kept_files():  # the kept file is lost before the import is confirmed
        path.unlink()
    c.post(f"/branches/{branch_id}/imports/{run_id}/confirm",
           data={"csrf_token": c.token(f"/branches/{branch_id}/imports/{run_id}")})
    core_jobs.wait_for_threads(120)
    page = c.get(f"/branches/{branch_id}/imports/{run_id}").get_data(as_text=True)
    assert "The uploaded file is no longer kept: upload it again." in page and "Nothing was imported" in page
    db.session.expire_all()
    assert db.session.get(ImportRun, run_id).status == "failed" and _count(Rep) == 0


def test_a_file_checked_but_never_imported_is_deleted_by_retention_after_30_days(app, world, login_as, runner):
    """The uploaded spreadsheet (personal data) stays in the instance folder only until it is imported; one checked
    and left is deleted by `flask retention --apply` 30 days after its upload, and its run can no longer be
    imported. A newer one is kept; --dry-run lists and keeps."""
    from datetime import date, datetime, timedelta, timezone

    c = login_as("convenor_a1")
    branch_id = world.branches.a1.id
    old_id = _run_id(_upload(c, branch_id, "reps", "old.csv", csv_bytes(REP_HEADER, _rep_rows(world))))
    core_jobs.wait_for_threads(120)
    new_id = _run_id(_upload(c, branch_id, "reps", "new.csv", csv_bytes(REP_HEADER, _rep_rows(world, 3))))
    core_jobs.wait_for_threads(120)
    db.session.expire_all()
    old, new = db.session.get(ImportRun, old_id), db.session.get(ImportRun, new_id)
    assert old.status == "checked" and new.status == "checked" and len(_kept_files()) == 2
    today = date(2026, 12, 7)
    old.created_at = datetime(2026, 11, 6, 23, 0, tzinfo=timezone.utc)   # 31 days before
    new.created_at = datetime(2026, 11, 8, 9, 0, tzinfo=timezone.utc)    # 29 days before
    db.session.commit()
    out = runner.invoke(args=["retention", "--dry-run", "--date", today.isoformat()])
    assert out.exit_code == 0, out.output
    assert f"not imported within 30 days: 1 would be deleted (import {old_id})" in out.output
    assert len(_kept_files()) == 2
    out = runner.invoke(args=["retention", "--apply", "--date", today.isoformat()])
    assert out.exit_code == 0, out.output
    assert "not imported within 30 days: 1 deleted." in out.output
    db.session.expire_all()
    old, new = db.session.get(ImportRun, old_id), db.session.get(ImportRun, new_id)
    assert (old.status, old.stored_as) == ("expired", None) and new.status == "checked" and new.stored_as
    assert len(_kept_files()) == 1
    page = c.get(f"/branches/{branch_id}/imports/{old_id}").get_data(as_text=True)
    assert "Not imported within 30 days: the file was deleted" in page
    response = c.post(f"/branches/{branch_id}/imports/{old_id}/confirm",
                      data={"csrf_token": c.token(f"/branches/{branch_id}/imports/{old_id}")})
    assert response.status_code in (302, 409)
    db.session.expire_all()
    assert db.session.get(ImportRun, old_id).status == "expired" and _count(Rep) == 0

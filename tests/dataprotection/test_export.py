"""The export of a subject access request: the convenor records the redactions, a background job makes a
ZIP of JSON and a PDF with them applied, the file can be downloaded once (audited) and is deleted then, or
after 30 days unread."""
from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date, timedelta

from sqlalchemy import func, select

from tests.learners.helpers import CONSENT
from ulr_app.core import jobs
from ulr_app.core.audit_models import AuditEntry
from ulr_app.core.models import utcnow
from ulr_app.dataprotection import exports, services
from ulr_app.dataprotection.models import SubjectAccessExport
from ulr_app.extensions import db

from .helpers import make_sar, ready_export


def _fresh_export(ident):
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(SubjectAccessExport, ident)


def test_redactor_replaces_every_term_in_any_case_longest_first():
    redact = exports.redactor(["Jo", "Jo Bloggs", " ", "07700 900123"])
    assert redact({"text": "Rang jo bloggs, then JO on 07700 900123", "n": 3, "list": ["Jo", None]}) == {
        "text": "Rang [redacted], then [redacted] on [redacted]", "n": 3, "list": ["[redacted]", None]}
    assert exports.redactor([])("Jo") == "Jo"


def test_from_redaction_to_the_download(login_as, world):
    from ulr_app.cases import services as case_services
    from ulr_app.learners import services as learner_services

    learner = learner_services.create_learner({"name": "Robin Quartz", "email": "robin@example.org", **CONSENT},
                                              branch=world.branches.a1, not_duplicate=True)
    case = case_services.create_case({"kind": "learner_support", "summary": "Help with maths", "learner_id": learner.id,
                                      "opened_on": date.today().isoformat()}, world.branches.a1)
    case_services.add_activity(case, {"kind": "call", "happened_on": date.today().isoformat(),
                                      "text": "Rang Robin; her manager Jo Bloggs (07700 900123) refused the time off"})
    sar = make_sar(world.branches.a1, person_name="Robin Quartz", learner_id=learner.id)
    db.session.commit()
    c = login_as("convenor_a1")
    page = c.get(f"/subject-access-requests/{sar.id}/export")
    assert page.status_code == 200
    assert "1 learner" in page.get_data(as_text=True) and "Jo Bloggs" in page.get_data(as_text=True)
    response = c.submit(f"/subject-access-requests/{sar.id}/export",
                        {"name": "Robin Quartz", "email": "robin@example.org", "learner_id": str(learner.id),
                         "redactions": "Jo Bloggs\n07700 900123\n"})
    assert response.status_code == 302
    jobs.wait_for_threads()
    export = db.session.scalars(select(SubjectAccessExport)).one()
    assert export.redactions == ["Jo Bloggs", "07700 900123"]  # recorded
    assert export.search == {"name": "Robin Quartz", "email": "robin@example.org", "learner_id": learner.id}
    show = c.get(f"/subject-access-requests/{sar.id}").get_data(as_text=True)
    link = f"/subject-access-requests/{sar.id}/exports/{export.id}/download"
    assert link in show and "with 2 redactions" in show
    # the general "your files" download sends the convenor to this one, which is audited and deletes the file
    general = c.get(f"/jobs/{export.job_id}/download")
    assert general.status_code == 302 and general.headers["Location"].endswith(link)
    response = c.get(link)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as z:
        names = sorted(z.namelist())
        data = json.loads(z.read(f"subject-access-request-{sar.id}/records.json"))
        pdf = z.read(f"subject-access-request-{sar.id}/records.pdf")
    assert names == [f"subject-access-request-{sar.id}/records.json", f"subject-access-request-{sar.id}/records.pdf"]
    assert pdf.startswith(b"%PDF")
    assert [x["id"] for x in data["learners"]] == [learner.id] and data["learners"][0]["email"] == "robin@example.org"
    assert [x["text"] for x in data["activities"]] == ["Rang Robin; her manager [redacted] ([redacted]) refused the time off"]
    assert "Jo Bloggs" not in json.dumps(data) and "07700" not in json.dumps(data)
    assert data["redactions"] == 2 and [x["id"] for x in data["cases"]] == [case.id]
    # downloaded once: the file is gone, the download audited, a second try is 404
    export = _fresh_export(export.id)
    assert export.downloaded_at is not None and export.deleted_at is not None
    assert c.get(link).status_code == 404
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "subject_access_export",
                                                                 AuditEntry.object_id == export.id)
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["create", "export"]
    assert "downloaded" in c.get(f"/subject-access-requests/{sar.id}").get_data(as_text=True)


def test_bad_redactions_are_refused_and_nothing_is_queued(login_as, world):
    sar = make_sar(world.branches.a1)
    db.session.commit()
    c = login_as("convenor_a1")
    response = c.submit(f"/subject-access-requests/{sar.id}/export", {"name": "Pat", "redactions": "J\nJo Bloggs"})
    assert response.status_code == 400
    text = re.sub(r"\s+", " ", response.get_data(as_text=True))
    assert "Each thing to redact must be at least 2 characters long" in text
    response = c.submit(f"/subject-access-requests/{sar.id}/export", {"name": "", "email": "", "learner_id": "",
                                                                     "redactions": ""})
    assert response.status_code == 400
    assert "Enter the name, e-mail address or learner record number to search for" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SubjectAccessExport)) == 0
    other = make_sar(world.branches.a2)
    db.session.commit()
    assert c.submit(f"/subject-access-requests/{other.id}/export", {"name": "Pat"},
                    page=f"/subject-access-requests/{sar.id}/export").status_code == 404


def test_an_export_not_downloaded_is_deleted_after_30_days(app, world):
    sar = make_sar(world.branches.a1)
    db.session.commit()
    export_id = ready_export(sar.id)
    export = _fresh_export(export_id)
    job = db.session.get(jobs.Job, export.job_id)
    path = jobs.path_of(job)
    assert path.exists()
    assert services.purge_exports() == 0
    export.created_at = utcnow() - timedelta(days=services.EXPORT_KEPT_DAYS + 1)
    db.session.commit()
    with app.test_request_context("/"):
        assert services.purge_exports() == 1
    db.session.commit()
    assert not path.exists()
    export = _fresh_export(export_id)
    assert export.deleted_at is not None and export.downloaded_at is None

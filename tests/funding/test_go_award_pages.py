"""The Go Award evidence pack pages: reading, changing a standard, uploading, linking, downloading
and removing evidence, as the roles that may and may not."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from tests.funding.test_go_award_files import JPEG, PDF, SAMPLES, docx
from tests.funding.test_go_award_services import agreement_for, files_on_disk, rep_for
from ulr_app.core.audit_models import AuditEntry
from ulr_app.extensions import db
from ulr_app.funding import goaward
from ulr_app.funding.models import GoAwardEvidence, GoAwardStandard


def pack(employer) -> str:
    return f"/employers/{employer.id}/go-award"


def evidence_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(GoAwardEvidence))


def upload(c, employer, name, content, code="sfl_strategy", title=""):
    """A multipart POST with the body built here (the test client would spool a big one to an
    unclosed temporary file)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    url = f"{pack(employer)}/standards/{code}/documents/new"
    document = FileStorage(io.BytesIO(content), filename=name, content_type="application/octet-stream")
    boundary, body = encode_multipart({"csrf_token": c.token(url), "document": document, "title": title})
    return c.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def stored(employer, name="minutes.pdf", content=PDF, code="union_partnership"):
    item = goaward.add_document(employer, code, content, name)
    db.session.commit()
    return item


def no_inline_code(html: str) -> bool:
    return " style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html) and " onclick=" not in html


# --- reading --------------------------------------------------------------------------------

def test_the_employer_page_links_to_the_pack(login_as, world):
    html = login_as("ulr_a1").get(f"/employers/{world.employers.a1.id}").get_data(as_text=True)
    assert f'href="{pack(world.employers.a1)}"' in html


def test_writers_see_the_eight_standards_with_their_actions(login_as, world):
    r = login_as("convenor_a1").get(pack(world.employers.a1))
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert html.count('class="govuk-summary-card"') == 8
    assert html.count(">Not started<") == 8
    assert "Partnership with trade unions" in html and "0 of 8 standards met" in html
    assert "Change status and notes" in html and "Upload a document" in html and "Link a learning agreement" in html
    assert no_inline_code(html)


def test_a_ulr_reads_their_employers_pack_but_cannot_change_it(login_as, world):
    item = stored(world.employers.a1, "partnership-minutes.pdf")
    c = login_as("ulr_a1")
    html = c.get(pack(world.employers.a1)).get_data(as_text=True)
    assert "partnership-minutes" in html
    assert "Change status and notes" not in html and "Upload a document" not in html and ">Remove<" not in html
    assert c.get(f"{pack(world.employers.a1)}/evidence/{item.id}/download").status_code == 200
    assert c.get(f"{pack(world.employers.a1)}/standards/whole_council").status_code == 403
    assert c.post(f"{pack(world.employers.a1)}/standards/whole_council",
                  data={"csrf_token": c.token(pack(world.employers.a1)), "status": "met"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(GoAwardStandard)) == 0
    assert c.get(pack(world.employers.b1)).status_code == 404


@pytest.mark.parametrize("who, employer", [("convenor_a1", "a2"), ("organiser_a", "b1"), ("ulr_a1", "b1")])
def test_other_employers_packs_are_not_found(login_as, world, who, employer):
    e = getattr(world.employers, employer)
    item = stored(e)
    c = login_as(who)
    for url in (pack(e), f"{pack(e)}/evidence/{item.id}/download"):
        assert c.get(url).status_code == 404, url
    if who != "ulr_a1":
        for url in (f"{pack(e)}/standards/met", f"{pack(e)}/standards/whole_council",
                    f"{pack(e)}/standards/whole_council/documents/new", f"{pack(e)}/evidence/{item.id}/remove"):
            assert c.get(url).status_code == 404, url


def test_unknown_standards_and_evidence_are_not_found(login_as, world):
    c = login_as("admin")
    e = world.employers.a1
    item = stored(world.employers.a2)
    for url in (f"{pack(e)}/standards/no_such", f"{pack(e)}/standards/no_such/documents/new",
                f"{pack(e)}/standards/no_such/links/new",
                f"{pack(e)}/evidence/{item.id}/download",  # Camden's evidence under Barnet's address
                f"{pack(e)}/evidence/{item.id}/remove", f"{pack(e)}/evidence/999999/download", "/employers/999999/go-award"):
        assert c.get(url).status_code == 404, url


# --- a standard's status and notes ----------------------------------------------------------

def test_changing_a_standards_status_and_notes(login_as, world):
    c = login_as("organiser_a")
    e = world.employers.a2
    url = f"{pack(e)}/standards/union_partnership"
    form = c.get(url).get_data(as_text=True)
    assert 'name="version" value="0"' in form and no_inline_code(form)
    r = c.submit(url, {"status": "met", "notes": "Joint learning committee meets monthly.\nMinutes attached.", "version": "0"})
    assert r.status_code == 302 and r.headers["Location"].endswith("#standard-union_partnership")
    html = c.get(pack(e)).get_data(as_text=True)
    assert ">Met<" in html and "1 of 8 standards met" in html and "<p class=\"govuk-body\">Minutes attached.</p>" in html
    row = db.session.scalars(select(GoAwardStandard)).one()
    assert (row.employer_id, row.code, row.status) == (e.id, "union_partnership", "met")
    again = c.get(url).get_data(as_text=True)
    assert re.search(r'value="met"[^>]*checked', again) and 'name="version" value="1"' in again
    assert "Joint learning committee meets monthly." in again
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == "go_award_standard")) == 1
    # a second change from the page as it was first shown (version 0) is refused: someone changed it
    r = c.submit(url, {"status": "in_progress", "notes": "", "version": "0"})
    assert r.status_code == 409
    db.session.expire_all()
    assert db.session.scalars(select(GoAwardStandard)).one().status == "met"


@pytest.mark.parametrize("data, message", [
    ({"status": "", "notes": "Typed notes"}, "Choose the standard&#39;s status"),
    ({"notes": "Typed notes"}, "Choose the standard&#39;s status"),
    ({"status": "finished", "notes": "Typed notes"}, "Choose the standard&#39;s status"),
    ({"status": "met", "notes": "x" * 5001}, "Notes must be 5000 characters or fewer"),
])
def test_bad_standard_input_shows_the_error_and_saves_nothing(login_as, world, data, message):
    c = login_as("convenor_a1")
    r = c.submit(f"{pack(world.employers.a1)}/standards/whole_council", {**data, "version": "0"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "There is a problem" in html and message in html
    assert 'href="#status"' in html or 'href="#notes"' in html
    if data["notes"] == "Typed notes":
        assert "Typed notes" in html  # what was typed is kept
    assert db.session.scalar(select(func.count()).select_from(GoAwardStandard)) == 0


# --- uploads --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(SAMPLES))
def test_each_allowed_type_can_be_uploaded_and_downloaded(login_as, world, name):
    content, content_type = SAMPLES[name]
    c = login_as("convenor_a1")
    e = world.employers.a1
    r = upload(c, e, name, content, title="Evidence of the strategy")
    assert r.status_code == 302, r.get_data(as_text=True)
    item = db.session.scalars(select(GoAwardEvidence)).one()
    assert (item.standard_code, item.original_name, item.title, item.created_by_id) == (
        "sfl_strategy", name, "Evidence of the strategy", world.users.convenor_a1.id)
    assert goaward.evidence_path(item).read_bytes() == content
    page = c.get(pack(e)).get_data(as_text=True)
    assert "Evidence of the strategy" in page and name in page
    d = c.get(f"{pack(e)}/evidence/{item.id}/download")
    assert d.status_code == 200 and d.data == content
    assert d.headers["Content-Type"].startswith(content_type)
    assert d.headers["Content-Disposition"].startswith("attachment")
    assert name in d.headers["Content-Disposition"]
    assert d.headers["X-Content-Type-Options"] == "nosniff"


def test_a_non_ascii_name_downloads_under_its_own_name(login_as, world):
    c = login_as("admin")
    assert upload(c, world.employers.b1, "Compte rendu réunion.pdf", PDF).status_code == 302
    item = db.session.scalars(select(GoAwardEvidence)).one()
    d = c.get(f"{pack(world.employers.b1)}/evidence/{item.id}/download")
    assert "filename*=UTF-8''Compte%20rendu%20r%C3%A9union.pdf" in d.headers["Content-Disposition"]


def test_a_20_mb_upload_gets_a_clear_error_on_the_form_and_nothing_is_kept(login_as, world):
    c = login_as("convenor_a1")
    before = files_on_disk()
    r = upload(c, world.employers.a1, "huge.pdf", PDF + b"0" * (20 * 1024 * 1024))
    html = r.get_data(as_text=True)
    assert r.status_code == 413
    assert "There is a problem" in html and "The file must be 10 MB or smaller" in html
    assert 'href="#document"' in html and 'type="file"' in html  # the form again, not a bare error page
    assert evidence_rows() == 0 and files_on_disk() == before


def test_just_over_the_limit_is_refused_by_the_form_too(app, login_as, world):
    """A file a little over the limit fits in the request allowance, so the form itself refuses it."""
    c = login_as("convenor_a1")
    before = files_on_disk()
    r = upload(c, world.employers.a1, "over.pdf", PDF + b"0" * (goaward.max_upload_bytes()))
    assert r.status_code == 400 and "The file must be 10 MB or smaller" in r.get_data(as_text=True)
    assert evidence_rows() == 0 and files_on_disk() == before


@pytest.mark.parametrize("name, content, message", [
    ("notes.txt", b"hello", "The file must be a PDF, Word (.docx), Excel (.xlsx), PNG or JPEG file"),
    ("strategy.pdf", b"<html>not a pdf</html>", "The file is not really a PDF"),
    ("report.docx", PDF, "The file is not really a Word document (.docx)"),
    ("photo.jpeg", docx(), "The file is not really a JPEG image"),
    ("evil\x00.pdf", PDF, "The file name must not contain control characters"),
    ("../../../outside.pdf", PDF, "without folders"),
    ("empty.pdf", b"", "The selected file is empty"),
])
def test_wrong_files_and_tricky_names_are_refused_clearly(login_as, world, name, content, message):
    c = login_as("convenor_a1")
    before = files_on_disk()
    r = upload(c, world.employers.a1, name, content, title="Kept title")
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "There is a problem" in html and message in html and 'href="#document"' in html
    assert 'value="Kept title"' in html
    assert evidence_rows() == 0 and files_on_disk() == before
    assert not (Path(current_app.instance_path).parent / "outside.pdf").exists()


def test_no_file_chosen(login_as, world):
    c = login_as("convenor_a1")
    r = c.submit(f"{pack(world.employers.a1)}/standards/sfl_strategy/documents/new", {"title": "x"})
    assert r.status_code == 400 and "Choose a file to upload" in r.get_data(as_text=True)
    assert evidence_rows() == 0


def test_the_upload_form_is_accessible(login_as, world):
    html = login_as("convenor_a1").get(f"{pack(world.employers.a1)}/standards/sfl_strategy/documents/new").get_data(as_text=True)
    assert '<label class="govuk-label" for="document">' in html and 'enctype="multipart/form-data"' in html
    assert "10 MB or smaller" in html and no_inline_code(html)


# --- links ----------------------------------------------------------------------------------

def test_linking_an_agreement_and_a_ulr(login_as, world):
    a = agreement_for(world, world.branches.a1, world.employers.a1, "Barnet partnership agreement")
    r_ = rep_for(world, world.branches.a1, world.employers.a1, world.workplaces.school_a1, "Sam School")
    other = agreement_for(world, world.branches.a2, world.employers.a2, "Camden agreement")
    db.session.commit()
    c = login_as("convenor_a1")
    url = f"{pack(world.employers.a1)}/standards/union_partnership/links/new"
    form = c.get(url).get_data(as_text=True)
    assert "Barnet partnership agreement" in form and "Sam School" in form and "Camden agreement" not in form
    assert no_inline_code(form)
    assert c.submit(url, {"record": f"agreement:{a.id}", "title": ""}).status_code == 302
    assert c.submit(url, {"record": f"rep:{r_.id}", "title": "Our school ULR"}).status_code == 302
    html = c.get(pack(world.employers.a1)).get_data(as_text=True)
    assert f'href="/agreements/{a.id}"' in html and f'href="/reps/{r_.id}"' in html and "Our school ULR" in html
    # Camden's agreement sent by hand (not in the list) is refused, and nothing is saved
    r = c.submit(url, {"record": f"agreement:{other.id}", "title": ""})
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Choose one of this employer&#39;s learning agreements or ULR appointments from the list" in html
    assert 'href="#record"' in html and 'id="record"' in html  # the error summary leads to the question
    assert evidence_rows() == 2


def test_a_link_to_another_employers_agreement_is_refused_even_for_an_admin(login_as, world):
    other = agreement_for(world, world.branches.b1, world.employers.b1, "Newcastle agreement")
    db.session.commit()
    c = login_as("admin")
    r = c.submit(f"{pack(world.employers.a1)}/standards/whole_council/links/new", {"record": f"agreement:{other.id}"})
    assert r.status_code == 400 and "from the list" in r.get_data(as_text=True)
    assert evidence_rows() == 0


@pytest.mark.parametrize("record", ["", "agreement:", "agreement:abc", "learner:1", "nonsense", "agreement:99999999999999999999"])
def test_bad_link_input_is_refused(login_as, world, record):
    agreement_for(world, world.branches.a1, world.employers.a1)
    db.session.commit()
    c = login_as("convenor_a1")
    r = c.submit(f"{pack(world.employers.a1)}/standards/whole_council/links/new", {"record": record})
    assert r.status_code == 400 and "There is a problem" in r.get_data(as_text=True)
    assert evidence_rows() == 0


def test_with_nothing_to_link_the_page_says_so(login_as, world):
    html = login_as("convenor_a1").get(f"{pack(world.employers.a1)}/standards/whole_council/links/new").get_data(as_text=True)
    assert "nothing to link yet" in html


# --- removal --------------------------------------------------------------------------------

def test_removing_evidence_asks_first_then_deletes_the_row_and_the_file(login_as, world):
    item = stored(world.employers.a1, "old-minutes.pdf")
    path = goaward.evidence_path(item)
    c = login_as("convenor_a1")
    url = f"{pack(world.employers.a1)}/evidence/{item.id}/remove"
    confirm = c.get(url)
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Remove this evidence?" in html and "old-minutes.pdf" in html
    assert no_inline_code(html)
    assert path.is_file() and evidence_rows() == 1  # asking removes nothing
    r = c.submit(url, {})
    assert r.status_code == 302
    assert evidence_rows() == 0 and not path.exists()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == "go_award_evidence", AuditEntry.action == "delete")) == 1
    assert c.get(f"{pack(world.employers.a1)}/evidence/{item.id}/download").status_code == 404


def test_removing_a_link_keeps_the_record(login_as, world):
    a = agreement_for(world, world.branches.a1, world.employers.a1)
    db.session.commit()
    item = goaward.add_link(world.employers.a1, "whole_council", "agreement", a.id, world.users.convenor_a1)
    db.session.commit()
    c = login_as("convenor_a1")
    assert "Only the link is removed" in c.get(f"{pack(world.employers.a1)}/evidence/{item.id}/remove").get_data(as_text=True)
    assert c.submit(f"{pack(world.employers.a1)}/evidence/{item.id}/remove", {}).status_code == 302
    assert evidence_rows() == 0
    assert c.get(f"/agreements/{a.id}").status_code == 200


def test_a_missing_file_downloads_as_not_found(login_as, world):
    item = stored(world.employers.a1)
    goaward.evidence_path(item).unlink()
    assert login_as("admin").get(f"{pack(world.employers.a1)}/evidence/{item.id}/download").status_code == 404


def test_a_link_has_nothing_to_download(login_as, world):
    a = agreement_for(world, world.branches.a1, world.employers.a1)
    db.session.commit()
    item = goaward.add_link(world.employers.a1, "whole_council", "agreement", a.id, world.users.admin)
    db.session.commit()
    assert login_as("admin").get(f"{pack(world.employers.a1)}/evidence/{item.id}/download").status_code == 404


def test_jpeg_evidence_shows_its_kind_and_size(login_as, world):
    stored(world.employers.a1, "photo.jpg", JPEG, "flexible_delivery")
    html = login_as("convenor_a1").get(pack(world.employers.a1)).get_data(as_text=True)
    assert f"JPEG image, {len(JPEG)} bytes: photo.jpg" in html

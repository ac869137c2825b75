"""Documents say what they are: a signed agreement's document is not called a draft (page, file name,
list of documents), and a document generated after signing is marked as a copy generated on its date
from the clause set of its version, beside the uploaded signed copy (the signed original)."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from ulr_app.agreements import documents, services
from ulr_app.agreements.models import AgreementDocument
from ulr_app.core.templating import uk_date
from ulr_app.extensions import db

from .test_pdf import MODEL, TODAY, flat, make_agreement, needs_pdftotext, pdf_text

SET = "UNISON model learning agreement (2026), version 2026.1"


def _signed(world, **overrides):
    return make_agreement(world, status="signed", signed_on=date(2026, 2, 28), ulr_places=12, **overrides)


def _generate(c, a):
    """Ask for the PDF (a background job, run in a thread here) and download it from the job's page."""
    from flask import current_app

    from ulr_app.core import jobs as core_jobs

    current_app.config["REDIS_URL"] = None
    response = c.submit(f"/agreements/{a.id}/draft/pdf", {"clause_set": MODEL}, page=f"/agreements/{a.id}/draft")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert "/jobs/" in response.headers["Location"]
    core_jobs.wait_for_threads()
    return c.get(response.headers["Location"] + "/download")


@needs_pdftotext
def test_a_signed_agreements_pdf_is_a_marked_copy(world, tmp_path):
    pdf, _ = documents.draft_pdf(_signed(world), today=TODAY)
    text = flat(pdf_text(pdf, tmp_path))
    assert f"A copy generated on 14 February 2026 from the clause set {SET.replace(', version', ', version')}" in text
    assert "It is not the signed original" in text and "Copy generated on 14 February 2026" in text
    assert "Signed on 28 February 2026" in text and "DRAFT" not in text and "draft" not in text.lower().replace("drafts", "")


@needs_pdftotext
def test_a_draft_is_still_marked_draft_and_not_a_copy(world, tmp_path):
    pdf, _ = documents.draft_pdf(make_agreement(world), today=TODAY)
    text = flat(pdf_text(pdf, tmp_path))
    assert "DRAFT" in text and "A copy generated" not in text and "Copy generated" not in text


def test_the_page_fragment_says_copy_after_signing(world):
    html = documents.draft_html(_signed(world), today=TODAY)
    assert "Signed on 28 February 2026." in html and "draft, not signed" not in html
    assert f"A copy generated on 14 February 2026 from the clause set “UNISON model learning agreement (2026)”, version 2026.1" in html
    assert "(draft, not signed)" in documents.draft_html(make_agreement(world, title="Other"), today=TODAY)


def test_signed_agreement_pages_and_file_names(login_as, world):
    a = _signed(world)
    c = login_as("convenor_a1")
    page = c.get(f"/agreements/{a.id}").get_data(as_text=True)
    assert ">Agreement document</a>" in page and ">Draft document</a>" not in page
    page = c.get(f"/agreements/{a.id}/draft").get_data(as_text=True)
    assert "<h1 class=\"govuk-heading-l\">Agreement document (a copy of the signed agreement)</h1>" in page
    assert "<title>Agreement document (a copy of the signed agreement)" in page
    assert "it is a copy for reference, not the signed original" in page and "Generate a copy as a PDF" in page
    assert "Draft document" not in page and "Show this draft" not in page
    download = _generate(c, a)
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    disposition = download.headers["Content-Disposition"]
    assert "copy-1.pdf" in disposition and "draft" not in disposition
    stored = db.session.scalars(select(AgreementDocument)).one()
    assert (stored.kind, stored.agreement_status, stored.clause_set_version) == ("generated", "signed", "2026.1")
    # the signed original, uploaded: listed first, beside the copy
    response = c.submit(f"/agreements/{a.id}/signed-copy", {"signed_copy": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "Signed.pdf")},
                        content_type="multipart/form-data")
    assert response.status_code == 302
    page = c.get(f"/agreements/{a.id}").get_data(as_text=True)
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page[page.index('id="documents"'):], re.S)[1:3]
    assert "Signed copy 1" in rows[0] and "Signed original" in rows[0] and "Signed.pdf" in rows[0]
    assert "Copy 1" in rows[1] and "Draft" not in rows[1]
    assert f"A copy generated on {uk_date(date.today())} from the clause set {SET}. Not the signed original" in rows[1]
    assert "Copy 1 generated from unison-model-2026, version 2026.1" in page  # the timeline
    signed = db.session.scalars(select(AgreementDocument).where(AgreementDocument.kind == "signed")).one()
    disposition = c.get(f"/agreements/{a.id}/documents/{signed.id}").headers["Content-Disposition"]
    assert "signed-1.pdf" in disposition


def test_draft_agreement_documents_stay_drafts(login_as, world):
    a = make_agreement(world)
    c = login_as("convenor_a1")
    page = c.get(f"/agreements/{a.id}/draft").get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Draft document</h1>' in page and "Generate PDF" in page
    assert "draft-1.pdf" in _generate(c, a).headers["Content-Disposition"]
    page = c.get(f"/agreements/{a.id}").get_data(as_text=True)
    assert "Draft 1" in page and "A copy generated" not in page
    # signed later: the old draft is still a draft, a new document is a copy
    db.session.expire_all()  # the page changed the agreement (its version) meanwhile
    services.update_agreement(a, {"signed_on": "2026-03-01"})
    services.change_status(a, "negotiating")
    services.change_status(a, "signed")
    db.session.commit()
    assert "copy-2.pdf" in _generate(c, a).headers["Content-Disposition"]  # generated documents share one count
    kinds = sorted(documents.document_kind(d, a) for d in a.documents)
    assert kinds == ["copy", "draft"]


def test_documents_stored_before_the_status_was_kept(world):
    """Older rows have no agreement_status: made after the signing day of a signed agreement = a copy."""
    a = _signed(world)
    old = AgreementDocument(agreement_id=a.id, kind="generated", number=1, sha256="0" * 64, stored_as="x.pdf",
                            size_bytes=1, clause_set=MODEL, created_at=datetime(2026, 3, 5, 10, tzinfo=timezone.utc))
    before = AgreementDocument(agreement_id=a.id, kind="generated", number=2, sha256="1" * 64, stored_as="y.pdf",
                               size_bytes=1, clause_set=MODEL, created_at=datetime(2026, 2, 1, 10, tzinfo=timezone.utc))
    db.session.add_all([old, before])
    db.session.commit()
    assert documents.label(old, a) == "Copy 1" and documents.label(before, a) == "Draft 2"
    # no version stored: the library's current version
    assert documents.copy_note(old, a) == f"A copy generated on 5 March 2026 from the clause set {SET}"
    assert documents.copy_note(before, a) is None
    assert documents.file_name(old, a) == "barnet-learning-agreement-2026-copy-1.pdf"
    assert documents.set_label("gone-set", "3") == "gone-set, version 3"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm not installed")
def test_the_copy_renders_as_a4_pages(world, tmp_path):
    pdf, _ = documents.draft_pdf(_signed(world), today=TODAY)
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                   check=True, timeout=60)
    data = next(tmp_path.glob("page*.png")).read_bytes()
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert abs(height / width - 297 / 210) < 0.02 and len(data) > 5000

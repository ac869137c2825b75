"""Pages for the Go Award standards and their evidence, per employer. Thin: load the employer through
its scope (404 outside it), check who may change things (403), call ``goaward``, render or redirect.

Readers: everyone who may see the employer. Writers: administrators, regional organisers of the
employer's region, convenors of a branch that deals with the employer."""
from __future__ import annotations

import io
from typing import Any, Optional

from flask import Blueprint, abort, flash, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..core import audit
from ..core.errors import ERROR_TITLES
from ..core.forms import form_page, posted_version
from ..core.permissions import (
    ADMIN,
    BRANCH_CONVENOR,
    REGIONAL_ORGANISER,
    get_visible_or_404,
    roles_required,
    visible,
)
from ..extensions import db
from ..organisation.models import Employer
from . import goaward
from .goaward_forms import DocumentForm, LinkForm, RemoveForm, StandardForm
from .models import GO_AWARD_STANDARDS, STANDARD_STATUSES

bp = Blueprint("goaward", __name__, url_prefix="/employers/<int:employer_id>/go-award")

WRITERS = (ADMIN, REGIONAL_ORGANISER, BRANCH_CONVENOR)
#: GOV.UK tag colour for each status
STATUS_TAGS = {"not_started": "govuk-tag--grey", "in_progress": "govuk-tag--yellow", "met": "govuk-tag--green"}
#: a short name for each kind of document, shown beside its size
DOCUMENT_KINDS = {"application/pdf": "PDF", "image/png": "PNG image", "image/jpeg": "JPEG image",
                  goaward.DOCUMENT_TYPES["docx"][1]: "Word document", goaward.DOCUMENT_TYPES["xlsx"][1]: "Excel workbook"}
#: the page each kind of linked record opens
LINK_ENDPOINTS = {"agreement": ("agreements.agreement", "agreement_id"), "rep": ("reps.rep", "rep_id")}


def _load(employer_id: int, *, edit: bool = False) -> Employer:
    employer = get_visible_or_404(db.session, Employer, employer_id, current_user)
    if edit and not goaward.can_change(current_user, employer):
        abort(403)
    return employer


def _code(code: str) -> str:
    if code not in GO_AWARD_STANDARDS:
        abort(404)
    return code


def _page(employer: Employer, code: Optional[str] = None) -> str:
    return url_for(".employer_page", employer_id=employer.id) + (f"#standard-{code}" if code else "")


def size_words(size: Optional[int]) -> str:
    if size is None:
        return ""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


# --- the pack -------------------------------------------------------------------------------

@bp.route("")
def employer_page(employer_id: int):
    employer = _load(employer_id)
    standards = goaward.standards_of(employer)
    everything = [item for s in standards for item in s["evidence"]]
    targets = goaward.link_targets(everything, current_user)
    links = {}
    for item in everything:
        if item.kind == "link":
            record = targets.get((item.link_type, item.link_id))
            if record is not None:
                endpoint, arg = LINK_ENDPOINTS[item.link_type]
                links[item.id] = url_for(endpoint, **{arg: record.id})
    met = sum(1 for s in standards if s["status"] == "met")
    return render_template("funding/go_award.html", employer=employer, standards=standards, links=links,
                           can_change=goaward.can_change(current_user, employer), met=met)


# --- a standard's status and notes ----------------------------------------------------------

@bp.route("/standards/<code>", methods=["GET", "POST"])
@roles_required(*WRITERS)
def standard(employer_id: int, code: str):
    employer = _load(employer_id, edit=True)
    code = _code(code)
    current = next(s for s in goaward.standards_of(employer) if s["code"] == code)
    # shown filled in; once sent, only what was sent counts (a status left unchosen is an error, not the old one)
    form = StandardForm(data={"status": current["status"], "notes": current["notes"]}) if request.method == "GET" \
        else StandardForm()

    def save():
        goaward.set_standard(employer, code, {"status": form.status.data, "notes": form.notes.data},
                             version=posted_version())
        flash(f"‘{GO_AWARD_STANDARDS[code]}’ saved.", "success")
        return _page(employer, code)

    return form_page(form, save, "funding/go_award_standard.html", employer=employer, standard=current,
                     version=current["version"], back=_page(employer, code))


# --- documents ------------------------------------------------------------------------------

def _upload_limit() -> int:
    return goaward.max_upload_bytes() + 256 * 1024  # room for the form around the file


@bp.url_value_preprocessor
def _limit_uploads(endpoint: Optional[str], _values: Any) -> None:
    """Runs before any hook reads the form: refuse a too-large upload early, with our own limit."""
    if endpoint == "goaward.add_document" and request.method == "POST":
        request.max_content_length = _upload_limit()


def _document_page(form: DocumentForm, employer: Employer, code: str, status: int = 200):
    return render_template("funding/go_award_document.html", form=form, employer=employer, code=code,
                           title=GO_AWARD_STANDARDS[code], max_size=goaward.max_upload_words(),
                           allowed=goaward.ALLOWED_WORDS, back=_page(employer, code)), status


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    """A too-large upload: the upload page again, saying so (not a bare error page). Nothing was
    read of the file, so nothing was saved."""
    args = request.view_args or {}
    code = args.get("code")
    employer = None
    if request.endpoint == "goaward.add_document" and code in GO_AWARD_STANDARDS and current_user.is_authenticated \
            and current_user.role in WRITERS:
        from sqlalchemy import select

        employer = db.session.scalars(visible(select(Employer).where(Employer.id == args.get("employer_id")),
                                              current_user)).first()
    if employer is None or not goaward.can_change(current_user, employer):
        title, advice = ERROR_TITLES[413]
        return render_template("errors/error.html", code=413, title=title, advice=advice), 413
    form = DocumentForm(formdata=None)
    form.document.errors = [goaward.too_large_message()]
    return _document_page(form, employer, code, 413)


@bp.route("/standards/<code>/documents/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def add_document(employer_id: int, code: str):
    employer = _load(employer_id, edit=True)
    code = _code(code)
    form = DocumentForm()

    def save():
        upload = form.document.data
        if upload is None or not getattr(upload, "filename", ""):
            form.document.errors = ["Choose a file to upload"]
            return None
        content = upload.read(goaward.max_upload_bytes() + 1)
        if len(content) > goaward.max_upload_bytes():
            form.document.errors = [goaward.too_large_message()]
            return None
        goaward.add_document(employer, code, content, upload.filename, title=form.title.data,
                             created_by_id=current_user.id)
        flash("Document added as evidence.", "success")
        return _page(employer, code)

    return form_page(form, save, "funding/go_award_document.html", employer=employer, code=code,
                     title=GO_AWARD_STANDARDS[code], max_size=goaward.max_upload_words(),
                     allowed=goaward.ALLOWED_WORDS, back=_page(employer, code))


@bp.route("/evidence/<int:evidence_id>/download")
def download(employer_id: int, evidence_id: int):
    employer = _load(employer_id)
    evidence = goaward.evidence_of(employer, evidence_id)
    if evidence is None or evidence.kind != "document":
        abort(404)
    try:
        path = goaward.evidence_path(evidence)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    name = evidence.original_name or path.name
    audit.record_export(db.session, f"Go Award evidence {name} of {employer.name}", fmt=name.rsplit(".", 1)[-1]
                        if "." in name else "file", filename=name, object_type=evidence.__tablename__,
                        object_id=evidence.id)
    # read whole (at most the upload limit): no open file handle outlives the request
    return send_file(io.BytesIO(path.read_bytes()), mimetype=evidence.content_type or "application/octet-stream",
                     as_attachment=True, download_name=evidence.original_name or path.name, max_age=0)


# --- links ----------------------------------------------------------------------------------

@bp.route("/standards/<code>/links/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def add_link(employer_id: int, code: str):
    employer = _load(employer_id, edit=True)
    code = _code(code)
    records = goaward.linkable_records(employer, current_user)
    form = LinkForm()
    form.record.choices = [(f"{link_type}:{r.id}", goaward.record_label(link_type, r))
                           for link_type in ("agreement", "rep") for r in records[link_type]]

    def save():
        link_type, _, link_id = (form.record.data or "").partition(":")
        goaward.add_link(employer, code, link_type, link_id, current_user, title=form.title.data,
                         created_by_id=current_user.id)
        flash("Link added as evidence.", "success")
        return _page(employer, code)

    return form_page(form, save, "funding/go_award_link.html", employer=employer, code=code,
                     title=GO_AWARD_STANDARDS[code], has_records=bool(form.record.choices), back=_page(employer, code))


# --- removal --------------------------------------------------------------------------------

@bp.route("/evidence/<int:evidence_id>/remove", methods=["GET", "POST"])
@roles_required(*WRITERS)
def remove_evidence(employer_id: int, evidence_id: int):
    employer = _load(employer_id, edit=True)
    evidence = goaward.evidence_of(employer, evidence_id)
    if evidence is None:
        abort(404)
    form = RemoveForm()
    code = evidence.standard_code

    def save():
        # the row goes now; a document's file is deleted by goaward once this request has committed
        goaward.remove_evidence(evidence)
        flash("Evidence removed.", "success")
        return _page(employer, code)

    return form_page(form, save, "funding/go_award_remove.html", employer=employer, evidence=evidence,
                     standard_title=GO_AWARD_STANDARDS.get(code, code), back=_page(employer, code))


@bp.app_context_processor
def _vocabularies() -> dict[str, Any]:
    return {"GO_AWARD_STATUSES": STANDARD_STATUSES, "GO_AWARD_STATUS_TAGS": STATUS_TAGS,
            "GO_AWARD_DOCUMENT_KINDS": DOCUMENT_KINDS, "go_award_size": size_words}

"""Generated letters: the time-off request letter (made from a time-off request, so the time-off
pages only need a POST button to ``letters.time_off_letter``), and ``documents.download``: any
stored document (core.documents), scoped to the record it belongs to."""
from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_login import current_user

from ..core import csvio
from ..core.documents import StoredDocument, path_of
from ..core.permissions import ADMIN, BRANCH_CONVENOR, get_visible_or_404, roles_required
from ..extensions import db
from ..timeoff import letters as timeoff_letters
from ..timeoff import queries as timeoff_queries
from ..timeoff.models import TimeOffRequest
from .forms import LetterForm
from .models import Rep

bp = Blueprint("letters", __name__, url_prefix="/letters")
documents_bp = Blueprint("documents", __name__, url_prefix="/documents")

#: StoredDocument.object_type -> the model of the record it belongs to (scope is that record's)
RECORDS: dict[str, type] = {"rep": Rep, "time_off_request": TimeOffRequest}


def record_of(document: StoredDocument, user) -> Any:
    """The record a stored document belongs to, if the user may see it; 404 otherwise."""
    model = RECORDS.get(document.object_type)
    if model is None:
        abort(404)
    return get_visible_or_404(db.session, model, document.object_id, user)


def _local(target: str | None) -> str | None:
    """A same-site path to go back to, or None (never an outside address)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@documents_bp.route("/<int:document_id>")
def download(document_id: int):
    doc = db.session.get(StoredDocument, document_id)
    if doc is None:
        abort(404)
    record = record_of(doc, current_user)
    try:
        path = path_of(doc)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    label = getattr(record, "name", None) or (record.rep.name if getattr(record, "rep", None) else "")
    name = csvio.safe_filename(doc.kind.replace("_", "-"), label, doc.number, extension="pdf")
    # read whole (a letter is small): no open file handle outlives the request
    return send_file(io.BytesIO(path.read_bytes()), mimetype="application/pdf", as_attachment=True, download_name=name,
                     max_age=0)


@bp.route("/time-off/<int:request_id>", methods=["POST"])
@roles_required(ADMIN, BRANCH_CONVENOR)
def time_off_letter(request_id: int):
    time_off = get_visible_or_404(db.session, TimeOffRequest, request_id, current_user)
    if not timeoff_queries.can_record_decision(current_user, time_off):
        abort(403)
    if not LetterForm().validate_on_submit():
        abort(400)
    document = timeoff_letters.generate_request_letter(time_off, user=current_user._get_current_object())
    back = _local(request.form.get("next"))
    if back is None and "timeoff.time_off_request" in current_app.view_functions:
        back = url_for("timeoff.time_off_request", request_id=time_off.id) + "#documents"
    if back is None:  # no page to go back to: straight to the download
        return redirect(url_for("documents.download", document_id=document.id))
    flash(f"Request letter {document.number} generated.", "success")
    return redirect(back)

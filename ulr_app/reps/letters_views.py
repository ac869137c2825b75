"""``documents.download``: any stored document (core.documents), scoped to the record it belongs to
(each domain registers the model its documents belong to in ``core.documents.OWNERS``). The ULR
notice letter is made on the ULR's page; the time-off request letter is time off's
(timeoff.letters_views)."""
from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, send_file
from flask_login import current_user

from ..core import audit, csvio, documents
from ..core.documents import StoredDocument, path_of
from ..core.permissions import get_visible_or_404
from ..extensions import db
from .models import Rep

documents_bp = Blueprint("documents", __name__, url_prefix="/documents")

documents.OWNERS["rep"] = Rep


def record_of(document: StoredDocument, user) -> Any:
    """The record a stored document belongs to, if the user may see it; 404 otherwise."""
    model = documents.OWNERS.get(document.object_type)
    if model is None:
        abort(404)
    return get_visible_or_404(db.session, model, document.object_id, user)


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
    audit.record_export(db.session, f"{doc.title or doc.kind.replace('_', ' ')} ({doc.object_type.replace('_', ' ')} "
                                    f"{doc.object_id})", fmt="pdf", filename=name, object_type=doc.object_type,
                        object_id=doc.object_id)
    # read whole (a letter is small): no open file handle outlives the request
    return send_file(io.BytesIO(path.read_bytes()), mimetype="application/pdf", as_attachment=True, download_name=name,
                     max_age=0)

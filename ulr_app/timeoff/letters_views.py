"""The time-off request letter: made from a time-off request (the request's page has a POST button
to ``letters.time_off_letter``), stored with it and downloaded through ``documents.download``."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from ..core import documents
from ..core.permissions import ADMIN, BRANCH_CONVENOR, get_visible_or_404, roles_required
from ..extensions import db
from ..reps.forms import LetterForm
from . import letters as timeoff_letters
from . import queries as timeoff_queries
from .models import TimeOffRequest

bp = Blueprint("letters", __name__, url_prefix="/letters")
documents.OWNERS["time_off_request"] = TimeOffRequest


def _local(target: str | None) -> str | None:
    """A same-site path to go back to, or None (never an outside address)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


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

"""The outbox page for administrators: every e-mail, newest first, with what became of it."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from ..core.pagination import paginate
from ..core.permissions import ADMIN, roles_required
from ..extensions import db
from .models import STATUSES, OutboxMessage

bp = Blueprint("mail", __name__, url_prefix="/admin/outbox")


@bp.route("")
@roles_required(ADMIN)
def outbox():
    status = request.args.get("status", "")
    stmt = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if status in STATUSES:
        stmt = stmt.where(OutboxMessage.status == status)
    else:
        status = ""
    return render_template("mail/outbox.html", page=paginate(stmt), status=status, statuses=STATUSES)


@bp.route("/<int:message_id>")
@roles_required(ADMIN)
def message(message_id: int):
    found = db.session.get(OutboxMessage, message_id)
    if found is None:
        abort(404)
    return render_template("mail/message.html", message=found, statuses=STATUSES)

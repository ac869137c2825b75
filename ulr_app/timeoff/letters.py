"""A time-off request letter to the employer: purpose, location, timing (start date and time) and
duration, the course for training, and the basis of the request (TULRCA 1992 s.168A for ULR duties
and training, s.170 for a member's access to a ULR, the learning agreement for learner release),
citing the Acas Code of Practice 3. Built as plain data, rendered from an autoescaped template,
stored with the request and put on its timeline. Needs an app context, not a request."""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from flask import current_app

from ..agreements.models import LEARNER_TIME
from ..core import audit, documents, timeline
from ..core.templating import UK, uk_date
from ..core.pdf import render_pdf
from ..extensions import db
from .facility import hours
from . import queries, rules
from .models import KINDS, PURPOSES, TimeOffRequest

TEMPLATE = "pdf/letter_time_off.html"
KIND = "time_off_letter"


def _when(request: TimeOffRequest) -> str:
    local = request.starts_at.astimezone(UK) if request.starts_at.tzinfo else request.starts_at
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{local:%A} {local.day} {local:%B %Y} at {hour}:{local:%M}{local:%p}".replace("AM", "am").replace("PM", "pm")


def letter_data(request: TimeOffRequest, *, signed_by: str, signed_role: str, today: Optional[date] = None) -> dict[str, Any]:
    """Everything the letter shows, as plain text."""
    today = today or date.today()
    workplace = request.workplace
    employer = workplace.employer
    agreement = queries.agreement_in_force(request)
    starts_on = (request.starts_at.astimezone(UK) if request.starts_at.tzinfo else request.starts_at).date()
    notice = rules.notice_days(request.requested_on or today, starts_on)
    return {
        "union": "UNISON",
        "branch": request.branch.name,
        "employer": employer.name,
        "workplace": workplace.name,
        "dated": uk_date(today),
        "kind": request.kind,
        "kind_label": KINDS[request.kind],
        "purpose": PURPOSES.get(request.purpose, request.purpose),
        "course": request.course,
        "location": request.location,
        "starts": _when(request),
        "duration": f"{hours(request.duration_hours)} {'hour' if request.duration_hours == 1 else 'hours'}",
        "reason": request.reason,
        "rep_name": request.rep.name if request.rep else None,
        "notice_days": notice if notice is not None and notice >= 0 else None,
        "paid_requested": request.paid_requested,
        "agreement_title": agreement.title if agreement else None,
        "agreement_member_access_paid": agreement.member_access_paid if agreement else None,
        "agreement_learner_time": (LEARNER_TIME.get(agreement.learner_time_off) if agreement and agreement.learner_time_off
                                   and agreement.learner_time_off != "not_stated" else None),
        "signed_by": signed_by,
        "signed_role": signed_role,
    }


def request_letter_html(request: TimeOffRequest, *, signed_by: str, signed_role: str, today: Optional[date] = None) -> str:
    data = letter_data(request, signed_by=signed_by, signed_role=signed_role, today=today)
    return current_app.jinja_env.get_template(TEMPLATE).render(letter=data)


def request_letter_pdf(request: TimeOffRequest, *, signed_by: str, signed_role: str, today: Optional[date] = None) -> bytes:
    return render_pdf(request_letter_html(request, signed_by=signed_by, signed_role=signed_role, today=today))


def generate_request_letter(request: TimeOffRequest, *, user, today: Optional[date] = None) -> documents.StoredDocument:
    """Render the letter, store it with the request and put it on the timeline. Flushes."""
    pdf = request_letter_pdf(request, signed_by=user.name,
                             signed_role=f"{user.role_label}, UNISON {request.branch.name} branch", today=today)
    who = f" for {request.rep.name}" if request.rep else ""
    title = f"Time-off request letter ({KINDS[request.kind].lower()}){who}"
    document = documents.store(db.session, request, KIND, title, pdf, created_by_id=user.id)
    audit.record(db.session, "create", document, summary=f"Generated time-off request letter {document.number}",
                 changes={"sha256": (None, document.sha256)})
    timeline.add(db.session, request, "document_generated", f"Request letter {document.number} to {request.workplace.employer.name} generated")
    return document

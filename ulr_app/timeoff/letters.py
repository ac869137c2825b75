"""A time-off request letter to the employer: purpose, location, timing (start date and time) and
duration, the course for training, and the basis of the request (TULRCA 1992 s.168A for ULR duties
and training, s.170 for a member's access to a ULR, the learning agreement for learner release),
citing the Acas Code of Practice 3. Built as plain data, rendered from an autoescaped template,
stored with the request and put on its timeline. Needs an app context, not a request.

The letter comes from the branch (its address, phone and e-mail from the branch's contact details)
and goes to the workplace's head teacher or manager by name when the workplace records one
("Dear <name>"; "Dear Sir or Madam" only when no name is known), see ulr_app.organisation.letters.
It asks for a reply by a stated date (``reply_by``): 7 days before the time off starts, or 7 days
from the letter's date if that comes first, so the employer has at most a week and the branch hears
a week before the time off; when the time off starts so soon (within 9 days) that this would leave
the employer under 2 days, the reply is asked for by the day before the time off starts (never
before the letter's own date)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Optional

from flask import current_app

from ..agreements.models import LEARNER_TIME
from ..core import audit, documents, timeline
from ..core.templating import UK, uk_date
from ..core.pdf import render_pdf
from ..extensions import db
from ..organisation.letters import letterhead, recipient
from .facility import hours
from . import queries, rules
from .models import KINDS, PURPOSES, TimeOffRequest

TEMPLATE = "pdf/letter_time_off.html"
KIND = "time_off_letter"
#: the reply-by rule (see the module's docstring)
REPLY_DAYS = 7
SHORTEST_REPLY_DAYS = 2


def reply_by(today: date, starts_on: date) -> date:
    """The date the letter asks the employer to reply by."""
    usual = min(today + timedelta(days=REPLY_DAYS), starts_on - timedelta(days=REPLY_DAYS))
    if usual >= today + timedelta(days=SHORTEST_REPLY_DAYS):
        return usual
    return max(today, starts_on - timedelta(days=1))


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
    sender = letterhead(request.branch)
    return {
        "union": sender["union"],
        "branch": sender["branch"],
        "from": sender,
        "to": recipient(employer, workplace),
        "employer": employer.name,
        "workplace": workplace.name,
        "dated": uk_date(today),
        "reply_by": uk_date(reply_by(today, starts_on)),
        "starts_on": uk_date(starts_on),
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

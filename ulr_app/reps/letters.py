"""The branch's written notice to the employer that a person is a ULR (TULRCA 1992 s.168A(3)), and
that they will be trained within six months (s.168A(4)(b)) or have been trained (s.168A(4)(a) or
(c)): built as plain data, rendered from an autoescaped template, stored with the appointment and
put on its timeline. Needs an app context (for the templates), not a request.

Like every branch letter it carries the branch's address and contact details and goes to the ULR's
workplace's head teacher or manager by name when the workplace records one ("Dear <name>"; "Dear Sir
or Madam" only when no name is known): see ulr_app.organisation.letters."""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from flask import current_app

from ..core import audit, documents, timeline
from ..core.dates import add_months
from ..core.pdf import render_pdf
from ..core.templating import uk_date
from ..extensions import db
from ..organisation.letters import letterhead, recipient
from . import rules
from .models import Rep

TEMPLATE = "pdf/letter_ulr_notice.html"
KIND = "ulr_notice"

#: what the letter says about training, chosen by the appointment's data
TRAINED = "trained"  # already trained, and the letter tells the employer (s.168A(4)(a))
TRAINED_AFTER_NOTICE = "trained_after_notice"  # trained within six months of the notice (s.168A(4)(c))
WILL_TRAIN = "will_train"  # will be trained within six months (s.168A(4)(b))


def training_case(rep: Rep) -> str:
    if rep.trained_on is not None:
        return TRAINED_AFTER_NOTICE if rep.training_route == "will_train" and rep.will_train_notice_on else TRAINED
    return TRAINED if rep.training_route == "already_trained" else WILL_TRAIN


def letter_data(rep: Rep, *, signed_by: str, signed_role: str, today: Optional[date] = None) -> dict[str, Any]:
    """Everything the letter shows, as plain text (dates already written out)."""
    today = today or date.today()
    case = training_case(rep)
    # a "will be trained" notice already given is confirmed, never repeated (s.168A(5))
    earlier_notice = rep.will_train_notice_on if rep.will_train_notice_on and rep.will_train_notice_on < today else None
    will_train_from = rep.will_train_notice_on or today
    sender = letterhead(rep.branch)
    return {
        "union": sender["union"],
        "branch": sender["branch"],
        "from": sender,
        "to": recipient(rep.employer, rep.workplace),
        "employer": rep.employer.name,
        "workplace": rep.workplace.name if rep.workplace else None,
        "dated": uk_date(today),
        "rep_name": rep.name,
        "appointed_on": uk_date(rep.appointed_on),
        "notice_given_on": uk_date(rep.notice_given_on) if rep.notice_given_on and rep.notice_given_on < today else None,
        "case": case,
        "course": rep.training_course,
        "trained_on": uk_date(rep.trained_on) if rep.trained_on else None,
        "will_train_notice_on": uk_date(rep.will_train_notice_on) if rep.will_train_notice_on else None,
        "earlier_will_train_notice": uk_date(earlier_notice) if earlier_notice else None,
        "training_deadline": uk_date(add_months(will_train_from, rules.TRAINING_MONTHS)),
        "signed_by": signed_by,
        "signed_role": signed_role,
    }


def notice_html(rep: Rep, *, signed_by: str, signed_role: str, today: Optional[date] = None) -> str:
    data = letter_data(rep, signed_by=signed_by, signed_role=signed_role, today=today)
    return current_app.jinja_env.get_template(TEMPLATE).render(letter=data)


def notice_pdf(rep: Rep, *, signed_by: str, signed_role: str, today: Optional[date] = None) -> bytes:
    return render_pdf(notice_html(rep, signed_by=signed_by, signed_role=signed_role, today=today))


def generate_notice(rep: Rep, *, user, today: Optional[date] = None) -> documents.StoredDocument:
    """Render the notice, store it with the appointment and put it on the timeline. Flushes."""
    pdf = notice_pdf(rep, signed_by=user.name, signed_role=f"{user.role_label}, UNISON {rep.branch.name} branch",
                     today=today)
    title = f"Notice to {rep.employer.name} that {rep.name} is a union learning representative"
    document = documents.store(db.session, rep, KIND, title, pdf, created_by_id=user.id)
    audit.record(db.session, "create", document, summary=f"Generated ULR notice letter {document.number} for {rep.name}",
                 changes={"sha256": (None, document.sha256)})
    words = {TRAINED: "already trained", TRAINED_AFTER_NOTICE: "training completed",
             WILL_TRAIN: "will be trained within six months"}[training_case(rep)]
    timeline.add(db.session, rep, "document_generated",
                 f"Notice letter {document.number} to {rep.employer.name} generated ({words})")
    return document

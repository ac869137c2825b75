"""Pages: erasing a learner (``learners.erase``) or a ULR appointment (``reps.erase``).

GET asks for confirmation: what will be cleared and what is kept, in plain words, and the legal hold,
if one applies, with its reason (the button is then not offered, and a POST is refused with 409).
POST erases (ulr_app.dataprotection.erasure) and goes back to the record's page, which then says it
was erased. Convenors and above, for records in their scope (others 404; ULRs 403).

These pages belong to the learner's and the ULR's own pages, so they are on the learners and reps
blueprints; data protection sits above both, so it adds them (the app factory imports this module
before it registers the blueprints: ``ulr_app.PAGE_EXTENSIONS``).
"""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from ..core.errors import ValidationFailed
from ..core.permissions import ADMIN, BRANCH_CONVENOR, REGIONAL_ORGANISER, get_visible_or_404, roles_required
from ..extensions import db
from ..learners.models import Learner
from ..learners.views import bp as learners_bp
from ..reps.models import Rep
from ..reps.views import bp as reps_bp
from . import erasure
from .forms import EraseForm

#: who may erase a record (in their scope)
ERASERS = (ADMIN, REGIONAL_ORGANISER, BRANCH_CONVENOR)

LEARNER_CLEARED = [
    "their name (the record is then called “Erased learner” and its number)",
    "their e-mail address, job title and the branch’s reference for them",
    "their equality monitoring (gender, ethnicity, disability, age band) and union membership",
    "what they consented to, and any legal hold note",
    "notes and free text about them: needs analysis goals, reasons for withdrawing or a break, contacts, "
    "follow-ups, their cases’ notes, and the reasons given on their time-off requests",
    "letters and other documents kept with their record, their time-off requests and cases",
    "their name and details in the history and the audit trail",
]
LEARNER_KEPT = [
    "their workplace, employer, staff category, contract and hours",
    "their enrolments, with the courses, statuses and dates",
    "needs analysis levels and barriers, and time-off decisions",
    "every report’s figures, and every report already frozen, exactly as they are",
]
REP_CLEARED = [
    "their name (the record is then called “Erased ULR” and its number)",
    "their e-mail address, the branch’s reference for them and the notes",
    "the reasons given on their time-off requests, and their dispute cases’ notes",
    "letters and other documents kept with the appointment, its time-off requests and cases",
    "their name and details in the history and the audit trail",
]
REP_KEPT = [
    "the employer, workplace and branch",
    "the appointment, notice, training and stand-down dates",
    "their time-off requests, with dates, hours and decisions",
    "every report’s figures, and every report already frozen, exactly as they are",
]


def _erase_page(obj: Any, *, what: str, hold: str | None, cleared: list[str], kept: list[str], back: str,
                action: str, erase) -> Any:
    form = EraseForm()
    status = 200
    if obj.erased_at is not None:
        flash("This record was erased already.", "error")
        return redirect(back)
    if form.validate_on_submit():
        reason = (form.reason.data or "").strip()
        if hold:
            status = 409
            form.form_errors.append(f"This {what} cannot be erased while a legal hold applies: {hold}")
        if not reason:
            form.reason.errors = list(form.reason.errors) + [f"Enter why this {what} is being erased"]
        elif len(reason) > 500:
            form.reason.errors = list(form.reason.errors) + ["Enter the reason in 500 characters or fewer"]
        if not form.confirm.data:
            form.confirm.errors = list(form.confirm.errors) + ["Tick the box to confirm that this cannot be undone"]
        if not hold and reason and len(reason) <= 500 and form.confirm.data:
            try:
                erase(obj, by=current_user._get_current_object(), reason=reason)
            except erasure.LegalHold as exc:  # a hold that began between the page and the click
                hold, status = exc.reason, 409
                form.form_errors.append(f"This {what} cannot be erased while a legal hold applies: {hold}")
            except ValidationFailed as exc:
                form.show_service_error(exc)
            else:
                flash(f"The {what} was erased.", "success")
                return redirect(back)
    if form.errors or form.form_errors:
        status = status if status != 200 else 400
    return render_template("dataprotection/erase.html", obj=obj, what=what, hold=hold, cleared=cleared, kept=kept,
                           form=form, back=back, action=action), status


@learners_bp.route("/<int:learner_id>/erase", methods=["GET", "POST"], endpoint="erase")
@roles_required(*ERASERS)
def erase_learner(learner_id: int):
    learner = get_visible_or_404(db.session, Learner, learner_id, current_user)
    back = url_for("learners.learner", learner_id=learner.id)
    if learner.merged_into_id is not None:  # its history is on the kept record: erase that one
        flash(f"This record was merged into learner {learner.merged_into_id}: erase that record.", "error")
        return redirect(url_for("learners.learner", learner_id=learner.merged_into_id))
    return _erase_page(learner, what="learner", hold=erasure.legal_hold_for_learner(learner), cleared=LEARNER_CLEARED,
                       kept=LEARNER_KEPT, back=back, action=url_for("learners.erase", learner_id=learner.id),
                       erase=erasure.erase_learner)


@reps_bp.route("/<int:rep_id>/erase", methods=["GET", "POST"], endpoint="erase")
@roles_required(*ERASERS)
def erase_rep(rep_id: int):
    rep = get_visible_or_404(db.session, Rep, rep_id, current_user)
    back = url_for("reps.rep", rep_id=rep.id)
    return _erase_page(rep, what="ULR appointment", hold=erasure.legal_hold_for_rep(rep), cleared=REP_CLEARED,
                       kept=REP_KEPT, back=back, action=url_for("reps.erase", rep_id=rep.id), erase=erasure.erase_rep)

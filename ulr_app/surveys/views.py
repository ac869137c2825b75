"""Survey pages: the list, new, one survey (its short link, poster and status), edit, staff numbers, open or
close (with a confirmation), the A4 poster PDF, "which schools have we surveyed, and when", and the public
answering page (/s/<token>: no sign-in, CSRF on, a honeypot, a limit per address, a cap per survey).
The results pages are reports (ulr_app/reports/survey_results.py). Thin: load or 404, check, call a
service, render."""
from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from ..core.errors import NotAllowed, ValidationFailed
from ..core.forms import posted_version
from ..core.pagination import paginate
from ..core.permissions import (
    ADMIN,
    BRANCH_CONVENOR,
    LEARNING_REP,
    REGIONAL_ORGANISER,
    get_visible_or_404,
    public,
    roles_required,
    visible,
)
from ..core.validation import db_id
from ..extensions import db
from ..organisation.forms import branch_for_new, choose_branch_page
from ..organisation.models import Branch
from . import poster, queries, rules, services
from .forms import AnswerForm, StatusForm, SurveyForm
from .models import Survey

bp = Blueprint("surveys", __name__)

READERS = (ADMIN, REGIONAL_ORGANISER, BRANCH_CONVENOR, LEARNING_REP)
EDITORS = (ADMIN, BRANCH_CONVENOR, LEARNING_REP)
STATUS_TAGS = {"draft": "govuk-tag--grey", "open": "govuk-tag--green", "closed": "govuk-tag--blue"}


def _load(survey_id: int, *, edit: bool = False) -> Survey:
    survey = get_visible_or_404(db.session, Survey, survey_id, current_user)
    if edit and not queries.can_edit(current_user, survey):
        abort(403)
    return survey


def short_link(survey: Survey) -> str:
    return url_for("surveys.answer", token=survey.token, _external=True)


@bp.route("/surveys")
@roles_required(*READERS)
def surveys():
    status = request.args.get("status", "")
    status = status if status in rules.STATUSES else ""
    page = paginate(queries.survey_list(current_user, status=status))
    counts = queries.response_counts([s.id for s in page.items])
    return render_template("surveys/list.html", page=page, counts=counts, status=status,
                           can_add=current_user.role in EDITORS)


def _choices(form: SurveyForm, branch: Branch, also_rep=None) -> None:
    reps = queries.branch_reps(branch.id, current_user)
    if also_rep is not None and also_rep.id not in {r for r, _ in reps}:
        reps.append((also_rep.id, also_rep.name))
    form.rep_id.choices = [("", "Choose a ULR")] + reps
    form.workplace_ids.choices = queries.branch_workplaces(branch.id)


@bp.route("/surveys/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_survey():
    branch = branch_for_new()
    if branch is None:
        return choose_branch_page(title="Make a survey: choose the branch", heading="Make a learning needs survey",
                                  label="Branch", error="Choose the branch the survey is for",
                                  back=url_for(".surveys"))
    form = SurveyForm(data=SurveyForm.blank())
    _choices(form, branch)
    reps = queries.branch_reps(branch.id, current_user)
    if request.method == "GET" and current_user.role == LEARNING_REP and len(reps) == 1:
        form.rep_id.data = reps[0][0]
    if form.validate_on_submit():
        try:
            survey = services.create_survey(form.survey_data(), branch=branch, actor=current_user._get_current_object())
        except ValidationFailed as exc:
            form.show_service_error(exc)
            _wording_errors(form, exc)
        else:
            flash("Survey saved as a draft. Check it, then open it to get its link and poster.", "success")
            return redirect(url_for(".survey", survey_id=survey.id))
    status = 400 if form.errors or form.form_errors else 200
    action = url_for(".new_survey", branch_id=branch.id) if current_user.role == ADMIN else url_for(".new_survey")
    return render_template("surveys/form.html", form=form, branch=branch, title="Make a learning needs survey",
                           action=action, back=url_for(".surveys"), questions=rules.QUESTION_SET), status


def _wording_errors(form: SurveyForm, exc: ValidationFailed) -> None:
    for name, messages in exc.fields.items():
        if name.startswith("wording_") and name in form:
            form[name].errors = list(messages)


@bp.route("/surveys/<int:survey_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_survey(survey_id: int):
    survey = _load(survey_id, edit=True)
    form = SurveyForm(data=SurveyForm.initial(survey))
    _choices(form, survey.branch, also_rep=survey.rep)
    if form.validate_on_submit():
        try:
            changes = services.update_survey(survey, form.survey_data(), version=posted_version(),
                                             actor=current_user._get_current_object())
        except ValidationFailed as exc:
            form.show_service_error(exc)
            _wording_errors(form, exc)
        else:
            flash("Survey saved." if changes else "No changes to save.", "success")
            return redirect(url_for(".survey", survey_id=survey.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("surveys/form.html", form=form, branch=survey.branch, survey=survey,
                           title=f"Change the survey {survey.title}", action=url_for(".edit_survey", survey_id=survey.id),
                           back=url_for(".survey", survey_id=survey.id), version=survey.version,
                           questions=rules.QUESTION_SET), status


@bp.route("/surveys/<int:survey_id>")
@roles_required(*READERS)
def survey(survey_id: int):
    s = _load(survey_id)
    return render_template("surveys/survey.html", survey=s, responses=queries.response_count(s),
                           link=short_link(s), can_edit=queries.can_edit(current_user, s),
                           cap=services._cap(), questions=[(q, rules.wording_of(q.key, s.wording))
                                                           for q in rules.QUESTION_SET if q.key in s.questions])


@bp.route("/surveys/<int:survey_id>/staff-numbers", methods=["GET", "POST"])
@roles_required(*EDITORS)
def staff_numbers(survey_id: int):
    s = _load(survey_id, edit=True)
    form = StatusForm()
    typed = {p.workplace_id: ("" if p.staff_count is None else str(p.staff_count)) for p in s.places}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        typed = {p.workplace_id: request.form.get(f"staff-{p.workplace_id}", "") for p in s.places}
        if form.validate_on_submit():
            try:
                changes = services.set_staff_counts(s, typed, version=posted_version())
            except ValidationFailed as exc:
                errors = exc.fields
            else:
                flash("Staff numbers saved." if changes else "No changes to save.", "success")
                return redirect(url_for(".survey", survey_id=s.id))
        else:
            errors = {"_form": ["Check the form and try again"]}
    return render_template("surveys/staff_numbers.html", survey=s, form=form, typed=typed, errors=errors,
                           page_errors=bool(errors)), (400 if errors else 200)


@bp.route("/surveys/<int:survey_id>/status/<action>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def change_status(survey_id: int, action: str):
    """Open or close the survey, after a confirmation page."""
    if action not in ("open", "close"):
        abort(404)
    s = _load(survey_id, edit=True)
    new = "open" if action == "open" else "closed"
    form = StatusForm()
    problem = None if rules.can_move(s.status, new) else (
        f"This survey is {rules.STATUSES[s.status].lower()}: it cannot be {'opened' if new == 'open' else 'closed'}.")
    if request.method == "POST" and form.validate_on_submit() and problem is None:
        services.set_status(s, new, version=posted_version())
        flash("Survey opened. Staff can answer it now at its link." if new == "open"
              else "Survey closed. It takes no more answers; the results stay.", "success")
        return redirect(url_for(".survey", survey_id=s.id))
    status = 400 if request.method == "POST" else 200
    return render_template("surveys/status.html", survey=s, form=form, action=action, problem=problem,
                           responses=queries.response_count(s)), (409 if problem and request.method == "POST" else status)


@bp.route("/surveys/<int:survey_id>/poster.pdf")
@roles_required(*READERS)
def poster_pdf(survey_id: int):
    s = _load(survey_id)
    content = poster.make(s, short_link(s))
    from ..core import audit

    audit.record(db.session, "export", s, summary=f"Made the poster of the survey {s.title}")
    return send_file(io.BytesIO(content), mimetype="application/pdf", as_attachment=True,
                     download_name=poster.filename(s), max_age=0)


@bp.route("/surveys/surveyed-schools")
@roles_required(ADMIN, REGIONAL_ORGANISER, BRANCH_CONVENOR)
def surveyed_schools():
    """Which schools have we surveyed, and when: per branch (an organiser sees each branch of the region)."""
    branch_id = request.args.get("branch_id", type=db_id)
    branches = db.session.scalars(visible(select(Branch), current_user).order_by(Branch.name)).all()
    if current_user.role == BRANCH_CONVENOR:
        branches = [b for b in branches if b.id == current_user.branch_id]
    elif current_user.role == REGIONAL_ORGANISER:
        branches = [b for b in branches if b.region_id == current_user.region_id]
    if branch_id is not None:
        chosen = [b for b in branches if b.id == branch_id]
        if not chosen:
            abort(404)
    else:
        chosen = branches if current_user.role != ADMIN else branches[:1]
    rows = queries.surveyed_schools([b.id for b in chosen])
    not_surveyed = {b.id: queries.schools_without_survey(b.id) for b in chosen}
    return render_template("surveys/surveyed_schools.html", rows=rows, branches=branches, chosen=chosen,
                           branch_id=branch_id, not_surveyed=not_surveyed)


# --- answering: public -----------------------------------------------------------------------------

def _public_survey(token: str) -> Survey:
    survey = queries.by_token(token)
    if survey is None:
        abort(404)
    return survey


def _places(survey: Survey) -> list[tuple[int, str]]:
    return sorted(((p.workplace_id, p.workplace.name) for p in survey.places), key=lambda t: t[1])


def _closed_page(survey: Survey, reason: str, status: int):
    return render_template("surveys/answer_closed.html", survey=survey, reason=reason), status


@bp.route("/s/<token>", methods=["GET", "POST"])
@public
def answer(token: str):
    survey = _public_survey(token)
    g.audit_actor_label = "Someone answering a survey (not signed in)"
    if request.method == "POST":
        try:
            services.count_attempt(request.remote_addr)
        except services.TooManyAnswers as exc:
            return render_template("surveys/answer_closed.html", survey=survey, reason="flood", message=exc.message), 429
        if (request.form.get("website") or "").strip():  # the honeypot: a robot filled in the hidden box
            return redirect(url_for(".thanks", token=token))  # it is told "thank you"; nothing is kept
    reason = services.why_closed(survey)
    if reason is not None:
        return _closed_page(survey, reason, 429 if (reason == "full" and request.method == "POST") else
                            (409 if request.method == "POST" else 200))
    form = AnswerForm()
    form.setup(survey, _places(survey))
    if form.validate_on_submit():
        try:
            data = form.answer_data()
            services.submit_response(survey, data)
        except services.TooManyAnswers as exc:
            return render_template("surveys/answer_closed.html", survey=survey, reason="full", message=exc.message), 429
        except NotAllowed:
            return _closed_page(survey, "closed", 409)
        except ValidationFailed as exc:
            for name, messages in exc.fields.items():
                if name == "_form":
                    form.form_errors.extend(messages)
                elif name in form:
                    form[name].errors = list(form[name].errors) + list(messages)
                else:
                    form.form_errors.extend(messages)
        else:
            return redirect(url_for(".thanks", token=token, contact="1" if data["consent"] else None))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("surveys/answer.html", survey=survey, form=form, questions=rules.QUESTION_SET), status


@bp.route("/s/<token>/thanks")
@public
def thanks(token: str):
    survey = _public_survey(token)
    return render_template("surveys/thanks.html", survey=survey, contact=request.args.get("contact") == "1")


@bp.app_context_processor
def _vocabularies() -> dict[str, Any]:
    return {"SURVEY_STATUSES": rules.STATUSES, "SURVEY_STATUS_TAGS": STATUS_TAGS}

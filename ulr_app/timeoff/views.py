"""Time-off request pages: the list with its filters, a new request (a ULR's own, in a few taps on a
phone, or any ULR's by the convenor), the request with its notice, warnings, tribunal deadline and
timeline, edits before a decision, sending it to the employer, the employer's decision and the Acas
dates. Thin: load or 404, check the role, call a service or a query, render."""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core import hooks
from ..core.documents import documents_of
from ..core.errors import ValidationFailed
from ..core.forms import form_page, posted_version
from ..core.listexport import requested_format
from ..core.pagination import paginate
from ..core.permissions import (
    ADMIN,
    ALL_ROLES,
    BRANCH_CONVENOR,
    LEARNING_REP,
    get_visible_or_404,
    roles_required,
    visible,
)
from ..core.templating import DONE_ANCHOR, flash_at
from ..core.timeline import entries_for
from ..core.validation import db_id
from ..extensions import db
from ..organisation.forms import choose_branch_page
from ..organisation.models import (
    WORKPLACE_KINDS,
    Branch,
    Employer,
    Workplace,
    branch_employer,
)
from ..reps import queries as rep_queries
from ..reps.models import Rep
from . import facility, facility_views, list_exports, queries, rules, services  # noqa: F401  (facility_views: pages on the ULRs' blueprint)
from .forms import (
    KIND_HINTS,
    PURPOSE_LABELS,
    AcasForm,
    DecisionForm,
    RequestForm,
    SubmitForm,
)
from .models import (
    KIND_PURPOSES,
    KINDS,
    PURPOSES,
    REFUSAL_REASONS,
    STATUSES,
    TimeOffRequest,
)

bp = Blueprint("timeoff", __name__, url_prefix="/time-off")

EDITORS = (ADMIN, BRANCH_CONVENOR)
REQUESTERS = (ADMIN, BRANCH_CONVENOR, LEARNING_REP)
#: GOV.UK tag colour for each status (plain "govuk-tag" is blue)
STATUS_TAGS = {"draft": "govuk-tag--grey", "submitted": "", "granted": "govuk-tag--green",
               "partly_granted": "govuk-tag--yellow", "refused": "govuk-tag--red", "withdrawn": "govuk-tag--grey"}
#: a tribunal deadline this close (or closer) is shown in red
URGENT_DAYS = 14



def _load(request_id: int) -> TimeOffRequest:
    return get_visible_or_404(db.session, TimeOffRequest, request_id, current_user)


def endpoint_allows(endpoint: str) -> bool:
    """The endpoint exists (other issues add some) and the user's role may use it."""
    view = current_app.view_functions.get(endpoint)
    return view is not None and current_user.role in getattr(view, "allowed_roles", ALL_ROLES)


def deadline_of(r: TimeOffRequest) -> Optional[rules.Deadline]:
    """The tribunal deadline of a refusal, from the request's own columns (no other rows loaded)."""
    s = queries.settings()
    return rules.tribunal_deadline(kind=r.kind, failure_on=r.decided_on if r.status in rules.REFUSALS else None,
                                   commencement_on=s["commencement_on"], ec_started_on=r.acas_ec_started_on,
                                   ec_certificate_on=r.acas_ec_certificate_on)


def days_left(last_day: Optional[date], today: Optional[date] = None) -> Optional[int]:
    return None if last_day is None else (last_day - (today or date.today())).days


# --- list ---------------------------------------------------------------------------------

def _list_filters() -> dict[str, Any]:
    kind, status, wkind = (request.args.get(n, "") for n in ("kind", "status", "workplace_kind"))
    return {
        "branch_id": request.args.get("branch_id", type=db_id),
        "employer_id": request.args.get("employer_id", type=db_id),
        "workplace_kind": wkind if wkind in WORKPLACE_KINDS else "",
        "status": status if status in STATUSES else "",
        "kind": kind if kind in KINDS else "",
        "rep_id": request.args.get("rep_id", type=db_id),
        # the ULR is typed (part of a name; the box suggests names from /reps/search.json as you type): a
        # national administrator can see 5,000 ULRs, too many for a drop-down (issue 13)
        "rep": request.args.get("rep", "").strip()[:120],
    }


def _filter_options(filters: dict[str, Any]) -> dict[str, Any]:
    """The branches and employers the user can see (one query each: at most a few hundred, not the requests
    they have, which meant reading every request in the scope: issue 13), and the name of the ULR a link
    filters by (``?rep_id=``), if the user can see them."""
    branches = db.session.execute(visible(select(Branch.id, Branch.name), current_user).order_by(Branch.name)).all()
    employers = db.session.execute(visible(select(Employer.id, Employer.name), current_user)
                                   .order_by(Employer.name)).all()
    chosen_rep = (db.session.scalar(visible(select(Rep.name), current_user).where(Rep.id == filters["rep_id"]))
                  if filters["rep_id"] else None)
    return {"branches": [tuple(b) for b in branches], "employers": [tuple(e) for e in employers],
            "chosen_rep": chosen_rep or "", "rep_box": current_user.role != LEARNING_REP}


@bp.route("")
def requests():
    filters = _list_filters()
    # a ULR sees "You" on their own requests (not their own name, row after row)
    mine = {rep.id for rep in rep_queries.reps_for_user(current_user)} if current_user.role == LEARNING_REP else set()
    if (fmt := requested_format()) is not None:  # Download CSV / XLSX: every row, not a page
        return list_exports.requests(fmt, queries.request_list(current_user, **filters), filters, mine=mine,
                                     deadline=deadline_of)
    page = paginate(queries.request_list(current_user, **filters))
    deadlines = {r.id: deadline_of(r) for r in page.items}
    return render_template("timeoff/list.html", page=page, filters=filters, deadlines=deadlines, today=date.today(),
                           can_add=current_user.role in REQUESTERS, filtered=any(filters.values()), my_rep_ids=mine,
                           who_heading="Who for" if mine else "ULR or learner", **_filter_options(filters))


# --- new and edit -------------------------------------------------------------------------

def _rep_label(rep: Rep) -> str:
    where = rep.workplace.name if rep.workplace else rep.employer.name
    return f"{rep.name}, {where}"


def _branch_reps(branch_id: int, keep: Optional[int] = None) -> list[Rep]:
    """The branch's ULRs still in post (and the request's own ULR, even if stood down since)."""
    stmt = (select(Rep).options(selectinload(Rep.workplace), selectinload(Rep.employer))
            .where(Rep.branch_id == branch_id).order_by(Rep.name, Rep.id))
    return [r for r in db.session.scalars(stmt) if r.stood_down_on is None or r.id == keep]


def _branch_workplaces(branch_id: int, employer_id: Optional[int] = None) -> list[Workplace]:
    stmt = (select(Workplace).join(branch_employer, branch_employer.c.employer_id == Workplace.employer_id)
            .options(selectinload(Workplace.employer))
            .where(branch_employer.c.branch_id == branch_id).order_by(Workplace.name, Workplace.id))
    if employer_id:
        stmt = stmt.where(Workplace.employer_id == employer_id)
    return list(db.session.scalars(stmt))


def _own_reps(keep: Optional[int] = None) -> list[Rep]:
    """A signed-in ULR's own appointments (and the request's, when editing)."""
    reps = list(rep_queries.reps_for_user(current_user))
    if keep and keep not in {r.id for r in reps}:
        extra = db.session.get(Rep, keep)
        if extra is not None and extra.user_id == current_user.id:
            reps.append(extra)
    return reps


def _setup_request_form(form: RequestForm, branch: Branch, existing: Optional[TimeOffRequest] = None) -> dict[str, Any]:
    """Choices for who and where. A ULR with one appointment is not asked who; nor where, when the
    appointment names the workplace. Returns what the template needs to say instead."""
    keep = existing.rep_id if existing else None
    context: dict[str, Any] = {"fixed_rep": None, "fixed_workplace": None}
    if current_user.role == LEARNING_REP:
        reps = _own_reps(keep)
        if len(reps) == 1:
            context["fixed_rep"] = reps[0]
            del form.rep_id
        else:
            form.rep_id.label.text = "Which of your appointments is it for?"
            form.rep_id.choices = [("", "Choose your appointment")] + [(r.id, _rep_label(r)) for r in reps]
        if len(reps) == 1 and reps[0].workplace_id and (existing is None or existing.workplace_id == reps[0].workplace_id):
            context["fixed_workplace"] = reps[0].workplace
            del form.workplace_id
        else:
            employer_ids = {r.employer_id for r in reps}
            places = [w for w in _branch_workplaces(branch.id) if w.employer_id in employer_ids]
            form.workplace_id.choices = [("", "Choose the workplace")] + [(w.id, w.name) for w in places]
            form.workplace_id.description = "Where you work (your employer's school or service)"
        context["own_reps"] = reps
    else:
        reps = _branch_reps(branch.id, keep)
        form.rep_id.choices = [("", "None (a learner release)")] + [(r.id, _rep_label(r)) for r in reps]
        form.rep_id.description = ("For ULR duties and training, the ULR taking the time off; for a member seeing a ULR, "
                                   "the ULR they will see. A learner release names the learner under its purpose.")
        form.workplace_id.label.text = "Workplace (optional if the ULR's appointment names one)"
        form.workplace_id.choices = [("", "The ULR's workplace")] + [
            (w.id, f"{w.name} ({w.employer.name})") for w in _branch_workplaces(branch.id)]
        form.workplace_id.description = "Where the person taking the time off works"
    _setup_learner_release(form, branch, existing, context)
    return context


def _setup_learner_release(form: RequestForm, branch: Branch, existing: Optional[TimeOffRequest],
                           context: dict[str, Any]) -> None:
    """The learner of a learner release, from the branch's learners the user may see, and, once the
    learner is known (chosen and sent, in the address as ?learner_id=, or the request's own), a choice
    of their open enrolments' courses beside the typed course. Server-side: no script needed."""
    keep = existing.learner_id if existing else None
    learners = hooks.first("timeoff.branch_learners", branch.id, current_user, keep, default=[])
    context["learners"] = learners
    form.learner_id.choices = [("", "Choose the learner")] + list(learners)
    ids = {i for i, _label in learners}
    if request.method == "GET" and existing is None:
        asked = request.args.get("learner_id", type=db_id)
        if asked in ids:
            form.learner_id.data = asked
            form.purpose.data = form.purpose.data or "course_attendance"
    chosen = form.learner_id.data if not form.learner_id.errors else None
    found = hooks.first("timeoff.learner", chosen, current_user, default=None) if chosen in ids else None
    context["release_learner"] = found
    courses = list(found["courses"]) if found else []
    if existing is not None and existing.course and existing.course in courses and request.method == "GET":
        form.course_choice.data, form.course.data = existing.course, ""
    context["learner_courses"] = courses
    if courses:
        form.course_choice.label.text = f"Course from {found['name']}'s enrolments"
        form.course_choice.choices = ([("", "Choose a course")] + [(t, t) for t in courses]
                                      + [("other", "Another course (type it in Course below)")])
        form.course.description = "For ULR training, or a learner release on a course not in the learner's list"
    else:
        del form.course_choice


def _fill_in(form: RequestForm, data: dict[str, Any], context: dict[str, Any]) -> None:
    """The ULR (when fixed) and the workplace (from the ULR's appointment) when not chosen."""
    if context.get("fixed_rep") is not None:
        data["rep_id"] = context["fixed_rep"].id
    if context.get("fixed_workplace") is not None:
        data["workplace_id"] = context["fixed_workplace"].id
    if not data.get("workplace_id") and data.get("rep_id"):
        rep = db.session.get(Rep, data["rep_id"])
        if rep is not None and rep.workplace_id:
            data["workplace_id"] = rep.workplace_id


def _save_request(form: RequestForm, context: dict[str, Any], call) -> Any:
    """Parse the start, fill in who and where, call the service; one set of messages for all."""
    errors: dict[str, list[str]] = {}
    starts_at = form.starts_at(errors)
    data = form.request_data()
    _fill_in(form, data, context)
    data["starts_at"] = starts_at
    own = form.learner_release_problems(data, context.get("learners", []), context.get("learner_courses"))
    try:
        if own:
            # the page's own checks failed: ask the service for its messages too, without saving (a
            # request with no kind is always refused)
            call({**data, "kind": None})
            raise ValidationFailed("Check the request", {})
        result = call(data)
    except ValidationFailed as exc:
        fields = dict(exc.fields)
        if errors:
            fields.pop("starts_at", None)
        if own:
            fields.pop("kind", None)
            fields.update(own)
        if "kind" in fields:  # the kind follows from the purpose: one message, on the purpose
            fields["purpose"] = fields.pop("kind")
        if "workplace_id" in fields and "workplace_id" not in form._fields:
            fields.pop("workplace_id")
            fields.setdefault("rep_id", ["Your appointment does not name your workplace: ask your branch convenor to add it"])
        fields.update(errors)
        raise ValidationFailed(exc.message, fields) from exc
    return result


def _admin_branch() -> Optional[Branch]:
    branch_id = request.args.get("branch_id", type=db_id)
    return db.session.get(Branch, branch_id) if branch_id else None


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*REQUESTERS)
def new_request():
    if current_user.role == ADMIN:
        branch = _admin_branch()
        if branch is None:
            return choose_branch_page(title="Request time off", heading="Request time off",
                                      label="Which branch is the request for?", error="Choose a branch from the list",
                                      back=url_for(".requests"))
    else:
        branch = current_user.branch
    if current_user.role == LEARNING_REP and not rep_queries.reps_for_user(current_user):
        return render_template("timeoff/no_appointment.html")
    if branch is None:
        abort(404)
    form = RequestForm()
    context = _setup_request_form(form, branch)

    def save():
        r = _save_request(form, context, lambda data: services.create_request(data, branch=branch, created_by=current_user))
        flash("Request saved as a draft. Send it to the employer, then mark it as sent.", "success")
        return url_for(".time_off_request", request_id=r.id)

    back = url_for("home.index") if current_user.role == LEARNING_REP else url_for(".requests")
    return form_page(form, save, "timeoff/form.html", title="Request time off", back=back, branch=branch,
                     **_form_words(), **context)


def _form_words() -> dict[str, Any]:
    return {"kind_purposes": KIND_PURPOSES, "kind_hints": KIND_HINTS, "purpose_labels": PURPOSE_LABELS}


def _may_edit(r: TimeOffRequest) -> None:
    if not queries.can_edit(current_user, r):
        abort(403)


@bp.route("/<int:request_id>/edit", methods=["GET", "POST"])
@roles_required(*REQUESTERS)
def edit_request(request_id: int):
    r = _load(request_id)
    _may_edit(r)
    back = url_for(".time_off_request", request_id=r.id)
    if r.status not in ("draft", "submitted"):
        flash("The employer has decided this request, so it cannot be changed. Record the decision or the Acas dates instead.",
              "error")
        return redirect(back)
    form = RequestForm(data=RequestForm.initial(r))
    form.submit.label.text = "Save changes"
    context = _setup_request_form(form, r.branch, r)

    def save():
        changes = _save_request(form, context, lambda data: services.update_request(r, data, version=posted_version(),
                                                                                     user=current_user))
        flash("Request saved." if changes else "No changes to save.", "success")
        return back

    return form_page(form, save, "timeoff/form.html", title="Change the request", back=back, branch=r.branch,
                     existing=r, version=r.version, **_form_words(), **context)


# --- one request --------------------------------------------------------------------------

def _case_visible(case_id: int) -> bool:
    return bool(hooks.first("timeoff.case_visible", case_id, current_user, default=False))


def _detail(r: TimeOffRequest, *, submit_form: Optional[SubmitForm] = None, status: int = 200):
    agreement = queries.agreement_in_force(r)
    st = queries.state(r, agreement_member_access_paid=agreement.member_access_paid if agreement else None)
    needed = rules.required_notice(r.kind, default_days=queries.settings()["default_days"],
                                   training_days=queries.settings()["training_days"])
    can_decide = queries.can_record_decision(current_user, r)
    agreement_visible = agreement is not None and db.session.scalar(
        visible(select(type(agreement).id).where(type(agreement).id == agreement.id), current_user)) is not None
    letters = endpoint_allows("letters.time_off_letter")
    learner = hooks.first("timeoff.learner", r.learner_id, current_user, default=None) if r.learner_id else None
    return render_template(
        "timeoff/request.html", r=r, state=st, needed=needed, agreement=agreement, agreement_visible=agreement_visible,
        can_edit=queries.can_edit(current_user, r) and r.status in ("draft", "submitted"), can_decide=can_decide,
        submit_form=submit_form or SubmitForm(), timeline=entries_for(db.session, r), documents=documents_of(db.session, r),
        can_download="documents.download" in current_app.view_functions, can_letter=letters,
        can_open_case=can_decide, case_visible=bool(r.case_id) and _case_visible(r.case_id), days_left=days_left(st.tribunal_deadline),
        urgent_days=URGENT_DAYS, today=date.today(), form=submit_form, learner=learner,
        page_title=f"Learner release for {learner['name']}" if learner and r.kind == "learner_release" else None), status


@bp.route("/<int:request_id>")
def time_off_request(request_id: int):
    return _detail(_load(request_id))


@bp.route("/<int:request_id>/submit", methods=["POST"])
@roles_required(*REQUESTERS)
def submit_request(request_id: int):
    r = _load(request_id)
    _may_edit(r)
    form = SubmitForm()
    if form.validate_on_submit():
        try:
            services.submit(r, requested_on=form.requested_on_value(), version=posted_version())
        except ValidationFailed as exc:
            form.show_service_error(exc)
        else:
            flash_at(f"Marked as sent to the employer on {r.requested_on.day} {r.requested_on:%B %Y}.", "notice")
            return redirect(url_for(".time_off_request", request_id=r.id, _anchor=DONE_ANCHOR))
    return _detail(r, submit_form=form, status=400)


@bp.route("/<int:request_id>/decision", methods=["GET", "POST"])
@roles_required(*EDITORS)
def decision(request_id: int):
    r = _load(request_id)
    if not queries.can_record_decision(current_user, r):
        abort(403)
    form = DecisionForm(data=DecisionForm.initial(r))
    back = url_for(".time_off_request", request_id=r.id)

    def save():
        data = form.decision_data()
        if r.status not in ("draft", "submitted") and data["status"] and data["status"] != r.status:
            form.status.errors = [f"This request is already {STATUSES[r.status].lower()}: it cannot be decided again. "
                                  "You can correct the date and the details."]
            return None
        services.record_decision(r, data, version=posted_version())
        # the message sits beside what the user needs next: the refusal's next steps, or the decision
        if r.status in rules.REFUSALS:
            flash_at("Decision saved. See what to do next about the refusal below.", "next-steps")
        else:
            flash_at("Decision saved.", "decision")
        return back + "#" + DONE_ANCHOR

    return form_page(form, save, "timeoff/decision.html", r=r, back=back, version=r.version)


@bp.route("/<int:request_id>/acas", methods=["GET", "POST"])
@roles_required(*EDITORS)
def acas(request_id: int):
    r = _load(request_id)
    if not queries.can_record_decision(current_user, r):
        abort(403)
    back = url_for(".time_off_request", request_id=r.id)
    if r.status not in rules.REFUSALS:
        flash("Acas and tribunal dates are for refused (or partly refused) requests.", "error")
        return redirect(back)
    form = AcasForm(data=AcasForm.initial(r))

    def save():
        changes = services.record_acas(r, form.acas_data(), version=posted_version())
        flash_at("Dates saved." if changes else "No changes to save.", "deadline")
        return back + "#" + DONE_ANCHOR

    return form_page(form, save, "timeoff/acas.html", r=r, back=back, version=r.version, deadline=deadline_of(r))


@bp.app_context_processor
def _vocabularies() -> dict[str, Any]:
    return {"TIME_OFF_KINDS": KINDS, "TIME_OFF_PURPOSES": PURPOSES, "TIME_OFF_STATUSES": STATUSES,
            "TIME_OFF_STATUS_TAGS": STATUS_TAGS, "REFUSAL_REASONS": REFUSAL_REASONS, "TIME_OFF_URGENT_DAYS": URGENT_DAYS,
            # for a ULR's page, whose time-off parts this domain provides (facility_views)
            "REP_TIME_OFF_KINDS": KINDS, "REP_TIME_OFF_STATUSES": STATUSES, "rep_hours": facility.hours,
            "rep_period_name": facility_views.period_name}

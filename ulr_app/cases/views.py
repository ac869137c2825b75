"""Pages: the case log, a case with its timeline and follow-ups, reassigning a ULR's caseload.

Thin: load or 404, check the role, call a service or a query, render. Convenors (their branch)
and administrators open, change and close cases and move caseloads; a ULR opens cases (their
own) and logs activities and follow-ups on them; regional organisers read.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..agreements.models import Agreement
from ..core.errors import Conflict, ServiceError, ValidationFailed
from ..core.forms import date_hint, form_page, posted_version
from ..core.listexport import requested_format
from ..core import pagination
from ..core.pagination import paginate
from ..core.permissions import (
    ADMIN,
    BRANCH_CONVENOR,
    LEARNING_REP,
    get_visible_or_404,
    roles_required,
    visible,
)
from ..core.templating import DONE_ANCHOR, flash_at, has_endpoint
from ..core.timeline import entries_for
from ..core.validation import db_id
from ..extensions import db
from ..learners.models import Learner
from ..organisation.forms import choose_branch_page
from ..organisation.models import Branch, Workplace, branch_employer
from ..timeoff.models import KINDS as TIME_OFF_KINDS
from ..timeoff.models import TimeOffRequest
from ..timeoff.rules import REFUSALS
from . import list_exports, queries, rules, services
from .forms import (
    ActivityForm,
    CaseForm,
    DoneForm,
    FollowUpForm,
    ReassignForm,
    StatusForm,
    date_value,
    uk_text,
)
from .models import Case, FollowUp

bp = Blueprint("cases", __name__, url_prefix="/cases")

EDITORS = (ADMIN, BRANCH_CONVENOR)
WRITERS = (ADMIN, BRANCH_CONVENOR, LEARNING_REP)
#: GOV.UK tag colour for each case status and follow-up state
STATUS_TAGS = {"open": "govuk-tag--blue", "waiting": "govuk-tag--yellow", "closed": "govuk-tag--grey"}
FOLLOW_UP_TAGS = {"planned": "govuk-tag--grey", "due": "govuk-tag--orange", "overdue": "govuk-tag--red",
                  "done": "govuk-tag--green"}
FOLLOW_UP_STATES = {"planned": "Planned", "due": "Due today", "overdue": "Overdue", "done": "Done"}
LIST_STATUSES = {"active": "Open or waiting", **rules.STATUSES}



def _load(case_id: int) -> Case:
    return get_visible_or_404(db.session, Case, case_id, current_user)


def _may_edit(case: Case) -> None:
    if not queries.can_edit(current_user, case):
        abort(403)


def _may_work(case: Case) -> None:
    if not queries.can_work(current_user, case):
        abort(403)


# --- list ---------------------------------------------------------------------------------

def _list_filters() -> dict[str, Any]:
    status, kind, due = (request.args.get(n, "") for n in ("status", "kind", "due"))
    return {
        "status": status if status in LIST_STATUSES else "",
        "kind": kind if kind in rules.KINDS else "",
        "due": due if due in queries.DUE_FILTERS else "",
        "owner_id": request.args.get("owner_id", type=db_id),
        # typed (part of a name; the box suggests names from /cases/owners.json): no list of every owner
        "owner": (request.args.get("owner") or "").strip()[:100],
        "q": (request.args.get("q") or "").strip()[:100],
    }


@bp.route("")
def cases():
    filters = _list_filters()
    today = date.today()
    if (fmt := requested_format()) is not None:  # Download CSV / XLSX: every row, not a page
        return list_exports.cases(fmt, queries.case_list(current_user, today=today, **filters), filters,
                                  show_branch=current_user.role in (ADMIN, "regional_organiser"))
    page = paginate(queries.case_list(current_user, today=today, **filters))
    return render_template(
        "cases/list.html", page=page, filters=filters, today=today, counts=queries.status_counts(current_user, cap=pagination.COUNT_CAP), count_cap=pagination.COUNT_CAP,
        next_steps=queries.next_follow_ups([c.id for c in page.items]),
        owner_name=queries.owner_name(current_user, filters["owner_id"]),
        filtered=any(filters.values()), can_add=current_user.role in WRITERS,
        can_reassign=current_user.role in EDITORS, show_branch=current_user.role in (ADMIN, "regional_organiser"))


@bp.route("/owners.json")
def search_owners():
    """Suggestions for the list's "Worked by" box as the user types: at most 20 people working cases the
    user may see whose name holds ``q`` (2 characters or more). One query, whatever the number of cases."""
    q = (request.args.get("q") or "").strip()[:100]
    found = queries.owners_seen(current_user, q) if len(q) >= 2 else []
    return jsonify(results=[{"id": u.id, "name": u.name} for u in found])


# --- new and edit -------------------------------------------------------------------------

def _branch_workplaces(branch_id: int) -> list[Workplace]:
    return list(db.session.scalars(
        select(Workplace).join(branch_employer, branch_employer.c.employer_id == Workplace.employer_id)
        .options(selectinload(Workplace.employer))
        .where(branch_employer.c.branch_id == branch_id).order_by(Workplace.name, Workplace.id)))


def _setup_case_form(form: CaseForm, branch: Branch, existing: Optional[Case] = None,
                     request_id: Optional[int] = None) -> None:
    """Choices for who works it and what it is linked to, from the case's branch (and what the user may see)."""

    def keep(field: str) -> Optional[int]:
        return getattr(existing, field) if existing else None

    if current_user.role == LEARNING_REP and existing is None:
        del form.owner_id  # a ULR's new cases are their own
    else:
        owners = queries.possible_owners(branch.id, keep("owner_id"))
        form.owner_id.choices = [("", "Nobody yet")] + [
            (u.id, f"{u.name} ({'convenor' if u.role == BRANCH_CONVENOR else 'ULR'})") for u in owners]
    learners = db.session.scalars(visible(select(Learner), current_user).where(
        Learner.branch_id == branch.id, (Learner.merged_into_id.is_(None)) | (Learner.id == keep("learner_id")))
        .order_by(Learner.name, Learner.id)).all()
    form.learner_id.choices = [("", "None")] + [(lr.id, lr.name) for lr in learners]
    form.workplace_id.choices = [("", "None")] + [(w.id, f"{w.name} ({w.employer.name})")
                                                  for w in _branch_workplaces(branch.id)]
    agreements = db.session.scalars(visible(select(Agreement), current_user).where(Agreement.branch_id == branch.id)
                                    .order_by(Agreement.title, Agreement.id)).all()
    form.agreement_id.choices = [("", "None")] + [(a.id, a.title) for a in agreements]
    wanted = {i for i in (keep("time_off_request_id"), request_id) if i}
    requests = db.session.scalars(visible(select(TimeOffRequest), current_user).options(
        selectinload(TimeOffRequest.rep), selectinload(TimeOffRequest.workplace)).where(
        TimeOffRequest.branch_id == branch.id,
        (TimeOffRequest.status.in_(tuple(REFUSALS)) & TimeOffRequest.case_id.is_(None)) | TimeOffRequest.id.in_(wanted))
        .order_by(TimeOffRequest.decided_on.desc(), TimeOffRequest.id.desc())).all()
    form.time_off_request_id.choices = [("", "None")] + [
        (r.id, f"{TIME_OFF_KINDS.get(r.kind, r.kind)}: {r.rep.name if r.rep else 'a learner'}, {r.workplace.name}"
               + (f", refused {services.uk(r.decided_on)}" if r.decided_on and r.status in REFUSALS else ""))
        for r in requests]


def _admin_branch() -> Optional[Branch]:
    branch_id = request.args.get("branch_id", type=db_id)
    return db.session.get(Branch, branch_id) if branch_id else None


def _choose_branch(endpoint: str, **args: Any):
    heading = "Move a ULR's caseload" if endpoint == ".reassign" else "Open a case"
    return choose_branch_page(title="Choose the branch", heading=heading, label="Which branch?",
                              error="Choose a branch from the list", back=url_for(".cases"), action=url_for(endpoint),
                              keep=args)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def new_case():

    kind = request.args.get("kind", "")
    initial: dict[str, Any] = {"kind": kind if kind in rules.KINDS else None, "owner_id": current_user.id}
    request_id = request.args.get("time_off_request_id", type=db_id)
    learner_id = request.args.get("learner_id", type=db_id)
    time_off = None
    if learner_id and not request_id:
        # from a learner's page: a case about them, in their branch (404 outside the user's scope)

        learner = get_visible_or_404(db.session, Learner, learner_id, current_user)
        if learner.merged_into_id is not None:
            abort(404)
        branch = learner.branch
        back = url_for("learners.learner", learner_id=learner.id)
        initial.update(learner_id=learner.id, workplace_id=learner.workplace_id, kind=initial["kind"] or "learner_support")
    elif request_id:
        time_off = get_visible_or_404(db.session, TimeOffRequest, request_id, current_user)
        back = url_for("timeoff.time_off_request", request_id=time_off.id)
        if time_off.case_id:
            flash("This time-off request already has a case.", "success")
            return redirect(url_for(".case", case_id=time_off.case_id))
        if time_off.status not in REFUSALS:
            flash("Only a refused (or partly refused) time-off request can become a dispute case.", "error")
            return redirect(back)
        branch = time_off.branch
        defaults = services.dispute_defaults(time_off)
        initial.update(defaults, due_on=uk_text(defaults.get("due_on")))
    elif current_user.role == ADMIN:
        branch = _admin_branch()
        if branch is None:
            return _choose_branch(".new_case", kind=initial["kind"])
        back = url_for(".cases")
    else:
        branch = current_user.branch
        back = url_for(".cases")
    if branch is None:
        abort(404)
    form = CaseForm(data=initial)
    _setup_case_form(form, branch, request_id=request_id)
    _name_the_due_date(form, form.kind.data or initial.get("kind"))

    def save():
        case = services.create_case(form.case_data(), branch, current_user)
        planned = len(rules.TEMPLATES.get(case.kind, ()))
        flash("Case opened." + (f" {planned} follow-up{'s' if planned != 1 else ''} planned for a "
                                f"{rules.KINDS[case.kind].lower()} case." if planned else ""), "success")
        return url_for(".case", case_id=case.id)

    return form_page(form, save, "cases/form.html", title="Open a case", back=back, branch=branch, time_off=time_off)


def _name_the_due_date(form: CaseForm, kind: Optional[str]) -> None:
    """A time-off dispute's due date is the tribunal claim deadline: the form calls it that."""
    if kind == "time_off_dispute":
        form.due_on.label.text = "Tribunal claim deadline (optional)"
        form.due_on.description = date_hint("The last day to present a tribunal claim about the refusal.")


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_case(case_id: int):
    case = _load(case_id)
    _may_edit(case)
    form = CaseForm(data=CaseForm.initial(case))
    form.submit.label.text = "Save changes"
    _setup_case_form(form, case.branch, case)
    _name_the_due_date(form, form.kind.data or case.kind)
    back = url_for(".case", case_id=case.id)

    def save():
        changes = services.update_case(case, form.case_data(), version=posted_version())
        flash("Case saved." if changes else "No changes to save.", "success")
        return back

    return form_page(form, save, "cases/form.html", title="Change the case", back=back, branch=case.branch,
                     existing=case, version=case.version, time_off=None)


@bp.route("/<int:case_id>/status", methods=["GET", "POST"])
@roles_required(*EDITORS)
def change_status(case_id: int):
    case = _load(case_id)
    _may_edit(case)
    form = StatusForm(data={"status": case.status, "closed_on": uk_text(case.closed_on or date.today()),
                            "outcome": case.outcome or ""})
    back = url_for(".case", case_id=case.id)

    def save():
        data = form.status_data()
        changes = services.change_status(case, data["status"], closed_on=data["closed_on"], outcome=data["outcome"],
                                         version=posted_version())
        flash_at(f"The case is {rules.STATUSES[case.status].lower()}." if changes else "No changes to save.", "status")
        return back + "#" + DONE_ANCHOR

    return form_page(form, save, "cases/status.html", case=case, back=back, version=case.version)


# --- one case -----------------------------------------------------------------------------

def _links(case: Case) -> list[tuple[str, str, Optional[str]]]:
    """The records the case is linked to: (what, its name, a link if the user may open it)."""

    out: list[tuple[str, str, Optional[str]]] = []

    def link(endpoint: str, model, ident: int, **kw: Any) -> Optional[str]:
        if has_endpoint(endpoint) and queries.is_visible(model, ident, current_user):
            return url_for(endpoint, **kw)
        return None

    if case.learner is not None:
        out.append(("Learner", case.learner.name, link("learners.learner", Learner, case.learner_id,
                                                       learner_id=case.learner_id)))
    if case.workplace is not None:
        out.append(("Workplace", case.workplace.name, link("organisation.workplace", Workplace, case.workplace_id,
                                                           workplace_id=case.workplace_id)))
    if case.agreement is not None:
        out.append(("Learning agreement", case.agreement.title, link("agreements.agreement", Agreement,
                                                                     case.agreement_id, agreement_id=case.agreement_id)))
    if case.time_off_request is not None:
        r = case.time_off_request
        words = f"{TIME_OFF_KINDS.get(r.kind, r.kind)}" + (f": {r.rep.name}" if r.rep else "") + (
            f", decided {services.uk(r.decided_on)}" if r.decided_on else "")
        out.append(("Time-off request", words, link("timeoff.time_off_request", TimeOffRequest, r.id, request_id=r.id)))
    return out


def _detail(case: Case, *, activity_form: Optional[ActivityForm] = None, follow_up_form: Optional[FollowUpForm] = None,
            status: int = 200):
    today = date.today()
    return render_template(
        "cases/case.html", case=case, today=today, links=_links(case), activities=queries.activities_of(case),
        follow_ups=queries.follow_ups_of(case, today), timeline=entries_for(db.session, case),
        can_edit=queries.can_edit(current_user, case), can_work=queries.can_work(current_user, case),
        activity_form=activity_form or ActivityForm(formdata=None, data={"happened_on": uk_text(today)}),
        follow_up_form=follow_up_form or FollowUpForm(formdata=None),
        form=activity_form if activity_form is not None else follow_up_form), status


@bp.route("/<int:case_id>")
def case(case_id: int):
    return _detail(_load(case_id))


def _post_on_case(case: Case, form, call, done: str, place):
    """The inline forms of the case page: validate, call the service, back to the case with the message
    beside what was added (``place(the new record)``), or the page with its errors."""
    if form.validate_on_submit():
        try:
            made = call()
        except Conflict as exc:
            form.form_errors.append(exc.message)
        except ServiceError as exc:
            form.show_service_error(exc)
        else:
            flash_at(done, place(made))
            return redirect(url_for(".case", case_id=case.id) + "#" + DONE_ANCHOR)
    key = "activity_form" if isinstance(form, ActivityForm) else "follow_up_form"
    return _detail(case, status=400, **{key: form})


@bp.route("/<int:case_id>/activities", methods=["POST"])
@roles_required(*WRITERS)
def add_activity(case_id: int):
    case = _load(case_id)
    _may_work(case)
    form = ActivityForm()
    return _post_on_case(case, form, lambda: services.add_activity(case, form.activity_data()), "Activity logged.",
                         lambda activity: f"activity-{activity.id}")


@bp.route("/<int:case_id>/follow-ups", methods=["POST"])
@roles_required(*WRITERS)
def add_follow_up(case_id: int):
    case = _load(case_id)
    _may_work(case)
    form = FollowUpForm()
    return _post_on_case(case, form, lambda: services.add_follow_up(case, form.title.data, date_value(form.due_on.data)),
                         "Follow-up added.", lambda _f: "follow-ups")


@bp.route("/<int:case_id>/follow-ups/<int:follow_up_id>/done", methods=["POST"])
@roles_required(*WRITERS)
def follow_up_done(case_id: int, follow_up_id: int):
    case = _load(case_id)
    follow_up = db.session.scalars(select(FollowUp).where(FollowUp.id == follow_up_id, FollowUp.case_id == case.id)).first()
    if follow_up is None:
        abort(404)
    _may_work(case)
    form = DoneForm()
    back = url_for(".case", case_id=case.id) + "#follow-ups"
    if not form.validate_on_submit():
        abort(400)
    try:
        services.complete_follow_up(follow_up)
    except Conflict as exc:
        flash(exc.message, "error")
    else:
        flash_at(f"Done: {follow_up.title}.", "follow-ups")
        back = url_for(".case", case_id=case.id) + "#" + DONE_ANCHOR
    return redirect(back)


# --- moving a ULR's caseload --------------------------------------------------------------

@bp.route("/reassign", methods=["GET", "POST"])
@roles_required(*EDITORS)
def reassign():
    if current_user.role == ADMIN:
        branch = _admin_branch()
        if branch is None:
            return _choose_branch(".reassign")
    else:
        branch = current_user.branch
        if branch is None:
            abort(404)
    reps = queries.branch_reps(branch.id)
    form = ReassignForm(data={"from_rep_id": request.args.get("from_rep_id", type=db_id)})
    form.from_rep_id.choices = [("", "Choose a ULR")] + [
        (r.id, r.name + (" (stood down)" if r.stood_down_on else "")) for r in reps]
    form.to_rep_id.choices = [("", "Choose a ULR")] + [(r.id, r.name) for r in reps if r.stood_down_on is None]
    context: dict[str, Any] = {"branch": branch, "back": url_for(".cases")}
    if form.validate_on_submit():
        by_id = {r.id: r for r in reps}
        from_rep, to_rep = by_id.get(form.from_rep_id.data), by_id.get(form.to_rep_id.data)
        if from_rep is None:
            form.from_rep_id.errors = ["Choose the ULR whose caseload moves"]
        if to_rep is None:
            form.to_rep_id.errors = ["Choose the ULR who takes the caseload"]
        if from_rep is not None and to_rep is not None:
            try:
                services.check_reassign(from_rep, to_rep)
                cases, learners = queries.caseload_of(from_rep)
                if request.form.get("confirm") == "yes":
                    moved = services.reassign_caseload(from_rep, to_rep, current_user)
                    flash(f"Moved {_count(moved['cases'], 'open case')} and {_count(moved['learners'], 'learner')} "
                          f"from {from_rep.name} to {to_rep.name}.", "success")
                    return redirect(url_for(".cases", owner_id=to_rep.user_id) if to_rep.user_id else url_for(".cases"))
                services.check_taker(to_rep, cases)
                return render_template("cases/reassign_confirm.html", form=form, from_rep=from_rep, to_rep=to_rep,
                                       cases=cases, learners=learners, **context)
            except ValidationFailed as exc:
                form.show_service_error(exc)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("cases/reassign.html", form=form, reps=reps, **context), status


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@bp.app_context_processor
def _vocabularies() -> dict[str, Any]:
    return {"CASE_KINDS": rules.KINDS, "CASE_STATUSES": rules.STATUSES, "CASE_STATUS_TAGS": STATUS_TAGS,
            "ACTIVITY_KINDS": rules.ACTIVITY_KINDS, "FOLLOW_UP_TAGS": FOLLOW_UP_TAGS,
            "FOLLOW_UP_STATES": FOLLOW_UP_STATES, "CASE_LIST_STATUSES": LIST_STATUSES,
            "CASE_DUE_FILTERS": queries.DUE_FILTERS}

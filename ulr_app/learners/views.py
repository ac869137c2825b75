"""Pages: learners, their needs analyses, enrolments and the climbing frame; the course catalogue.

The list (search, filters, stage), adding and changing a learner (consent first, equality monitoring
for convenors and above only, a warning about possible duplicates), the learner's page (the ladder,
enrolments with their on-track state, needs analyses and barriers over time, contacts and the
timeline, follow-ups, one-click "log a contact"), needs analyses, enrolments and their progress,
merging a duplicate record, and the course catalogue (administrators change it). Thin: load or 404,
check the role, call a service or a query, render."""
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
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..contacts import rules as contact_rules
from ..contacts.models import Activity, FollowUp
from ..core import hooks
from ..core.errors import ServiceError, ValidationFailed
from ..core.forms import form_page, id_or_none, posted_version
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
from ..core.templating import DONE_ANCHOR, flash_at, uk_date
from ..core.timeline import entries_for
from ..core.validation import db_id
from ..extensions import db
from ..funding.queries import projects_for_learner
from ..organisation.forms import branch_for_new, choose_branch_page
from ..organisation.models import Branch
from ..reps import queries as rep_queries
from ..reps.models import Rep
from . import caseload, consent, list_exports, queries, rules, services
from .forms import (
    STAFF_CATEGORY_HINTS,
    STATUS_FIELDS,
    ButtonForm,
    ConsentForm,
    ContactForm,
    CourseForm,
    EnrolForm,
    EnrolmentStatusForm,
    LearnerForm,
    MergeChooseForm,
    MergeForm,
    NeedsAssessmentForm,
    WithdrawConsentForm,
    uk,
)
from .models import (
    BARRIERS,
    CONTRACTS,
    COURSE_CATEGORIES,
    ENROLMENT_STATUSES,
    HOURS,
    LEVEL_LABELS,
    MEMBERSHIP,
    STAFF_CATEGORIES,
    SUBJECTS,
    Course,
    Enrolment,
    Learner,
    NeedsAssessment,
)

bp = Blueprint("learners", __name__, url_prefix="/learners")

#: who records learners, needs analyses, enrolments and contacts (organisers read only)
WRITERS = (ADMIN, BRANCH_CONVENOR, LEARNING_REP)
#: who merges duplicate records
MERGERS = (ADMIN, BRANCH_CONVENOR)
#: GOV.UK tag colour for each enrolment status and stage
STATUS_TAGS = {"enquiry": "govuk-tag--grey", "referred": "govuk-tag--purple", "enrolled": "govuk-tag--turquoise",
               "in_progress": "", "break_in_learning": "govuk-tag--orange", "completed": "govuk-tag--green",
               "achieved": "govuk-tag--green", "withdrawn": "govuk-tag--grey", "no_enrolment": "govuk-tag--grey",
               "needs_analysis": "govuk-tag--grey"}
#: on-track state of a live enrolment: (tag class, words) — never colour alone
ON_TRACK = {"green": ("govuk-tag--green", "On track"), "amber": ("govuk-tag--yellow", "Ending soon: check progress"),
            "red": ("govuk-tag--red", "Past its planned end")}
RUNG_TAGS = {"reached": "govuk-tag--green", "working": "", "next": "govuk-tag--yellow", "not_yet": "govuk-tag--grey"}
FOLLOW_UP_TAGS = {"planned": "govuk-tag--grey", "due": "govuk-tag--orange", "overdue": "govuk-tag--red",
                  "done": "govuk-tag--green"}
FOLLOW_UP_STATES = {"planned": "Planned", "due": "Due today", "overdue": "Overdue", "done": "Done"}



def _load(learner_id: int) -> Learner:
    return get_visible_or_404(db.session, Learner, learner_id, current_user)


def _page_url(learner: Learner, anchor: str = "") -> str:
    return url_for(".learner", learner_id=learner.id) + (f"#{anchor}" if anchor else "")


def _merged_away(learner: Learner):
    """A record merged into another is kept for its history but no longer changed: go to the kept one."""
    if learner.merged_into_id is None:
        return None
    flash(f"This record was merged into learner {learner.merged_into_id}: make changes there.", "error")
    return redirect(url_for(".learner", learner_id=learner.merged_into_id))


def _erased(learner: Learner):
    """An erased record is kept for the figures, never changed again: back to its page."""
    if learner.erased_at is None:
        return None
    flash(f"This record was erased on {uk_date(learner.erased_at)}: it cannot be changed.", "error")
    return redirect(_page_url(learner))


def _no_consent(learner: Learner, what: str):
    if learner.consent_on:
        return None
    flash(f"Record {learner.name}'s consent (its date and what it covers) before {what}.", "error")
    target = url_for(".edit_learner", learner_id=learner.id) if current_user.role in WRITERS else _page_url(learner)
    return redirect(target)


def _show_error(form, exc: ServiceError) -> None:
    """A service's messages on the form; a message about the learner as a whole goes to the summary."""
    whole = exc.fields.pop("learner_id", None)
    if whole:
        form.form_errors.extend(whole)
    if exc.fields or not whole:
        form.show_service_error(exc)


def endpoint_allows(endpoint: str) -> bool:

    view = current_app.view_functions.get(endpoint)
    return view is not None and current_user.role in getattr(view, "allowed_roles", ALL_ROLES)


# --- list ---------------------------------------------------------------------------------

def _list_filters() -> dict[str, Any]:
    stage, category = request.args.get("stage", ""), request.args.get("staff_category", "")
    return {
        "q": request.args.get("q", "").strip()[:120],
        # the workplace and ULR are typed (part of a name; the boxes suggest names as you type, from
        # /workplaces/search.json and /reps/search.json); links may still name one by id
        "workplace": request.args.get("workplace", "").strip()[:120],
        "rep": request.args.get("rep", "").strip()[:120],
        "workplace_id": request.args.get("workplace_id", type=db_id),
        "rep_id": request.args.get("rep_id", type=db_id),
        "stage": stage if stage in queries.STAGES else "",
        "staff_category": category if category in STAFF_CATEGORIES else "",
        "no_contact": "1" if request.args.get("no_contact") == "1" else "",
    }


@bp.route("")
def learners():
    filters = _list_filters()
    stmt = queries.learners_page_list(current_user, stage=filters["stage"], name=filters["q"],
                                      workplace_id=filters["workplace_id"], rep_id=filters["rep_id"],
                                      workplace=filters["workplace"], rep=filters["rep"],
                                      staff_category=filters["staff_category"])
    if filters["no_contact"]:
        stmt = stmt.where(caseload.not_contacted_since(date.today()))
    if (fmt := requested_format()) is not None:  # Download CSV / XLSX: every row, not a page
        return list_exports.learners(fmt, stmt, current_user, filters)
    page = paginate(stmt)
    chosen = queries.filter_names(current_user, workplace_id=filters["workplace_id"], rep_id=filters["rep_id"])
    return render_template("learners/list.html", page=page, filters=filters, stages={lr.id: lr.stage for lr in page.items},
                           chosen=chosen, can_add=current_user.role in WRITERS,
                           filtered=any(filters.values()), no_contact_days=caseload.NO_CONTACT_DAYS)


# --- new and edit -------------------------------------------------------------------------

def _rep_label(rep: Rep) -> str:
    where = rep.workplace.name if rep.workplace else rep.employer.name
    return f"{rep.name}, {where}" + (" (stood down)" if rep.stood_down_on else "")


def _own_reps(branch_id: int) -> list[Rep]:
    """A signed-in ULR's own appointments in the branch (their learners land in their caseload)."""
    return [r for r in rep_queries.reps_for_user(current_user) if r.branch_id == branch_id]


def _learner_data(form: LearnerForm, branch_id: int, existing: Optional[Learner] = None) -> dict:
    """The form's data. A ULR's own appointment is filled in for them as the learner's ULR; while the
    learner has not consented it is left out (the record is theirs anyway, as its recorder), so that
    a name and workplace alone can be saved."""
    data = form.learner_data()
    consented = data.get("consent_on") or (existing is not None and existing.consent_on)
    if (current_user.role == LEARNING_REP and not consented and (existing is None or existing.rep_id is None)
            and data.get("rep_id") in {r.id for r in _own_reps(branch_id)}):
        data.pop("rep_id")
    return data


def _setup_learner_form(form: LearnerForm, branch: Branch, existing: Optional[Learner] = None) -> None:
    """Choices limited to the branch: its employers' workplaces and its ULRs (a ULR: their own
    appointments). Equality monitoring only for those who may see it."""
    workplaces = queries.branch_workplaces(branch.id)
    employers = {w.employer_id: w.employer for w in workplaces}
    for e in rep_queries.branch_employers(branch.id):
        employers.setdefault(e.id, e)
    several = len(employers) > 1
    form.workplace_id.choices = [("", "Not known yet")] + [
        (w.id, f"{w.name} ({w.employer.name})" if several else w.name) for w in workplaces]
    form.employer_id.choices = [("", "From the workplace")] + [
        (e.id, e.name) for e in sorted(employers.values(), key=lambda e: e.name)]
    keep = existing.rep_id if existing else None
    if current_user.role == LEARNING_REP:
        reps = _own_reps(branch.id)
        if keep and keep not in {r.id for r in reps} and existing is not None and existing.rep is not None:
            reps.append(existing.rep)
        if reps:
            form.rep_id.choices = [(r.id, _rep_label(r)) for r in reps]
            form.rep_id.description = "You, or the ULR already working with them"
        else:
            del form.rep_id  # no appointment: the learner is in their caseload as the person who recorded them
    else:
        form.rep_id.choices = [("", "No ULR yet")] + [(r.id, _rep_label(r)) for r in queries.branch_reps(branch.id, keep)]
    if current_user.role not in services.LEGAL_HOLD_ROLES:
        form.drop_legal_hold()
    if not queries.can_see_equality(current_user):
        form.drop_equality()
    elif existing is not None:
        form.keep_current_choices(existing)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def new_learner():
    branch = branch_for_new()
    back = url_for(".learners")
    if branch is None:  # an administrator chooses the branch first
        return choose_branch_page(title="Add a learner: choose the branch", heading="Add a learner", label="Branch",
                                  hint="The branch that works with the learner. Its workplaces and ULRs are offered "
                                       "next.", error="Choose the branch that records the learner", back=back)
    form = LearnerForm()
    if request.method == "GET" and current_user.role == LEARNING_REP:
        own = _own_reps(branch.id)
        form.rep_id.data = own[0].id if own else None
    _setup_learner_form(form, branch)
    duplicates: list[Learner] = []

    def save():
        try:
            learner = services.create_learner(_learner_data(form, branch.id), branch=branch, actor=current_user,
                                              not_duplicate=bool(form.not_duplicate.data))
        except services.PossibleDuplicate as exc:
            duplicates.extend(exc.matches)
            form.not_duplicate.errors = ["Check the records that may be the same person. If this is someone else, "
                                         "tick the box to save a new record"]
            return None
        flash(f"{learner.name} added." + ("" if learner.consent_on else
                                          " Record their consent before anything else about them."), "success")
        return _page_url(learner)

    action = url_for(".new_learner", branch_id=branch.id) if current_user.role == ADMIN else url_for(".new_learner")
    return form_page(form, save, "learners/form.html", title="Add a learner", branch=branch, back=back, action=action,
                     duplicates=duplicates, STAFF_CATEGORY_HINTS=_staff_hints())


def _staff_hints() -> dict[str, str]:

    return STAFF_CATEGORY_HINTS


@bp.route("/<int:learner_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit_learner(learner_id: int):
    learner = _load(learner_id)
    away = _merged_away(learner) or _erased(learner)
    if away:
        return away
    form = LearnerForm(data=LearnerForm.initial(learner))
    form.submit.label.text = "Save changes"
    _setup_learner_form(form, learner.branch, learner)
    if "gender" in form._fields:  # the form shows the equality monitoring values
        services.audit_equality_read([learner], current_user, "learner edit form")
    back = _page_url(learner)

    def save():
        changes = services.update_learner(learner, _learner_data(form, learner.branch_id, learner), version=posted_version(),
                                          actor=current_user)
        flash("Learner saved." if changes else "No changes to save.", "success")
        return back

    return form_page(form, save, "learners/form.html", title=f"Change {learner.name}'s details", branch=learner.branch,
                     back=back, action=url_for(".edit_learner", learner_id=learner.id), existing=learner,
                     version=learner.version, duplicates=[], STAFF_CATEGORY_HINTS=_staff_hints(),
                     equality_withdrawn=consent.withdrawn_on(learner, "equality"))


# --- the learner's page: the climbing frame ------------------------------------------------------

def _contacts(learner: Learner) -> list[Activity]:
    """What people wrote about the learner (contacts, and notes logged on their cases), newest first."""
    return list(db.session.scalars(visible(select(Activity), current_user).where(Activity.learner_id == learner.id)
                                   .options(joinedload(Activity.case))
                                   .order_by(Activity.happened_on.desc(), Activity.id.desc())))


def _updates(learner: Learner) -> list:
    """The record's automatic lines (status changes, enrolments, follow-ups), newest first. A contact's
    own line is left out: the contact itself is shown, above them."""
    return [e for e in entries_for(db.session, learner) if e.kind != "contact"]


def _follow_ups(learner: Learner, today: date) -> list[tuple[FollowUp, str]]:
    rows = db.session.scalars(select(FollowUp).where(FollowUp.learner_id == learner.id)
                              .order_by(FollowUp.done_on.is_not(None), FollowUp.due_on, FollowUp.id)).all()
    return [(f, contact_rules.follow_up_state(f.due_on, f.done_on is not None, today)) for f in rows]


def _newest_first(enrolments: list[Enrolment]) -> list[Enrolment]:
    """Enrolments, the latest first (not started yet, then by start date): a long history folds after five."""
    return list(reversed(enrolments))


def _detail(learner: Learner, *, contact_form: Optional[ContactForm] = None, status: int = 200):
    today = date.today()
    lad = queries.ladder(learner)
    assessments = queries.needs_assessments_of(learner)
    barrier_codes, by_date = queries.barriers_over_time(assessments)
    see_equality = queries.can_see_equality(current_user)
    if see_equality:
        services.audit_equality_read([learner], current_user, "learner page")
    can_write = current_user.role in WRITERS and learner.erased_at is None
    if contact_form is None and can_write:
        contact_form = ContactForm(data={"happened_on": uk(today)})
    cases = hooks.first("learner.cases", learner, current_user, default=[])
    merged_from = db.session.scalars(select(Learner).where(Learner.merged_into_id == learner.id).order_by(Learner.id)).all()
    progressed = {a for a, _b in lad.progressions}
    consents = consent.consents_of(learner)
    consent_facts = consent.facts(consents)
    return render_template(
        "learners/learner.html", learner=learner, ladder=lad, rungs=queries.ladder_rungs(lad),
        informal=queries.informal_outcomes(lad), progressed=progressed,
        on_track={e.id: rules.on_track(status=e.status, planned_end_on=e.planned_end_on, today=today) for e in lad.enrolments},
        assessments=list(reversed(by_date)), barrier_codes=barrier_codes, barrier_dates=by_date,
        see_equality=see_equality, recorded=queries.equality_recorded(learner), can_write=can_write,
        can_merge=current_user.role in MERGERS and learner.erased_at is None,
        can_erase=learner.erased_at is None and endpoint_allows("learners.erase"), contact_form=contact_form, form=contact_form,
        contacts=_contacts(learner), updates=_updates(learner), enrolments=_newest_first(lad.enrolments),
        follow_ups=_follow_ups(learner, today), cases=cases,
        merged_from=merged_from, today=today, consents=consents,
        records_withdrawn=rules.ever_withdrawn(consent_facts, "records", today),
        consents_in_force=rules.purposes_in_force(consent_facts, today),
        may_contact=rules.may_contact(consent_facts, today, legacy_consent_on=learner.consent_on),
        erase_url=(url_for("learners.erase", learner_id=learner.id) if "learners.erase" in current_app.view_functions
                   else None),
        stage=learner.stage), status


@bp.route("/<int:learner_id>")
def learner(learner_id: int):
    # the places and ULR the page names, joined: the same statements whatever the record holds (issue 13)
    learner = get_visible_or_404(db.session, Learner, learner_id, current_user,
                                 options=(joinedload(Learner.branch), joinedload(Learner.employer),
                                          joinedload(Learner.workplace), joinedload(Learner.rep)))
    if learner.merged_into_id is not None:
        return redirect(url_for(".learner", learner_id=learner.merged_into_id))
    return _detail(learner)


# --- consent: given and withdrawn ---------------------------------------------------------------

@bp.route("/<int:learner_id>/consent/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def new_consent(learner_id: int):
    learner = _load(learner_id)
    away = _merged_away(learner)
    if away:
        return away
    purpose = request.args.get("purpose", "")
    form = ConsentForm(data={"given_on": uk(date.today()), "purpose": purpose if purpose in rules.PURPOSES else None})
    back = _page_url(learner, "consent")

    def save():
        row = consent.give(learner, form.consent_data(), actor=current_user)
        flash_at(f"Consent recorded: {rules.PURPOSES[row.purpose]}.", "consent")
        return _page_url(learner, DONE_ANCHOR)

    return form_page(form, save, "learners/consent_new.html", learner=learner, back=back)


@bp.route("/<int:learner_id>/consent/withdraw", methods=["GET", "POST"])
@roles_required(*WRITERS)
def withdraw_consent(learner_id: int):
    """The confirmation page: what withdrawing this consent erases or stops, the date, then withdraw."""
    learner = _load(learner_id)
    away = _merged_away(learner)
    if away:
        return away
    purpose = request.args.get("purpose", "")
    if purpose not in (*rules.PURPOSES, "all"):
        abort(404)
    consent_id = request.args.get("consent_id", type=db_id)
    targets = consent.withdrawal_targets(learner, purpose, consent_id)
    if consent_id is not None and (not targets or targets[0].purpose != purpose):
        abort(404)
    form = WithdrawConsentForm(data={"withdrawn_on": uk(date.today())})
    back = _page_url(learner, "consent")

    def save():
        if not targets:
            form.withdrawn_on.errors = ["The learner has no consent in force for this to withdraw"]
            return None
        data = {**form.withdraw_data(), "purpose": purpose}
        if consent_id is not None:
            data["consent_id"] = consent_id
        done = consent.withdraw(learner, data, actor=current_user)
        words = ", ".join(dict.fromkeys(rules.PURPOSES[c.purpose] for c in done))
        flash_at(f"Consent withdrawn: {words}.", "consent")
        return _page_url(learner, DONE_ANCHOR)

    purposes = list(dict.fromkeys(c.purpose for c in targets)) or list(rules.withdrawn_with(purpose))
    return form_page(form, save, "learners/consent_withdraw.html", learner=learner, back=back, purpose=purpose,
                     targets=targets, effects=[(p, rules.PURPOSES[p], rules.WITHDRAWAL_EFFECTS[p]) for p in purposes],
                     action=url_for(".withdraw_consent", learner_id=learner.id, purpose=purpose, consent_id=consent_id))


# --- contacts and follow-ups ---------------------------------------------------------------------

@bp.route("/<int:learner_id>/contacts", methods=["POST"])
@roles_required(*WRITERS)
def log_contact(learner_id: int):
    learner = _load(learner_id)
    away = _merged_away(learner) or _erased(learner)
    if away:
        return away
    form = ContactForm()
    if form.validate_on_submit():
        try:
            activity = services.log_contact(learner, form.contact_data(), actor=current_user)
        except ValidationFailed as exc:
            _show_error(form, exc)
        else:
            message = f"{contact_rules.ACTIVITY_KINDS[activity.kind]} logged."
            if activity.follow_up is not None:
                message += f" Next contact planned for {uk_date(activity.follow_up.due_on)}."
            flash_at(message, f"contact-{activity.id}")
            return redirect(_page_url(learner, DONE_ANCHOR))
    return _detail(learner, contact_form=form, status=400)


@bp.route("/<int:learner_id>/follow-ups/<int:follow_up_id>/done", methods=["POST"])
@roles_required(*WRITERS)
def follow_up_done(learner_id: int, follow_up_id: int):
    learner = _load(learner_id)
    follow_up = db.session.get(FollowUp, follow_up_id)
    if follow_up is None or follow_up.learner_id != learner.id:
        abort(404)
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    if services.complete_learner_follow_up(follow_up, actor=current_user):
        flash_at(f"Follow-up marked as done: {follow_up.title}.", "follow-ups")
    else:
        flash_at("That follow-up was already done.", "follow-ups")
    return redirect(_page_url(learner, DONE_ANCHOR))


# --- needs analysis ------------------------------------------------------------------------------

@bp.route("/<int:learner_id>/needs-analysis", methods=["GET", "POST"])
@roles_required(*WRITERS)
def new_needs_assessment(learner_id: int):
    learner = _load(learner_id)
    stop = _merged_away(learner) or _erased(learner) or _no_consent(learner, "recording a needs analysis")
    if stop:
        return stop
    form = NeedsAssessmentForm(data={"assessed_on": uk(date.today())})
    back = _page_url(learner)

    def save():
        services.record_needs_assessment(learner, form.assessment_data(), actor=current_user)
        flash("Needs analysis saved.", "success")
        return _page_url(learner, "needs-analyses")

    return form_page(form, save, "learners/needs_assessment.html", learner=learner, back=back)


# --- enrolments ----------------------------------------------------------------------------------

def _course_groups(courses: list[Course]) -> list[tuple[str, list[Course]]]:
    groups: dict[str, list[Course]] = {}
    for c in courses:
        groups.setdefault(c.category, []).append(c)
    return [(COURSE_CATEGORIES.get(k, k), v) for k, v in groups.items()]


@bp.route("/<int:learner_id>/enrol", methods=["GET", "POST"])
@roles_required(*WRITERS)
def enrol(learner_id: int):
    learner = _load(learner_id)
    stop = _merged_away(learner) or _erased(learner) or _no_consent(learner, "enrolling them")
    if stop:
        return stop
    form = EnrolForm(data={"status": "enquiry", "course_id": request.args.get("course_id", type=db_id)})
    requests = queries.learner_release_requests(learner, current_user)
    if requests:
        form.time_off_request_id.choices = [("", "None")] + [
            (r.id, f"{uk_date(r.starts_at)}, {r.course or 'course not named'} ({r.status.replace('_', ' ')})") for r in requests]
    else:
        del form.time_off_request_id
    projects = projects_for_learner(learner, current_user)
    if projects:
        form.project_id.choices = [("", "None")] + [
            (p.id, f"{p.name} ({p.starts_on:%b %Y} to {p.ends_on:%b %Y})") for p in projects]
    else:
        del form.project_id
    back = _page_url(learner)

    def save():
        e = services.enrol(learner, form.enrolment_data(), actor=current_user)
        flash_at(f"Enrolment on {e.course.title} saved.", "enrolments")
        return _page_url(learner, DONE_ANCHOR)

    return form_page(form, save, "learners/enrol.html", learner=learner, back=back,
                     groups=_course_groups(queries.courses_for_enrolment()))


@bp.route("/<int:learner_id>/enrolments/<int:enrolment_id>/status", methods=["GET", "POST"])
@roles_required(*WRITERS)
def enrolment_status(learner_id: int, enrolment_id: int):
    learner = _load(learner_id)
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.learner_id != learner.id:
        abort(404)
    away = _merged_away(learner) or _erased(learner)
    if away:
        return away
    nexts = [s for s in rules.STATUSES if s in rules.TRANSITIONS[enrolment.status]]
    form = EnrolmentStatusForm(data=EnrolmentStatusForm.initial(enrolment))
    back = _page_url(learner, "enrolments")

    def save():
        status, data = form.status_data()
        if status not in nexts:
            form.status.errors = ["Choose what has happened" if not status else
                                  f"An enrolment that is {enrolment.status.replace('_', ' ')} cannot move to "
                                  f"{status.replace('_', ' ')}"]
            return None
        services.change_enrolment_status(enrolment, status, data, version=posted_version(), actor=current_user)
        flash_at(f"{enrolment.course.title}: {ENROLMENT_STATUSES[status].lower()}.", "enrolments")
        return _page_url(learner, DONE_ANCHOR)

    return form_page(form, save, "learners/enrolment_status.html", learner=learner, enrolment=enrolment, nexts=nexts,
                     status_fields=STATUS_FIELDS, back=back, version=enrolment.version)


# --- merging duplicates ----------------------------------------------------------------------------

def _merge_rows(keep: Learner, other: Learner) -> list[tuple[str, Any, Any]]:
    """Side by side: what each record holds (equality monitoring as recorded / not recorded)."""
    def value(learner: Learner, name: str) -> Any:
        v = getattr(learner, name)
        vocab = {"staff_category": STAFF_CATEGORIES, "contract": CONTRACTS, "hours": HOURS, "membership": MEMBERSHIP,
                 "prior_level": LEVEL_LABELS}.get(name)
        if vocab is not None and v:
            return vocab.get(v, v)
        if isinstance(v, date):
            return uk_date(v)
        return v

    def counts(learner: Learner) -> dict[str, int]:
        out = {}
        for label, model in (("Needs analyses", NeedsAssessment), ("Enrolments", Enrolment), ("Contacts", Activity)):
            out[label] = db.session.scalar(select(func.count()).select_from(model).where(model.learner_id == learner.id))
        return out

    def equality(learner: Learner) -> str:
        n = sum(queries.equality_recorded(learner).values())
        return f"{n} of 4 recorded" if n else "Not recorded"

    rows: list[tuple[str, Any, Any]] = [("Learner number", keep.id, other.id), ("Name", keep.name, other.name),
                                        ("Workplace", keep.workplace.name if keep.workplace else None,
                                         other.workplace.name if other.workplace else None),
                                        ("Employer", keep.employer.name if keep.employer else None,
                                         other.employer.name if other.employer else None)]
    for label, name in (("E-mail address", "email"), ("Date of consent", "consent_on"),
                        ("What the consent covers", "consent_scope"), ("Staff category", "staff_category"),
                        ("Job title", "job_title"), ("Contract", "contract"), ("Hours", "hours"),
                        ("UNISON membership", "membership"), ("Joined the union", "joined_union_on"),
                        ("Highest level before", "prior_level")):
        rows.append((label, value(keep, name), value(other, name)))
    rows.append(("ULR", keep.rep.name if keep.rep else None, other.rep.name if other.rep else None))
    rows.append(("Equality monitoring", equality(keep), equality(other)))
    a, b = counts(keep), counts(other)
    rows += [(label, a[label], b[label]) for label in a]
    rows.append(("Recorded on", uk_date(keep.created_at), uk_date(other.created_at)))
    return rows


@bp.route("/<int:learner_id>/merge", methods=["GET", "POST"])
@roles_required(*MERGERS)
def merge_learner(learner_id: int):
    keep = _load(learner_id)
    away = _merged_away(keep)
    if away:
        return away
    back = _page_url(keep)
    candidates = [d for d in services.possible_duplicates(name=keep.name, workplace_id=keep.workplace_id, email=keep.email,
                                                          exclude_id=keep.id, user=current_user)
                  if services.merge_problem(keep, d) is None]
    choose = MergeChooseForm(request.args)
    raw = request.form.get("duplicate_id") if request.method == "POST" else request.args.get("duplicate_id")
    duplicate: Optional[Learner] = None
    if raw is not None or request.method == "POST":
        wanted = id_or_none((raw or "").strip())
        problem = None
        if wanted is None:
            problem = "Enter the learner number of the duplicate record, like 1234"
        else:
            duplicate = db.session.scalars(visible(select(Learner).where(Learner.id == wanted), current_user)).first()
            if duplicate is None:
                problem = f"There is no learner number {wanted} that you can see"
            else:
                problem = services.merge_problem(keep, duplicate)
        if problem:
            duplicate = None
            choose.duplicate_id.errors = [problem]
    if duplicate is None:
        status = 400 if choose.duplicate_id.errors else 200
        return render_template("learners/merge_choose.html", keep=keep, candidates=candidates, form=choose,
                               back=back), status
    form = MergeForm(data={"duplicate_id": duplicate.id, "keep_version": keep.version,
                           "duplicate_version": duplicate.version})
    if request.method == "POST" and form.validate_on_submit():
        if not form.confirm.data:
            form.confirm.errors = ["Tick the box to confirm these records are the same person"]
        else:
            try:
                moved = services.merge_learners(keep, duplicate, actor=current_user,
                                                keep_version=id_or_none(form.keep_version.data),
                                                duplicate_version=id_or_none(form.duplicate_version.data))
            except ValidationFailed as exc:
                form.confirm.errors = [m for ms in exc.fields.values() for m in ms] or [exc.message]
            else:
                what = ", ".join(f"{n} {label}" for label, n in moved.items() if n and label != "timeline entries")
                flash(f"Learner {duplicate.id} merged into this record." + (f" Moved: {what}." if what else ""), "success")
                return redirect(back)
    status = 400 if form.errors else 200
    return render_template("learners/merge.html", keep=keep, duplicate=duplicate, rows=_merge_rows(keep, duplicate),
                           form=form, back=back, change=url_for(".merge_learner", learner_id=keep.id)), status


# --- the course catalogue ------------------------------------------------------------------------

def _load_course(course_id: int) -> Course:
    return get_visible_or_404(db.session, Course, course_id, current_user)


@bp.route("/courses")
def courses():
    q = request.args.get("q", "").strip()[:200]
    category = request.args.get("category", "")
    category = category if category in COURSE_CATEGORIES else ""
    if (fmt := requested_format()) is not None:  # Download CSV / XLSX: every row, not a page
        return list_exports.courses(fmt, queries.course_list(q=q, category=category), {"q": q, "category": category})
    page = paginate(queries.course_list(q=q, category=category))
    return render_template("learners/courses.html", page=page, q=q, category=category,
                           can_edit=current_user.role == ADMIN, filtered=bool(q or category))


@bp.route("/courses/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def new_course():
    form = CourseForm(data={"subject": "other", "level": "unlevelled", "active": "yes"})
    back = url_for(".courses")

    def save():
        course = services.create_course(form.course_data(), actor=current_user)
        flash(f"{course.title} added to the catalogue.", "success")
        return back

    return form_page(form, save, "learners/course_form.html", title="Add a course", back=back)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@roles_required(ADMIN)
def edit_course(course_id: int):
    course = _load_course(course_id)
    form = CourseForm(data=CourseForm.initial(course))
    form.submit.label.text = "Save changes"
    back = url_for(".courses")

    def save():
        changes = services.update_course(course, form.course_data(), version=posted_version(), actor=current_user)
        flash(f"{course.title} saved." if changes else "No changes to save.", "success")
        return back

    # the version the form was first filled in from travels with every re-display, so a save after
    # someone else's change is refused (the conflict page) rather than written over theirs
    version = posted_version() if request.method == "POST" else course.version
    return form_page(form, save, "learners/course_form.html", title=f"Change {course.title}", back=back, course=course,
                     version=version)


@bp.app_context_processor
def _vocabularies() -> dict[str, Any]:
    return {"LEARNER_STAGES": queries.STAGES, "LEARNER_STATUS_TAGS": STATUS_TAGS, "ENROLMENT_STATUSES": ENROLMENT_STATUSES,
            "LEARNER_ON_TRACK": ON_TRACK, "LEARNER_LEVELS": LEVEL_LABELS, "LEARNER_BARRIERS": BARRIERS,
            "LEARNER_STAFF_CATEGORIES": STAFF_CATEGORIES, "LEARNER_CONTRACTS": CONTRACTS, "LEARNER_HOURS": HOURS,
            "LEARNER_MEMBERSHIP": MEMBERSHIP, "LEARNER_COURSE_CATEGORIES": COURSE_CATEGORIES,
            "LEARNER_SUBJECTS": SUBJECTS, "LEARNER_RUNG_TAGS": RUNG_TAGS, "LEARNER_RUNG_STATES": queries.RUNG_STATES,
            "LEARNER_FOLLOW_UP_TAGS": FOLLOW_UP_TAGS, "LEARNER_FOLLOW_UP_STATES": FOLLOW_UP_STATES,
            "LEARNER_CONTACT_KINDS": contact_rules.ACTIVITY_KINDS, "CONSENT_PURPOSES": rules.PURPOSES,
            "CONSENT_METHODS": rules.METHODS}

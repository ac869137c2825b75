"""ULR appointment pages: the list (filters, computed status), one ULR (state in plain words, how
the training deadline was worked out, timeline, letters; their time off and facility time come from
the time-off domain through the ``rep.time_off`` hook), new / edit / stand down, the notice letter.
Facility time per ULR and period is a time-off page on this blueprint (timeoff.facility_views).
Thin: load or 404, check the role, call a service or a query, render."""
from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any, Optional

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from ..agreements.forms import iso_date_text
from ..core import hooks
from ..core.dates import add_months
from ..core.documents import documents_of
from ..core.errors import ValidationFailed
from ..core.forms import form_page, id_or_none, posted_version
from ..core.listexport import requested_format
from ..core.pagination import paginate_list
from ..core.permissions import (
    ADMIN,
    BRANCH_CONVENOR,
    get_visible_or_404,
    roles_required,
)
from ..core.templating import uk_date
from ..core.timeline import entries_for
from ..core.validation import date_input, db_id
from ..extensions import db
from ..organisation.forms import branch_for_new, choose_branch_page
from ..organisation.models import WORKPLACE_KINDS
from . import letters, list_exports, queries, rules, services
from .forms import LetterForm, RepForm, StandDownForm
from .models import TRAINING_ROUTES, Rep

bp = Blueprint("reps", __name__, url_prefix="/reps")

EDITORS = (ADMIN, BRANCH_CONVENOR)
#: GOV.UK tag colour for each computed status
STATUS_TAGS = {"appointed": "govuk-tag--grey", "active": "govuk-tag--green", "training_due": "govuk-tag--light-blue",
               "lapsed": "govuk-tag--red", "stood_down": "govuk-tag--grey"}
STATUS_SHORT = {"appointed": "Appointed", "active": "Active", "training_due": "Training due", "lapsed": "Lapsed",
                "stood_down": "Stood down"}
#: recent time-off requests shown on a ULR's page (the full list is the time-off pages')
RECENT_REQUESTS = 10



def _load(rep_id: int, *, edit: bool = False) -> Rep:
    """The appointment if the user may see it (404 otherwise); 403 if they may not change it."""
    rep = get_visible_or_404(db.session, Rep, rep_id, current_user)
    if edit and not queries.can_edit(current_user, rep):
        abort(403)
    if edit and rep.erased_at is not None:  # kept for the figures, never changed again
        abort(409, description=f"This record was erased on {uk_date(rep.erased_at)}: it cannot be changed.")
    return rep


# --- list ---------------------------------------------------------------------------------

def _list_filters() -> dict[str, Any]:
    status = request.args.get("status", "")
    kind = request.args.get("workplace_kind", "")
    return {
        "q": request.args.get("q", "").strip()[:200],
        "branch_id": request.args.get("branch_id", type=db_id),
        "employer_id": request.args.get("employer_id", type=db_id),
        "workplace_kind": kind if kind in WORKPLACE_KINDS else "",
        "status": status if status in rules.STATUSES else "",
    }


@bp.route("")
def reps():
    filters = _list_filters()
    today = date.today()
    stmt = queries.rep_list(current_user, q=filters["q"], branch_id=filters["branch_id"],
                            employer_id=filters["employer_id"], workplace_kind=filters["workplace_kind"])
    # status depends on today, so it is computed for the ULRs matching the other filters
    rows = queries.with_status(db.session.scalars(stmt).all(), "", today)
    counts = Counter(s.status for _r, s in rows)
    shown = [(r, s) for r, s in rows if not filters["status"] or s.status == filters["status"]]
    if (fmt := requested_format()) is not None:  # Download CSV / XLSX: every row, not a page
        return list_exports.reps(fmt, shown, filters)
    branches, employers = queries.list_filter_options(current_user)
    return render_template("reps/list.html", page=paginate_list(shown), filters=filters, counts=counts,
                           branches=branches, employers=employers, can_add=current_user.role in EDITORS,
                           filtered=any(filters.values()))


@bp.route("/search.json")
def search_reps():
    """Suggestions for a ULR box as the user types (the learner list's filter): at most 20 ULRs the user
    can see whose name or e-mail holds ``q`` (2 characters or more), by name. One query, whatever the
    number of ULRs."""
    q = request.args.get("q", "").strip()[:120]
    found = db.session.execute(queries.rep_list(current_user, q=q).with_only_columns(Rep.id, Rep.name)
                               .limit(20)).all() if len(q) >= 2 else []
    return jsonify(results=[{"id": i, "name": name} for i, name in found])


# --- new and edit -------------------------------------------------------------------------

def _choices(form: RepForm, branch_id: int, *, employer_id: Optional[int], linked_user_id: Optional[int] = None) -> None:
    """Employer: the branch's employers. Workplace: the chosen employer's (all the branch's
    employers', named, until one is chosen). Login: the branch's ULR logins."""
    employers = queries.branch_employers(branch_id)
    names = {e.id: e.name for e in employers}
    form.employer_id.choices = [("", "Choose an employer")] + [(e.id, e.name) for e in employers]
    if employer_id not in names and len(employers) == 1:
        employer_id = employers[0].id
    ids = [employer_id] if employer_id in names else list(names)
    workplaces = queries.workplaces_of(ids)
    form.workplace_id.choices = [("", "Not recorded")] + [
        (w.id, w.name if len(ids) == 1 else f"{w.name} ({names[w.employer_id]})") for w in workplaces]
    if len(ids) > 1:
        form.workplace_id.description = "Choose a workplace of the employer chosen above"
    form.user_id.choices = [("", "No login")] + [
        (u.id, f"{u.name} ({u.email})") for u in queries.branch_ulr_logins(branch_id, linked_user_id)]


def _posted_employer() -> Optional[int]:

    source = request.form if request.method == "POST" else request.args
    return id_or_none(source.get("employer_id"))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_rep():
    branch = branch_for_new()
    if branch is None:  # an administrator chooses the branch first
        return choose_branch_page(title="Add a ULR: choose the branch", heading="Add a ULR", label="Branch",
                                  hint="The branch that appoints the ULR. Its employers and workplaces are offered "
                                       "next.", error="Choose the branch that appoints the ULR", back=url_for(".reps"))
    form = RepForm(data={"training_route": "will_train"})
    _choices(form, branch.id, employer_id=_posted_employer())

    def save():
        rep = services.create_rep(form.rep_data(), branch=branch)
        flash(f"{rep.name} added as a ULR.", "success")
        return url_for(".rep", rep_id=rep.id)

    action = url_for(".new_rep", branch_id=branch.id) if current_user.role == ADMIN else url_for(".new_rep")
    return form_page(form, save, "reps/form.html", title="Add a ULR", branch=branch, action=action, back=url_for(".reps"))


@bp.route("/<int:rep_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_rep(rep_id: int):
    rep = _load(rep_id, edit=True)
    form = RepForm(data=RepForm.initial(rep))
    _choices(form, rep.branch_id, employer_id=_posted_employer() or rep.employer_id, linked_user_id=rep.user_id)

    def save():
        changes = services.update_rep(rep, form.rep_data(), version=posted_version(), actor=current_user)
        flash("ULR saved." if changes else "No changes to save.", "success")
        return url_for(".rep", rep_id=rep.id)

    return form_page(form, save, "reps/form.html", title=f"Change {rep.name}", rep=rep, branch=rep.branch,
                     action=url_for(".edit_rep", rep_id=rep.id), back=url_for(".rep", rep_id=rep.id), version=rep.version)


# --- stand down ---------------------------------------------------------------------------

@bp.route("/<int:rep_id>/stand-down", methods=["GET", "POST"])
@roles_required(*EDITORS)
def stand_down(rep_id: int):
    rep = _load(rep_id, edit=True)
    form = StandDownForm(data={"stood_down_on": date_input(rep.stood_down_on or date.today())})  # as people type it
    back = url_for(".rep", rep_id=rep.id)
    if form.validate_on_submit():

        try:
            services.stand_down(rep, iso_date_text(form.stood_down_on.data), version=posted_version())
        except ValidationFailed as exc:
            form.show_service_error(exc)
        else:
            flash(f"{rep.name} stood down on {uk_date(rep.stood_down_on)}.", "success")
            return redirect(back)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("reps/stand_down.html", form=form, rep=rep, state=queries.state(rep), back=back,
                           version=rep.version), status


# --- one ULR ------------------------------------------------------------------------------

def state_words(rep: Rep, state: queries.RepState, today: date) -> dict[str, Any]:
    """The computed state in plain words, and how the training deadline was worked out."""
    notice = rep.will_train_notice_on
    deadline = rules.training_deadline(notice)
    trained_and_told = (rep.trained_on is not None and rep.training_completion_notified_on is not None
                        and rep.trained_on <= today and rep.training_completion_notified_on <= today)
    s = state.status
    if s == "stood_down":
        headline, detail = "Can have paid time off: no", f"Stood down on {uk_date(rep.stood_down_on)}."
    elif s == "active":
        headline = "Can have paid time off: yes"
        detail = (f"Trained on {uk_date(rep.trained_on)} and the employer told in writing on "
                  f"{uk_date(rep.training_completion_notified_on)}, after the union's written notice of "
                  f"{uk_date(rep.notice_given_on)}.")
    elif s == "training_due":
        headline = f"Can have paid time off: yes, until {uk_date(deadline)} unless training is completed and the employer told"
        detail = (f"{state.days_left} {'day' if state.days_left == 1 else 'days'} left to complete the training and tell "
                  "the employer in writing.")
    elif s == "lapsed":
        headline = "Can have paid time off: no, the training deadline has passed"
        detail = (f"The six months after the 'will be trained' notice ended on {uk_date(deadline)} without the training "
                  "being completed and the employer told. There is no statutory paid time off until they are trained "
                  "and the employer is told; another 'will be trained' notice cannot be given (s.168A(5)).")
    elif rep.notice_given_on is None or rep.notice_given_on > today:
        headline = "Can have paid time off: not yet"
        detail = "The union has not yet given the employer written notice that they are a ULR (s.168A(3)(a))."
    else:
        headline = "Can have paid time off: not yet"
        detail = ("The training condition is not met: record the completed training and the date the employer was "
                  "told of it, or the date of the one 'will be trained' notice.")
    steps: list[str] = []
    if notice and deadline:
        steps.append(f"The union told the employer in writing on {uk_date(notice)} that {rep.name} will be trained "
                     "(s.168A(4)(b)).")
        plus = add_months(notice, rules.TRAINING_MONTHS)
        steps.append(f"{uk_date(notice)} + 6 months = {uk_date(plus)}"
                     + (" (the month is shorter, so the last day of the month)" if plus.day != notice.day else "")
                     + ": the last day to complete the training and tell the employer (s.168A(4)(c)).")
        if trained_and_told:
            steps.append(f"Training completed on {uk_date(rep.trained_on)} and the employer told on "
                         f"{uk_date(rep.training_completion_notified_on)}, so the deadline no longer applies.")
        steps.append("Only one 'will be trained' notice can be given for a person (s.168A(5)).")
    return {"headline": headline, "detail": detail, "steps": steps, "warning": state.training_warning}


@bp.route("/<int:rep_id>")
def rep(rep_id: int):
    rep = _load(rep_id)
    today = date.today()
    state = queries.state(rep, today)
    can_edit = queries.can_edit(current_user, rep) and rep.erased_at is None
    view = current_app.view_functions.get("reps.erase")
    can_erase = (rep.erased_at is None and view is not None
                 and current_user.role in getattr(view, "allowed_roles", ()))
    # their time off and facility time: the time-off domain answers (core.hooks)
    time_off = hooks.first("rep.time_off", rep, current_user, today,
                           default={"facility_rows": [], "requests": [], "all_requests_url": None})
    return render_template(
        "reps/rep.html", rep=rep, state=state, words=state_words(rep, state, today), timeline=entries_for(db.session, rep),
        documents=documents_of(db.session, rep), can_edit=can_edit, can_erase=can_erase, letter_form=LetterForm() if can_edit else None,
        letter_case=letters.training_case(rep), **time_off)


@bp.route("/<int:rep_id>/notice-letter", methods=["POST"])
@roles_required(*EDITORS)
def notice_letter(rep_id: int):
    rep = _load(rep_id, edit=True)
    form = LetterForm()
    if not form.validate_on_submit():
        abort(400)
    document = letters.generate_notice(rep, user=current_user._get_current_object())
    message = f"Notice letter {document.number} generated."
    if letters.training_case(rep) == letters.WILL_TRAIN and rep.will_train_notice_on is None:
        message += " Once it is sent, record the date of the 'will be trained' notice on the ULR's details."
    flash(message, "success")
    return redirect(url_for(".rep", rep_id=rep.id) + "#letters")


@bp.app_context_processor
def _vocabularies() -> dict[str, Any]:
    return {"REP_STATUSES": rules.STATUSES, "REP_STATUS_TAGS": STATUS_TAGS, "REP_STATUS_SHORT": STATUS_SHORT,
            "REP_TRAINING_ROUTES": TRAINING_ROUTES, "REP_WORKPLACE_KINDS": WORKPLACE_KINDS}

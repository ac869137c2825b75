"""Subject access request pages: the register (filters, overdue and due-soon tags), new, edit, one
request (how its due date was worked out, its timeline), "find everything about this person", and the
bank holidays the due dates count (administrators add to the shipped list). Convenors keep their
branch's register, organisers read their region's, administrators all; ULRs have none.
Thin: load or 404, check the role, call a service or a query, render."""
from __future__ import annotations

import io
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from ..core.errors import ValidationFailed
from ..core.forms import form_page, posted_version
from ..core.jobs import JOB_STATUSES, Job, path_of
from ..core.listexport import requested_format
from ..core.pagination import paginate
from ..core.permissions import (
    ADMIN,
    BRANCH_CONVENOR,
    REGIONAL_ORGANISER,
    get_visible_or_404,
    roles_required,
)
from ..core.timeline import entries_for
from ..core.validation import db_id
from ..extensions import db
from ..organisation.forms import branch_for_new, choose_branch_page
from . import list_exports, queries, rules, services
from .forms import BankHolidayForm, ExportForm, FindForm, RequestForm
from .models import SubjectAccessExport, SubjectAccessRequest

bp = Blueprint("dataprotection", __name__, url_prefix="/subject-access-requests")

READERS = (ADMIN, REGIONAL_ORGANISER, BRANCH_CONVENOR)
EDITORS = (ADMIN, BRANCH_CONVENOR)
DUE_FILTERS = {"overdue": "Overdue", "due_soon": f"Due within {rules.DUE_SOON_DAYS} days"}
URGENCY_TAGS = {"overdue": ("Overdue", "govuk-tag--red"), "due_soon": ("Due soon", "govuk-tag--orange")}
STATUS_TAGS = {"open": "govuk-tag--blue", "answered": "govuk-tag--green", "withdrawn": "govuk-tag--grey"}


def _load(sar_id: int, *, edit: bool = False) -> SubjectAccessRequest:
    sar = get_visible_or_404(db.session, SubjectAccessRequest, sar_id, current_user)
    if edit and not queries.can_edit(current_user, sar):
        abort(403)
    return sar


@bp.route("")
@roles_required(*READERS)
def requests():
    status = request.args.get("status", "")
    due = request.args.get("due", "")
    filters = {"status": status if status in rules.STATUSES else "",
               "branch_id": request.args.get("branch_id", type=db_id),
               "due": due if due in DUE_FILTERS else ""}
    today = date.today()
    if (fmt := requested_format()) is not None:  # Download CSV / XLSX: every row, not a page
        return list_exports.requests(fmt, queries.request_list(current_user, today=today, **filters), filters,
                                     today=today)
    page = paginate(queries.request_list(current_user, today=today, **filters))
    return render_template("dataprotection/list.html", page=page, filters=filters, today=today,
                           urgency_of=lambda sar: rules.urgency(sar.due_on, sar.status, today),
                           branches=queries.branch_options(current_user), can_add=current_user.role in EDITORS,
                           filtered=any(filters.values()))


def _learner_choices(form: RequestForm, branch_id: int, also_id=None) -> None:
    form.learner_id.choices = [("", "Not one of our learners, or not known")] + queries.branch_learners(
        branch_id, current_user, also_id=also_id)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_request():
    branch = branch_for_new()
    if branch is None:
        return choose_branch_page(title="Record a subject access request: choose the branch",
                                  heading="Record a subject access request", label="Branch",
                                  hint="The branch the request was made to.",
                                  error="Choose the branch the request was made to", back=url_for(".requests"))
    form = RequestForm(data={"status": "open", "extension_months": "0"})
    _learner_choices(form, branch.id)
    asked = request.args.get("learner_id", type=db_id)
    if request.method == "GET" and asked:
        form.learner_id.data = asked

    def save():
        sar = services.create_request(form.request_data(), branch=branch)
        flash(f"Subject access request from {sar.person_name} recorded. The answer is due by "
              f"{sar.due_on.day} {sar.due_on:%B %Y}.", "success")
        return url_for(".subject_access_request", sar_id=sar.id)

    action = url_for(".new_request", branch_id=branch.id) if current_user.role == ADMIN else url_for(".new_request")
    return form_page(form, save, "dataprotection/form.html", title="Record a subject access request", branch=branch,
                     action=action, back=url_for(".requests"))


@bp.route("/<int:sar_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_request(sar_id: int):
    sar = _load(sar_id, edit=True)
    form = RequestForm(data=RequestForm.initial(sar))
    _learner_choices(form, sar.branch_id, also_id=sar.learner_id)

    def save():
        changes = services.update_request(sar, form.request_data(), version=posted_version())
        flash("Subject access request saved." if changes else "No changes to save.", "success")
        return url_for(".subject_access_request", sar_id=sar.id)

    return form_page(form, save, "dataprotection/form.html", title=f"Change the request from {sar.person_name}",
                     sar=sar, branch=sar.branch, action=url_for(".edit_request", sar_id=sar.id),
                     back=url_for(".subject_access_request", sar_id=sar.id), version=sar.version)


@bp.route("/<int:sar_id>")
@roles_required(*READERS)
def subject_access_request(sar_id: int):
    sar = _load(sar_id)
    services.purge_exports()  # files past their time are deleted whenever a request is looked at
    today = date.today()
    holidays = queries.bank_holidays()
    steps = rules.explain(sar.received_on, sar.identity_received_on, sar.extension_months, holidays, holidays)
    return render_template("dataprotection/request.html", sar=sar, steps=steps, today=today,
                           urgency=rules.urgency(sar.due_on, sar.status, today),
                           timeline=entries_for(db.session, sar), can_edit=queries.can_edit(current_user, sar),
                           exports=queries.exports_of(sar), job_statuses=JOB_STATUSES,
                           kept_days=services.EXPORT_KEPT_DAYS)


@bp.route("/<int:sar_id>/find")
@roles_required(*READERS)
def find(sar_id: int):
    """Find everything about the person: a GET search (it changes nothing), filled in from the request
    (their name, and their learner record's e-mail and number) until the user changes it."""
    sar = _load(sar_id)
    searched = any(k in request.args for k in ("name", "email", "learner_id"))
    defaults: dict[str, Any] = {"name": sar.person_name}
    if sar.learner is not None:
        defaults.update(email=sar.learner.email or "", learner_id=str(sar.learner_id))
    form = FindForm(request.args if searched else None, data=None if searched else defaults)
    problems = {}
    learner_id = None
    raw_id = (form.learner_id.data or "").strip()
    if raw_id:
        try:
            learner_id = db_id(raw_id)
        except (TypeError, ValueError):
            problems["learner_id"] = "Enter the learner record number as a whole number, for example 42"
            form.learner_id.errors = [problems["learner_id"]]
    for name in ("name", "email"):
        value = form[name].data or ""
        if len(value) > 200:
            form[name].errors = ["Enter 200 characters or fewer"]
            problems[name] = True
    found = None
    if not problems:
        found = queries.find_person(current_user, name=(form.name.data or "")[:200], email=(form.email.data or "")[:200],
                                    learner_id=learner_id)
    status = 400 if problems else 200
    return render_template("dataprotection/find.html", sar=sar, form=form, found=found, limit=queries.FIND_LIMIT), status


def _search_from(args, sar: SubjectAccessRequest) -> dict[str, Any]:
    """The search as the find page sent it (carried to the export page), or the request's defaults."""
    if any(k in args for k in ("name", "email", "learner_id")):
        return {k: (args.get(k) or "").strip()[:200] for k in ("name", "email", "learner_id")}
    out = {"name": sar.person_name, "email": "", "learner_id": ""}
    if sar.learner is not None:
        out.update(email=sar.learner.email or "", learner_id=str(sar.learner_id))
    return out


@bp.route("/<int:sar_id>/export", methods=["GET", "POST"])
@roles_required(*EDITORS)
def export(sar_id: int):
    """Prepare the export: what it will hold (the search), and the third parties' names and details in
    free text to redact, one per line (recorded with the export). The file is made in the background."""
    sar = _load(sar_id, edit=True)
    source = request.form if request.method == "POST" else request.args
    search = _search_from(source, sar)
    form = ExportForm(data={"redactions": ""})
    problems: dict[str, str] = {}
    learner_id = None
    if search["learner_id"]:
        try:
            learner_id = db_id(search["learner_id"])
        except (TypeError, ValueError):
            problems["learner_id"] = "Enter the learner record number as a whole number, for example 42"
    found = queries.find_person(current_user, name=search["name"], email=search["email"], learner_id=learner_id) \
        if not problems else None
    if request.method == "POST" and form.validate_on_submit() and not problems:
        try:
            services.start_export(sar, search={**search, "learner_id": learner_id}, redactions=form.redactions.data,
                                  user=current_user._get_current_object())
        except ValidationFailed as exc:
            for name, messages in exc.fields.items():  # the search is not a field of this form: said at the top
                if name in form:
                    form[name].errors = list(form[name].errors) + list(messages)
                else:
                    form.form_errors.extend(messages)
        else:
            flash("The export is being made. It is listed below; download it once it is ready. The file is deleted "
                  f"once downloaded, or after {services.EXPORT_KEPT_DAYS} days.", "success")
            return redirect(url_for(".subject_access_request", sar_id=sar.id) + "#exports")
    for name, message in problems.items():
        form.form_errors.append(message)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("dataprotection/export.html", sar=sar, form=form, search=search, found=found,
                           limit=queries.FIND_LIMIT), status


@bp.route("/<int:sar_id>/exports/<int:export_id>/download")
@roles_required(*EDITORS)
def download_export(sar_id: int, export_id: int):
    """The export's ZIP, once; the file is then deleted (the download is audited)."""
    sar = _load(sar_id, edit=True)
    export = db.session.get(SubjectAccessExport, export_id)
    if export is None or export.request_id != sar.id or export.deleted_at is not None or export.job_id is None:
        abort(404)
    job = db.session.get(Job, export.job_id)
    if job is None or job.status != "done" or not job.result_path:
        abort(404)
    try:
        content = path_of(job).read_bytes()
    except OSError:
        abort(404)
    services.export_file_gone(export, downloaded=True)
    return send_file(io.BytesIO(content), mimetype="application/zip", as_attachment=True,
                     download_name=job.result_name or f"subject-access-request-{sar.id}.zip", max_age=0)


@bp.route("/bank-holidays", methods=["GET", "POST"])
@roles_required(ADMIN)
def bank_holidays():
    form = BankHolidayForm()

    def save():
        holiday = services.add_bank_holiday(form.holiday_data())
        flash(f"{holiday.name} added.", "success")
        return url_for(".bank_holidays")

    shipped = sorted(queries.shipped_bank_holidays().items())
    return form_page(form, save, "dataprotection/bank_holidays.html", shipped=shipped,
                     added=queries.added_bank_holidays(), title="Bank holidays")


@bp.app_context_processor
def _vocabularies() -> dict[str, Any]:
    return {"SAR_STATUSES": rules.STATUSES, "SAR_STATUS_TAGS": STATUS_TAGS, "SAR_URGENCY_TAGS": URGENCY_TAGS,
            "SAR_DUE_FILTERS": DUE_FILTERS, "SAR_EXTENSIONS": rules.EXTENSIONS}

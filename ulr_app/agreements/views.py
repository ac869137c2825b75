"""Learning agreement pages: list with the schools-scope counts, the agreement, its edits, status
changes, named schools, ULR places, schools coverage (and CSV), the draft document and its PDF,
the signed copy. Thin: load or 404, check the role, call a service or a query, render."""
from __future__ import annotations

import io
from datetime import date
from types import ModuleType
from typing import Any, Optional

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
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from ..core import audit, csvio
from ..core.errors import ERROR_TITLES, ValidationFailed
from ..core.forms import form_page, posted_version
from ..core.listexport import requested_format
from ..core.pagination import paginate
from ..core.permissions import (
    ADMIN,
    BRANCH_CONVENOR,
    get_visible_or_404,
    roles_required,
    visible,
)
from ..core.timeline import entries_for
from ..core.validation import db_id
from ..extensions import db
from ..organisation import queries as org_queries
from ..organisation.models import Branch
from . import clauses, list_exports, queries, rules, services
from . import jobs as agreement_jobs
from .forms import (
    NEW_AGREEMENT_DEFAULTS,
    AgreementForm,
    ConfirmForm,
    DraftForm,
    NamedSchoolsForm,
    PlacesForm,
    SignedCopyForm,
    StatusForm,
)
from .models import (
    COURSE_CATEGORIES,
    FACILITIES,
    KINDS,
    LEARNER_TIME,
    MEETING_FREQUENCIES,
    SCHOOLS_SCOPES,
    STATUSES,
    Agreement,
    AgreementDocument,
)

bp = Blueprint("agreements", __name__, url_prefix="/agreements")

EDITORS = (ADMIN, BRANCH_CONVENOR)
#: GOV.UK tag colour for each status
STATUS_TAGS = {"draft": "govuk-tag--grey", "negotiating": "govuk-tag--light-blue", "signed": "govuk-tag--green",
               "under_review": "govuk-tag--yellow", "expired": "govuk-tag--orange", "terminated": "govuk-tag--red"}
COVERAGE_TAGS = {True: "govuk-tag--green", False: "govuk-tag--grey", None: "govuk-tag--yellow"}
COVERAGE_FILTERS = {"covered": "Covered", "not_covered": "Not covered", "unclear": "Unclear"}
#: blank rows offered under the ULR places already recorded
BLANK_PLACE_ROWS = 3
MAX_PLACE_ROWS = 100



def _load(agreement_id: int, *, edit: bool = False) -> Agreement:
    """The agreement if the user may see it (404 otherwise); 403 if they may not change it."""
    agreement = get_visible_or_404(db.session, Agreement, agreement_id, current_user)
    if edit and not queries.can_edit(current_user, agreement):
        abort(403)
    return agreement


def _documents_module() -> Optional[ModuleType]:
    """The draft builder (ulr_app.agreements.documents), if it is installed."""
    return agreement_jobs.documents_module()


_form_page = form_page


def _error_items(errors: dict[str, list[str]], anchor) -> list[tuple[str, str]]:
    """[(message, link)] for the error summary, from a service's field errors."""
    return [(message, anchor(field)) for field, messages in errors.items() for message in messages]


# --- list ---------------------------------------------------------------------------------

def _list_filters() -> dict[str, Any]:
    status = request.args.get("status", "")
    scope = request.args.get("schools_scope", "")
    return {
        "q": request.args.get("q", "").strip()[:200],
        "branch_id": request.args.get("branch_id", type=db_id),
        "employer_id": request.args.get("employer_id", type=db_id),
        # typed (part of a name; the box suggests names from /employers/search.json)
        "employer": request.args.get("employer", "").strip()[:200],
        "status": status if status in STATUSES else "",
        "schools_scope": scope if scope in SCHOOLS_SCOPES else "",
    }


@bp.route("")
def agreements():
    filters = _list_filters()
    if (fmt := requested_format()) is not None:  # Download CSV / XLSX: every row, not a page
        return list_exports.agreements(fmt, queries.agreement_list(current_user, **filters), filters)
    page = paginate(queries.agreement_list(current_user, **filters))
    counts = queries.schools_scope_counts(current_user, **filters)
    branches = queries.list_filter_options(current_user)
    return render_template("agreements/list.html", page=page, filters=filters, counts=counts, branches=branches,
                           today=date.today(),
                           employer_name=queries.employer_name(current_user, filters["employer_id"]),
                           can_add=queries.can_create(current_user),
                           filtered=any(v for k, v in filters.items()))


# --- create and edit ----------------------------------------------------------------------

def _employer_choices(employers) -> list[tuple[Any, str]]:
    return [("", "Choose an employer")] + [(e.id, e.name) for e in employers]


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_agreement():
    form = AgreementForm(data=NEW_AGREEMENT_DEFAULTS)
    admin = current_user.role == ADMIN
    if admin:
        branches = db.session.scalars(visible(select(Branch), current_user).order_by(Branch.name))
        form.branch_id.choices = [("", "Choose a branch")] + [(b.id, b.name) for b in branches]
        form.employer_id.description = "The employer must be one the branch deals with"
    else:
        del form.branch_id
    form.employer_id.choices = _employer_choices(queries.employers_for_new_agreement(current_user))

    def save():
        branch = db.session.get(Branch, form.branch_id.data) if admin else current_user.branch
        if branch is None:
            target = form.branch_id if admin else form.employer_id
            target.errors = ["Choose the branch"] if admin else ["Your account is not linked to a branch"]
            return None
        agreement = services.create_agreement(form.agreement_data(), branch=branch)
        flash(f"Agreement '{agreement.title}' created as a draft.", "success")
        return url_for(".agreement", agreement_id=agreement.id)

    return _form_page(form, save, "agreements/form.html", title="New learning agreement", back=url_for(".agreements"))


@bp.route("/<int:agreement_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_agreement(agreement_id: int):
    agreement = _load(agreement_id, edit=True)
    form = AgreementForm(data=AgreementForm.initial(agreement))
    del form.branch_id
    form.employer_id.choices = _employer_choices(
        db.session.scalars(org_queries.employers(current_user, branch_id=agreement.branch_id)))
    if agreement.named_schools:
        form.employer_id.description = "Changing the employer removes the schools named in or out"

    def save():
        changes = services.update_agreement(agreement, form.agreement_data(), version=posted_version())
        flash("Agreement saved." if changes else "No changes to save.", "success")
        return url_for(".agreement", agreement_id=agreement.id)

    return _form_page(form, save, "agreements/form.html", title=f"Change {agreement.title}", agreement=agreement,
                      back=url_for(".agreement", agreement_id=agreement.id), version=agreement.version)


# --- one agreement ------------------------------------------------------------------------

@bp.route("/<int:agreement_id>")
def agreement(agreement_id: int):
    agreement = _load(agreement_id)
    rows = queries.coverage(agreement)
    named = {"in": 0, "out": 0}
    for school in agreement.named_schools:
        named[school.inclusion] = named.get(school.inclusion, 0) + 1
    return render_template(
        "agreements/agreement.html", agreement=agreement, coverage=queries.coverage_summary(rows), schools=len(rows),
        named=named, timeline=entries_for(db.session, agreement), can_edit=queries.can_edit(current_user, agreement),
        document_rows=_document_rows(agreement),
        next_statuses=rules.allowed_next(agreement.status),
        reminders=rules.reminders([rules.AgreementFacts(agreement.id, agreement.title, agreement.status,
                                                        agreement.review_due_on, agreement.last_activity_at.date())],
                                  date.today()))


def _document_rows(agreement: Agreement) -> list[dict[str, Any]]:
    """The agreement's stored documents, the signed copies first, each with what it is called
    ("Signed copy 1", "Copy 2" made after signing, "Draft 3") and, for a copy, where it came from."""
    documents = _documents_module()
    rows = []
    for doc in agreement.documents:
        if hasattr(documents, "document_kind"):
            kind = documents.document_kind(doc, agreement)
            rows.append({"doc": doc, "kind": kind, "label": documents.label(doc, agreement),
                         "note": documents.copy_note(doc, agreement)})
        else:
            kind = "signed" if doc.kind == "signed" else "draft"
            rows.append({"doc": doc, "kind": kind, "label": ("Signed copy " if kind == "signed" else "Draft ") + str(doc.number),
                         "note": None})
    return sorted(rows, key=lambda r: r["kind"] != "signed")  # stable: otherwise as stored


# --- status -------------------------------------------------------------------------------

@bp.route("/<int:agreement_id>/status", methods=["GET", "POST"])
@roles_required(*EDITORS)
def change_status(agreement_id: int):
    agreement = _load(agreement_id, edit=True)
    form = StatusForm()
    form.status.choices = [(s, STATUSES[s]) for s in STATUSES if s in rules.allowed_next(agreement.status)]
    back = url_for(".agreement", agreement_id=agreement.id)
    context = dict(agreement=agreement, back=back, version=agreement.version)
    problems: dict[str, list[str]] = {}
    if form.status.choices and form.validate_on_submit():
        target = form.status.data
        if request.form.get("confirm") == "yes":
            try:
                services.change_status(agreement, target, version=posted_version(), note=form.note.data or "")
            except ValidationFailed as exc:
                problems = exc.fields
            else:
                flash(f"'{agreement.title}' is now {STATUSES[target].lower()}.", "success")
                return redirect(back)
        else:
            problems = {k: [v] for k, v in rules.transition_problems(
                agreement.status, target, signed_on=agreement.signed_on, employer_signatory=agreement.employer_signatory,
                union_signatory=agreement.union_signatory, review_due_on=agreement.review_due_on).items()}
            if "status" in problems:
                form.status.errors = problems.pop("status")
            elif not problems:
                return render_template("agreements/status_confirm.html", form=ConfirmForm(), target=target,
                                       note=form.note.data or "", **context)
    if problems:
        edit = url_for(".edit_agreement", agreement_id=agreement.id)
        context["page_errors"] = _error_items(problems, lambda field: f"{edit}#{field}")
    status = 400 if form.errors or problems else 200
    return render_template("agreements/status.html", form=form, **context), status


# --- named schools ------------------------------------------------------------------------

def _matches(school, q: str) -> bool:
    if not q:
        return True
    term = q.lower()
    return any(term in str(v).lower() for v in (school.name, school.urn or "", school.postcode or "",
                                                  school.establishment_type or "", school.town or ""))


def _ids(values) -> Optional[set[int]]:
    try:
        return {int(v) for v in values}
    except (TypeError, ValueError):
        return None


@bp.route("/<int:agreement_id>/schools", methods=["GET", "POST"])
@roles_required(*EDITORS)
def named_schools(agreement_id: int):
    agreement = _load(agreement_id, edit=True)
    q = request.args.get("q", "").strip()[:100]
    named = {s.workplace_id: s.inclusion for s in agreement.named_schools}
    schools = list(queries.schools_of(agreement.employer_id))
    own = {s.id for s in schools}
    schools += sorted((s.workplace for s in agreement.named_schools if s.workplace_id not in own), key=lambda w: w.name)
    shown = [s for s in schools if _matches(s, q)]
    form = NamedSchoolsForm()
    errors: list[tuple[str, str]] = []
    named_in = {i for i, inc in named.items() if inc == "in"}
    named_out = {i for i, inc in named.items() if inc == "out"}
    if form.validate_on_submit():
        sent = [_ids(request.form.getlist(n)) for n in ("shown", "named_in", "named_out")]
        if any(ids is None for ids in sent):
            errors = [("Choose schools from the list", "#named_in")]
        else:
            shown_ids, named_in, named_out = sent  # as sent: shown again as ticked if there is a problem
            kept = {i: inc for i, inc in named.items() if i not in shown_ids}  # schools out of view keep theirs
            try:
                changes = services.set_named_schools(
                    agreement, {i for i, inc in kept.items() if inc == "in"} | named_in,
                    {i for i, inc in kept.items() if inc == "out"} | named_out)
            except ValidationFailed as exc:
                errors = _error_items(exc.fields, lambda _field: "#named_in")
            else:
                flash("Named schools saved." if changes else "No changes to the named schools.", "success")
                return redirect(url_for(".agreement", agreement_id=agreement.id) + "#schools")
    status = 400 if errors or form.errors else 200
    return render_template("agreements/schools.html", agreement=agreement, form=form, q=q, shown=shown, total=len(schools),
                           named_in=named_in, named_out=named_out, page_errors=errors,
                           named_list=[s for s in schools if s.id in named], named=named), status


# --- ULR places and learners' time --------------------------------------------------------

@bp.route("/<int:agreement_id>/places", methods=["GET", "POST"])
@roles_required(*EDITORS)
def places(agreement_id: int):
    agreement = _load(agreement_id, edit=True)
    form = PlacesForm()
    rows = [(p.service, str(p.places)) for p in agreement.ulr_places_by_service]
    times = {r.course_category: r.arrangement for r in agreement.learner_time_by_course}
    errors: list[tuple[str, str]] = []
    if form.validate_on_submit():
        count = min(request.form.get("rows", type=int) or 0, MAX_PLACE_ROWS)
        rows = [(request.form.get(f"service-{i}", ""), request.form.get(f"places-{i}", "").strip()) for i in range(count)]
        times = {c: request.form.get(f"time-{c}", "not_stated") for c in COURSE_CATEGORIES}
        found: dict[str, list[str]] = {}
        try:
            services.set_ulr_places(agreement, rows)
        except ValidationFailed as exc:
            found.update(exc.fields)
        try:
            services.set_learner_time(agreement, times)
        except ValidationFailed as exc:
            found.update(exc.fields)
        if not found:
            flash("ULR places and learners' time saved.", "success")
            return redirect(url_for(".agreement", agreement_id=agreement.id) + "#ulrs")
        errors = _error_items(found, lambda f: "#service-0" if f == "ulr_places_by_service" else "#time-union_course")
        rows = [r for r in rows if r[0].strip() or r[1]]
    shown_rows = rows + [("", "")] * BLANK_PLACE_ROWS
    field_errors = {href: message for message, href in errors}
    status = 400 if errors or form.errors else 200
    return render_template("agreements/places.html", agreement=agreement, form=form, rows=shown_rows, times=times,
                           page_errors=errors, field_errors=field_errors), status


# --- schools coverage ---------------------------------------------------------------------

def _coverage_key(coverage: rules.Coverage) -> str:
    return "covered" if coverage.covered else "unclear" if coverage.covered is None else "not_covered"


@bp.route("/<int:agreement_id>/coverage")
def coverage(agreement_id: int):
    agreement = _load(agreement_id)
    rows = queries.coverage(agreement)
    show = request.args.get("show", "")
    shown = [r for r in rows if not show or _coverage_key(r[1]) == show] if show in COVERAGE_FILTERS else rows
    named = {s.workplace_id: s.inclusion for s in agreement.named_schools}
    return render_template("agreements/coverage.html", agreement=agreement, rows=shown, total=len(rows),
                           summary=queries.coverage_summary(rows), show=show if show in COVERAGE_FILTERS else "",
                           named=named, can_edit=queries.can_edit(current_user, agreement))


@bp.route("/<int:agreement_id>/coverage.csv")
def coverage_csv(agreement_id: int):
    agreement = _load(agreement_id)
    named = {s.workplace_id: s.inclusion for s in agreement.named_schools}
    header = ["URN", "School", "Type of school", "Phase", "Town", "Postcode", "Employer of record", "Named in agreement",
              "Covered", "Why"]
    employers = {agreement.employer_id: agreement.employer.name}
    rows = []
    for school, cover in queries.coverage(agreement):
        if school.employer_id not in employers:
            employers[school.employer_id] = school.employer.name
        rows.append([school.urn, school.name, school.establishment_type, school.phase, school.town, school.postcode,
                     employers[school.employer_id], {"in": "Named in", "out": "Named out"}.get(named.get(school.id), ""),
                     cover.label, cover.reason])
    filename = csvio.safe_filename("schools-coverage", agreement.id, agreement.title, date.today().isoformat())
    return csvio.csv_response(filename, header, rows)


# --- the draft document and its PDF -------------------------------------------------------

def _clause_sets() -> list[tuple[str, str, str]]:

    return clauses.list_sets()


def _chosen_set(agreement: Agreement, sets, asked: Optional[str]) -> Optional[str]:
    codes = [code for code, _name, _version in sets]
    for candidate in (asked, agreement.clause_set):
        if candidate in codes:
            return candidate
    return codes[0] if codes else None


@bp.route("/<int:agreement_id>/draft")
def draft(agreement_id: int):
    agreement = _load(agreement_id)
    documents = _documents_module()
    context: dict[str, Any] = dict(agreement=agreement, available=documents is not None,
                                   can_edit=queries.can_edit(current_user, agreement),
                                   signed=agreement.status == "signed", page_title=document_title(agreement))
    if documents is None:
        return render_template("agreements/draft.html", **context)
    sets = _clause_sets()
    asked = request.args.get("clause_set")
    chosen = _chosen_set(agreement, sets, asked)
    if asked and asked != chosen:
        abort(404)
    form = DraftForm(data={"clause_set": chosen})
    form.clause_set.choices = [(code, f"{name} (version {version})") for code, name, version in sets]
    draft_html = problem = None
    if chosen:
        try:
            # rendered by the app's autoescaping Jinja environment from templates/agreements/_document.html, so
            # every value in it is escaped already (bandit B704 checked: safe)
            draft_html = Markup(documents.draft_html(agreement, chosen))  # nosec B704
        except ValueError as exc:  # a broken clause set in the library: say so, not a 500
            problem = str(exc)
    return render_template("agreements/draft.html", form=form, sets=sets, chosen=chosen, draft_html=draft_html,
                           problem=problem, **context)


def document_title(agreement: Agreement) -> str:
    """The document page's name: a signed agreement's document is not a draft."""
    return "Agreement document (a copy of the signed agreement)" if agreement.status == "signed" else "Draft document"


@bp.route("/<int:agreement_id>/draft/pdf", methods=["POST"])
@roles_required(*EDITORS)
def generate_pdf(agreement_id: int):
    agreement = _load(agreement_id, edit=True)
    documents = _documents_module()
    back = url_for(".draft", agreement_id=agreement.id)
    if documents is None:
        flash("Draft documents cannot be generated yet.", "error")
        return redirect(back)
    form = DraftForm()
    form.clause_set.choices = [(code, name) for code, name, _version in _clause_sets()]
    if not form.validate_on_submit():
        flash((form.clause_set.errors or ["Choose a clause set"])[0], "error")
        return redirect(back)
    job = agreement_jobs.start_pdf_job(agreement, form.clause_set.data, current_user)
    db.session.commit()
    return redirect(url_for("jobs.job", job_id=job.id))


# --- documents ----------------------------------------------------------------------------

@bp.route("/<int:agreement_id>/documents/<int:document_id>")
def document(agreement_id: int, document_id: int):
    agreement = _load(agreement_id)
    doc = db.session.scalars(select(AgreementDocument).where(AgreementDocument.id == document_id,
                                                             AgreementDocument.agreement_id == agreement.id)).first()
    if doc is None:
        abort(404)
    try:
        path = services.document_path(doc)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    documents = _documents_module()
    if hasattr(documents, "file_name"):  # "signed", "copy" (made after signing) or "draft"
        name = documents.file_name(doc, agreement)
    else:
        name = csvio.safe_filename(agreement.title, "signed" if doc.kind == "signed" else "draft", doc.number,
                                   extension="pdf")
    audit.record_export(db.session, f"document {doc.number} of agreement {agreement.title}", fmt="pdf", filename=name,
                        object_type=agreement.__tablename__, object_id=agreement.id)
    # read whole (at most the upload limit): no open file handle outlives the request
    return send_file(io.BytesIO(path.read_bytes()), mimetype="application/pdf", as_attachment=True, download_name=name,
                     max_age=0)


def _upload_limit() -> int:
    return services.max_upload_bytes() + 256 * 1024  # room for the form around the file


@bp.url_value_preprocessor
def _limit_uploads(endpoint: Optional[str], _values) -> None:
    """Runs before any hook reads the form: refuse a too-large upload early, with our own limit."""
    if endpoint == "agreements.upload_signed" and request.method == "POST":
        request.max_content_length = _upload_limit()


def _max_mb() -> int:
    return services.max_upload_bytes() // (1024 * 1024)


def _too_large_message() -> str:
    return f"The file must be smaller than {_max_mb()} MB"


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    """A too-large signed copy: the upload page again, saying so (not a bare error page)."""
    agreement_id = (request.view_args or {}).get("agreement_id")
    agreement = None
    if request.endpoint == "agreements.upload_signed" and agreement_id is not None:
        agreement = db.session.scalars(visible(select(Agreement).where(Agreement.id == agreement_id), current_user)).first()
    if agreement is None or not queries.can_edit(current_user, agreement):
        title, advice = ERROR_TITLES[413]
        return render_template("errors/error.html", code=413, title=title, advice=advice), 413
    form = SignedCopyForm(formdata=None)
    form.signed_copy.errors = [_too_large_message()]
    return render_template("agreements/upload.html", form=form, agreement=agreement, max_mb=_max_mb(),
                           back=url_for(".agreement", agreement_id=agreement.id)), 413


@bp.route("/<int:agreement_id>/signed-copy", methods=["GET", "POST"])
@roles_required(*EDITORS)
def upload_signed(agreement_id: int):
    agreement = _load(agreement_id, edit=True)
    form = SignedCopyForm()

    def save():
        upload = form.signed_copy.data
        if upload is None or not getattr(upload, "filename", ""):
            form.signed_copy.errors = ["Choose the signed copy to upload"]
            return None
        content = upload.read(services.max_upload_bytes() + 1)
        if len(content) > services.max_upload_bytes():
            form.signed_copy.errors = [_too_large_message()]
            return None
        services.upload_signed(agreement, content, upload.filename)
        flash("Signed copy uploaded.", "success")
        return url_for(".agreement", agreement_id=agreement.id) + "#documents"

    return _form_page(form, save, "agreements/upload.html", agreement=agreement, max_mb=_max_mb(),
                      back=url_for(".agreement", agreement_id=agreement.id))


@bp.app_context_processor
def _vocabularies() -> dict[str, Any]:
    return {"AGREEMENT_STATUSES": STATUSES, "AGREEMENT_STATUS_TAGS": STATUS_TAGS, "SCHOOLS_SCOPES": SCHOOLS_SCOPES,
            "AGREEMENT_KINDS": KINDS, "LEARNER_TIME": LEARNER_TIME, "FACILITIES": FACILITIES,
            "MEETING_FREQUENCIES": MEETING_FREQUENCIES, "COURSE_CATEGORIES": COURSE_CATEGORIES,
            "COVERAGE_TAGS": COVERAGE_TAGS}

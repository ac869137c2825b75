"""Pages for funding programmes, projects, their profiles (targets and spend) and re-profiles.

Programmes: organisers, convenors and administrators read the list; administrators add and change them.
Projects: organisers see their region's, convenors their branch's, administrators all; organisers (in
their region) and administrators add and change them, their targets and spend. Thin: load or 404, check
the role, call a service or a query, render."""
from __future__ import annotations

from typing import Any, Optional

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from ..accounts.models import User
from ..core.csvio import csv_response, safe_filename
from ..core.errors import ServiceError, ValidationFailed
from ..core.forms import form_page, posted_version
from ..core.listexport import requested_format
from ..core.pagination import paginate
from ..core.permissions import ADMIN, get_visible_or_404, roles_required
from ..core.validation import db_id
from ..extensions import db
from ..organisation.models import Region
from . import list_exports, queries, rules, services
from .forms import ButtonForm, ProgrammeForm, ProjectForm, UploadTargetsForm
from .models import MEASURES, Programme, Project

bp = Blueprint("funding", __name__)

READERS = queries.READERS
EDITORS = queries.EDITORS


def _load(project_id: int) -> Project:
    return get_visible_or_404(db.session, Project, project_id, current_user)


def _load_for_edit(project_id: int) -> Project:
    project = _load(project_id)
    if not queries.can_edit_project(current_user, project):
        from flask import abort

        abort(404)  # a project the user may see but not change is as good as missing here
    return project


def return_url(project: Project, period: str) -> str:
    """The quarterly return of a project (built by the reports pages)."""
    if "reports.funding_return" in current_app.view_functions:
        return url_for("reports.funding_return", project_id=project.id, period=period)
    return f"/projects/{project.id}/returns/{period}"


# --- programmes -------------------------------------------------------------------------------

@bp.route("/programmes")
@roles_required(*READERS)
def programmes():
    items = db.session.scalars(queries.programme_list()).all()
    return render_template("funding/programmes.html", programmes=items, can_edit=current_user.role == ADMIN,
                           MEASURES=MEASURES, delete_form=ButtonForm())


@bp.route("/programmes/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def new_programme():
    form = ProgrammeForm(data={"variance_threshold": "20", "active": "yes"})
    back = url_for(".programmes")

    def save():
        p = services.create_programme(form.programme_data(), actor=current_user)
        flash(f"{p.name} added.", "success")
        return back

    return form_page(form, save, "funding/programme_form.html", title="Add a funding programme", back=back,
                     programme=None)


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@roles_required(ADMIN)
def edit_programme(programme_id: int):
    programme = get_visible_or_404(db.session, Programme, programme_id, current_user)
    form = ProgrammeForm(data=ProgrammeForm.initial(programme))
    form.submit.label.text = "Save changes"
    if programme.built_in:
        form.code.render_kw = {**(form.code.render_kw or {}), "readonly": True}
        form.code.description = "Built-in programmes keep their code"
    back = url_for(".programmes")

    def save():
        changes = services.update_programme(programme, form.programme_data(), actor=current_user)
        flash(f"{programme.name} saved." if changes else "No changes to save.", "success")
        return back

    return form_page(form, save, "funding/programme_form.html", title=f"Change {programme.name}", back=back,
                     programme=programme)


@bp.route("/programmes/<int:programme_id>/delete", methods=["POST"])
@roles_required(ADMIN)
def delete_programme(programme_id: int):
    programme = get_visible_or_404(db.session, Programme, programme_id, current_user)
    form = ButtonForm()
    if not form.validate_on_submit():
        flash("The page had expired: try again.", "error")
        return redirect(url_for(".programmes"))
    try:
        services.delete_programme(programme, actor=current_user)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(f"{programme.name} deleted.", "success")
    return redirect(url_for(".programmes"))


# --- projects: list, add, change ----------------------------------------------------------------

@bp.route("/projects")
@roles_required(*READERS)
def projects():
    filters = {"q": request.args.get("q", "").strip()[:200],
               "programme_id": request.args.get("programme_id", type=db_id),
               "branch_id": request.args.get("branch_id", type=db_id)}
    stmt = queries.project_list(current_user, name=filters["q"], programme_id=filters["programme_id"],
                                branch_id=filters["branch_id"])
    if (fmt := requested_format()) is not None:  # Download CSV / XLSX: every row, not a page
        return list_exports.projects(fmt, stmt, filters)
    page = paginate(stmt)
    return render_template("funding/projects.html", page=page, filters=filters, filtered=any(filters.values()),
                           programmes=db.session.scalars(queries.programme_list()).all(),
                           branches=queries.branches_for(current_user),
                           can_add=queries.can_edit_project(current_user))


def _project_choices(form: ProjectForm, project: Optional[Project]) -> None:
    user = current_user
    form.programme_id.choices = [("", "Choose a programme")] + [
        (str(p.id), p.name + ("" if p.active else " (no longer in use)"))
        for p in queries.programmes_for_choice(project.programme_id if project else None)]
    region_id = project.region_id if project else (user.region_id if user.role != ADMIN else None)
    if user.role == ADMIN and project is None:
        regions = db.session.scalars(select(Region).order_by(Region.name)).all()
        form.region_id.choices = [("", "Choose the region")] + [(str(r.id), r.name) for r in regions]
        chosen = db_id_or_none(form.region_id.data)
        branch_region = chosen
    else:
        branch_region = region_id
    branches = queries.branches_for(user, branch_region)
    form.branch_id.choices = [("", "The whole region")] + [
        (str(b.id), b.name + (f" ({b.region.name})" if user.role == ADMIN and not branch_region else ""))
        for b in branches]
    organisers = queries.organisers_of(branch_region)
    keep = project.lead_organiser_id if project else None
    form.lead_organiser_id.choices = [("", "No lead organiser named")] + [
        (str(u.id), u.name + (f" ({u.region.name})" if not branch_region and u.region else "")) for u in organisers]
    if keep and str(keep) not in {c for c, _ in form.lead_organiser_id.choices}:
        form.lead_organiser_id.choices.append((str(keep), "The current lead organiser"))


def db_id_or_none(value: Any) -> Optional[int]:
    try:
        return db_id(value)
    except (TypeError, ValueError):
        return None


@bp.route("/projects/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_project():
    form = ProjectForm()
    if request.method == "GET" and current_user.role != ADMIN:
        form.lead_organiser_id.data = str(current_user.id)
    _project_choices(form, None)
    back = url_for(".projects")

    def save():
        p = services.create_project(form.project_data(with_region=current_user.role == ADMIN), user=current_user)
        flash(f"{p.name} added. Now set its targets for each quarter.", "success")
        return url_for(".project", project_id=p.id)

    region = None if current_user.role == ADMIN else db.session.get(Region, current_user.region_id) \
        if current_user.region_id else None
    return form_page(form, save, "funding/project_form.html", title="Add a funding project", back=back, project=None,
                     show_region=current_user.role == ADMIN, region=region)


@bp.route("/projects/<int:project_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_project(project_id: int):
    project = _load_for_edit(project_id)
    form = ProjectForm(data=ProjectForm.initial(project))
    form.submit.label.text = "Save changes"
    _project_choices(form, project)
    back = url_for(".project", project_id=project.id)

    def save():
        changes = services.update_project(project, form.project_data(with_region=False), user=current_user,
                                          version=posted_version())
        flash(f"{project.name} saved." if changes else "No changes to save.", "success")
        return back

    return form_page(form, save, "funding/project_form.html", title=f"Change {project.name}", back=back,
                     project=project, show_region=False, region=project.region)


# --- one project ----------------------------------------------------------------------------------

def _grid(project: Project) -> dict[str, Any]:
    quarters = queries.project_quarters(project)
    measures = queries.measures_of(project)
    return {"quarters": quarters, "measures": measures, "words": {q.code: rules.quarter_words(q) for q in quarters}}


@bp.route("/projects/<int:project_id>")
@roles_required(*READERS)
def project(project_id: int):
    p = _load(project_id)
    grid = _grid(p)
    targets = queries.targets_of(p)
    spend = queries.spend_of(p)
    changes = queries.profile_changes_of(p)

    people = {u.id: u.name for u in db.session.scalars(select(User).where(
        User.id.in_({c.changed_by_id for c in changes if c.changed_by_id} | {p.lead_organiser_id or 0})))}
    return render_template("funding/project.html", project=p, targets=targets, spend=spend, changes=changes,
                           people=people, can_edit=queries.can_edit_project(current_user, p),
                           returns={q.code: return_url(p, q.code) for q in grid["quarters"]},
                           totals=_totals(targets, grid), spend_totals=_spend_totals(spend),
                           MEASURES=MEASURES, **grid)


def _totals(values: dict[tuple[str, str], Any], grid: dict[str, Any]) -> dict[str, Any]:
    """Row totals (per measure), column totals (per quarter) and the grand total, of whole numbers."""
    def num(x: Any) -> int:
        return x if isinstance(x, int) and not isinstance(x, bool) else 0

    by_measure = {m: sum(num(values.get((q.code, m))) for q in grid["quarters"]) for m in grid["measures"]}
    by_quarter = {q.code: sum(num(values.get((q.code, m))) for m in grid["measures"]) for q in grid["quarters"]}
    return {"measure": by_measure, "quarter": by_quarter, "all": sum(by_measure.values())}


def _spend_totals(spend: dict[str, Any]) -> dict[str, Any]:
    from decimal import Decimal

    return {"budget": sum((r.budget for r in spend.values() if r.budget is not None), Decimal("0")),
            "actual": sum((r.actual for r in spend.values() if r.actual is not None), Decimal("0"))}


def cell_id(period: str, measure: str) -> str:
    return f"target-{period}-{measure}"


def _grid_errors(exc: ValidationFailed, locate, cell_errors: dict[str, str],
                 page_errors: list[tuple[str, str]]) -> None:
    """A grid's service errors onto its cells and the error summary. ``locate(row index, field key)``
    gives the cell's id and its label in words; the reason for a re-profile has its own field."""
    for key, messages in exc.fields.items():
        if key == "reason":
            page_errors.append((messages[0], "#reason"))
            cell_errors["reason"] = messages[0]
            continue
        index = int(key[1:key.index("]")]) if key.startswith("[") else -1
        cell, label = locate(index, key)
        cell_errors[cell] = messages[0]
        page_errors.append((f"{label}: {messages[0]}", f"#{cell}"))


@bp.route("/projects/<int:project_id>/targets", methods=["GET", "POST"])
@roles_required(*EDITORS)
def project_targets(project_id: int):
    p = _load_for_edit(project_id)
    grid = _grid(p)
    saved = queries.targets_of(p)
    typed = {(q.code, m): ("" if saved.get((q.code, m)) is None else str(saved[(q.code, m)]))
             for q in grid["quarters"] for m in grid["measures"]}
    cell_errors: dict[str, str] = {}
    page_errors: list[tuple[str, str]] = []
    reason = ""
    if request.method == "POST":
        form = ButtonForm()
        reason = request.form.get("reason", "")
        keys = [(q.code, m) for q in grid["quarters"] for m in grid["measures"]]
        typed = {k: request.form.get(cell_id(*k), "").strip() for k in keys}
        rows = [{"period": k[0], "measure": k[1], "target": typed[k] or None} for k in keys]
        if not form.validate_on_submit():
            page_errors.append(("The page had expired: check the targets and save again", "#targets"))
        else:
            try:
                result = services.set_targets(p, rows, reason=reason, actor=current_user)
            except ValidationFailed as exc:
                def target_cell(index: int, _key: str) -> tuple[str, str]:
                    period, measure = keys[index] if 0 <= index < len(keys) else (None, None)
                    return cell_id(period, measure), f"{MEASURES.get(measure, measure)}, {grid['words'].get(period, period)}"

                _grid_errors(exc, target_cell, cell_errors, page_errors)
            else:
                flash("Targets saved." if result else "No changes to save.", "success")
                return redirect(url_for(".project", project_id=p.id) + "#profile")
    shown = {k: (int(val) if val.isdigit() else None) for k, val in typed.items()}
    return render_template("funding/targets.html", project=p, typed=typed, cell_errors=cell_errors,
                           page_errors=page_errors, reason=reason, reprofile=services.reprofile_needed(p),
                           totals=_totals(shown, grid), form=ButtonForm(formdata=None), cell_id=cell_id,
                           upload_form=UploadTargetsForm(formdata=None), MEASURES=MEASURES, **grid), \
        (400 if page_errors else 200)


@bp.route("/projects/<int:project_id>/targets/upload", methods=["POST"])
@roles_required(*EDITORS)
def upload_targets(project_id: int):
    p = _load_for_edit(project_id)
    grid = _grid(p)
    form = UploadTargetsForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        if upload is None or not getattr(upload, "filename", ""):
            form.file.errors = ["Choose the CSV file to upload"]
        else:
            raw = upload.read(services.MAX_CSV_BYTES + 1)
            try:
                result = services.upload_targets(p, raw, reason=form.reason.data, actor=current_user)
            except ValidationFailed as exc:
                if "reason" in exc.fields:
                    form.reason.errors = exc.fields["reason"]
                else:
                    problems = exc.fields.get("file", [exc.message])
                    form.file.errors = ["The file has problems, listed below: nothing was saved"]
            else:
                flash("Targets uploaded." if result else "The file matches the saved targets: nothing changed.",
                      "success")
                return redirect(url_for(".project", project_id=p.id) + "#profile")
    saved = queries.targets_of(p)
    typed = {(q.code, m): ("" if saved.get((q.code, m)) is None else str(saved[(q.code, m)]))
             for q in grid["quarters"] for m in grid["measures"]}
    return render_template("funding/targets.html", project=p, typed=typed, cell_errors={}, page_errors=[],
                           reason="", reprofile=services.reprofile_needed(p), totals=_totals(saved, grid),
                           form=form, cell_id=cell_id, upload_form=form, problems=problems,
                           MEASURES=MEASURES, **grid), 400


@bp.route("/projects/<int:project_id>/targets/template.csv")
@roles_required(*EDITORS)
def targets_template(project_id: int):
    """The profile as a CSV to fill in: a row per quarter and measure, with the saved targets."""
    p = _load_for_edit(project_id)
    grid = _grid(p)
    saved = queries.targets_of(p)
    rows = [(q.code, m, saved.get((q.code, m))) for q in grid["quarters"] for m in grid["measures"]]
    return csv_response(safe_filename("targets", p.id, p.name), services.CSV_COLUMNS, rows)


@bp.route("/projects/<int:project_id>/spend", methods=["GET", "POST"])
@roles_required(*EDITORS)
def project_spend(project_id: int):
    p = _load_for_edit(project_id)
    grid = _grid(p)
    saved = queries.spend_of(p)

    def money(x):
        return "" if x is None else f"{x:.2f}"

    typed = {(q.code, col): money(getattr(saved.get(q.code), col, None)) for q in grid["quarters"]
             for col in ("budget", "actual")}
    cell_errors: dict[str, str] = {}
    page_errors: list[tuple[str, str]] = []
    reason = ""
    if request.method == "POST":
        form = ButtonForm()
        reason = request.form.get("reason", "")
        typed = {(q.code, col): request.form.get(f"{col}-{q.code}", "").strip() for q in grid["quarters"]
                 for col in ("budget", "actual")}
        rows = [{"period": q.code, "budget": typed[(q.code, "budget")] or None,
                 "actual": typed[(q.code, "actual")] or None} for q in grid["quarters"]]
        if not form.validate_on_submit():
            page_errors.append(("The page had expired: check the figures and save again", "#spend"))
        else:
            try:
                result = services.set_spend(p, rows, reason=reason, actor=current_user)
            except ValidationFailed as exc:
                def spend_cell(index: int, key: str) -> tuple[str, str]:
                    column = key.split(".", 1)[1] if "." in key else "budget"
                    period = grid["quarters"][index].code if 0 <= index < len(grid["quarters"]) else ""
                    words = "Budget" if column == "budget" else "Actual spend"
                    return f"{column}-{period}", f"{words}, {grid['words'].get(period, period)}"

                _grid_errors(exc, spend_cell, cell_errors, page_errors)
            else:
                flash("Spend saved." if result else "No changes to save.", "success")
                return redirect(url_for(".project", project_id=p.id) + "#spend")
    return render_template("funding/spend.html", project=p, typed=typed, cell_errors=cell_errors,
                           page_errors=page_errors, reason=reason, reprofile=services.reprofile_needed(p),
                           form=ButtonForm(formdata=None), **grid), (400 if page_errors else 200)

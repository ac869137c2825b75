"""Pages for imports: upload and check (the preview), the run's page (progress, counts, problems by row and
column), confirm, and the templates.

Who may import: branch convenors for their branch, regional organisers for the branches of their region,
administrators anywhere; ULRs may not (403). A branch outside the user's scope answers 404, as a missing one
does, and so does a run of another branch.
"""
from __future__ import annotations

from typing import Optional

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from ..core.errors import ServiceError
from ..core.jobs import Job
from ..core.permissions import ADMIN, BRANCH_CONVENOR, REGIONAL_ORGANISER, get_visible_or_404, roles_required
from ..core.templating import uk_datetime  # noqa: F401  (the templates use the filter)
from ..extensions import db
from ..organisation.models import Branch
from . import jobs as _import_jobs  # noqa: F401  (registers the import job kinds)
from . import progress as live
from . import rules, services, templates
from .forms import ConfirmForm, UploadForm
from .models import RUN_STATUSES, ImportRun

bp = Blueprint("imports", __name__)

IMPORTERS = (ADMIN, REGIONAL_ORGANISER, BRANCH_CONVENOR)
STATUS_TAGS = {"checking": "govuk-tag--blue", "checked": "govuk-tag--green", "problems": "govuk-tag--red",
               "importing": "govuk-tag--blue", "done": "govuk-tag--green", "refused": "govuk-tag--red",
               "failed": "govuk-tag--red", "expired": "govuk-tag--grey"}
#: problems shown on the page (all of them are in the report file)
SHOWN_PROBLEMS = 500


def _branch(branch_id: int) -> Branch:
    return get_visible_or_404(db.session, Branch, branch_id, current_user)


def _run(branch: Branch, run_id: int) -> ImportRun:
    run = db.session.get(ImportRun, run_id)
    if run is None or run.branch_id != branch.id:
        abort(404)
    return run


def _upload_limit() -> int:
    return services.max_bytes() + 256 * 1024  # room for the form around the file


@bp.url_value_preprocessor
def _limit_uploads(endpoint: Optional[str], _values) -> None:
    if endpoint == "imports.index" and request.method == "POST":
        request.max_content_length = _upload_limit()


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    branch_id = (request.view_args or {}).get("branch_id")
    branch = None
    if request.endpoint == "imports.index" and branch_id is not None and current_user.is_authenticated \
            and current_user.role in IMPORTERS:
        branch = _branch(branch_id)
    if branch is None:
        from ..core.errors import ERROR_TITLES

        title, advice = ERROR_TITLES[413]
        return render_template("errors/error.html", code=413, title=title, advice=advice), 413
    form = UploadForm(formdata=None)
    form.file.errors = [rules.too_large(services.max_bytes())]
    return _index_page(branch, form), 413


def _index_page(branch: Branch, form: UploadForm):
    runs = db.session.scalars(select(ImportRun).where(ImportRun.branch_id == branch.id)
                              .order_by(ImportRun.created_at.desc(), ImportRun.id.desc()).limit(20)).all()
    return render_template("imports/index.html", branch=branch, form=form, runs=runs, statuses=RUN_STATUSES,
                           tags=STATUS_TAGS, kinds=rules.KINDS)


@bp.route("/branches/<int:branch_id>/imports", methods=["GET", "POST"])
@roles_required(*IMPORTERS)
def index(branch_id: int):
    branch = _branch(branch_id)
    form = UploadForm()
    if request.method == "POST":
        valid = form.validate_on_submit()
        upload = form.file.data
        if (upload is None or not getattr(upload, "filename", "")) and not form.file.errors:
            form.file.errors = ["Choose a CSV or XLSX file to import"]  # (said with the other fields' problems)
        if valid and not form.file.errors:
            content = upload.read(services.max_bytes() + 1)
            try:
                run = services.start_run(form.kind.data, upload.filename, content, branch, current_user)
            except ServiceError as exc:
                db.session.rollback()
                form.show_service_error(exc)
            else:
                db.session.commit()
                return redirect(url_for(".run", branch_id=branch.id, run_id=run.id))
    status = 400 if form.errors or form.form_errors else 200
    return _index_page(branch, form), status


@bp.route("/branches/<int:branch_id>/imports/<int:run_id>")
@roles_required(*IMPORTERS)
def run(branch_id: int, run_id: int):
    branch = _branch(branch_id)
    run = _run(branch, run_id)
    job = db.session.get(Job, run.job_id) if run.job_id else None
    failed = run.status == "failed" or (job is not None and job.status == "failed"
                                        and run.status in ("checking", "importing"))
    working = run.status in ("checking", "importing") and not failed
    progress = (live.get_progress(run.id) or (job.progress if job else 0)) if working else run.progress
    problems = list(run.problems or [])
    return render_template("imports/run.html", branch=branch, run=run, job=job, working=working, failed=failed,
                           progress=progress, problems=problems[:SHOWN_PROBLEMS], problem_count=len(problems),
                           form=ConfirmForm(), statuses=RUN_STATUSES, tags=STATUS_TAGS, kinds=rules.KINDS,
                           counts_text=rules.counts_text(run.counts or {}, run.kind))


@bp.route("/branches/<int:branch_id>/imports/<int:run_id>/confirm", methods=["POST"])
@roles_required(*IMPORTERS)
def confirm(branch_id: int, run_id: int):
    branch = _branch(branch_id)
    run = _run(branch, run_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.confirm_run(run, current_user)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
    return redirect(url_for(".run", branch_id=branch.id, run_id=run_id))


@bp.route("/imports/templates/<kind>.<fmt>")
@roles_required(*IMPORTERS)
def template(kind: str, fmt: str):
    if kind not in rules.KINDS or fmt not in rules.FORMATS:
        abort(404)
    content, name, content_type = templates.template(kind, fmt)
    response = Response(content, mimetype=content_type.split(";")[0])
    response.headers["Content-Type"] = content_type
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response


__all__ = ["bp"]

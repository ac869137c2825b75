"""Pages for background jobs: progress, the finished file (only for who asked), retry.

A job belongs to the user who asked for it: anyone else, administrators included, gets 404 for
all of these (the files are someone's exports, with what their role let them see). Report pages
start jobs with :func:`ulr_app.reports.jobs.start_report_job` and redirect to ``jobs.job``.
"""
from __future__ import annotations

import io
from typing import Any, Optional

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from ..core import audit
from ..core import jobs as core_jobs
from ..core.jobs import JOB_STATUSES, Job
from ..core.pagination import paginate
from ..core.templating import uk_datetime
from ..extensions import db
from . import jobs as _report_jobs  # noqa: F401  (registers the report_file job kind)

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

STATUS_TAGS = {"queued": "govuk-tag--grey", "running": "govuk-tag--blue", "done": "govuk-tag--green",
               "failed": "govuk-tag--red"}


def _load(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or job.user_id is None or job.user_id != current_user.id:
        abort(404)
    return job


def size_label(size: Optional[int]) -> str:
    """1234 -> "1.2 KB" (plain words for a file's size)."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} bytes"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}"
    return ""  # pragma: no cover


def _file_size(job: Job) -> Optional[int]:
    if job.status != "done" or not job.result_path:
        return None
    try:
        return core_jobs.path_of(job).stat().st_size
    except (FileNotFoundError, OSError):
        return None


def _status(job: Job) -> dict[str, Any]:
    """What the job page shows, and what its script reads from status.json."""
    size = _file_size(job)
    done = job.status == "done" and size is not None
    return {
        "id": job.id, "title": job.title, "status": job.status, "status_label": JOB_STATUSES.get(job.status, job.status),
        "progress": 100 if job.status == "done" else int(job.progress or 0), "finished": job.status in ("done", "failed"),
        "message": job.message if job.status == "failed" else None,
        "download_url": url_for(".download", job_id=job.id) if done else None,
        "filename": job.result_name if done else None, "size": size, "size_label": size_label(size),
        "sha256": job.result_sha256 if done else None,
        "made": uk_datetime(job.finished_at) if done and job.finished_at else "",
        "missing": job.status == "done" and size is None,
    }


@bp.route("")
def jobs():
    page = paginate(select(Job).where(Job.user_id == current_user.id).order_by(Job.created_at.desc(), Job.id.desc()))
    return render_template("reports/jobs.html", page=page, statuses=JOB_STATUSES, tags=STATUS_TAGS)


@bp.route("/<int:job_id>")
def job(job_id: int):
    job = _load(job_id)
    return render_template("reports/job.html", job=job, state=_status(job), tags=STATUS_TAGS)


@bp.route("/<int:job_id>/status.json")
def status(job_id: int):
    return jsonify(_status(_load(job_id)))


@bp.route("/<int:job_id>/download")
def download(job_id: int):
    job = _load(job_id)
    if job.status != "done" or not job.result_path:
        abort(404)
    elsewhere = (job.params or {}).get("download_url") or ""
    if elsewhere.startswith("/") and not elsewhere.startswith("//"):
        return redirect(elsewhere)  # a file with its own download (a subject access export: audited, then deleted)
    try:
        path = core_jobs.path_of(job)
        content = path.read_bytes()  # read whole: no file handle is left open with the response
    except OSError:
        abort(404)
    name = job.result_name or path.name
    audit.record_export(db.session, job.title, fmt=name.rsplit(".", 1)[-1] if "." in name else "file", filename=name,
                        object_type=job.__tablename__, object_id=job.id)
    return send_file(io.BytesIO(content), mimetype=(job.result_type or "application/octet-stream").split(";")[0],
                     as_attachment=True, download_name=job.result_name or path.name, max_age=0)


@bp.route("/<int:job_id>/retry", methods=["POST"])
def retry(job_id: int):
    job = _load(job_id)
    if job.status != "failed":
        flash("Only a file that could not be made can be tried again." if job.status != "done"
              else "This file is ready: there is nothing to try again.", "error")
        return redirect(url_for(".job", job_id=job.id))
    core_jobs.retry(db.session, job)
    flash("Trying again. This page shows how far it has got.", "success")
    return redirect(url_for(".job", job_id=job.id))


__all__ = ["bp", "size_label"]

"""Report files made in the background: the ``report_file`` job kind and :func:`start_report_job`.

A report page that offers a PDF or spreadsheet calls ``start_report_job(report, params, fmt, user)``
(after checking the user may see that scope), commits, and redirects to ``jobs.job``. The job loads
the user again, calls the report's builder (:data:`.document.BUILDERS`) with the parameters,
renders the format and returns the file; the job page shows its progress and the download.
"""
from __future__ import annotations

import json
from typing import Any

from flask import current_app, has_request_context

from ..accounts.models import User
from ..core.csvio import safe_filename
from ..core.errors import ServiceError, ValidationFailed
from ..core.jobs import Job, JobResult, enqueue, job_kind
from ..extensions import db
from . import exports
from .document import BUILDERS, TITLES

KIND = "report_file"


def start_report_job(report: str, params: dict[str, Any], fmt: str, user) -> Job:
    """Queue the file of ``report`` in ``fmt`` ("pdf", "xlsx" or "csv") for ``user``; it starts once
    the session commits. Flushes, never commits. Raises ValidationFailed for an unknown report or
    format, or parameters that cannot be stored (they must be JSON: dates as ISO text)."""
    if report not in BUILDERS:
        raise ValidationFailed(f"There is no report called {report}.", {"report": ["Choose a report."]})
    if fmt not in exports.FORMATS:
        raise ValidationFailed("Choose PDF, XLSX or CSV.", {"format": ["Choose PDF, XLSX or CSV."]})
    try:
        params = json.loads(json.dumps(params or {}))
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("The report's settings could not be saved for later.") from exc
    title = f"{TITLES.get(report, report)} ({exports.FORMAT_LABELS[fmt]})"
    return enqueue(db.session, KIND, {"report": report, "params": params, "format": fmt, "user_id": user.id},
                   title=title, user_id=user.id)


@job_kind(KIND)
def report_file(params: dict[str, Any], progress) -> JobResult:
    """Build the report for the user who asked, render it, and return the file."""

    user = db.session.get(User, params.get("user_id") or 0)
    if user is None or not getattr(user, "active", True):
        raise ServiceError("The person who asked for this file can no longer sign in, so it was not made.")
    builder = BUILDERS.get(params.get("report", ""))
    fmt = params.get("format", "")
    if builder is None or fmt not in exports.FORMATS:
        raise ServiceError("This kind of report can no longer be made. Ask for it again from its page.")
    progress(10)
    if has_request_context():
        doc = builder(dict(params.get("params") or {}), user)
    else:
        # builders may link figures to pages (url_for): give them a request to build links against
        with current_app.test_request_context("/"):
            doc = builder(dict(params.get("params") or {}), user)
    progress(30)
    content, extension, content_type = exports.render(doc, fmt)
    progress(90)
    return JobResult(content, safe_filename(doc.filename_stem, extension=extension), content_type)


__all__ = ["KIND", "report_file", "start_report_job"]

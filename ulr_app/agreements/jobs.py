"""Agreement PDFs made in the background: the ``agreement_pdf`` job kind and :func:`start_pdf_job`.

Rendering a draft or copy with WeasyPrint takes about a second (bench/agreement_pdf.py), too long to
hold a web worker. The draft page calls :func:`start_pdf_job`, commits and sends the convenor to the
job's page (``jobs.job``), which shows its progress and the download; the document is also kept
with the agreement, as before, once the job has made it.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, Optional

from flask import current_app, g, has_request_context, url_for
from sqlalchemy import select

from ..accounts.models import User
from ..core.errors import ServiceError
from ..core.jobs import Job, JobResult, enqueue, job_kind
from ..core.permissions import visible
from ..extensions import db
from . import queries, services
from .models import Agreement

KIND = "agreement_pdf"


def documents_module() -> Optional[ModuleType]:
    """The draft builder (ulr_app.agreements.documents), if it is installed."""
    try:
        return importlib.import_module("ulr_app.agreements.documents")
    except ModuleNotFoundError as exc:
        if exc.name != "ulr_app.agreements.documents":
            raise
        return None


def start_pdf_job(agreement: Agreement, clause_set: str, user) -> Job:
    """Queue the PDF of ``agreement`` from ``clause_set`` for ``user`` (who may edit it). It starts
    once the session commits. Flushes, never commits."""
    word = "Copy" if agreement.status == "signed" else "Draft"
    params = {"agreement_id": agreement.id, "clause_set": clause_set, "user_id": user.id,
              "link_url": url_for("agreements.agreement", agreement_id=agreement.id),
              "link_label": f"Back to {agreement.title}"}
    return enqueue(db.session, KIND, params, title=f"{word} of {agreement.title} (PDF)", user_id=user.id)


def _build(params: dict[str, Any], user: User):
    agreement = db.session.scalars(visible(select(Agreement).where(Agreement.id == params.get("agreement_id")),
                                           user)).first()
    if agreement is None or not queries.can_edit(user, agreement):
        raise ServiceError("You can no longer change this agreement, so its PDF was not made.")
    documents = documents_module()
    if documents is None:
        raise ServiceError("Draft documents cannot be generated yet.")
    code = params.get("clause_set") or ""
    try:
        pdf, document = documents.draft_pdf(agreement, code)
    except ValueError as exc:
        raise ServiceError(f"The draft could not be made: {exc}") from exc
    stored = services.record_generated(agreement, pdf, clause_set=code, flagged=document.flagged_json(),
                                       set_version=getattr(document, "set_version", None))
    name = documents.file_name(stored, agreement) if hasattr(documents, "file_name") else f"agreement-{stored.number}.pdf"
    return JobResult(pdf, name, "application/pdf")


@job_kind(KIND)
def agreement_pdf(params: dict[str, Any], progress) -> JobResult:
    """Render the agreement's PDF for the user who asked, keep it with the agreement, return it."""
    user = db.session.get(User, params.get("user_id") or 0)
    if user is None or not getattr(user, "active", True):
        raise ServiceError("The person who asked for this file can no longer sign in, so it was not made.")
    g.audit_actor = user  # the document and its timeline line are theirs, not the worker's
    progress(10)
    if has_request_context():
        return _build(params, user)
    with current_app.test_request_context("/"):  # the document may link to pages (url_for)
        g.audit_actor = user
        return _build(params, user)


__all__ = ["KIND", "agreement_pdf", "documents_module", "start_pdf_job"]

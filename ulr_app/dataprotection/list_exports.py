"""The register of subject access requests as a CSV / XLSX download (:mod:`ulr_app.core.listexport`)."""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from ..core import listexport
from ..core.listexport import columns
from . import rules

URGENCY = {"overdue": "Overdue", "due_soon": "Due soon"}


def request_columns(today: date) -> list[listexport.Column]:
    return columns(
        ("Person", lambda s: s.person_name),
        ("Branch", lambda s: s.branch.name),
        ("Received", lambda s: s.received_on),
        ("Due by", lambda s: s.due_on),
        ("Status", lambda s: rules.STATUSES.get(s.status, s.status)),
        ("Urgency", lambda s: URGENCY.get(rules.urgency(s.due_on, s.status, today) or "")),
        ("Identity received on", lambda s: s.identity_received_on),
        ("Extension", lambda s: rules.EXTENSIONS.get(s.extension_months, s.extension_months)),
        ("Answered on", lambda s: s.answered_on),
        ("Learner", lambda s: s.learner.name if s.learner else None),
        ("Request number", lambda s: s.id),
    )


def requests(fmt: str, stmt, filters: Mapping[str, Any], *, today: date):
    return listexport.export(fmt, stmt, request_columns(today), title="subject access requests",
                             object_type="subject_access_request", filters=filters)

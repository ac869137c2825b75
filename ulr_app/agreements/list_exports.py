"""The learning agreements list as a CSV / XLSX download (:mod:`ulr_app.core.listexport`)."""
from __future__ import annotations

from typing import Any, Mapping

from ..core import listexport
from ..core.listexport import columns
from .models import KINDS, LEARNER_TIME, SCHOOLS_SCOPES, STATUSES

AGREEMENT_COLUMNS = columns(
    ("Agreement", lambda a: a.title),
    ("Employer", lambda a: a.employer.name),
    ("Branch", lambda a: a.branch.name),
    ("Schools", lambda a: SCHOOLS_SCOPES.get(a.schools_scope, a.schools_scope)),
    ("Status", lambda a: STATUSES.get(a.status, a.status)),
    ("Review date", lambda a: a.review_due_on),
    ("Kind", lambda a: KINDS.get(a.kind, a.kind)),
    ("Whole employer", lambda a: a.whole_employer),
    ("ULR places", lambda a: a.ulr_places),
    ("ULR paid time off", lambda a: a.ulr_paid_time_off),
    ("ULR hours a month", lambda a: a.ulr_hours_per_month),
    ("Learners' time off", lambda a: LEARNER_TIME.get(a.learner_time_off, a.learner_time_off)),
    ("Starts on", lambda a: a.starts_on),
    ("Signed on", lambda a: a.signed_on),
    ("Ends on", lambda a: a.expires_on),
    ("Employer signatory", lambda a: a.employer_signatory),
    ("Union signatory", lambda a: a.union_signatory),
    ("Agreement number", lambda a: a.id),
)


def agreements(fmt: str, stmt, filters: Mapping[str, Any]):
    return listexport.export(fmt, stmt, AGREEMENT_COLUMNS, title="learning agreements", object_type="agreement",
                             filters=filters)

"""The ULR appointments list as a CSV / XLSX download (:mod:`ulr_app.core.listexport`)."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..core import listexport
from ..core.listexport import columns
from ..organisation.models import WORKPLACE_KINDS
from . import rules
from .models import TRAINING_ROUTES

#: items are (appointment, state) pairs, as the list page shows them
REP_COLUMNS = columns(
    ("ULR", lambda it: it[0].name),
    ("Employer", lambda it: it[0].employer.name),
    ("Workplace", lambda it: it[0].workplace.name if it[0].workplace else None),
    ("Workplace kind", lambda it: WORKPLACE_KINDS.get(it[0].workplace.kind, it[0].workplace.kind)
     if it[0].workplace else None),
    ("Branch", lambda it: it[0].branch.name),
    ("School-based", lambda it: bool(it[1].school_based)),
    ("Status", lambda it: rules.STATUSES.get(it[1].status, it[1].status)),
    ("Training deadline", lambda it: it[1].training_deadline),
    ("E-mail address", lambda it: it[0].email),
    ("Appointed on", lambda it: it[0].appointed_on),
    ("Employer told on", lambda it: it[0].notice_given_on),
    ("Training route", lambda it: TRAINING_ROUTES.get(it[0].training_route, it[0].training_route)),
    ("Training course", lambda it: it[0].training_course),
    ("Trained on", lambda it: it[0].trained_on),
    ("Stood down on", lambda it: it[0].stood_down_on),
    ("ULR number", lambda it: it[0].id),
)


def reps(fmt: str, shown: Sequence[Any], filters: Mapping[str, Any]):
    """``shown``: the list page's (appointment, state) pairs after its filters (status is for today)."""
    return listexport.export(fmt, shown, REP_COLUMNS, title="ULR appointments", object_type="rep", filters=filters)

"""The cases list as a CSV / XLSX download (:mod:`ulr_app.core.listexport`)."""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy.orm import selectinload

from ..core import listexport
from ..core.listexport import columns
from . import queries, rules
from .models import Case


def case_columns(*, show_branch: bool) -> list[listexport.Column]:
    """Items are (case, next follow-up date) pairs. The branch only for those whose list shows it."""
    cols = columns(("Case", lambda it: it[0].summary), ("Kind", lambda it: rules.KINDS.get(it[0].kind, it[0].kind)))
    if show_branch:
        cols += columns(("Branch", lambda it: it[0].branch.name))
    return cols + columns(
        ("Worked by", lambda it: it[0].owner.name if it[0].owner else None),
        ("Status", lambda it: rules.STATUSES.get(it[0].status, it[0].status)),
        ("Due", lambda it: it[0].due_on),
        ("Next follow-up", lambda it: it[1] if it[0].status != "closed" else None),
        ("Opened on", lambda it: it[0].opened_on),
        ("Closed on", lambda it: it[0].closed_on),
        ("Learner", lambda it: it[0].learner.name if it[0].learner else None),
        ("Workplace", lambda it: it[0].workplace.name if it[0].workplace else None),
        ("Details", lambda it: it[0].details),
        ("Outcome", lambda it: it[0].outcome),
        ("Case number", lambda it: it[0].id),
    )


def _with_next_steps(batch: list[Case]) -> list[tuple[Case, Any]]:
    nexts = queries.next_follow_ups([c.id for c in batch])  # one query a batch
    return [(c, nexts.get(c.id)) for c in batch]


def cases(fmt: str, stmt, filters: Mapping[str, Any], *, show_branch: bool):
    stmt = stmt.options(selectinload(Case.learner), selectinload(Case.workplace))
    return listexport.export(fmt, stmt, case_columns(show_branch=show_branch), title="cases", object_type="case",
                             filters=filters, prepare=_with_next_steps)

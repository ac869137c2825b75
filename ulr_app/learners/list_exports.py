"""The learners list and the course catalogue as CSV / XLSX downloads (:mod:`ulr_app.core.listexport`).

The learners file holds what the list shows and the record's main details; the equality monitoring
(gender, ethnicity, disability, age band) only for those who may see it (convenors and above), and
then the export is recorded as a read of special-category data of every learner in it."""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core import listexport
from ..core.listexport import columns
from ..core.permissions import LEARNING_REP
from ..extensions import db
from . import queries, services
from .models import (
    CONTRACTS,
    COURSE_CATEGORIES,
    HOURS,
    LEVEL_LABELS,
    MEMBERSHIP,
    STAFF_CATEGORIES,
    SUBJECTS,
    Learner,
)

EQUALITY_COLUMNS = (("Gender", "gender"), ("Ethnicity", "ethnicity"), ("Disability", "disability"),
                    ("Age band", "age_band"))


def learner_columns(user) -> list[listexport.Column]:
    """The columns of the learners file for ``user``: items are (learner, stage) pairs."""
    cols = columns(
        ("Name", lambda it: it[0].name),
        ("Workplace", lambda it: it[0].workplace.name if it[0].workplace else None),
        ("Employer", lambda it: it[0].employer.name if it[0].employer else None),
    )
    if user.role != LEARNING_REP:  # a ULR's list has no ULR column: the learners are theirs
        cols += columns(("ULR", lambda it: it[0].rep.name if it[0].rep else None))
    cols += columns(
        ("Staff category", lambda it: STAFF_CATEGORIES.get(it[0].staff_category or "")),
        ("Stage", lambda it: queries.STAGES.get(it[1], it[1])),
        ("Branch", lambda it: it[0].branch.name),
        ("E-mail address", lambda it: it[0].email),
        ("Job title", lambda it: it[0].job_title),
        ("Contract", lambda it: CONTRACTS.get(it[0].contract or "")),
        ("Hours", lambda it: HOURS.get(it[0].hours or "")),
        ("UNISON membership", lambda it: MEMBERSHIP.get(it[0].membership or "")),
        ("Joined the union", lambda it: it[0].joined_union_on),
        ("Consent given on", lambda it: it[0].consent_on),
        ("Highest level before", lambda it: LEVEL_LABELS.get(it[0].prior_level or "")),
    )
    if queries.can_see_equality(user):
        cols += columns(*((heading, (lambda it, f=field: getattr(it[0], f))) for heading, field in EQUALITY_COLUMNS))
    cols += columns(("Learner number", lambda it: it[0].id))
    return cols


def _with_stages(batch: list[Learner]) -> list[tuple[Learner, str]]:
    return [(lr, lr.stage) for lr in batch]  # the stage the row keeps (standing.py)


def learners(fmt: str, stmt, user, filters: Mapping[str, Any]):
    """The learners list (``stmt``: the page's filtered, scoped select) as a download."""
    stmt = stmt.options(selectinload(Learner.employer), selectinload(Learner.branch))
    special = None
    if queries.can_see_equality(user):
        def special() -> None:
            sub = stmt.order_by(None).subquery()
            services.audit_equality_read(db.session.execute(select(sub.c.id, sub.c.name)), user,
                                         "the learners export")
    return listexport.export(fmt, stmt, learner_columns(user), title="learners", object_type="learner",
                             filters=filters, prepare=_with_stages, special=special)


COURSE_COLUMNS = columns(
    ("Title", lambda c: c.title),
    ("Category", lambda c: COURSE_CATEGORIES.get(c.category, c.category)),
    ("Subject", lambda c: SUBJECTS.get(c.subject, c.subject)),
    ("Level", lambda c: LEVEL_LABELS.get(c.level, c.level)),
    ("Provider", lambda c: c.provider),
    ("Leads to a qualification", lambda c: c.qualification),
    ("In use", lambda c: c.active),
    ("Course number", lambda c: c.id),
)


def courses(fmt: str, stmt, filters: Mapping[str, Any]):
    return listexport.export(fmt, stmt, COURSE_COLUMNS, title="courses", object_type="course", filters=filters)

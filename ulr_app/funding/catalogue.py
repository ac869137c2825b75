"""The built-in funding programmes, loaded by ``flask reference load`` (idempotent)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from ..core import hooks
from ..extensions import db
from .models import MEASURES, Programme

#: (code, name, measures, description)
PROGRAMMES = (
    ("ulf", "Union Learning Fund", list(MEASURES),
     "Quarterly progress returns against a profile of targets. The English fund closed in March 2021; the Wales "
     "fund and others like it continue."),
    ("go_award", "Go (Get On) Award", ["learners_engaged", "learning_outcomes", "needs_assessed"],
     "The regional Skills for Life award for councils run with the unions: eight standards and their evidence."),
)


@hooks.provide("reference.loaders")
def _loader():
    return "programmes", load_programmes


def load_programmes() -> int:
    """Add the built-in programmes that are missing; returns how many were added."""
    existing = set(db.session.scalars(select(Programme.code)))
    added = 0
    for code, name, measures, description in PROGRAMMES:
        if code in existing:
            continue
        db.session.add(Programme(code=code, name=name, measures=list(measures), description=description,
                                 variance_threshold=Decimal("20.0"), built_in=True))
        added += 1
    db.session.flush()
    return added

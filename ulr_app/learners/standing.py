"""Each learner's stage and last contact, kept on the learner row (issue 13).

A ULR's home page counts their caseload by stage and finds who has had no contact for 90 days; the learner
list shows each row's stage and filters by it. Worked out from the enrolments, needs analyses and contacts
each time, those figures cost one or two index lookups per learner in scope: a ULR with 1,155 learners paid
for 1,155 stages on every visit to their home page. So the learner row keeps them:

- ``learner.stage``: :func:`queries.stage_of`'s rule (the furthest enrolment status, else whether they had
  a needs analysis), as SQL in :func:`queries.stage_column`;
- ``learner.last_contact_on``: the date of their latest contact (activity), None if never contacted.

They are kept up to date in the flush that changes what they are made of: after any flush that adds,
changes or removes an enrolment, a needs analysis or a contact (activity), the learners concerned (both
learners, where a record moved from one to another, as in a merge) are worked out again, in the same
transaction, from the database's rows, with the same SQL the rule uses. Every write in the app goes through
the ORM (imports, surveys, merges, erasure and the demo's services included); the one that does not, the
national demo's bulk COPY, calls :func:`refresh` for every learner when it is done, as the migration that
added the columns did.

Concurrent writers: on PostgreSQL the learners' rows are locked (in id order) before they are worked out,
so two transactions adding enrolments to one learner at once cannot each compute the stage without the
other's enrolment: the second waits for the first to commit, and then reads it (a new statement sees what
was committed before it started).
"""
from __future__ import annotations

from functools import cache
from typing import Any, Iterable, Optional

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session, attributes
from sqlalchemy.orm.util import identity_key

from ..contacts.models import Activity
from .models import Enrolment, Learner, NeedsAssessment

#: the records a learner's stage or last contact is made of
SOURCES = (Enrolment, NeedsAssessment, Activity)


def last_contact_column():
    """SQL: the date of the learner's latest contact (None: never), a correlated lookup on the
    ``(learner_id, happened_on)`` index."""
    return (select(func.max(Activity.happened_on)).where(Activity.learner_id == Learner.id)
            .correlate(Learner).scalar_subquery())


@cache
def _statements():
    """(update all, update the ids named, lock the ids named): built once, as every flush that writes a
    learner's records runs them (building the stage's SQL each time was a quarter of the demo's build)."""
    from .queries import stage_column

    table = Learner.__table__
    update_all = update(table).values(stage=stage_column(), last_contact_on=last_contact_column())
    named = table.c.id.in_(bindparam("ids", expanding=True))
    update_named = update_all.where(named).returning(table.c.id, table.c.stage, table.c.last_contact_on)
    lock_named = select(table.c.id).where(named).order_by(table.c.id).with_for_update()
    return update_all, update_named, lock_named


def refresh(connection, learner_ids: Optional[Iterable[int]] = None, *, among=None) -> dict[int, tuple[str, Any]]:
    """Work out again the stage and last contact of ``learner_ids`` from their records, on ``connection``
    (inside the caller's transaction). Returns id -> (stage, last contact) for the learners named.
    Without ``learner_ids``: every learner, or those whose id is in ``among`` (a SELECT of learner ids), for
    bulk loads; nothing is returned then."""
    update_all, update_named, lock_named = _statements()
    if learner_ids is None:
        connection.execute(update_all if among is None else update_all.where(Learner.__table__.c.id.in_(among)))
        return {}
    ids = sorted({int(i) for i in learner_ids if i is not None})
    if not ids:
        return {}
    if connection.dialect.name == "postgresql":
        # wait for any other transaction changing these learners' records to commit, so the UPDATE below
        # (a new statement, a new snapshot) reads what it wrote; id order, so two writers never deadlock
        connection.execute(lock_named, {"ids": ids})
    rows = connection.execute(update_named, {"ids": ids})
    return {row.id: (row.stage, row.last_contact_on) for row in rows}


def _learners_touched(session: Session) -> set[int]:
    """The learners whose records this flush adds, changes or removes (a moved record: both learners)."""
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, SOURCES):
            continue
        if obj.learner_id is not None:
            ids.add(obj.learner_id)
        history = attributes.get_history(obj, "learner_id")
        ids.update(i for i in history.deleted if i is not None)
    return ids


def _after_flush(session: Session, _flush_context) -> None:
    ids = _learners_touched(session)
    if not ids:
        return
    found = refresh(session.connection(), ids)
    # learners already loaded in this session see their new figures without another query
    for learner_id, (stage, last_contact_on) in found.items():
        learner = session.identity_map.get(identity_key(Learner, learner_id))
        if learner is not None:
            attributes.set_committed_value(learner, "stage", stage)
            attributes.set_committed_value(learner, "last_contact_on", last_contact_on)


def install(session_class: Any) -> None:
    """Keep learners' stage and last contact up to date in every flush of ``session_class`` (the app
    factory installs it; installing it twice is harmless)."""
    from sqlalchemy import event

    if not event.contains(session_class, "after_flush", _after_flush):
        event.listen(session_class, "after_flush", _after_flush)


def stale_learners(connection, limit: int = 20) -> list[int]:
    """Learners whose kept stage or last contact differ from what their records say (at most ``limit``
    ids): none, if every write went through a flush. The tests check it after each test."""
    from .queries import stage_column

    kept_wrong = (Learner.stage != stage_column()) | ~Learner.last_contact_on.is_not_distinct_from(
        last_contact_column())
    return list(connection.scalars(select(Learner.id).where(kept_wrong).order_by(Learner.id).limit(limit)))

"""The data generation: a number that goes up after every committed change to the app's records, so that
what was worked out from them (a report's figures, ``reports/cache.py``) can be kept until it changes.

Every worker and job shares it: it is one row in the database (``data_generation``). A session marks itself
changed when it flushes a new, changed or deleted record, or runs an INSERT, UPDATE or DELETE through the ORM
(imports' bulk inserts), of any table but the app's own bookkeeping (:data:`BOOKKEEPING`: the audit trail,
sessions, jobs...); when such a session commits, the generation goes up by one, in a short transaction of
its own. Going up after the commit, never before, is what makes it safe: whatever was worked out while the
change was not yet committed is kept under the old number, which the commit then leaves behind. A rollback
forgets the mark.

What it cannot see: SQL written by hand outside the ORM (the national demo's COPY calls :func:`bump`
itself), and a process that dies between its commit and the bump. Whatever is kept under a generation is
therefore also kept for a limited time only (``reports/cache.py``: 5 minutes).
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Optional

from sqlalchemy import BigInteger, DateTime, Integer, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base

#: tables whose rows record the app's own work, not the union's records: writing them changes no figure
BOOKKEEPING = frozenset({"audit_entry", "audit_record", "user_session", "job", "outbox_message", "reminder_sent",
                         "recovery_code", "api_token", "data_generation"})
#: the session.info key of the mark
CHANGED = "ulr_data_changed"


class DataGeneration(Base):
    """One row (id 1): the generation and when it last went up."""

    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))


def current(session: Session) -> Optional[int]:
    """The generation now (None when the row is missing: then nothing may be kept)."""
    return session.scalar(select(DataGeneration.n).where(DataGeneration.id == 1))


def bump(connection) -> None:
    """The generation goes up by one, on ``connection`` (in its transaction)."""
    connection.execute(update(DataGeneration).where(DataGeneration.id == 1)
                       .values(n=DataGeneration.n + 1, changed_at=datetime.now(UTC)))


def _records(objects) -> bool:
    return any(getattr(obj, "__tablename__", None) not in BOOKKEEPING for obj in objects)


def _after_flush(session: Session, _flush_context) -> None:
    if not session.info.get(CHANGED) and _records((*session.new, *session.dirty, *session.deleted)):
        session.info[CHANGED] = True


def _do_orm_execute(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        mapper = state.bind_mapper
        table = getattr(getattr(mapper, "local_table", None), "name", None)
        if table not in BOOKKEEPING:
            state.session.info[CHANGED] = True


def _after_commit(session: Session) -> None:
    if not session.info.pop(CHANGED, False):
        return
    engine = session.get_bind()
    try:
        with engine.begin() as connection:
            bump(connection)
    except Exception:  # noqa: BLE001 - the change is committed; kept figures then expire with their time limit
        import logging

        logging.getLogger(__name__).exception("could not move the data generation on after a commit")


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(CHANGED, None)


def install(session_class: Any) -> None:
    """Mark and bump for every session of ``session_class`` (the app factory; twice is harmless)."""
    from sqlalchemy import event

    for name, fn in (("after_flush", _after_flush), ("do_orm_execute", _do_orm_execute),
                     ("after_commit", _after_commit), ("after_rollback", _forget)):
        if not event.contains(session_class, name, fn):
            event.listen(session_class, name, fn)

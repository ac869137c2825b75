"""The data generation: a number that goes up with every committed change to the app's records, so that
what was worked out from them (a report's figures, ``reports/cache.py``) can be kept until it changes.

Every worker and job shares it: it is one row in the database (``data_generation``). A session marks itself
changed when it flushes a new, changed or deleted record, or runs an INSERT, UPDATE or DELETE through the ORM
(imports' bulk inserts), of any table but the app's own bookkeeping (:data:`BOOKKEEPING`: the audit trail,
sessions, jobs...). When such a session commits, the generation goes up by one as the last statement of the
same transaction: the change and the new number are committed together or not at all, and whatever was worked
out before the commit was kept under the old number. The row stays locked only from that last statement to
the commit, after which the transaction takes no other lock, so writers queue on it briefly but can never
deadlock on it. A savepoint's commit leaves the mark for the outermost commit; a rollback forgets it.

What it cannot see: SQL written by hand outside the ORM (the national demo's COPY goes with ORM writes that
mark its session). Whatever is kept under a generation is therefore also kept for a limited time only
(``reports/cache.py``: 5 minutes).
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


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outermost commit moves the generation on
    session.flush()  # what the commit would flush next: its changes mark the session too
    if session.info.pop(CHANGED, False):
        bump(session.connection())


def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint within it
        session.info.pop(CHANGED, None)


def install(session_class: Any) -> None:
    """Mark and bump for every session of ``session_class`` (the app factory; twice is harmless)."""
    from sqlalchemy import event

    for name, fn in (("after_flush", _after_flush), ("do_orm_execute", _do_orm_execute),
                     ("before_commit", _before_commit), ("after_soft_rollback", _forget)):
        if not event.contains(session_class, name, fn):
            event.listen(session_class, name, fn)

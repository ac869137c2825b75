"""A ULR's caseload at a glance (their home page): learners by stage, overdue follow-ups, and learners
nobody has been in touch with for a while. Read side only, through ``visible()``; a fixed number of
queries whatever the size of the caseload."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..contacts.models import FollowUp
from ..core.permissions import visible
from ..extensions import db
from . import queries
from .models import Learner

#: a learner nobody has been in touch with for this many days needs a contact
NO_CONTACT_DAYS = 90
#: how many of them the home page lists (the rest are a link to the learner list)
NO_CONTACT_SHOWN = 20


def stage_counts(user) -> dict[str, int]:
    """stage -> learners the user can see at that stage, every stage present (zeros included)."""
    found = queries.stage_counts(user)
    return {stage: found.get(stage, 0) for stage in queries.STAGES}


def overdue_follow_ups(user, today: Optional[date] = None) -> list[FollowUp]:
    """Follow-ups (on cases and on learners) the user can see, not done and due before today, oldest first.
    A learner's follow-up is left out once they may no longer be contacted (queries.contactable)."""
    today = today or date.today()
    # asked of each follow-up's own learner (by primary key), not of every learner (issue 13)
    may_contact = FollowUp.learner_id.is_(None) | select(Learner.id).where(
        Learner.id == FollowUp.learner_id, queries.contactable(today)).exists()
    stmt = (visible(select(FollowUp), user).where(FollowUp.done_on.is_(None), FollowUp.due_on < today, may_contact)
            .options(joinedload(FollowUp.learner), joinedload(FollowUp.case))  # same statements with none or many
            .order_by(FollowUp.due_on, FollowUp.id))
    return list(db.session.scalars(stmt))


def not_contacted_since(today: date, days: int = NO_CONTACT_DAYS):
    """SQL condition: the learner consented at least ``days`` ago (before that nobody may contact them,
    and a new learner is not yet overdue), may still be contacted (queries.contactable: a learner who
    withdrew consent to contact is never due one) and has had no contact (activity) since ``today - days``:
    by the last contact the learner row keeps (standing.py), not a lookup of their activities (issue 13)."""
    since = today - timedelta(days=days)
    return (Learner.consent_on.is_not(None) & (Learner.consent_on <= since) & queries.contactable(today)
            & (Learner.last_contact_on.is_(None) | (Learner.last_contact_on < since)))


@dataclass(frozen=True)
class Quiet:
    """A learner due a contact, with the date of the last one (None: never contacted)."""

    learner: Learner
    last_contact_on: Optional[date]


def no_recent_contact(user, today: Optional[date] = None, *, days: int = NO_CONTACT_DAYS,
                      limit: int = NO_CONTACT_SHOWN) -> tuple[list[Quiet], int]:
    """Learners the user can see (merged records left out) with no contact in ``days`` days, longest
    silence first (never contacted before all), at most ``limit``; and how many there are in all."""
    today = today or date.today()
    base = queries.current_learners(visible(select(Learner), user)).where(not_contacted_since(today, days))
    total = db.session.scalar(select(func.count()).select_from(base.with_only_columns(Learner.id).subquery()))
    # the first ``limit`` by silence, then their rows and workplaces: joining the workplaces before the limit
    # had PostgreSQL merge-join a ULR's 800 quiet learners with the country's 22,000 workplaces (issue 13)
    first = (base.with_only_columns(Learner.id, Learner.last_contact_on, Learner.name)
             .order_by(Learner.last_contact_on.is_not(None), Learner.last_contact_on, Learner.name, Learner.id)
             .limit(limit).subquery())
    rows = db.session.execute(
        select(Learner, first.c.last_contact_on).join(first, first.c.id == Learner.id)
        .options(joinedload(Learner.workplace))
        .order_by(first.c.last_contact_on.is_not(None), first.c.last_contact_on, first.c.name, first.c.id)).all()
    return [Quiet(learner=learner, last_contact_on=last_on) for learner, last_on in rows], total

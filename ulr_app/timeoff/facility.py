"""Facility time: per ULR and per period, hours requested, granted and refused (ULR duties and
training), against the hours a month the employer's learning agreement in force allows ULRs.

The sums come from one SQL aggregate (:func:`ulr_app.timeoff.queries.facility_time`); this module
adds the ULRs with no requests in the period and the agreement's terms."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable, Optional

from sqlalchemy import false, or_, select
from sqlalchemy.orm import selectinload

from ..agreements.models import Agreement
from ..core.periods import Period
from ..core.permissions import visible
from ..extensions import db
from ..agreements import rules as agreement_rules
from ..reps.models import Rep
from . import queries as timeoff_queries

IN_FORCE = tuple(sorted(agreement_rules.IN_FORCE))  # signed, or signed and being reviewed
ZERO = Decimal("0.00")


def agreements_in_force(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Agreement]:
    """(branch_id, employer_id) -> the learning agreement in force with that employer, preferring
    the branch's own, then the most recently signed. One query."""
    pairs = set(pairs)
    employer_ids = {e for _b, e in pairs}
    if not employer_ids:
        return {}
    found = db.session.scalars(select(Agreement).where(Agreement.employer_id.in_(employer_ids),
                                                       Agreement.status.in_(IN_FORCE))).all()
    out: dict[tuple[int, int], Agreement] = {}
    for branch_id, employer_id in pairs:
        mine = [a for a in found if a.employer_id == employer_id]
        if mine:
            out[(branch_id, employer_id)] = max(mine, key=lambda a: (a.branch_id == branch_id, a.signed_on or date.min, a.id))
    return out


@dataclass(frozen=True)
class FacilityRow:
    rep: Rep
    period: Period
    requests: int
    requested: Decimal
    granted: Decimal
    refused: Decimal
    agreement: Optional[Agreement]

    @property
    def hours_per_month(self) -> Optional[Decimal]:
        return self.agreement.ulr_hours_per_month if self.agreement else None

    @property
    def allowed(self) -> Optional[Decimal]:
        """Hours the agreement allows for the period (hours a month x months), if it states hours."""
        per_month = self.hours_per_month
        return None if per_month is None else (per_month * self.period.months).quantize(Decimal("0.01"))

    @property
    def against(self) -> Optional[str]:
        """'over' or 'within' the agreed hours (hours requested compared), or None if no hours are stated."""
        if self.allowed is None:
            return None
        return "over" if self.requested > self.allowed else "within"

    @property
    def over_by(self) -> Decimal:
        return max(self.requested - self.allowed, ZERO) if self.allowed is not None else ZERO

    @property
    def refused_within_allowance(self) -> bool:
        """Time refused although the hours asked for were within what the agreement allows."""
        return self.against == "within" and self.refused > 0

    @property
    def agreement_words(self) -> str:
        if self.agreement is None:
            return "No learning agreement in force"
        if self.allowed is None:
            return "The agreement in force states no hours"
        return f"{hours(self.hours_per_month)} hours a month × {self.period.months} = {hours(self.allowed)} hours"


def hours(value: Optional[Decimal]) -> str:
    """7.50 -> '7.5', 10.00 -> '10'."""
    if value is None:
        return ""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def rows(user, period: Period, *, branch_id: Optional[int] = None, employer_id: Optional[int] = None,
         rep_id: Optional[int] = None) -> list[FacilityRow]:
    """One row per ULR the user may see who was in post during the period (or had requests in it)."""
    figures = {f["rep_id"]: f for f in timeoff_queries.facility_time(user, start=period.start, end=period.end, rep_id=rep_id)}
    stmt = visible(select(Rep), user).options(selectinload(Rep.branch), selectinload(Rep.employer),
                                              selectinload(Rep.workplace)).order_by(Rep.name, Rep.id)
    stmt = stmt.where(or_(Rep.id.in_(list(figures)) if figures else false(),
                          (Rep.appointed_on <= period.end) & (Rep.stood_down_on.is_(None) | (Rep.stood_down_on >= period.start))))
    if branch_id:
        stmt = stmt.where(Rep.branch_id == branch_id)
    if employer_id:
        stmt = stmt.where(Rep.employer_id == employer_id)
    if rep_id:
        stmt = stmt.where(Rep.id == rep_id)
    reps = db.session.scalars(stmt).all()
    terms = agreements_in_force((r.branch_id, r.employer_id) for r in reps)
    out = []
    for rep in reps:
        f = figures.get(rep.id, {})
        out.append(FacilityRow(rep=rep, period=period, requests=f.get("requests", 0), requested=f.get("requested", ZERO),
                               granted=f.get("granted", ZERO), refused=f.get("refused", ZERO),
                               agreement=terms.get((rep.branch_id, rep.employer_id))))
    return out


def totals(found: list[FacilityRow]) -> dict[str, Decimal]:
    return {"requested": sum((r.requested for r in found), ZERO), "granted": sum((r.granted for r in found), ZERO),
            "refused": sum((r.refused for r in found), ZERO), "requests": sum(r.requests for r in found)}

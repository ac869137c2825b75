"""Reporting periods in the users' words: a month (``2026-10``), a UK financial-year quarter
(``FY2026-Q3`` = October to December 2026) or a financial year (``FY2026`` = April 2026 to March
2027). Pure: no database, no Flask."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

from .dates import add_months

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^FY(\d{4})-Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^FY(\d{4})$", re.IGNORECASE)
KINDS = {"month": "Month", "quarter": "Quarter", "year": "Financial year"}
EXAMPLES = "a month like 2026-10, a quarter like FY2026-Q3 (October to December 2026) or a financial year like FY2026"
PROBLEM = f"Enter the period as {EXAMPLES}"


@dataclass(frozen=True)
class Period:
    code: str
    kind: str  # month | quarter | year
    start: date
    end: date  # inclusive

    @property
    def months(self) -> int:
        return {"month": 1, "quarter": 3, "year": 12}[self.kind]

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start:%B %Y}"
        span = f"{self.start:%B %Y} to {self.end:%B %Y}"
        if self.kind == "quarter":
            return f"{self.code} ({span})"
        return f"Financial year {self.start.year} to {self.end.year} ({span})"

    def previous(self) -> "Period":
        return _make(self.kind, add_months(self.start, -self.months))

    def next(self) -> "Period":
        return _make(self.kind, add_months(self.start, self.months))


def financial_year_of(day: date) -> int:
    """The UK financial year (April to March) a day falls in, named by the year it starts."""
    return day.year if day.month >= 4 else day.year - 1


def _month_end(start: date, months: int) -> date:
    return add_months(start, months) - timedelta(days=1)


def _make(kind: str, start: date) -> Period:
    if kind == "month":
        return Period(f"{start:%Y-%m}", "month", start, date(start.year, start.month, calendar.monthrange(start.year, start.month)[1]))
    fy = financial_year_of(start)
    if kind == "quarter":
        q = (start.month - 4) % 12 // 3 + 1
        return Period(f"FY{fy}-Q{q}", "quarter", start, _month_end(start, 3))
    return Period(f"FY{fy}", "year", start, _month_end(start, 12))


def month(year: int, m: int) -> Period:
    return _make("month", date(year, m, 1))


def quarter(fy: int, q: int) -> Period:
    return _make("quarter", add_months(date(fy, 4, 1), 3 * (q - 1)))


def financial_year(fy: int) -> Period:
    return _make("year", date(fy, 4, 1))


def containing(day: date, kind: str) -> Period:
    """The month, quarter or financial year that ``day`` falls in."""
    if kind == "month":
        return month(day.year, day.month)
    fy = financial_year_of(day)
    if kind == "quarter":
        return quarter(fy, (day.month - 4) % 12 // 3 + 1)
    return financial_year(fy)


def parse(text: Optional[str]) -> Optional[Period]:
    """``"FY2026-Q3"`` -> that quarter; None for anything that is not a period (years 2000-2099)."""
    value = (text or "").strip()
    for pattern, build in ((_QUARTER, lambda y, q: quarter(y, q)), (_YEAR, lambda y: financial_year(y)),
                           (_MONTH, lambda y, m: month(y, m) if 1 <= m <= 12 else None)):
        found = pattern.match(value)
        if found:
            numbers = [int(g) for g in found.groups()]
            if not 2000 <= numbers[0] <= 2099:
                return None
            return build(*numbers)
    return None

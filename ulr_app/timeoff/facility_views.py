"""Facility time pages (per ULR and period, and its CSV) and what a ULR's page shows of their time
off. The pages sit on the ULRs' blueprint (``/reps/facility-time``), where users look for them; the
data is this domain's."""
from __future__ import annotations

from datetime import date
from typing import Any, Optional
from urllib.parse import urlencode

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from ..core import audit, csvio, hooks, periods
from ..core.documents import StoredDocument
from ..core.pagination import paginate_list
from ..core.validation import db_id
from ..extensions import db
from ..reps import queries
from ..reps.models import Rep
from ..reps.views import bp
from . import facility
from . import queries as timeoff_queries

#: recent time-off requests shown on a ULR's page (the full list is the time-off pages')
RECENT_REQUESTS = 10


def _time_off_url(**args: Any) -> str:
    """The time-off requests list (the time-off pages), filtered."""
    return "/time-off" + ("?" + urlencode(args) if args else "")


def _requests_with_letters(rep: Rep):
    """This ULR's most recent time-off requests the user may see, with their generated letters."""
    recent = db.session.scalars(timeoff_queries.request_list(current_user, rep_id=rep.id).limit(RECENT_REQUESTS)).all()
    ids = [r.id for r in recent]
    by_request: dict[int, list[StoredDocument]] = {}
    if ids:
        for d in db.session.scalars(select(StoredDocument).where(StoredDocument.object_type == "time_off_request",
                                                                 StoredDocument.object_id.in_(ids))
                                    .order_by(StoredDocument.created_at.desc(), StoredDocument.id.desc())):
            by_request.setdefault(d.object_id, []).append(d)
    return [(r, by_request.get(r.id, [])) for r in recent]


@hooks.provide("rep.time_off")
def rep_time_off(rep: Rep, user, today: date) -> dict[str, Any]:
    """For a ULR's page: facility time this quarter and this financial year, their recent requests with
    letters, and the link to all of them."""
    quarter, year = periods.containing(today, "quarter"), periods.containing(today, "year")
    figures = [facility.rows(user, p, rep_id=rep.id) for p in (quarter, year)]
    return {"facility_rows": [f[0] for f in figures if f], "requests": _requests_with_letters(rep),
            "all_requests_url": _time_off_url(rep_id=rep.id)}


# --- facility time ------------------------------------------------------------------------

def period_name(p: periods.Period) -> str:
    """A period in words, without its code: "October to December 2026", "April 2026 to March 2027"."""
    if p.kind == "month":
        return f"{p.start:%B %Y}"
    if p.start.year == p.end.year:
        return f"{p.start:%B} to {p.end:%B %Y}"
    return f"{p.start:%B %Y} to {p.end:%B %Y}"


#: how far back the period drop-down reaches: quarters, financial years and months
QUARTERS_BACK, YEARS_BACK, MONTHS_BACK = 8, 3, 12


def period_choices(today: date, chosen: Optional[periods.Period]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The periods to choose from, by name, newest first, grouped: quarters (this one, the next and the
    eight before), financial years, months. A period asked for in the address (an older one) is kept."""
    def run(kind: str, back: int, ahead: int = 0) -> list[periods.Period]:
        p = periods.containing(today, kind)
        for _ in range(ahead):
            p = p.next()
        out = []
        for _ in range(back + ahead + 1):
            out.append(p)
            p = p.previous()
        return out

    groups = {"quarter": run("quarter", QUARTERS_BACK, 1), "year": run("year", YEARS_BACK),
              "month": run("month", MONTHS_BACK)}
    if chosen is not None and chosen not in groups[chosen.kind]:
        groups[chosen.kind] = sorted(groups[chosen.kind] + [chosen], key=lambda p: p.start, reverse=True)
    words = {"quarter": "Quarters", "year": "Financial years (April to March)", "month": "Months"}
    return [(words[k], [(p.code, period_name(p)) for p in ps]) for k, ps in groups.items()]


#: the period is chosen from a list; an address with a period that is not one answers this
PERIOD_PROBLEM = "Choose the period from the list"


def _facility_filters() -> tuple[dict[str, Any], Optional[periods.Period], Optional[str]]:
    # ?period=FY2026-Q3 (a quarter), FY2026 (a financial year) or 2026-10 (a month): the drop-down's
    # values, and what older links and bookmarks carry
    raw = request.args.get("period", "").strip()[:20]
    period = periods.parse(raw) if raw else periods.containing(date.today(), "quarter")
    filters = {"period": raw or (period.code if period else ""), "branch_id": request.args.get("branch_id", type=db_id),
               "employer_id": request.args.get("employer_id", type=db_id)}
    return filters, period, None if period else PERIOD_PROBLEM


@bp.route("/facility-time")
def facility_time():
    filters, period, problem = _facility_filters()
    branches, employers = queries.list_filter_options(current_user)
    today = date.today()
    quick = [periods.containing(today, k) for k in ("month", "quarter", "year")]
    context: dict[str, Any] = {"filters": filters, "period": period, "problem": problem, "branches": branches,
                               "employers": employers, "quick": quick, "period_choices": period_choices(today, period),
                               "period_name": period_name}
    if problem:
        return render_template("reps/facility_time.html", page=None, totals=None,
                               page_errors=[(problem, "#period")], **context), 400
    found = facility.rows(current_user, period, branch_id=filters["branch_id"], employer_id=filters["employer_id"])
    return render_template("reps/facility_time.html", page=paginate_list(found), totals=facility.totals(found),
                           page_errors=[], **context)


@bp.route("/facility-time.csv")
def facility_time_csv():
    filters, period, problem = _facility_filters()
    if problem:
        abort(400)
    found = facility.rows(current_user, period, branch_id=filters["branch_id"], employer_id=filters["employer_id"])
    header = ["ULR", "Branch", "Employer", "Workplace", "Period", "From", "To", "Requests", "Hours requested",
              "Hours granted", "Hours refused", "Agreement in force", "Agreed hours a month", "Agreed hours for the period",
              "Against the agreement", "Hours over"]
    rows = [[r.rep.name, r.rep.branch.name, r.rep.employer.name, r.rep.workplace.name if r.rep.workplace else "",
             period.code, period.start, period.end, r.requests, r.requested, r.granted, r.refused,
             r.agreement.title if r.agreement else "", r.hours_per_month, r.allowed,
             {"over": "Over", "within": "Within"}.get(r.against or "", "No hours stated"),
             r.over_by if r.against else ""] for r in found]
    filename = csvio.safe_filename("facility-time", period.code, date.today().isoformat())
    audit.record_export(db.session, f"the facility time of {len(found)} ULR(s) for {period.code}", fmt="csv",
                        filename=filename, object_type="rep", records=[r.rep.id for r in found])
    return csvio.csv_response(filename, header, rows)

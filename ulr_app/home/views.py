"""Each role's home page, and the public health check."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ..core import pagination, reminders
from ..core.permissions import (
    BRANCH_CONVENOR,
    LEARNING_REP,
    REGIONAL_ORGANISER,
    public,
    visible,
)
from ..extensions import db
from ..learners import caseload as learner_caseload
from ..organisation import queries as org_queries
from ..organisation.models import Branch, Employer, Workplace
from ..reports import cache as report_cache
from ..reports import figures as report_figures
from ..timeoff import queries as timeoff_queries
from ..timeoff.models import TimeOffRequest
from ..timeoff.views import URGENT_DAYS

bp = Blueprint("home", __name__)
#: how many open refusals a convenor's home page lists, nearest deadline first (the rest: the time-off list)
REFUSALS_SHOWN = 20


@bp.route("/")
def index():
    counts, schools = organisation_counts(current_user)
    needs_doing = []
    time_off: dict = {}
    today = date.today()
    if current_user.role in (BRANCH_CONVENOR, REGIONAL_ORGANISER):
        # every open refusal's deadline (five columns each) to count them; the records of those listed only.
        # The user's scope is their branch or their region's branches, as for What needs doing, which takes
        # its tribunal deadlines from here
        deadlines = timeoff_queries.open_refusal_deadlines(current_user, today)
        needs_doing = _needs_doing(current_user, today, refusal_deadlines=deadlines)
        time_off["refusal_count"] = len(deadlines)
        time_off["urgent"] = sum(1 for last, _id in deadlines if (last - today).days <= URGENT_DAYS)
        time_off["refusals"] = (timeoff_queries.open_refusals(current_user, today, limit=REFUSALS_SHOWN,
                                                              deadlines=deadlines)
                                if current_user.role == BRANCH_CONVENOR and deadlines else [])
        time_off["waiting"] = db.session.scalar(select(func.count()).select_from(
            visible(select(TimeOffRequest.id), current_user).where(TimeOffRequest.status == "submitted").subquery()))
    coverage = None
    if current_user.role == REGIONAL_ORGANISER and current_user.region_id:
        # only the figures the page shows (the report has the rest): 13 statements and ~150 ms -> one; kept,
        # as the reports' figures are, while no record changes (reports/cache.py): 8 ms for a national region
        coverage = report_cache.kept_or_built(
            "schools_coverage_headline", {"region_id": current_user.region_id, "as_of": today}, current_user,
            build=lambda: report_figures.schools_coverage_headline(current_user, region_id=current_user.region_id,
                                                                   as_of=today))
    learners: dict = {}
    if current_user.role == LEARNING_REP:
        time_off["caseload"] = timeoff_queries.caseload(current_user, today)
        quiet, quiet_total = learner_caseload.no_recent_contact(current_user, today)
        learners = {"stages": learner_caseload.stage_counts(current_user),
                    "overdue": learner_caseload.overdue_follow_ups(current_user, today),
                    "quiet": quiet, "quiet_total": quiet_total, "quiet_days": learner_caseload.NO_CONTACT_DAYS}
    return render_template(f"home/{current_user.role}.html", counts=counts, schools=schools, needs_doing=needs_doing,
                           time_off=time_off, learners=learners, today=today, coverage=coverage,
                           count_cap=pagination.COUNT_CAP)


def organisation_counts(user) -> tuple[dict[str, int], int]:
    """"Your organisation": the branches, employers and workplaces the user can see, and how many of those
    workplaces are schools, in one statement (the workplaces read once for both of their figures: an
    administrator's are the country's 22,000; issue 13)."""
    def count_of(model: type) -> object:
        return select(func.count()).select_from(visible(select(model.id), user).subquery()).scalar_subquery()

    places = visible(select(Workplace.kind), user).subquery()
    row = db.session.execute(select(
        count_of(Branch).label("branches"), count_of(Employer).label("employers"),
        func.count().label("workplaces"), func.count().filter(places.c.kind == "school").label("schools"),
    ).select_from(places)).one()
    return ({"branches": row.branches, "employers": row.employers, "workplaces": row.workplaces}, row.schools)


#: what needs doing, in the order a convenor deals with it: (notice kinds, heading, tag colour)
NEEDS_DOING_GROUPS = (
    (("follow_up_overdue",), "Overdue follow-ups", "govuk-tag--red"),
    (("training_deadline",), "ULR training deadlines within a month", "govuk-tag--orange"),
    (("tribunal_deadline",), "Tribunal claim deadlines within 14 days", "govuk-tag--red"),
    (("review_overdue", "review_due"), "Agreement reviews", "govuk-tag--yellow"),
    (("stale_draft",), "Draft agreements untouched for 90 days", "govuk-tag--grey"),
    (("follow_up_due",), "Follow-ups due this week", "govuk-tag--blue"),
    (("sar_overdue", "sar_due"), "Subject access requests overdue or due within 7 days", "govuk-tag--red"),
)
#: how many notices each group of "What needs doing" lists (the heading gives how many there are in all)
NEEDS_DOING_SHOWN = 20
#: a notice's record -> its page
RECORD_PAGES = reminders.RECORD_PAGES


def _needs_doing(user, today: date, *, refusal_deadlines: list | None = None) -> list[tuple[str, str, str, list]]:
    """Every reminder for the user's branch (convenor) or region's branches (organiser), from the
    same sources as ``flask reminders``, grouped in :data:`NEEDS_DOING_GROUPS` order.
    ``refusal_deadlines``: the open refusals' deadlines of those branches, already worked out."""
    if user.role == BRANCH_CONVENOR:
        branch_ids = [user.branch_id] if user.branch_id else []
    else:
        branch_ids = list(org_queries.region_branch_ids(user.region_id))  # read once per request
    if not branch_ids:
        return []
    # the first NEEDS_DOING_SHOWN of each kind and how many there are: only those are made into notices
    # follow-ups are counted up to COUNT_CAP ("more than 1,000"), as lists are
    known = {"count_cap": pagination.COUNT_CAP}
    if refusal_deadlines is not None:
        known["refusal_deadlines"] = refusal_deadlines
    notices, counts = reminders.due_for_page(today, branch_ids, NEEDS_DOING_SHOWN, **known)

    def href(notice):
        if notice.record is None or notice.record[0] not in RECORD_PAGES:
            return None
        endpoint, arg = RECORD_PAGES[notice.record[0]]
        return url_for(endpoint, **{arg: notice.record[1]})

    # each group shows its first NEEDS_DOING_SHOWN notices (by due date) and says how many there are in
    # all: a national organiser's region has thousands of due follow-ups, and building a link and a list
    # item for each took seconds (issue 13)
    out, placed = [], set()
    for kinds, label, tag in NEEDS_DOING_GROUPS:
        found = [n for n in notices if n.kind in kinds]
        placed.update(kinds)
        if found:
            out.append((kinds[0], label, tag, [(n, href(n)) for n in found[:NEEDS_DOING_SHOWN]],
                        sum(counts.get(k, 0) for k in kinds)))
    rest = [n for n in notices if n.kind not in placed]
    if rest:
        out.append(("other", "Other reminders", "govuk-tag--grey", [(n, href(n)) for n in rest[:NEEDS_DOING_SHOWN]],
                    sum(n for k, n in counts.items() if k not in placed)))
    return out


@bp.route("/favicon.ico")
@public
def favicon():
    """Browsers ask for /favicon.ico: the icon is the SVG in static (the pages also link it)."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.route("/health")
@public
def health():
    from ..core.health import report

    body, status = report(db.session, current_app.config.get("REDIS_URL"))
    return jsonify(body), status

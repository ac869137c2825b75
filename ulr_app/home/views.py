"""Each role's home page, and the public health check."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import func, select, text

from ..agreements import queries as agreement_queries
from ..core.permissions import (
    BRANCH_CONVENOR,
    LEARNING_REP,
    REGIONAL_ORGANISER,
    public,
    visible,
)
from ..extensions import db
from ..learners import caseload as learner_caseload
from ..organisation.models import Branch, Employer, Workplace
from ..reports import figures as report_figures
from ..timeoff import queries as timeoff_queries
from ..timeoff.models import TimeOffRequest
from ..timeoff.views import URGENT_DAYS

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    counts = {
        name: db.session.scalar(select(func.count()).select_from(visible(select(model.id), current_user).subquery()))
        for name, model in (("branches", Branch), ("employers", Employer), ("workplaces", Workplace))
    }
    schools = db.session.scalar(select(func.count()).select_from(
        visible(select(Workplace.id), current_user).where(Workplace.kind == "school").subquery()))
    reminders = []
    if current_user.role in (BRANCH_CONVENOR, REGIONAL_ORGANISER):
        reminders = agreement_queries.reminders_for(current_user, date.today())
    time_off: dict = {}
    today = date.today()
    if current_user.role in (BRANCH_CONVENOR, REGIONAL_ORGANISER):
        time_off["refusals"] = timeoff_queries.open_refusals(current_user, today)
        time_off["urgent"] = sum(1 for _r, st in time_off["refusals"] if (st.tribunal_deadline - today).days <= URGENT_DAYS)
        time_off["waiting"] = db.session.scalar(select(func.count()).select_from(
            visible(select(TimeOffRequest.id), current_user).where(TimeOffRequest.status == "submitted").subquery()))
    coverage = None
    if current_user.role == REGIONAL_ORGANISER and current_user.region_id:

        coverage = report_figures.schools_coverage(current_user, region_id=current_user.region_id, as_of=today)
    learners: dict = {}
    if current_user.role == LEARNING_REP:
        time_off["caseload"] = timeoff_queries.caseload(current_user, today)
        quiet, quiet_total = learner_caseload.no_recent_contact(current_user, today)
        learners = {"stages": learner_caseload.stage_counts(current_user),
                    "overdue": learner_caseload.overdue_follow_ups(current_user, today),
                    "quiet": quiet, "quiet_total": quiet_total, "quiet_days": learner_caseload.NO_CONTACT_DAYS}
    return render_template(f"home/{current_user.role}.html", counts=counts, schools=schools, reminders=reminders,
                           time_off=time_off, learners=learners, today=today, coverage=coverage)


@bp.route("/health")
@public
def health():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")

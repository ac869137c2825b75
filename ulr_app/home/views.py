"""Each role's home page, and the public health check."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import func, select, text

from ..agreements import queries as agreement_queries
from ..core.permissions import BRANCH_CONVENOR, REGIONAL_ORGANISER, public, visible
from ..extensions import db
from ..organisation.models import Branch, Employer, Workplace

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
    return render_template(f"home/{current_user.role}.html", counts=counts, schools=schools, reminders=reminders)


@bp.route("/health")
@public
def health():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")

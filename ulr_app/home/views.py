"""Each role's home page, and the public health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import func, select, text

from ..core.permissions import public, visible
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
    return render_template(f"home/{current_user.role}.html", counts=counts, schools=schools)


@bp.route("/health")
@public
def health():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")

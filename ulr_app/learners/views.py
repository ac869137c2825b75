"""Pages: learners, their needs analyses, enrolments and the climbing frame; the course catalogue."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("learners", __name__, url_prefix="/learners")

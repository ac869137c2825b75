"""Report pages: the quarterly return and its workflow, schools coverage, time off, Go Award, equality."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)

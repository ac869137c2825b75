"""Pages: the case log, a case with its timeline and follow-ups, reassigning a ULR's caseload."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")

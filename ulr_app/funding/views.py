"""Pages for funding programmes, projects, their profiles (targets and spend) and re-profiles."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("funding", __name__)

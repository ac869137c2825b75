"""Pages for background jobs: progress, the finished file (only for who asked), retry."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("jobs", __name__)

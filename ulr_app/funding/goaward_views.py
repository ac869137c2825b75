"""Pages for the Go Award standards and their evidence, per employer."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("goaward", __name__)

"""The JSON API (/api/v1): token auth, error shape, OpenAPI. Resources live in each domain's api.py."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

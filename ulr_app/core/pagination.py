"""One way to page a list on every page: ?page=N&per_page=M, default from ULR_PER_PAGE."""
from __future__ import annotations

from flask import current_app, request

from ..extensions import db


def paginate(stmt, *, max_per_page: int = 100):
    per_page = request.args.get("per_page", type=int) or current_app.config["PER_PAGE"]
    return db.paginate(stmt, per_page=max(1, min(per_page, max_per_page)), max_per_page=max_per_page, error_out=False)

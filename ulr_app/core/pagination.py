"""One way to page a list on every page: ?page=N&per_page=M, default from ULR_PER_PAGE."""
from __future__ import annotations

from flask import current_app, request

from ..extensions import db


def paginate(stmt, *, max_per_page: int = 100):
    per_page = request.args.get("per_page", type=int) or current_app.config["PER_PAGE"]
    return db.paginate(stmt, per_page=max(1, min(per_page, max_per_page)), max_per_page=max_per_page, error_out=False)


def paginate_list(items: list, *, max_per_page: int = 100):
    """The same pages over a list already in memory (e.g. filtered by a status computed for today)."""
    from flask_sqlalchemy.pagination import Pagination

    class ListPagination(Pagination):
        def _query_items(self) -> list:
            start = (self.page - 1) * self.per_page
            return list(self._query_args["rows"][start:start + self.per_page])

        def _query_count(self) -> int:
            return len(self._query_args["rows"])

    per_page = request.args.get("per_page", type=int) or current_app.config["PER_PAGE"]
    return ListPagination(per_page=max(1, min(per_page, max_per_page)), max_per_page=max_per_page, error_out=False,
                          rows=items)

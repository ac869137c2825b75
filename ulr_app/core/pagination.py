"""One way to page a list on every page: ?page=N&per_page=M, default from ULR_PER_PAGE."""
from __future__ import annotations

from flask import current_app, request

from ..extensions import db


#: no list has this many pages; a larger ?page= is read as this one (an empty page), not sent to the database
MAX_PAGE = 10**6


def _page_args(max_per_page: int) -> tuple[int, int]:
    """(page, per_page) from the query string, each kept within what the database can be asked for."""
    page = request.args.get("page", type=int) or 1
    per_page = request.args.get("per_page", type=int) or current_app.config["PER_PAGE"]
    return max(1, min(page, MAX_PAGE)), max(1, min(per_page, max_per_page))


def paginate(stmt, *, max_per_page: int = 100):
    page, per_page = _page_args(max_per_page)
    return db.paginate(stmt, page=page, per_page=per_page, max_per_page=max_per_page, error_out=False)


def paginate_list(items: list, *, max_per_page: int = 100):
    """The same pages over a list already in memory (e.g. filtered by a status computed for today)."""
    from flask_sqlalchemy.pagination import Pagination

    class ListPagination(Pagination):
        def _query_items(self) -> list:
            start = (self.page - 1) * self.per_page
            return list(self._query_args["rows"][start:start + self.per_page])

        def _query_count(self) -> int:
            return len(self._query_args["rows"])

    page, per_page = _page_args(max_per_page)
    return ListPagination(page=page, per_page=per_page, max_per_page=max_per_page, error_out=False, rows=items)

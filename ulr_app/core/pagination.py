"""One way to page a list on every page: ?page=N&per_page=M, default from ULR_PER_PAGE.

A list page counts its rows only up to :data:`COUNT_CAP` (or to the end of the page asked for, if that
is further): past it the page says "more than 1,000" and offers the previous and next pages, not a
numbered last page. Counting every row of a national administrator's 250,000 learners cost more than
the page itself (issue 13: a page must cost the same whatever the size of the scope). The record lists
behind a report's figures count exactly (``exact=True``): there the count IS the figure.
"""
from __future__ import annotations

from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from ..extensions import db


#: no list has this many pages; a larger ?page= is read as this one (an empty page), not sent to the database
MAX_PAGE = 10**6
#: how many rows a list page counts before it says "more than" this
COUNT_CAP = 1000


def count_up_to(stmt, upto: int):
    """SQL: how many rows ``stmt`` has, reading at most ``upto`` + 1 of them (a result above ``upto`` means
    "more than upto"). The planner drops the columns count(*) does not read (PostgreSQL:
    remove_unused_subquery_outputs)."""
    return select(func.count()).select_from(stmt.order_by(None).limit(upto + 1).subquery())


class CountedUpTo(SelectPagination):
    """Pages of a select whose count stops at :data:`COUNT_CAP` rows (or the end of this page):
    ``more`` is True when there are more rows than ``total`` says."""

    more = False

    def _query_count(self) -> int:
        upto = max(COUNT_CAP, self.page * self.per_page)
        found = self._query_args["session"].execute(
            count_up_to(self._query_args["select"].options(lazyload("*")), upto)).scalar() or 0
        self.more = found > upto
        return min(found, upto)

    @property
    def has_next(self) -> bool:
        return self.more or super().has_next

    @property
    def next_num(self):
        return self.page + 1 if self.has_next else None


def _page_args(max_per_page: int) -> tuple[int, int]:
    """(page, per_page) from the query string, each kept within what the database can be asked for."""
    page = request.args.get("page", type=int) or 1
    per_page = request.args.get("per_page", type=int) or current_app.config["PER_PAGE"]
    return max(1, min(page, MAX_PAGE)), max(1, min(per_page, max_per_page))


def paginate(stmt, *, max_per_page: int = 100, exact: bool = False):
    """A page of ``stmt``; its count stops at COUNT_CAP unless ``exact`` (see the module's doc)."""
    page, per_page = _page_args(max_per_page)
    if exact:
        return db.paginate(stmt, page=page, per_page=per_page, max_per_page=max_per_page, error_out=False)
    return CountedUpTo(select=stmt, session=db.session, page=page, per_page=per_page, max_per_page=max_per_page,
                       error_out=False)


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

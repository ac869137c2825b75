"""Query shapes the PostgreSQL planner can serve at national scale (issue 13).

``in_subquery(column, select)`` is ``column IN (select)`` on every database, written on PostgreSQL as
``column = ANY(ARRAY(select))``: the small select (a region's branch ids, a ULR's appointments) runs
once as an InitPlan and its result is an *index condition* on ``column``. ``IN (select)`` becomes a
semi-join (or, under an ``OR``, a hashed SubPlan filter) that the planner can estimate only as a
fraction of the whole table: on the national data set it chose sequential scans of 250,000 learners
(and, with the cost over ``jit_above_cost``, seconds of JIT compiling) for a ULR's 1,155 learners.
With ``= ANY(ARRAY(...))`` the two branches of a ULR's ``rep_id ... OR created_by_id = ...`` are a
BitmapOr of two index scans (1,300 ms -> 9 ms for the home page's "no contact for 90 days").
"""
from __future__ import annotations

from typing import ClassVar

from sqlalchemy import Boolean
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class InSubquery(ColumnElement):
    """``column IN (select)``; on PostgreSQL ``column = ANY(ARRAY(select))`` (see the module doc)."""

    inherit_cache = True
    type = Boolean()
    _traverse_internals: ClassVar[list] = [("column", InternalTraversal.dp_clauseelement),
                           ("subquery", InternalTraversal.dp_clauseelement)]

    def __init__(self, column, subquery):
        self.column = column
        self.subquery = subquery.scalar_subquery()

    @property
    def _from_objects(self):
        return self.column._from_objects


@compiles(InSubquery)
def _in_subquery_default(element, compiler, **kw):
    return f"{compiler.process(element.column, **kw)} IN {compiler.process(element.subquery, **kw)}"


@compiles(InSubquery, "postgresql")
def _in_subquery_postgresql(element, compiler, **kw):
    return f"{compiler.process(element.column, **kw)} = ANY(ARRAY{compiler.process(element.subquery, **kw)})"


def in_subquery(column, subquery) -> InSubquery:
    return InSubquery(column, subquery)

"""The records behind a report's figure (the drill-down pages) as a CSV / XLSX download.

The same rows as the page (what each record is and its detail line), with the kind of record and its
number; read in batches, each batch's learners, courses and workplaces loaded in one query each so that
the rows' names come from memory (:mod:`ulr_app.core.listexport`)."""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from flask import request
from sqlalchemy import select

from ..core import listexport
from ..core.listexport import columns
from ..extensions import db
from ..learners.models import Course, Enrolment, Learner, NeedsAssessment
from ..organisation.models import Workplace

RECORD_COLUMNS = columns(
    ("Record", lambda r: r["label"]),
    ("Details", lambda r: r["detail"]),
    ("Kind of record", lambda r: r["kind"]),
    ("Record number", lambda r: r["id"]),
)


def _load(model, ids: Iterable[Any]) -> None:
    wanted = {i for i in ids if i is not None}
    if wanted:
        db.session.scalars(select(model).where(model.id.in_(wanted))).all()  # into the identity map


def _prefetch(batch: list[Any]) -> None:
    """The learners, courses and workplaces the batch's rows name, one query each: a many-to-one
    attribute then comes from the session's identity map, not a query a row."""
    _load(Learner, [getattr(o, "learner_id", None) for o in batch if isinstance(o, (Enrolment, NeedsAssessment))])
    _load(Course, [o.course_id for o in batch if isinstance(o, Enrolment)])
    _load(Workplace, [getattr(o, "workplace_id", None) for o in batch])


def query_filters() -> dict[str, Any]:
    """The page's query string as the filters of the audit entry (the format and paging left out)."""
    return {k: v for k, v in request.args.items() if k not in ("format", "page", "per_page")}


def records(fmt: str, stmt, *, title: str, rows_of: Callable[[list[Any]], list[dict[str, Any]]],
            filters: Mapping[str, Any]):
    def prepare(batch: list[Any]) -> list[dict[str, Any]]:
        _prefetch(batch)
        return [{**row, "id": obj.id, "kind": getattr(obj, "__label__", obj.__tablename__.replace("_", " "))}
                for obj, row in zip(batch, rows_of(batch))]

    return listexport.export(fmt, stmt, RECORD_COLUMNS, title=title, object_type="report_records", filters=filters,
                             prepare=prepare)

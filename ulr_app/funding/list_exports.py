"""The funded projects list as a CSV / XLSX download (:mod:`ulr_app.core.listexport`)."""
from __future__ import annotations

from typing import Any, Mapping

from ..core import listexport
from ..core.listexport import columns

PROJECT_COLUMNS = columns(
    ("Project", lambda p: p.name),
    ("Programme", lambda p: p.programme.name),
    ("Covers", lambda p: p.branch.name if p.branch else f"All of {p.region.name}"),
    ("Starts on", lambda p: p.starts_on),
    ("Ends on", lambda p: p.ends_on),
    ("Budget", lambda p: p.budget),
    ("Region", lambda p: p.region.name),
    ("Project number", lambda p: p.id),
)


def projects(fmt: str, stmt, filters: Mapping[str, Any]):
    return listexport.export(fmt, stmt, PROJECT_COLUMNS, title="projects", object_type="project", filters=filters)

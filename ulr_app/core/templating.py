"""Template helpers shared by every page."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, request
from zoneinfo import ZoneInfo

from .forms import error_line, summary_label

UK = ZoneInfo("Europe/London")


def uk_date(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(UK).date()
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return str(value)


def uk_datetime(value: Any) -> str:
    if not isinstance(value, datetime):
        return uk_date(value)
    local = value.astimezone(UK)
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{local:%p}".replace("AM", "am").replace("PM", "pm")


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments changed (for pagination and filters)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = str(value)
    return request.path + ("?" + urlencode(args) if args else "")


_PLURALS = {"regions": "region", "branches": "branch", "employers": "employer", "workplaces": "workplace", "users": "user",
            "agreements": "agreement", "reps": "rep", "requests": "timeoff"}


def nav_section(endpoint: str | None) -> str:
    """Which menu item a page belongs to: 'organisation.new_employer' -> 'employer'."""
    if not endpoint:
        return ""
    blueprint, _, name = endpoint.partition(".")
    if blueprint == "accounts":
        return "account"
    if blueprint == "admin":
        return "audit" if name == "audit_log" else "user"
    if blueprint == "agreements":
        return "agreement"  # the list, one agreement and all its sub-pages (status, schools, coverage...)
    if blueprint == "timeoff":
        return "timeoff"  # /time-off: the list, one request, its decision and Acas dates
    if blueprint == "reps":
        return "rep"  # /reps: the ULRs, one ULR and their pages
    if blueprint == "cases":
        return "case"  # /cases: the case log, one case, its status, moving a caseload
    if blueprint in ("funding", "goaward"):
        return "funding"  # programmes, projects, their profiles; an employer's Go Award standards
    if blueprint in ("reports", "jobs"):
        return "report"  # every report, a return and its records, the files being made
    if blueprint == "learners":
        # /learners: the list, one learner and their pages; /learners/courses: the course catalogue
        return "course" if name in ("courses", "new_course", "edit_course") else "learner"
    for prefix in ("new_", "edit_"):
        name = name.removeprefix(prefix)
    return _PLURALS.get(name, name)


def has_endpoint(endpoint: str) -> bool:
    """Whether a page exists in this app (links to pages other issues add are shown once they do)."""
    return endpoint in current_app.view_functions


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_section"] = nav_section
    app.jinja_env.filters["uk_date"] = uk_date
    app.jinja_env.filters["uk_datetime"] = uk_datetime
    app.jinja_env.globals["error_line"] = error_line  # the error summary's '<field label>: <message>'
    app.jinja_env.globals["summary_label"] = summary_label
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["has_endpoint"] = has_endpoint
    app.jinja_env.globals["SERVICE_NAME"] = "ULR Case Manager"

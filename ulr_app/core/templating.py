"""Template helpers shared by every page."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, flash, g, get_flashed_messages, request
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
    if blueprint in ("surveys", "survey_results"):
        return "survey"  # /surveys: the list, one survey, its results, its poster; "which schools have we surveyed"
    if blueprint == "dataprotection":
        return "sar"  # /subject-access-requests: the register, one request, its search, the bank holidays
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


#: a success message shown beside what it is about (the new entry), not at the top of the page
PLACED = "success@"
#: the id of a success message shown in its place: views redirect to ``page#done``
DONE_ANCHOR = "done"


def flash_at(message: str, place: str) -> None:
    """A success message for the page's ``place`` (e.g. ``contact-12``, ``follow-ups``): the page shows it
    there, beside the new entry, with focus on it; a page without that place shows it at the top."""
    flash(message, PLACED + place)


def placed_messages(place: str) -> list[str]:
    """The messages for ``place``, marked as shown there (so the top of the page leaves them out)."""
    found = [m for c, m in get_flashed_messages(with_categories=True) if c == PLACED + place]
    if found:
        g.setdefault("flash_placed", set()).add(place)
    return found


def flash_places() -> set[str]:
    """The places this page has a message for (to open the folded section holding the new entry)."""
    return {c[len(PLACED):] for c, _m in get_flashed_messages(with_categories=True) if c.startswith(PLACED)}


def flash_shown_in_place(category: str) -> bool:
    return category.startswith(PLACED) and category[len(PLACED):] in g.get("flash_placed", set())


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_section"] = nav_section
    app.jinja_env.filters["uk_date"] = uk_date
    app.jinja_env.filters["uk_datetime"] = uk_datetime
    app.jinja_env.globals["error_line"] = error_line  # the error summary's '<field label>: <message>'
    app.jinja_env.globals["summary_label"] = summary_label
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["has_endpoint"] = has_endpoint
    app.jinja_env.globals["placed_messages"] = placed_messages
    app.jinja_env.globals["flash_places"] = flash_places
    app.jinja_env.globals["flash_shown_in_place"] = flash_shown_in_place
    app.jinja_env.globals["SERVICE_NAME"] = "ULR Case Manager"

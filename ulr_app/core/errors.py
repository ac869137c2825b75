"""Errors services raise; views turn them into form messages, the API into its error shape."""
from __future__ import annotations

from typing import Mapping, Sequence


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: Mapping[str, Sequence[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = {k: list(v) for k, v in (fields or {}).items()}


class ValidationFailed(ServiceError):
    status = 422
    code = "validation_failed"


class Conflict(ServiceError):
    """A stale version or a state rule that forbids the change."""

    status = 409
    code = "conflict"


class NotAllowed(ServiceError):
    status = 403
    code = "forbidden"


#: the title and advice of each error page (and the API's message when there is no better one)
ERROR_TITLES = {
    400: ("Something was wrong with that request", "Go back and try again."),
    401: ("Sign in to continue", "You need to sign in to see this page."),
    403: ("You cannot do that", "Your role does not allow this. Ask your branch or an administrator if you think it should."),
    404: ("Page not found", "If you typed the web address, check it is correct. The page may have been moved, or you may not have access to it."),
    405: ("That action is not available here", "Go back and try again."),
    409: ("Someone else changed this first", "The record was changed while you were working on it. Reload it, check the changes and try again."),
    413: ("That file is too large", "Choose a smaller file."),
    429: ("Too many attempts", "Wait a few minutes and try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. Nothing you entered has been saved."),
}
ERROR_TITLES.setdefault(
    503, ("Sorry, the service is unavailable for a moment",
          ("We cannot reach the database just now. Nothing you entered has been saved. "
           "Wait a minute and try again; your work is safe as long as it was saved before.")))


def database_unavailable(exc: BaseException | None) -> bool:
    """True when ``exc`` says the database cannot be reached (or is too busy to answer): the request
    should get a 503 and may be tried again, not a 500. A broken query is still a 500."""
    from sqlalchemy import exc as sa_exc

    if exc is None:
        return False
    if isinstance(exc, sa_exc.TimeoutError):  # no connection free in the pool
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    text = str(getattr(exc, "orig", exc) or "").lower()
    if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)):
        # SQLite's OperationalError also means "no such table" and other programming errors
        sqlite_busy = ("database is locked", "unable to open database", "disk i/o error")
        module = type(getattr(exc, "orig", None)).__module__ or ""
        return not module.startswith("sqlite3") or any(s in text for s in sqlite_busy)
    return False


def stale_write(exc: BaseException | None) -> bool:
    """True for the mapper's optimistic-lock failure: someone else saved the row first."""
    from sqlalchemy.orm.exc import StaleDataError

    return isinstance(exc, StaleDataError)


def edited_record(session, view_args: Mapping[str, object] | None, *, prefer: Sequence[object] = ()) -> object | None:
    """The versioned record a page form was changing: the one in ``session`` whose id is in the URL
    (``/learners/5/edit`` -> the Learner with id 5), preferring the rows a failed flush was writing."""
    from sqlalchemy import inspect

    ids = {name: value for name, value in (view_args or {}).items() if isinstance(value, int)}
    if not ids:
        return None
    found = []
    for obj in list(prefer) + list(session.identity_map.values()):
        state = inspect(obj)  # its identity is known without loading anything (the session may need a rollback)
        if state.mapper.version_id_col is None or not state.identity or len(state.identity) != 1:
            continue
        ident = state.identity[0]
        if ident not in ids.values():
            continue
        table = getattr(obj, "__tablename__", "")
        named = any(value == ident and (name == f"{table}_id" or table.endswith(name.removesuffix("_id")))
                    for name, value in ids.items())
        found.append((0 if named else 1, obj))
    if not found:
        return None
    found.sort(key=lambda pair: pair[0])
    return found[0][1]


#: what a page form posts that is not the user's own input
_NOT_INPUT = {"csrf_token", "version", "submit", "keep_version", "duplicate_version", "next"}


def _shown(value: object) -> str:
    from datetime import date, datetime

    from .templating import uk_date, uk_datetime

    if value is None or value == "":
        return "(blank)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return uk_datetime(value)
    if isinstance(value, date):
        return uk_date(value)
    if isinstance(value, (list, tuple, set)):
        return ", ".join(_shown(v) for v in value) or "(blank)"
    return str(value)


def conflict_details(session, form: Mapping[str, object], view_args, *, stale_flush: bool) -> dict:
    """What the conflict page shows: the user's version and the saved one, side by side.

    Call it before the session is rolled back (it reads which rows the failed flush was writing)
    and with ``form`` the posted form (a MultiDict). It rolls back, then reads the saved record
    afresh: ``rows`` pairs each thing the user typed with what is saved now, so nothing they
    entered is lost and they can see what the other person changed."""
    from sqlalchemy import inspect, select

    prefer = list(session.dirty) if stale_flush else []
    record = edited_record(session, view_args, prefer=prefer)
    identity = (type(record), inspect(record).identity[0]) if record is not None else None
    try:
        session.rollback()
    except Exception:  # noqa: BLE001, S110 - the connection may be gone; the page still shows what was typed
        pass
    saved = None
    last_change = None
    if identity is not None:
        saved = session.get(identity[0], identity[1], populate_existing=True)
    if saved is not None:
        from .audit_models import AuditEntry

        last_change = session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == saved.__tablename__, AuditEntry.object_id == saved.id,
                                     AuditEntry.action == "update").order_by(AuditEntry.id.desc()).limit(1)).first()
    getlist = getattr(form, "getlist", None)
    rows = []
    for name in dict.fromkeys(form or {}):
        if name in _NOT_INPUT or "password" in name:
            continue
        if saved is not None and name in getattr(saved, "__secret_fields__", ()):
            continue
        typed = getlist(name) if getlist else [form[name]]
        yours = ", ".join(str(v) for v in typed if str(v).strip()) or "(blank)"
        now = None
        if saved is not None and name in saved.__table__.c and name not in getattr(saved, "__secret_fields__", ()):
            # special-category values are not repeated here (their reading is audited where they are shown)
            now = ("(not shown here)" if name in getattr(saved, "__special_category__", ())
                   else _shown(getattr(saved, name)))
        rows.append({"name": name, "label": name.replace("_", " ").capitalize(), "yours": yours, "saved": now,
                     "differs": now is not None and now != yours and not (now == "(blank)" and yours == "(blank)")})
    posted = form.get("version") if form else None
    return {
        "record_label": getattr(saved, "__label__", "") or "record",
        "your_version": int(posted) if posted and str(posted).isdigit() else None,
        "saved_version": getattr(saved, "version", None),
        "last_change": last_change,
        "rows": rows,
    }

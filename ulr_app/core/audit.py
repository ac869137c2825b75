"""Writing the audit trail. Services call these inside their transaction; never commit here."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable, Mapping, Optional

from flask import g, has_request_context, request
from flask_login import current_user

from .audit_models import AuditEntry, AuditRecord
from .models import Base

MASK = "[special category: changed]"


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, Base):
        return getattr(value, "id", None)
    return value


def current_actor() -> tuple[Optional[int], str]:
    """The user a change is done for: the signed-in user, or one set by the CLI."""
    actor = getattr(g, "audit_actor", None)
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if actor is None:
        return None, getattr(g, "audit_actor_label", "command line")
    return actor.id, f"{actor.name} <{actor.email}>"


def masked_changes(model: type[Base], changes: Mapping[str, tuple[Any, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field, (old, new) in changes.items():
        if field in model.__secret_fields__:
            out[field] = "[changed]"
        elif field in model.__special_category__:
            out[field] = MASK
        else:
            out[field] = [_plain(old), _plain(new)]
    return out


def record(
    session,
    action: str,
    obj: Optional[Base] = None,
    *,
    summary: str,
    changes: Optional[Mapping[str, tuple[Any, Any]]] = None,
    object_type: Optional[str] = None,
    object_id: Optional[int] = None,
    survive_rollback: bool = False,
) -> AuditEntry:
    """Add an audit entry to ``session`` (committed with the change it describes).

    ``survive_rollback`` is for what happened whatever the request's outcome, such as a read of
    special-category data on a page answered with 400 (a form shown again with its errors): the
    entry is written again after the request's rollback (:func:`write_kept`)."""
    actor_id, actor_label = current_actor()
    if obj is not None and hasattr(obj, "_get_current_object"):  # current_user and friends
        obj = obj._get_current_object()
    if obj is not None:
        object_type = object_type or obj.__tablename__
        if object_id is None:
            session.flush()
            object_id = obj.id
    entry = AuditEntry(
        actor_id=actor_id,
        actor_label=actor_label[:300],
        action=action,
        object_type=object_type or "system",
        object_id=object_id,
        summary=summary[:500],
        changes=masked_changes(type(obj), changes) if (changes and obj is not None) else (dict(changes) if changes else None),
        # (none for a request that must keep no address, e.g. an anonymous survey answer: g.audit_no_address)
        ip_address=request.remote_addr if has_request_context() and not g.get("audit_no_address") else None,
    )
    entry.covers = covers(entry.object_type, entry.object_id, entry.changes)
    session.add(entry)
    if survive_rollback and has_request_context():
        g.setdefault("audit_kept", []).append({c: getattr(entry, c) for c in _KEPT_COLUMNS})
    return entry


def covered_ids(changes: Any) -> list[int]:
    """The record ids an entry's ``changes["records"]`` names (reads of special-category data, exports)."""
    found = changes.get("records") if isinstance(changes, dict) else None
    if not isinstance(found, list):
        return []
    return sorted({v for v in found if isinstance(v, int) and not isinstance(v, bool)})


def covers(object_type: str, object_id: Optional[int], changes: Any) -> list[AuditRecord]:
    """The link rows of an entry that covers several records (no ``object_id`` of its own): one per
    record, so that the audit page finds the entry by any of them. An entry about one record is found
    by its own ``object_id`` and needs none."""
    if object_id is not None:
        return []
    return [AuditRecord(record_type=object_type, record_id=rid) for rid in covered_ids(changes)]


_KEPT_COLUMNS = ("actor_id", "actor_label", "action", "object_type", "object_id", "summary", "changes", "ip_address")


def forget_kept() -> None:
    """The request committed: its kept entries are written already."""
    if has_request_context():
        g.pop("audit_kept", None)


def write_kept(session) -> int:
    """After a rollback, write again the entries recorded with ``survive_rollback``; commit them."""
    kept = g.pop("audit_kept", []) if has_request_context() else []
    for fields in kept:
        entry = AuditEntry(**fields)
        entry.covers = covers(entry.object_type, entry.object_id, entry.changes)
        session.add(entry)
    if kept:
        session.commit()
    return len(kept)


# --- reads of special-category data: one entry per request -----------------------------------------

#: the action of an entry recording that special-category data was shown
READ_SPECIAL = "read_special"


def record_read(session, object_type: str, records: Iterable[tuple[int, str]], *, fields: Iterable[str],
                where: str, what: str) -> None:
    """Note that the signed-in user was shown ``fields`` (special-category data) of ``records``
    ((id, name) pairs of ``object_type``) on ``where``.

    During a request the reads are collected and written by :func:`write_reads` as ONE audit entry per
    request and object type, naming the records (their ids, in ``changes["records"]``) and the fields
    shown (``changes["fields"]``); the entry's ``object_id`` is the record's own when only one was
    shown, so a single record's audit trail still finds it directly. Outside a request (a command,
    a job) the entry is added to ``session`` at once, in the caller's transaction. ``what`` names what was shown in
    words ("the equality monitoring")."""
    rows = [(rid, name) for rid, name in records if rid is not None]
    if not rows:
        return
    if not has_request_context():
        _read_entry(session, object_type, dict(rows), set(fields), [where], what)
        return
    reads = g.setdefault("audit_reads", {})
    got = reads.setdefault(object_type, {"records": {}, "fields": set(), "where": [], "what": what})
    for rid, name in rows:
        got["records"].setdefault(rid, name)
    got["fields"].update(fields)
    if where not in got["where"]:
        got["where"].append(where)


def _read_entry(session, object_type: str, records: dict[int, str], fields: set[str], where: list[str],
                what: str) -> AuditEntry:
    ids = list(records)
    places = ", ".join(where)
    if len(ids) == 1:
        label = records[ids[0]]
        summary = f"Viewed {what} of {object_type.replace('_', ' ')} {label} ({places})"
    else:
        summary = f"Viewed {what} of {len(ids)} {object_type.replace('_', ' ')}s ({places})"
    return record(session, READ_SPECIAL, summary=summary,
                  object_type=object_type, object_id=ids[0] if len(ids) == 1 else None,
                  changes={"records": ids, "fields": sorted(fields)}, survive_rollback=True)


def write_reads(session) -> int:
    """Write the reads collected during this request (:func:`record_read`): one entry per object type,
    kept even if the request rolls back (a 4xx page showed the data too). Call it once, at the request
    boundary, before the commit or rollback. Returns how many entries were added."""
    reads = g.pop("audit_reads", None) if has_request_context() else None
    for object_type, got in (reads or {}).items():
        _read_entry(session, object_type, got["records"], got["fields"], got["where"], got["what"])
    return len(reads or {})


# --- exports of personal data ------------------------------------------------------------------------

#: the action of an entry recording that personal data left the system as a file (CSV, PDF, XLSX, ZIP)
EXPORT = "export"


def record_export(session, what: str, *, fmt: str, filename: str = "", object_type: str = "system",
                  object_id: Optional[int] = None, records: Iterable[Any] = ()) -> AuditEntry:
    """Note that the signed-in user downloaded ``what`` (words: "the facility time of FY2026-Q1") as a
    ``fmt`` file. ``object_type``/``object_id`` name the record exported when it is one; ``records``
    the ids (of ``object_type``) of the rows of a list, so that the audit page finds the export by any
    of them."""
    ids = sorted({int(r) for r in records if r is not None})
    changes: dict[str, Any] = {"format": fmt.lower(), "file": filename[:200]}
    if ids:
        changes["records"] = ids
    if object_id is None and len(ids) == 1:
        object_id = ids[0]
    return record(session, EXPORT, summary=f"Exported {what} ({fmt.upper()})", object_type=object_type,
                  object_id=object_id, changes=changes)


def apply_changes(obj: Base, data: Mapping[str, Any], fields: Iterable[str]) -> dict[str, tuple[Any, Any]]:
    """Set ``fields`` from ``data`` on ``obj``; return only what really changed, as old -> new."""
    changed: dict[str, tuple[Any, Any]] = {}
    for field in fields:
        if field not in data:
            continue
        old, new = getattr(obj, field), data[field]
        if old != new:
            setattr(obj, field, new)
            changed[field] = (old, new)
    return changed


def snapshot(obj: Base, fields: Iterable[str]) -> dict[str, tuple[Any, Any]]:
    """A 'created' diff: every field from None to its value."""
    return {f: (None, getattr(obj, f)) for f in fields if getattr(obj, f) is not None}

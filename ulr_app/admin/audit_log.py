"""The audit page's read side: "who saw what" (issue 14 item 7). Filters by person (the name of the
learner or ULR a record is about), user (who did it), action, record (kind and number) and dates; the
same filtered entries as a CSV file. An entry about several records (a read of a list's special-category
data, an export) is found by any of them through ``audit_record``."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any, Mapping, Optional

from sqlalchemy import Select, func, or_, select

from ..core.audit import EXPORT, READ_SPECIAL
from ..core.audit_models import AuditEntry, AuditRecord
from ..core.validation import DATE_EXAMPLE, like_pattern, parse_date
from ..extensions import db
from ..learners.models import Learner
from ..reps.models import Rep

#: the actions in the users' words (any other action found in the log is shown with its own name)
ACTION_LABELS = {
    "create": "Created",
    "update": "Changed",
    "delete": "Deleted",
    READ_SPECIAL: "Read special-category data",
    EXPORT: "Exported",
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed",
    "sign_out": "Signed out",
}
#: the records a person's name is searched in: (record kind, model)
PERSON_RECORDS = (("learner", Learner), ("rep", Rep))
#: longest text accepted in a search box
MAX_TEXT = 120


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action) or action.replace("_", " ").capitalize()


def known_actions() -> list[str]:
    """The actions to choose from: those named above and any other found in the log."""
    found = set(db.session.scalars(select(AuditEntry.action).distinct()))
    return list(ACTION_LABELS) + sorted(found - set(ACTION_LABELS))


def known_types() -> list[str]:
    """The kinds of record in the log (an entry's covered records are of its own kind, so these are all)."""
    return sorted(db.session.scalars(select(AuditEntry.object_type).distinct()))


@dataclass
class Filters:
    person: str = ""
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: Optional[int] = None
    start: Optional[date] = None
    end: Optional[date] = None
    errors: dict[str, str] = field(default_factory=dict)

    def query_args(self) -> dict[str, Any]:
        """The filters as link arguments (the CSV link repeats them)."""
        out: dict[str, Any] = {"person": self.person, "actor": self.actor, "action": self.action,
                               "object_type": self.object_type, "object_id": self.object_id,
                               "from": self.start.isoformat() if self.start else "",
                               "to": self.end.isoformat() if self.end else ""}
        return {k: v for k, v in out.items() if v not in ("", None)}


def parse_filters(args: Mapping[str, str]) -> Filters:
    """The filters as typed; each problem a message for its field (the bad filter is not applied)."""
    f = Filters(person=(args.get("person") or "").strip()[:MAX_TEXT], actor=(args.get("actor") or "").strip()[:MAX_TEXT])
    action = (args.get("action") or "").strip()
    if action:
        if action in known_actions():
            f.action = action
        else:
            f.errors["action"] = "Choose an action from the list"
    kind = (args.get("object_type") or "").strip()
    if kind:
        if kind in known_types() or kind in dict(PERSON_RECORDS):
            f.object_type = kind
        else:
            f.errors["object_type"] = "Choose a kind of record from the list"
    number = (args.get("object_id") or "").strip()
    if number:
        if number.isdigit() and 0 < int(number) < 2 ** 31:
            f.object_id = int(number)
        else:
            f.errors["object_id"] = "Enter the record's number in figures, like 42"
    for name in ("from", "to"):
        text = (args.get(name) or "").strip()
        if not text:
            continue
        day = parse_date(text)
        if day is None:
            f.errors[name] = f"Enter a real date, like {DATE_EXAMPLE}"
        elif name == "from":
            f.start = day
        else:
            f.end = day
    if f.start and f.end and f.end < f.start:
        f.errors["to"] = "The 'to' date must be the same as or after the 'from' date"
        f.end = None
    return f


def _about(kind: str, ids) -> Any:
    """Entries about records ``ids`` (a SELECT or a list) of ``kind``: their own, or covered by them."""
    covered = select(AuditRecord.entry_id).where(AuditRecord.record_type == kind, AuditRecord.record_id.in_(ids))
    return ((AuditEntry.object_type == kind) & AuditEntry.object_id.in_(ids)) | AuditEntry.id.in_(covered)


def entries(f: Filters) -> Select:
    """The entries matching ``f``, newest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if f.person:
        pattern = like_pattern(f.person)
        stmt = stmt.where(or_(*(_about(kind, select(model.id).where(func.lower(model.name).like(pattern, escape="\\")))
                                for kind, model in PERSON_RECORDS)))
    if f.actor:
        stmt = stmt.where(func.lower(AuditEntry.actor_label).like(like_pattern(f.actor), escape="\\"))
    if f.action:
        stmt = stmt.where(AuditEntry.action == f.action)
    if f.object_type and f.object_id is not None:
        stmt = stmt.where(_about(f.object_type, [f.object_id]))
    elif f.object_type:
        stmt = stmt.where(or_(AuditEntry.object_type == f.object_type,
                              AuditEntry.id.in_(select(AuditRecord.entry_id).where(AuditRecord.record_type == f.object_type))))
    elif f.object_id is not None:
        stmt = stmt.where(or_(AuditEntry.object_id == f.object_id,
                              AuditEntry.id.in_(select(AuditRecord.entry_id).where(AuditRecord.record_id == f.object_id))))
    if f.start:
        stmt = stmt.where(AuditEntry.at >= datetime.combine(f.start, time.min, tzinfo=timezone.utc))
    if f.end:
        stmt = stmt.where(AuditEntry.at <= datetime.combine(f.end, time.max, tzinfo=timezone.utc))
    return stmt


#: the CSV's columns
CSV_HEADER = ("When (UTC)", "Who", "Action", "Record kind", "Record number", "Records covered", "Summary", "Changes",
              "IP address")
#: at most this many entries go in one file (narrow the filters for more)
CSV_MAX = 50_000


def csv_rows(f: Filters):
    """The filtered entries as CSV rows (special-category values are masked in the log already)."""
    for e in db.session.scalars(entries(f).limit(CSV_MAX)):
        changes = e.changes or {}
        covered = " ".join(str(i) for i in (changes.get("records") or []) if isinstance(i, int))
        rest = "; ".join(f"{k}: {v}" for k, v in changes.items() if k != "records")
        yield (e.at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"), e.actor_label, action_label(e.action),
               e.object_type, e.object_id, covered, e.summary, rest, e.ip_address)

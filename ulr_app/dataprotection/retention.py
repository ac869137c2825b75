"""Retention: what is kept how long, and the daily run that anonymises or deletes what is past its time.

``flask --app ulr_app retention --dry-run`` lists what would go and why; ``--apply`` does it. The
periods are in ``rules.RETENTION_DEFAULTS``, overridden per record type by the ``RETENTION_YEARS``
setting (``ULR_RETENTION_YEARS="learners=7,audit_entries=10"``).

What happens to each record type:

- **learners** with no activity for the period (no change to the record, no contact, enrolment
  change or open follow-up since): erased by anonymisation (:mod:`.erasure`), as a convenor's
  erasure would, so that every report's figures stay as they were. A legal hold keeps the record.
- **closed cases**, the period after closing: the summary, details and outcome, and the text of the
  case's contacts and follow-ups, are removed; the case (kind, dates, status, links) stays for the
  figures. A legal hold on the case's learner keeps it.
- **refused time-off requests**, the period after the tribunal deadline (for learner release, which
  has none, after the refusal): the reason and the refusal details are removed; the request stays for
  the time-off report. A tribunal claim whose dispute case is still open, or a legal hold on the
  learner, keeps it.
- **audit entries**, **sign-in records** (sessions and sign-in/out entries) and **generated files**
  (report and export files, with their job records): deleted.
- subject access request exports: deleted once downloaded or after 30 days (as on their page).

Safe to run daily and twice at once: every record is handled in a transaction of its own, which
locks the row (on PostgreSQL), checks again that it is still due, and does nothing when another run
got there first. Logs (audit entries, sign-in records) are deleted in batches, one transaction per
batch, by a DELETE that repeats the condition: a second run deletes what is left, never more.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Callable, Iterator, Optional

from sqlalchemy import delete, exists, func, or_, select

from ..accounts.models import UserSession
from ..cases.models import Case
from ..contacts.models import Activity, FollowUp
from ..core import audit
from ..core.audit_models import AuditEntry
from ..core.jobs import path_of
from ..core.jobs_models import Job
from ..extensions import db
from ..learners.models import Enrolment, Learner
from ..timeoff import queries as timeoff_queries
from ..timeoff.models import TimeOffRequest
from . import rules
from .erasure import LegalHold, erase_learner, legal_hold_for_learner

#: records examined per query (each then handled in its own transaction)
BATCH = 500
#: the audit actions that are sign-in records (kept for the sign-in period, not the audit period)
SIGN_IN_ACTIONS = ("sign_in", "sign_in_failed", "sign_out")
#: what replaces removed text
REMOVED = "[removed after the retention period]"


@dataclass
class Item:
    """One record that is past its time, and why."""
    kind: str
    id: int
    why: str


@dataclass
class Result:
    dry_run: bool
    years: dict[str, int]
    #: per record type: how many were (or would be) anonymised or deleted
    done: dict[str, int] = field(default_factory=dict)
    #: per record type: how many are past their time but kept by a legal hold
    held: dict[str, int] = field(default_factory=dict)
    #: the lines to print: what would go and why (dry run), what was kept and why (both)
    lines: list[str] = field(default_factory=list)

    def count(self, kind: str, bucket: str = "done", n: int = 1) -> None:
        target = self.done if bucket == "done" else self.held
        target[kind] = target.get(kind, 0) + n

    def report(self) -> str:
        verb = "Would anonymise or delete" if self.dry_run else "Anonymised or deleted"
        out = [f"{verb}:"]
        for kind, label in rules.RETENTION_LABELS.items():
            line = f"  {label} (kept {self.years[kind]} year{'s' if self.years[kind] != 1 else ''}): " \
                   f"{self.done.get(kind, 0)}"
            if self.held.get(kind):
                line += f"; {self.held[kind]} kept by a legal hold"
            out.append(line)
        return "\n".join(out)


def _start_of(day: date) -> datetime:
    """Midnight UTC at the start of ``day`` (timestamps are stored in UTC)."""
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _ids(stmt, after: int) -> list[int]:
    return list(db.session.scalars(stmt.where(stmt.selected_columns[0] > after)
                                   .order_by(stmt.selected_columns[0]).limit(BATCH)))


def _batches(stmt) -> Iterator[list[int]]:
    """The ids ``stmt`` selects, in batches, each batch read fresh (keyset on id: records handled in
    between do not shift the next batch)."""
    after = 0
    while True:
        ids = _ids(stmt, after)
        if not ids:
            return
        yield ids
        after = ids[-1]


# --- learners -----------------------------------------------------------------------------------

def _quiet_learners(cutoff: date):
    """SQL: learners not yet erased with nothing done since ``cutoff``."""
    since = _start_of(cutoff)
    return select(Learner.id).where(
        Learner.erased_at.is_(None),
        Learner.updated_at < since,
        ~exists().where(Activity.learner_id == Learner.id, Activity.happened_on >= cutoff),
        ~exists().where(Enrolment.learner_id == Learner.id, Enrolment.updated_at >= since),
        ~exists().where(FollowUp.learner_id == Learner.id,
                        or_(FollowUp.done_on.is_(None), FollowUp.done_on >= cutoff)),
    )


def _last_activity(ids: list[int]) -> dict[int, date]:
    """The day of each learner's last activity of any kind (for the 'why' of the dry run)."""
    last: dict[int, date] = {}

    def later(learner_id, day) -> None:
        if day is None:
            return
        day = day.date() if isinstance(day, datetime) else day
        if learner_id not in last or day > last[learner_id]:
            last[learner_id] = day

    for learner_id, updated in db.session.execute(select(Learner.id, Learner.updated_at).where(Learner.id.in_(ids))):
        later(learner_id, updated)
    for learner_id, day in db.session.execute(select(Activity.learner_id, func.max(Activity.happened_on))
                                              .where(Activity.learner_id.in_(ids)).group_by(Activity.learner_id)):
        later(learner_id, day)
    for learner_id, day in db.session.execute(select(Enrolment.learner_id, func.max(Enrolment.updated_at))
                                              .where(Enrolment.learner_id.in_(ids)).group_by(Enrolment.learner_id)):
        later(learner_id, day)
    return last


def _learners(result: Result, today: date, apply: bool) -> None:
    years = result.years["learners"]
    cutoff = rules.years_before(today, years)
    stmt = _quiet_learners(cutoff)
    for ids in _batches(stmt):
        last = _last_activity(ids)
        for learner_id in ids:
            why = f"no activity for over {years} years (last on {last.get(learner_id, cutoff).isoformat()})"
            if not apply:
                learner = db.session.get(Learner, learner_id)
                hold = legal_hold_for_learner(learner) if learner is not None else None
                if hold:
                    result.count("learners", "held")
                    result.lines.append(f"Learner #{learner_id}: {why}; kept: legal hold ({hold})")
                else:
                    result.count("learners")
                    result.lines.append(f"Learner #{learner_id}: would be erased: {why}")
                continue
            _one(result, "learners", learner_id, lambda: _erase_learner(learner_id, cutoff, why))
        if not apply:
            db.session.rollback()


def _erase_learner(learner_id: int, cutoff: date, why: str) -> bool:
    # lock the row, then check again: another run may have erased it, or someone may have just used it
    learner = db.session.get(Learner, learner_id, with_for_update=True, populate_existing=True)
    if learner is None or learner.erased_at is not None:
        return False
    if db.session.scalar(_quiet_learners(cutoff).where(Learner.id == learner_id)) is None:
        return False
    erase_learner(learner, by=None, reason=f"Retention: {why}")
    return True


# --- closed cases --------------------------------------------------------------------------------

def _closed_cases(cutoff: date):
    return select(Case.id).where(
        Case.status == "closed", Case.closed_on.is_not(None), Case.closed_on < cutoff,
        or_(Case.details.is_not(None), Case.outcome.is_not(None), Case.summary != REMOVED,
            exists().where(Activity.case_id == Case.id, Activity.text != REMOVED),
            exists().where(FollowUp.case_id == Case.id, FollowUp.title != REMOVED)),
    )


def _cases(result: Result, today: date, apply: bool) -> None:
    years = result.years["closed_cases"]
    cutoff = rules.years_before(today, years)
    for ids in _batches(_closed_cases(cutoff)):
        for case_id in ids:
            case = db.session.get(Case, case_id)
            why = f"closed on {case.closed_on.isoformat()}, over {years} years ago"
            hold = legal_hold_for_learner(case.learner) if case.learner is not None else None
            if hold:
                result.count("closed_cases", "held")
                result.lines.append(f"Case #{case_id}: {why}; kept: legal hold on its learner ({hold})")
                continue
            if not apply:
                result.count("closed_cases")
                result.lines.append(f"Case #{case_id}: details would be removed: {why}")
                continue
            _one(result, "closed_cases", case_id, lambda: _strip_case(case_id, cutoff, why))
        if not apply:
            db.session.rollback()


def _strip_case(case_id: int, cutoff: date, why: str) -> bool:
    case = db.session.get(Case, case_id, with_for_update=True, populate_existing=True)
    if case is None or db.session.scalar(_closed_cases(cutoff).where(Case.id == case_id)) is None:
        return False
    case.summary, case.details, case.outcome = REMOVED, None, None
    for activity in db.session.scalars(select(Activity).where(Activity.case_id == case_id, Activity.text != REMOVED)):
        activity.text = REMOVED
    for follow_up in db.session.scalars(select(FollowUp).where(FollowUp.case_id == case_id, FollowUp.title != REMOVED)):
        follow_up.title = REMOVED
    audit.record(db.session, "retention", case,
                 summary=f"Removed the details of case #{case_id} after the retention period ({why})")
    return True


# --- refused time-off requests ------------------------------------------------------------------

def _refused(cutoff: date):
    """SQL: refusals decided before ``cutoff`` whose text is still there (the tribunal deadline, which
    starts the clock, is never before the refusal, so this finds every candidate and a few more)."""
    return select(TimeOffRequest.id).where(
        TimeOffRequest.status == "refused", TimeOffRequest.decided_on.is_not(None),
        TimeOffRequest.decided_on < cutoff,
        or_(TimeOffRequest.reason.is_not(None), TimeOffRequest.refusal_details.is_not(None)),
    )


def _time_off_due(request: TimeOffRequest, years: int, today: date) -> tuple[bool, str]:
    deadline = timeoff_queries.state(request, today=today).tribunal_deadline
    start = deadline or request.decided_on
    what = f"tribunal deadline {deadline.isoformat()}" if deadline else f"refused on {request.decided_on.isoformat()}"
    return rules.past_retention(start, years, today), f"{what}, over {years} year{'s' if years != 1 else ''} ago"


def _time_off_hold(request: TimeOffRequest) -> Optional[str]:
    if request.tribunal_claim_on is not None:
        case = db.session.get(Case, request.case_id) if request.case_id else None
        if case is None or case.status != "closed":
            return f"a tribunal claim was made on {request.tribunal_claim_on.isoformat()} and its dispute is not closed"
    if request.learner_id:
        learner = db.session.get(Learner, request.learner_id)
        if learner is not None:
            return legal_hold_for_learner(learner)
    return None


def _time_off(result: Result, today: date, apply: bool) -> None:
    years = result.years["refused_time_off"]
    for ids in _batches(_refused(rules.years_before(today, years))):
        for request_id in ids:
            request = db.session.get(TimeOffRequest, request_id)
            due, why = _time_off_due(request, years, today)
            if not due:
                continue
            hold = _time_off_hold(request)
            if hold:
                result.count("refused_time_off", "held")
                result.lines.append(f"Time-off request #{request_id}: {why}; kept: {hold}")
                continue
            if not apply:
                result.count("refused_time_off")
                result.lines.append(f"Time-off request #{request_id}: reason and refusal details would be removed: {why}")
                continue
            _one(result, "refused_time_off", request_id, lambda: _strip_time_off(request_id, years, today, why))
        if not apply:
            db.session.rollback()


def _strip_time_off(request_id: int, years: int, today: date, why: str) -> bool:
    request = db.session.get(TimeOffRequest, request_id, with_for_update=True, populate_existing=True)
    if request is None or (request.reason is None and request.refusal_details is None):
        return False
    if not _time_off_due(request, years, today)[0] or _time_off_hold(request):
        return False
    request.reason = request.refusal_details = None
    audit.record(db.session, "retention", request,
                 summary=f"Removed the reason and refusal details of time-off request #{request_id} after the "
                         f"retention period ({why})")
    return True


# --- logs and files -----------------------------------------------------------------------------

def _delete_in_batches(result: Result, kind: str, model, condition, apply: bool, what: str) -> None:
    n = db.session.scalar(select(func.count()).select_from(model).where(condition)) or 0
    if not apply:
        result.count(kind, n=n)
        if n:
            result.lines.append(f"{rules.RETENTION_LABELS[kind]}: {n} {what} would be deleted")
        return
    while True:
        ids = list(db.session.scalars(select(model.id).where(condition).order_by(model.id).limit(BATCH)))
        if not ids:
            break
        # the condition is repeated: a row another run deleted meanwhile is simply not there
        gone = db.session.execute(delete(model).where(model.id.in_(ids), condition)).rowcount or 0
        db.session.commit()
        result.count(kind, n=gone)


def _logs(result: Result, today: date, apply: bool) -> None:
    audit_cutoff = _start_of(rules.years_before(today, result.years["audit_entries"]))
    sign_in_cutoff = _start_of(rules.years_before(today, result.years["sign_in_records"]))
    _delete_in_batches(result, "audit_entries", AuditEntry,
                       (AuditEntry.at < audit_cutoff) & AuditEntry.action.not_in(SIGN_IN_ACTIONS), apply,
                       f"entries written before {audit_cutoff.date().isoformat()}")
    _delete_in_batches(result, "sign_in_records", AuditEntry,
                       (AuditEntry.at < sign_in_cutoff) & AuditEntry.action.in_(SIGN_IN_ACTIONS), apply,
                       f"sign-in entries before {sign_in_cutoff.date().isoformat()}")
    _delete_in_batches(result, "sign_in_records", UserSession,
                       func.coalesce(UserSession.last_seen_at, UserSession.created_at) < sign_in_cutoff, apply,
                       f"sessions last used before {sign_in_cutoff.date().isoformat()}")


def _files(result: Result, today: date, apply: bool) -> None:
    cutoff = _start_of(rules.years_before(today, result.years["generated_files"]))
    old = select(Job.id).where(func.coalesce(Job.finished_at, Job.created_at) < cutoff,
                               Job.status.in_(("done", "failed")))
    for ids in _batches(old):
        for job_id in ids:
            job = db.session.get(Job, job_id)
            why = f"{job.title}, made on {(job.finished_at or job.created_at).date().isoformat()}"
            if not apply:
                result.count("generated_files")
                result.lines.append(f"Generated file #{job_id} would be deleted: {why}")
                continue
            _one(result, "generated_files", job_id, lambda: _delete_job(job_id, cutoff))
        if not apply:
            db.session.rollback()


def _delete_job(job_id: int, cutoff: datetime) -> bool:
    job = db.session.get(Job, job_id, with_for_update=True, populate_existing=True)
    if job is None or (job.finished_at or job.created_at) >= cutoff:
        return False
    if job.result_path:
        try:
            path_of(job).unlink(missing_ok=True)
        except (OSError, FileNotFoundError):
            pass  # already gone, or outside the instance folder (path_of refuses those)
    audit.record(db.session, "retention", job, summary=f"Deleted the generated file \"{job.title}\" after the "
                                                       "retention period")
    db.session.delete(job)
    return True


# --- the run ------------------------------------------------------------------------------------

def _one(result: Result, kind: str, record_id: int, work: Callable[[], bool]) -> None:
    """Handle one record in a transaction of its own."""
    db.session.rollback()  # start clean: nothing from reading the batch is written with this record
    try:
        changed = work()
    except LegalHold as held:
        db.session.rollback()
        result.count(kind, "held")
        result.lines.append(f"{rules.RETENTION_LABELS[kind]} #{record_id}: kept: legal hold ({held.reason})")
        return
    except Exception:
        db.session.rollback()
        raise
    if changed:
        db.session.commit()
        result.count(kind)
    else:
        db.session.rollback()


#: the record types in the order they are handled (learners before logs: their erasure is audited)
STEPS = (("learners", _learners), ("closed_cases", _cases), ("refused_time_off", _time_off),
         ("logs", _logs), ("generated_files", _files))


def run(*, apply: bool, today: Optional[date] = None, settings: Optional[dict] = None) -> Result:
    """List (``apply=False``) or anonymise and delete (``apply=True``) everything past its time."""
    from flask import g

    today = today or date.today()
    result = Result(dry_run=not apply, years=rules.retention_years(settings))
    g.audit_actor_label = "retention (command line)"
    for _name, step in STEPS:
        step(result, today, apply)
    if apply:
        from .services import purge_exports

        purge_exports()
        db.session.commit()
    else:
        db.session.rollback()
    return result

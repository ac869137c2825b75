"""Erasure by anonymisation (UK GDPR Art 17) of a learner or a ULR appointment, unless a legal hold applies.

The record is kept, as "Erased learner #N" / "Erased ULR #N", so that enrolments, outcomes, ULR
appointments, training, time-off requests and every report's figures stay exactly as they were;
what identifies the person or was written about them goes:

- on the record: the name (replaced), e-mail, job title, the branch's reference, what the consent
  covers (replaced by "[erased]"), the notes of a ULR appointment, the legal hold reason; for a learner
  also the equality monitoring (gender, ethnicity, disability, age band) and union membership (member
  or not, the date they joined);
- free text about them, replaced by "[erased]": needs analysis goals; enrolment withdrawal and break
  reasons; the text of activities (contacts) and the titles of follow-ups on them or on their cases;
  the summary, details and outcome of cases about them (a learner's own cases, and the dispute cases of
  their time-off requests); the reasons and refusal details of their time-off requests (a learner's
  release requests, a ULR's own requests); the timeline lines of the record, its cases and requests,
  and their name wherever another timeline line names them;
- documents stored with the record, its time-off requests and cases (ulr_app/core/documents.py): the
  rows are deleted at once and the files removed from disk when the caller's transaction commits
  (a rollback leaves both in place);
- the audit trail: every earlier entry about the record has its stored values replaced by "[erased]"
  (the field names stay: what changed and when, not the values); entries about their enrolments, needs
  analyses, contacts, cases and requests lose their free-text values; any entry whose summary names
  them has the name replaced. The erasure itself is ONE entry, action "erase", naming the fields
  cleared and the reason given, never the erased values.
- subject access requests naming the learner: the person's name is replaced, and the searches of
  their exports lose the name and e-mail.

Kept: branch, employer, workplace, staff category, contract, hours, prior level, the consent date,
the assigned ULR, needs analyses' levels and barriers, enrolments with their statuses, dates and
projects, time-off requests' kinds, dates, hours, decisions and refusal reasons, ULR appointment,
notice and training dates. Frozen report runs (report_run) are not touched.

**The figures that counted erased values.** The equality report counts gender, ethnicity,
disability and age band, and the ULF ``new_members`` measure counts when a learner joined the union.
Those values must leave the person's record, but the figures must not change. So the erasure moves
the learner's contribution to an anonymous table (``reports.models.ErasedLearnerFigures``) that has no
learner id, name or any other link back to the person: only the branch (the reports' scope), the four
equality values, the date they joined the union, and (``ErasedLearnerCount``) the distinct start dates
of their enrolments and the funding projects they were linked to: exactly what decides whether they
count in a report's date range and project. The report figures add these rows in, as aggregates
(ulr_app/reports/figures.py); no page, export or API shows them row by row. An erased learner stays in
every count that uses what is kept on the record (total, staff category, contract, engaged, outcomes).
A learner merged into another record is not counted by the reports, so adds no anonymous row.
Once erased, a record cannot be changed, enrolled, merged or erased again, so what the anonymous row
holds stays in step with the enrolments that decide the totals. (The anonymous row is not
unlinkable in every case: in a branch with a single erased learner, it is theirs. It is what lets the
published figures stand while nothing on the person's record says who they were.)

``by=None`` means the retention command (ulr_app/cli.py): the audit entry names "command line".
These functions flush and never commit: the caller commits (or rolls back, and nothing is erased).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Optional

from flask import current_app, g
from sqlalchemy import Text, cast, event, exists, false, func, or_, select

from ..accounts.models import User
from ..cases.models import Case
from ..contacts.models import Activity, FollowUp
from ..core import audit, timeline
from ..core.audit_models import AuditEntry
from ..core.documents import StoredDocument
from ..core.errors import Conflict
from ..core.models import utcnow
from ..core.timeline import TimelineEntry
from ..extensions import db
from ..learners.models import Enrolment, Learner, LearnerConsent, NeedsAssessment
from ..reports.models import ErasedLearnerCount, ErasedLearnerFigures
from ..reps.models import Rep
from ..timeoff.models import TimeOffRequest
from . import rules
from .models import SubjectAccessExport, SubjectAccessRequest

ERASED = rules.ERASED_TEXT
#: the fields of a learner's record the erasure clears (the audit entry names them, never their values)
LEARNER_CLEARED = ("name", "email", "job_title", "reference", "consent_scope", "legal_hold_reason", "gender",
                   "ethnicity", "disability", "age_band", "membership", "joined_union_on")
REP_CLEARED = ("name", "email", "reference", "notes", "legal_hold_reason")
#: free-text fields of related records: their values leave the audit trail too
FREE_TEXT = frozenset({"goals", "withdrawal_reason", "break_reason", "text", "title", "summary", "details", "outcome",
                       "reason", "refusal_details", "name", "email", "person_name", "job_title", "notes",
                       "consent_scope", "reference", "legal_hold_reason"})
#: names shorter than this are not searched for in other records' text (too many false matches)
MIN_NAME = 3


class LegalHold(Exception):
    """The record is under a legal hold: it cannot be erased. ``reason`` says why, in plain words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- the legal hold ----------------------------------------------------------------------------

def _hold(recorded: Optional[str], requests: Any, extra_case: Any = None) -> Optional[str]:
    """``requests``: a SELECT of the ids of the person's time-off requests."""
    linked = Case.time_off_request_id.in_(requests)
    cases = db.session.scalars(select(Case.id).where(
        Case.kind == "time_off_dispute", Case.status != "closed",
        or_(linked, extra_case) if extra_case is not None else linked)).all()
    closed_dispute = exists(select(Case.id).where(
        Case.status == "closed", or_(Case.time_off_request_id == TimeOffRequest.id, Case.id == TimeOffRequest.case_id)))
    claims = db.session.execute(select(TimeOffRequest.id, TimeOffRequest.tribunal_claim_on).where(
        TimeOffRequest.id.in_(requests), TimeOffRequest.tribunal_claim_on.is_not(None), ~closed_dispute)).all()
    return rules.legal_hold(recorded, cases, [(i, d) for i, d in claims])


def legal_hold_for_learner(learner: Learner) -> Optional[str]:
    """Why ``learner`` cannot be erased now (rules.legal_hold), or None."""
    requests = select(TimeOffRequest.id).where(TimeOffRequest.learner_id == learner.id)
    return _hold(learner.legal_hold_reason, requests, Case.learner_id == learner.id)


def legal_hold_for_rep(rep: Rep) -> Optional[str]:
    """Why the ULR appointment ``rep`` cannot be erased now (rules.legal_hold), or None."""
    requests = select(TimeOffRequest.id).where(TimeOffRequest.rep_id == rep.id)
    return _hold(rep.legal_hold_reason, requests)


# --- shared steps -------------------------------------------------------------------------------

def _names(obj: Any) -> list[str]:
    """The person's name now and every earlier name the audit trail recorded, longest first."""
    names = {obj.name}
    for changes in db.session.scalars(select(AuditEntry.changes).where(
            AuditEntry.object_type == obj.__tablename__, AuditEntry.object_id == obj.id)):
        value = (changes or {}).get("name")
        if isinstance(value, list):
            names.update(v for v in value if isinstance(v, str))
    return sorted((n.strip() for n in names if n and len(n.strip()) >= MIN_NAME), key=len, reverse=True)


def _without(text: Optional[str], names: Iterable[str]) -> Optional[str]:
    if text is None:
        return None
    for name in names:
        if name.lower() in text.lower():
            start = 0
            out = []
            low, key = text.lower(), name.lower()
            while (i := low.find(key, start)) >= 0:
                out.append(text[start:i] + ERASED)
                start = i + len(name)
            text = "".join(out) + text[start:]
    return text


def _mentions(column: Any, names: list[str]) -> Any:
    return or_(*(func.lower(column).contains(n.lower(), autoescape=True) for n in names)) if names else None


def _blank(obj: Any, fields: Iterable[str]) -> None:
    """Replace the free text of ``obj`` (where there is any) by "[erased]"."""
    for field in fields:
        if getattr(obj, field) not in (None, ""):
            setattr(obj, field, ERASED)


def _redact_audit(object_type: str, ids: Iterable[int], *, everything: bool) -> int:
    ids = list(ids)
    if not ids:
        return 0
    n = 0
    for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == object_type,
                                                             AuditEntry.object_id.in_(ids))):
        if not entry.changes:
            continue
        changed = {k: (ERASED if (everything or k in FREE_TEXT) and k not in ("records", "fields") else v)
                   for k, v in entry.changes.items()}
        if changed != entry.changes:
            entry.changes = changed  # a new dict: the JSON column sees the change
            n += 1
    return n


def _scrub(value: Any, names: list[str]) -> Any:
    if isinstance(value, str):
        return _without(value, names)
    if isinstance(value, list):
        return [_scrub(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, names) for k, v in value.items()}
    return value


def _redact_names(names: list[str]) -> None:
    """Every audit summary, audit value and timeline line that names the person, anywhere: the name replaced."""
    if not names:
        return
    for entry in db.session.scalars(select(AuditEntry).where(_mentions(AuditEntry.summary, names))):
        entry.summary = _without(entry.summary, names)[:500]
    # the stored JSON may hold a name with its non-ASCII letters escaped: look for both spellings
    spellings = sorted({n for name in names for n in (name, json.dumps(name)[1:-1])}, key=len, reverse=True)
    for entry in db.session.scalars(select(AuditEntry).where(_mentions(cast(AuditEntry.changes, Text), spellings))):
        scrubbed = _scrub(entry.changes, names)
        if scrubbed != entry.changes:
            entry.changes = scrubbed
    for line in db.session.scalars(select(TimelineEntry).where(_mentions(TimelineEntry.text, names))):
        line.text = _without(line.text, names)


def _blank_timelines(object_type: str, ids: Iterable[int]) -> None:
    ids = list(ids)
    if ids:
        for line in db.session.scalars(select(TimelineEntry).where(TimelineEntry.object_type == object_type,
                                                                   TimelineEntry.object_id.in_(ids))):
            line.text = ERASED


def _delete_documents(owners: Iterable[tuple[str, Iterable[int]]]) -> int:
    """Delete the stored documents of these records: the rows now, the files once the caller commits."""
    paths: list[Path] = []
    root = Path(current_app.instance_path)
    for object_type, ids in owners:
        ids = list(ids)
        if not ids:
            continue
        for document in db.session.scalars(select(StoredDocument).where(StoredDocument.object_type == object_type,
                                                                        StoredDocument.object_id.in_(ids))):
            paths.append(root / document.stored_as)
            db.session.delete(document)
    if paths:
        session = db.session()
        settled = {"done": False}

        def committed(_session: Any) -> None:
            if not settled["done"]:
                settled["done"] = True
                for path in paths:
                    path.unlink(missing_ok=True)

        def rolled_back(_session: Any, previous: Any) -> None:
            if not getattr(previous, "nested", False):  # the rows are back: so are the files, for good
                settled["done"] = True

        event.listen(session, "after_commit", committed)
        event.listen(session, "after_soft_rollback", rolled_back)
    return len(paths)


def _erase_cases(case_ids: list[int]) -> None:
    if not case_ids:
        return
    for case in db.session.scalars(select(Case).where(Case.id.in_(case_ids))):
        _blank(case, ("summary", "details", "outcome"))
    for activity in db.session.scalars(select(Activity).where(Activity.case_id.in_(case_ids))):
        _blank(activity, ("text",))
    for follow_up in db.session.scalars(select(FollowUp).where(FollowUp.case_id.in_(case_ids))):
        _blank(follow_up, ("title",))


def _refuse_twice(obj: Any) -> None:
    if obj.erased_at is not None:
        raise Conflict("This record was erased already.")


def _record(obj: Any, by: Optional[User], reason: str, cleared: Iterable[str], label: str, counts: dict) -> None:
    """The one audit entry of an erasure: what was cleared (field names), why, never the values."""
    what = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    if by is not None:
        previous = getattr(g, "audit_actor", None)
        g.audit_actor = by
    try:
        audit.record(db.session, "erase", object_type=obj.__tablename__, object_id=obj.id,
                     summary=f"Erased {obj.__label__} {obj.id} (now '{label}'): {reason}" + (f"; {what}" if what else ""),
                     changes={"cleared": sorted(cleared), "reason": reason, **{k: n for k, n in counts.items()}})
    finally:
        if by is not None:
            g.audit_actor = previous


# --- learners -----------------------------------------------------------------------------------

def _keep_learner_figures(learner: Learner) -> None:
    """Move the learner's equality monitoring and union join date to the anonymous figures."""
    if learner.merged_into_id is not None:
        return
    figures = ErasedLearnerFigures(branch_id=learner.branch_id, gender=learner.gender, ethnicity=learner.ethnicity,
                                   disability=learner.disability, age_band=learner.age_band,
                                   joined_union_on=learner.joined_union_on)
    db.session.add(figures)
    db.session.flush()
    starts = db.session.scalars(select(Enrolment.started_on).where(
        Enrolment.learner_id == learner.id, Enrolment.started_on.is_not(None)).distinct()).all()
    projects = db.session.scalars(select(Enrolment.project_id).where(
        Enrolment.learner_id == learner.id, Enrolment.project_id.is_not(None)).distinct()).all()
    db.session.add_all([ErasedLearnerCount(figures_id=figures.id, started_on=d) for d in sorted(starts)]
                       + [ErasedLearnerCount(figures_id=figures.id, project_id=p) for p in sorted(projects)])


def erase_learner(learner: Learner, *, by: Optional[User], reason: str) -> None:
    """Erase ``learner`` by anonymisation (see the module's docstring). LegalHold while one applies;
    Conflict if erased already. Flushes; the caller commits."""
    _refuse_twice(learner)
    hold = legal_hold_for_learner(learner)
    if hold:
        raise LegalHold(hold)
    names = _names(learner)
    label = f"Erased learner #{learner.id}"
    request_ids = db.session.scalars(select(TimeOffRequest.id).where(TimeOffRequest.learner_id == learner.id)).all()
    case_ids = db.session.scalars(select(Case.id).where(or_(
        Case.learner_id == learner.id, Case.time_off_request_id.in_(request_ids) if request_ids else false()))).all()
    counts: dict[str, int] = {}

    _keep_learner_figures(learner)
    cleared = [f for f in LEARNER_CLEARED if getattr(learner, f) not in (None, "")]
    learner.name = label
    for field in ("email", "job_title", "reference", "legal_hold_reason", "gender", "ethnicity", "disability",
                  "age_band", "membership", "joined_union_on"):
        setattr(learner, field, None)
    if learner.consent_scope:
        learner.consent_scope = ERASED
    learner.erased_at = utcnow()
    learner.erased_by_id = by.id if by is not None else None

    analyses = db.session.scalars(select(NeedsAssessment).where(NeedsAssessment.learner_id == learner.id)).all()
    for analysis in analyses:
        _blank(analysis, ("goals",))
    # the consents stay (what was agreed, when, withdrawn when) without the notes or who took them by name
    for consent in db.session.scalars(select(LearnerConsent).where(LearnerConsent.learner_id == learner.id)):
        _blank(consent, ("note", "taken_by_name"))
    enrolments = db.session.scalars(select(Enrolment).where(Enrolment.learner_id == learner.id)).all()
    for enrolment in enrolments:
        _blank(enrolment, ("withdrawal_reason", "break_reason"))
    activities = db.session.scalars(select(Activity).where(Activity.learner_id == learner.id)).all()
    for activity in activities:
        _blank(activity, ("text",))
    follow_ups = db.session.scalars(select(FollowUp).where(FollowUp.learner_id == learner.id)).all()
    for follow_up in follow_ups:
        _blank(follow_up, ("title",))
    _erase_cases(case_ids)
    for request in db.session.scalars(select(TimeOffRequest).where(TimeOffRequest.id.in_(request_ids))):
        _blank(request, ("reason", "refusal_details"))
    sars = db.session.scalars(select(SubjectAccessRequest).where(SubjectAccessRequest.learner_id == learner.id)).all()
    for sar in sars:
        sar.person_name = label
        for export in db.session.scalars(select(SubjectAccessExport).where(SubjectAccessExport.request_id == sar.id)):
            export.search = {k: (ERASED if k in ("name", "email") and v else v) for k, v in (export.search or {}).items()}

    counts["documents deleted"] = _delete_documents((("learner", [learner.id]), ("time_off_request", request_ids),
                                                     ("case_record", case_ids)))
    _blank_timelines("learner", [learner.id])
    _blank_timelines("case_record", case_ids)
    _blank_timelines("time_off_request", request_ids)
    _redact_audit("learner", [learner.id], everything=True)
    activity_ids = [a.id for a in activities] + (list(db.session.scalars(
        select(Activity.id).where(Activity.case_id.in_(case_ids)))) if case_ids else [])
    follow_up_ids = [f.id for f in follow_ups] + (list(db.session.scalars(
        select(FollowUp.id).where(FollowUp.case_id.in_(case_ids)))) if case_ids else [])
    for object_type, ids in (("needs_assessment", [a.id for a in analyses]), ("enrolment", [e.id for e in enrolments]),
                             ("activity", activity_ids), ("follow_up", follow_up_ids), ("case_record", case_ids),
                             ("time_off_request", request_ids), ("subject_access_request", [r.id for r in sars])):
        _redact_audit(object_type, ids, everything=False)
    _redact_names(names)
    db.session.flush()
    timeline.add(db.session, learner, "erased", "Record erased: identifying details and notes removed")
    _record(learner, by, reason, cleared, label, counts)
    db.session.flush()


# --- ULR appointments ---------------------------------------------------------------------------

def erase_rep(rep: Rep, *, by: Optional[User], reason: str) -> None:
    """Erase the ULR appointment ``rep`` by anonymisation (see the module's docstring). The
    appointment, notice, training and stand-down dates and its time-off requests stay (the
    appointment, training and time-off figures count them). LegalHold while one applies; Conflict if
    erased already. Flushes; the caller commits."""
    _refuse_twice(rep)
    hold = legal_hold_for_rep(rep)
    if hold:
        raise LegalHold(hold)
    names = _names(rep)
    label = f"Erased ULR #{rep.id}"
    request_ids = db.session.scalars(select(TimeOffRequest.id).where(TimeOffRequest.rep_id == rep.id)).all()
    case_ids = db.session.scalars(select(Case.id).where(
        Case.time_off_request_id.in_(request_ids))).all() if request_ids else []
    cleared = [f for f in REP_CLEARED if getattr(rep, f) not in (None, "")]
    rep.name = label
    for field in ("email", "reference", "notes", "legal_hold_reason"):
        setattr(rep, field, None)
    rep.erased_at = utcnow()
    rep.erased_by_id = by.id if by is not None else None
    for request in db.session.scalars(select(TimeOffRequest).where(TimeOffRequest.id.in_(request_ids))):
        _blank(request, ("reason", "refusal_details"))
    _erase_cases(case_ids)
    counts = {"documents deleted": _delete_documents((("rep", [rep.id]), ("time_off_request", request_ids),
                                                      ("case_record", case_ids)))}
    _blank_timelines("rep", [rep.id])
    _blank_timelines("case_record", case_ids)
    _blank_timelines("time_off_request", request_ids)
    _redact_audit("rep", [rep.id], everything=True)
    _redact_audit("case_record", case_ids, everything=False)
    _redact_audit("time_off_request", request_ids, everything=False)
    _redact_names(names)
    db.session.flush()
    timeline.add(db.session, rep, "erased", "Record erased: identifying details and notes removed")
    _record(rep, by, reason, cleared, label, counts)
    db.session.flush()


def is_erased(obj: Any) -> bool:
    return getattr(obj, "erased_at", None) is not None



"""The only code that changes a learner's consents (issue 14 item 1): giving one, withdrawing one or
all, and keeping the consents in step with consent_on / consent_scope on the learner's form and the
API. Withdrawing equality monitoring erases those fields at once, and the copies of their values the
audit trail keeps. Flushes, never commits."""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Mapping, Optional

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..core import audit, timeline
from ..core import validation as v
from ..core.audit_models import AuditEntry
from ..core.errors import ValidationFailed
from ..core.templating import uk_date
from ..extensions import db
from . import rules
from .models import Learner, LearnerConsent

EQUALITY_FIELDS = rules.COVERS["equality"]
#: what replaces an erased value wherever a copy of it was kept
WITHDRAWN = "[withdrawn]"
GIVE_FIELDS = ("purpose", "method", "given_on", "shared_with", "taken_by_name", "note")
WITHDRAW_FIELDS = ("purpose", "consent_id", "withdrawn_on", "note")
AUDITED = ("purpose", "shared_with", "given_on", "method", "taken_by_id", "taken_by_name", "withdrawn_on",
           "withdrawn_by_id", "note")


def consents_of(learner: Learner) -> list[LearnerConsent]:
    """The learner's consents, oldest first."""
    # who took and who withdrew each, joined: the learner page shows them, in one statement however many
    return list(db.session.scalars(select(LearnerConsent).where(LearnerConsent.learner_id == learner.id)
                                   .options(joinedload(LearnerConsent.taken_by), joinedload(LearnerConsent.withdrawn_by))
                                   .order_by(LearnerConsent.given_on, LearnerConsent.id)))


def facts(rows: Iterable[LearnerConsent]) -> list[rules.ConsentFacts]:
    return [rules.ConsentFacts(c.purpose, c.given_on, c.withdrawn_on, c.shared_with) for c in rows]


def in_force(learner: Learner, on: Optional[date] = None) -> frozenset[str]:
    return rules.purposes_in_force(facts(consents_of(learner)), on or date.today())


def may_contact(learner: Learner, on: Optional[date] = None) -> bool:
    """May the learner be contacted or e-mailed (consent to be contacted in force)?"""
    return rules.may_contact(facts(consents_of(learner)), on or date.today(), legacy_consent_on=learner.consent_on)


def withdrawn_on(learner: Learner, purpose: str, on: Optional[date] = None) -> Optional[date]:
    """When ``purpose`` was withdrawn, if it is withdrawn now (None if in force or never given)."""
    return rules.ever_withdrawn(facts(consents_of(learner)), purpose, on or date.today())


def _actor_id(actor) -> Optional[int]:
    return actor.id if actor is not None else audit.current_actor()[0]


def _add(learner: Learner, *, purpose: str, given_on: date, method: str, actor=None, note: Optional[str] = None,
         shared_with: Optional[str] = None, taken_by_name: Optional[str] = None) -> LearnerConsent:
    row = LearnerConsent(learner_id=learner.id, purpose=purpose, given_on=given_on, method=method,
                         taken_by_id=_actor_id(actor), taken_by_name=taken_by_name, note=note, shared_with=shared_with)
    db.session.add(row)
    db.session.flush()
    what = rules.PURPOSES[purpose] + (f" ({shared_with})" if shared_with else "")
    audit.record(db.session, "create", row, summary=f"Consent of learner {learner.name}: {what}, given on "
                                                    f"{uk_date(given_on)}", changes=audit.snapshot(row, AUDITED))
    return row


# --- in step with the learner's form and the API ------------------------------------------------------

def equality_refused(learner: Optional[Learner], values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Equality fields being filled although the learner withdrew consent to equality monitoring (and
    has not given it again): field -> message. Emptying them is always allowed."""
    if learner is None or learner.id is None:
        return {}
    sent = [f for f in EQUALITY_FIELDS if values.get(f) not in (None, "") and values.get(f) != getattr(learner, f)]
    if not sent:
        return {}
    when = withdrawn_on(learner, "equality")
    if when is None:
        return {}
    message = (f"The learner withdrew consent to equality monitoring on {uk_date(when)}: record their consent "
               "again (Consent on their page) before saving this")
    return {f: [message] for f in sent}


def follow_learner(learner: Learner, changes: Mapping[str, tuple[Any, Any]], *, actor=None, created: bool = False,
                   on: Optional[date] = None) -> None:
    """After a learner was recorded or changed on the form or the API: consent_on / consent_scope give
    (or correct) the consents to keep the record and to contact them; equality monitoring filled in
    for the first time records the consent to it (given ``on``, default today, when filled in later)."""
    if not changes and not created:
        return
    # (a learner recorded just now has no consents yet)
    current = {} if created else {c.purpose: c for c in consents_of(learner) if c.withdrawn_on is None}
    if learner.consent_on and ("consent_on" in changes or "consent_scope" in changes or created):
        records = current.get("records")
        if records is None:
            for purpose in ("records", "contact"):
                if purpose not in current:
                    _add(learner, purpose=purpose, given_on=learner.consent_on, method="not_recorded", actor=actor,
                         note=learner.consent_scope)
        else:  # the date or words of the consent corrected on the form
            fix = {"given_on": learner.consent_on, "note": learner.consent_scope}
            for row in [records] + [current[p] for p in ("contact",) if p in current
                                    and current[p].given_on == records.given_on and current[p].method == "not_recorded"]:
                diff = audit.apply_changes(row, fix if row is records else {"given_on": fix["given_on"]},
                                           ("given_on", "note"))
                if diff:
                    db.session.flush()
                    audit.record(db.session, "update", row, changes=diff,
                                 summary=f"Consent of learner {learner.name} corrected: {rules.PURPOSES[row.purpose]}")
    filled = [f for f in EQUALITY_FIELDS if f in changes and getattr(learner, f) is not None]
    if filled and learner.consent_on and "equality" not in current:
        # recorded with the learner: given with their consent (as the migration reads today's data); later: today
        _add(learner, purpose="equality", given_on=learner.consent_on if created else (on or date.today()),
             method="not_recorded", actor=actor,
             note="Recorded with the equality monitoring on the learner's details")


# --- giving and withdrawing on the consent pages -------------------------------------------------------

def give(learner: Learner, data: Mapping[str, Any], *, actor=None) -> LearnerConsent:
    """Record a consent the learner gave: purpose, how (paper form, online, verbal), when, who took it
    (the actor, and the name typed for a verbal consent), and for sharing the provider or funder."""
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(GIVE_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields", {f: ["This field is not part of a consent"] for f in sorted(unknown)})
    if learner.merged_into_id is not None:
        raise ValidationFailed("Check the consent", {"purpose": [
            f"This record was merged into learner {learner.merged_into_id}: record consent there"]})
    purpose = data.get("purpose") if isinstance(data.get("purpose"), str) else None
    given_on = v.day(data, errors, "given_on", "the date the consent was given", required=True,
                     kind=v.LEARNING_HAPPENED)
    shared_with = v.text(data, errors, "shared_with", "the provider or funder", 200, multiline=False)
    taken_by_name = v.text(data, errors, "taken_by_name", "who took the consent", 120, multiline=False)
    note = v.text(data, errors, "note", "the note", 2000)
    method = data.get("method") if isinstance(data.get("method"), str) else None
    taken = taken_by_name or (actor.name if actor is not None else None)
    problems = rules.give_problems(purpose=purpose, method=method, given_on=given_on, today=date.today(),
                                   shared_with=shared_with, taken_by=taken, in_force=facts(consents_of(learner)))
    for field, message in problems.items():
        errors.setdefault(field, [message])
    if errors:
        raise ValidationFailed("Check the consent", errors)
    had_records = "records" in rules.purposes_in_force(facts(consents_of(learner)), given_on)
    row = _add(learner, purpose=purpose, given_on=given_on, method=method, actor=actor, note=note,
               shared_with=shared_with if purpose == "sharing" else None, taken_by_name=taken_by_name)
    if purpose == "records" and not had_records:  # the learner's consent date is this consent's (API: consent_on)
        fix = {"consent_on": given_on, "consent_scope": note or learner.consent_scope or rules.PURPOSES["records"]}
        diff = audit.apply_changes(learner, fix, ("consent_on", "consent_scope"))
        if diff:
            db.session.flush()
            audit.record(db.session, "update", learner, changes=diff, summary=f"Changed learner {learner.name}")
    timeline.add(db.session, learner, "consent", f"Consent given on {uk_date(given_on)}: "
                 + rules.PURPOSES[purpose] + (f" ({shared_with})" if shared_with else "")
                 + f" ({rules.METHODS[method][0].lower()}{rules.METHODS[method][1:]})")
    return row


def withdrawal_targets(learner: Learner, purpose: str, consent_id: Optional[int] = None) -> list[LearnerConsent]:
    """The consents in force that withdrawing ``purpose`` (or one consent, by id) ends."""
    today = date.today()
    rows = [c for c in consents_of(learner) if c.withdrawn_on is None and c.given_on <= today]
    if consent_id is not None:
        return [c for c in rows if c.id == consent_id]
    wanted = rules.withdrawn_with(purpose)
    return [c for c in rows if c.purpose in wanted]


def erase_equality(learner: Learner) -> int:
    """Erase the learner's equality monitoring: the fields (NULL) and every value of them an audit entry
    about the learner kept (replaced by WITHDRAWN). Returns how many audit entries were redacted."""
    diff = audit.apply_changes(learner, {f: None for f in EQUALITY_FIELDS}, EQUALITY_FIELDS)
    redacted = 0
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == Learner.__tablename__,
                                                          AuditEntry.object_id == learner.id)).all()
    for entry in entries:
        if not isinstance(entry.changes, dict):
            continue
        found = [f for f in EQUALITY_FIELDS if f in entry.changes and entry.changes[f] != WITHDRAWN]
        if found:
            entry.changes = {**entry.changes, **{f: WITHDRAWN for f in found}}  # a new dict: JSON change tracked
            redacted += 1
    db.session.flush()
    if diff:
        audit.record(db.session, "update", learner, changes=diff,
                     summary=f"Equality monitoring of learner {learner.name} erased: consent withdrawn")
    return redacted


def withdraw(learner: Learner, data: Mapping[str, Any], *, actor=None) -> list[LearnerConsent]:
    """Withdraw a purpose (``purpose``: records, contact, equality, sharing or all; records withdraws
    every purpose) or one consent (``consent_id``), from ``withdrawn_on``. Equality monitoring is erased
    at once. Returns the consents withdrawn."""
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(WITHDRAW_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields", {f: ["This field is not part of a withdrawal"] for f in sorted(unknown)})
    purpose = data.get("purpose")
    if purpose not in (*rules.PURPOSES, "all"):
        raise ValidationFailed("Check the withdrawal", {"purpose": ["Choose which consent the learner is withdrawing"]})
    consent_id = data.get("consent_id")
    if consent_id is not None and (isinstance(consent_id, bool) or not isinstance(consent_id, int)):
        raise ValidationFailed("Check the withdrawal", {"consent_id": ["Choose one of the learner's consents"]})
    when = v.day(data, errors, "withdrawn_on", "the date the learner withdrew their consent", required=True,
                 kind=v.LEARNING_HAPPENED)
    note = v.text(data, errors, "note", "the note", 2000)
    targets = withdrawal_targets(learner, purpose, consent_id)
    if consent_id is not None and (not targets or targets[0].purpose != purpose):
        raise ValidationFailed("Check the withdrawal", {"consent_id": ["Choose one of the learner's consents in force"]})
    if not targets and "withdrawn_on" not in errors:
        errors["purpose"] = ["The learner has no consent in force for this to withdraw"]
    if when is not None and "withdrawn_on" not in errors:
        for row in targets:
            problem = rules.withdraw_problems(given_on=row.given_on, withdrawn_on=when, today=date.today(),
                                              already_withdrawn_on=row.withdrawn_on)
            for field, message in problem.items():
                errors.setdefault(field, [message])
    if errors:
        raise ValidationFailed("Check the withdrawal", errors)
    by_id = _actor_id(actor)
    for row in targets:
        fix = {"withdrawn_on": when, "withdrawn_by_id": by_id}
        if note:
            fix["note"] = f"{row.note}\n{note}" if row.note else note
        diff = audit.apply_changes(row, fix, ("withdrawn_on", "withdrawn_by_id", "note"))
        db.session.flush()
        audit.record(db.session, "withdraw", row, changes=diff,
                     summary=f"Consent of learner {learner.name} withdrawn on {uk_date(when)}: "
                             f"{rules.PURPOSES[row.purpose]}" + (f" ({row.shared_with})" if row.shared_with else ""))
    purposes = {row.purpose for row in targets}
    erased = ""
    if "equality" in purposes or (purpose in ("records", "all") and any(getattr(learner, f) for f in EQUALITY_FIELDS)):
        erase_equality(learner)
        erased = "; the equality monitoring was erased"
    words = ", ".join(dict.fromkeys(rules.PURPOSES[row.purpose].split(" (")[0].lower() for row in targets))
    timeline.add(db.session, learner, "consent", f"Consent withdrawn on {uk_date(when)}: {words}{erased}")
    return targets

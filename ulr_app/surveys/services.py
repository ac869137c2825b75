"""The only code that changes surveys and stores answers. Validates everything before changing anything,
audits every change, flushes, never commits.

An answer is anonymous: it stores no address, no name and no time of day, and its audit entry holds no
address either. Floods are held off without a CAPTCHA: a limit of answers per address (counted in the
sign-in limiter's storage: Redis when ULR_REDIS_URL is set, this process's memory otherwise), a cap of
answers per survey, a hidden field only robots fill in, and a length limit on every answer."""
from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any, Mapping, Optional

from flask import current_app, g, has_request_context
from limits import parse
from sqlalchemy import select

from ..accounts import throttle
from ..core import audit
from ..core import validation as v
from ..core.models import utcnow
from ..core.errors import Conflict, NotAllowed, ServiceError, ValidationFailed
from ..extensions import db
from ..learners import services as learner_services
from ..organisation.models import Branch
from ..reps.models import Rep
from . import queries, rules
from .models import Survey, SurveyChoice, SurveyResponse, SurveyWorkplace

FIELDS = ("title", "intro", "rep_id", "workplace_ids", "questions", "wording")
AUDITED = ("title", "intro", "rep_id", "questions", "wording", "status", "opened_on", "closed_on")
PROBLEM = "Check the survey"
#: the follow-up for a respondent who asked to be contacted is due this many days after they answered
FOLLOW_UP_DAYS = 5


class TooManyAnswers(ServiceError):
    """The per-address limit or the survey's cap is reached: 429."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def new_token() -> str:
    """The short link's random part: 128 bits, URL-safe (22 characters)."""
    return secrets.token_urlsafe(16)


# --- making and changing a survey ----------------------------------------------------------------

def _ids(value: Any, errors: dict, field: str, message: str) -> list[int]:
    values = value if isinstance(value, (list, tuple)) else ([] if value in (None, "") else [value])
    out = []
    for item in values:
        try:
            out.append(v.db_id(item))
        except (TypeError, ValueError):
            errors[field] = [message]
            return []
    return list(dict.fromkeys(out))


def _clean(data: Mapping[str, Any], branch: Branch, existing: Optional[Survey], actor) -> dict[str, Any]:
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields", {f: ["This field is not part of a survey"] for f in sorted(unknown)})
    merged: dict[str, Any] = {}
    if existing is not None:
        merged = {"title": existing.title, "intro": existing.intro, "rep_id": existing.rep_id,
                  "workplace_ids": [p.workplace_id for p in existing.places], "questions": list(existing.questions),
                  "wording": dict(existing.wording or {})}
    merged.update(data)
    errors: dict[str, list[str]] = {}
    c: dict[str, Any] = {
        "title": v.text(merged, errors, "title", "the survey's title", 200, required=True, multiline=False),
        "intro": v.text(merged, errors, "intro", "the words at the top of the survey", 2000),
        "rep_id": v.ident(merged, errors, "rep_id", "Choose the ULR who will contact the people who ask"),
    }
    workplace_ids = _ids(merged.get("workplace_ids"), errors, "workplace_ids", "Choose workplaces from the list")
    if not workplace_ids and "workplace_ids" not in errors:
        errors["workplace_ids"] = ["Choose at least one workplace the survey is for"]
    allowed = {wid for wid, _ in queries.branch_workplaces(branch.id)}
    if any(w not in allowed for w in workplace_ids) and "workplace_ids" not in errors:
        errors["workplace_ids"] = ["Choose workplaces of employers this branch deals with"]
    if len(workplace_ids) > 500 and "workplace_ids" not in errors:
        errors["workplace_ids"] = ["A survey can cover at most 500 workplaces"]
    c["workplace_ids"] = workplace_ids
    questions = merged.get("questions")
    if questions is None:
        questions = [q.key for q in rules.QUESTION_SET]
    if not isinstance(questions, (list, tuple)) or any(q not in rules.QUESTIONS for q in questions):
        errors["questions"] = ["Choose questions from the list"]
        questions = []
    elif not questions:
        errors["questions"] = ["Choose at least one question to ask"]
    c["questions"] = [q.key for q in rules.QUESTION_SET if q.key in questions]
    wording_in = merged.get("wording") or {}
    wording: dict[str, str] = {}
    if not isinstance(wording_in, Mapping):
        errors["wording"] = ["Enter each question's wording as text"]
    else:
        for key, text in wording_in.items():
            if key not in rules.QUESTIONS:
                errors["wording"] = ["Change the wording of questions from the list only"]
                continue
            field = f"wording_{key}"
            value = v.text({field: text}, errors, field, "the question", rules.WORDING_MAX, multiline=False)
            if value and value != rules.QUESTIONS[key].text:
                wording[key] = value
    c["wording"] = wording
    if c["rep_id"] and "rep_id" not in errors:
        if c["rep_id"] not in {rid for rid, _ in queries.branch_reps(branch.id, actor)} and not (
                existing is not None and c["rep_id"] == existing.rep_id):
            errors["rep_id"] = (["Choose yourself: a ULR follows up their own surveys"] if actor is not None
                                and actor.role == "learning_rep" else ["Choose a ULR of this branch who is in post"])
    if errors:
        raise ValidationFailed(PROBLEM, errors)
    return c


def _set_places(survey: Survey, workplace_ids: list[int]) -> bool:
    have = {p.workplace_id: p for p in survey.places}
    changed = False
    for wid, place in have.items():
        if wid not in workplace_ids:
            survey.places.remove(place)
            changed = True
    for wid in workplace_ids:
        if wid not in have:
            survey.places.append(SurveyWorkplace(workplace_id=wid))
            changed = True
    return changed


def create_survey(data: Mapping[str, Any], *, branch: Branch, actor=None) -> Survey:
    clean = _clean(data, branch, None, actor)
    workplace_ids = clean.pop("workplace_ids")
    survey = Survey(branch_id=branch.id, created_by_id=actor.id if actor is not None else audit.current_actor()[0],
                    token=new_token(), status="draft", **clean)
    db.session.add(survey)
    _set_places(survey, workplace_ids)
    db.session.flush()
    changes = audit.snapshot(survey, AUDITED)
    changes["workplaces"] = (None, workplace_ids)
    audit.record(db.session, "create", survey, summary=f"Made the survey {survey.title}", changes=changes)
    return survey


def update_survey(survey: Survey, data: Mapping[str, Any], *, version: Optional[int] = None, actor=None) -> dict:
    if version is not None and int(version) != survey.version:
        raise Conflict("This survey was changed by someone else. Reload it and try again.")
    clean = _clean(data, survey.branch, survey, actor)
    workplace_ids = clean.pop("workplace_ids")
    if survey.status != "draft":
        removed = {p.workplace_id for p in survey.places} - set(workplace_ids)
        answered = db.session.scalars(select(SurveyResponse.workplace_id).where(
            SurveyResponse.survey_id == survey.id, SurveyResponse.workplace_id.in_(removed)).limit(1)).first() \
            if removed else None
        if answered is not None:
            raise ValidationFailed(PROBLEM, {"workplace_ids": [
                "A workplace whose staff have answered cannot be taken off the survey"]})
    old_places = sorted(p.workplace_id for p in survey.places)
    changes = audit.apply_changes(survey, clean, AUDITED)
    if _set_places(survey, workplace_ids):
        changes["workplaces"] = (old_places, sorted(workplace_ids))
        survey.updated_at = utcnow()  # a change of workplaces alone still moves the survey's version on
    if changes:
        db.session.flush()
        audit.record(db.session, "update", survey, summary=f"Changed the survey {survey.title}", changes=changes)
    return changes


def set_staff_counts(survey: Survey, counts: Mapping[int, Any], *, version: Optional[int] = None) -> dict:
    """The number of staff at each workplace the survey covers (blank: not known)."""
    if version is not None and int(version) != survey.version:
        raise Conflict("This survey was changed by someone else. Reload it and try again.")
    errors: dict[str, list[str]] = {}
    places = {p.workplace_id: p for p in survey.places}
    clean: dict[int, Optional[int]] = {}
    for wid, raw in counts.items():
        if wid not in places:
            errors[f"staff-{wid}"] = ["This workplace is not part of the survey"]
            continue
        text = raw.strip() if isinstance(raw, str) else raw
        if text in (None, ""):
            clean[wid] = None
        elif isinstance(text, int) and not isinstance(text, bool) or isinstance(text, str) and text.isdigit():
            number = int(text)
            if not 1 <= number <= 10000:
                errors[f"staff-{wid}"] = ["Enter a whole number from 1 to 10000, or leave it empty if not known"]
            clean[wid] = number
        else:
            errors[f"staff-{wid}"] = ["Enter the number of staff as a whole number, like 45, or leave it empty"]
    if errors:
        raise ValidationFailed("Check the staff numbers", errors)
    changes = {}
    for wid, number in clean.items():
        if places[wid].staff_count != number:
            changes[str(wid)] = (places[wid].staff_count, number)
            places[wid].staff_count = number
    if changes:
        survey.updated_at = utcnow()
        db.session.flush()
        audit.record(db.session, "update", survey, summary=f"Changed the staff numbers of the survey {survey.title}",
                     changes={"staff_count": ({}, {k: new for k, (_old, new) in changes.items()})})
    return changes


def set_status(survey: Survey, status: str, *, version: Optional[int] = None, today: Optional[date] = None) -> dict:
    """Open a draft or closed survey; close an open one."""
    if version is not None and int(version) != survey.version:
        raise Conflict("This survey was changed by someone else. Reload it and try again.")
    if status not in rules.STATUSES or not rules.can_move(survey.status, status):
        raise ValidationFailed("Check the status", {"status": [
            f"A {rules.STATUSES.get(survey.status, survey.status).lower()} survey cannot be "
            f"{'opened' if status == 'open' else 'closed' if status == 'closed' else 'changed like that'}"]})
    today = today or date.today()
    data: dict[str, Any] = {"status": status}
    if status == "open":
        data.update(opened_on=survey.opened_on or today, closed_on=None)
    else:
        data["closed_on"] = today
    changes = audit.apply_changes(survey, data, AUDITED)
    db.session.flush()
    audit.record(db.session, "update", survey, summary=f"{'Opened' if status == 'open' else 'Closed'} the survey "
                                                       f"{survey.title}", changes=changes)
    return changes


# --- answering --------------------------------------------------------------------------------------

def _cap() -> int:
    return int(current_app.config.get("SURVEY_MAX_RESPONSES") or 2000)


def why_closed(survey: Survey) -> Optional[str]:
    return rules.takes_answers(survey.status, queries.response_count(survey), _cap())


def count_attempt(address: Optional[str]) -> None:
    """Count one answer sent from ``address``; past the limit, TooManyAnswers. Every attempt counts (a flood
    of bad answers as much as of good ones)."""
    limit = parse(current_app.config.get("SURVEY_LIMIT_PER_ADDRESS") or "10 per hour")
    rule = throttle.Rule(f"survey-answers/address/{address or '-'}", limit.amount, limit.get_expiry())
    if throttle.record_failure((rule,)):
        raise TooManyAnswers("Too many answers have been sent from your internet connection. Please wait an hour "
                             "and try again.", "address")


def submit_response(survey: Survey, data: Mapping[str, Any], *, today: Optional[date] = None) -> SurveyResponse:
    """Store one anonymous answer. With consent and contact details, also record a learner enquiry in the
    survey's branch assigned to the survey's ULR (consent recorded for contact) with a follow-up for them;
    without consent no contact detail is kept at all."""
    today = today or date.today()
    reason = why_closed(survey)
    if reason == "full":
        raise TooManyAnswers("This survey has had as many answers as it can take. Thank you for trying.", "full")
    if reason is not None:
        raise NotAllowed("This survey is closed: it is not taking answers.")
    asked = tuple(survey.questions)
    clean, errors = rules.check_answers(data, asked)
    places = {p.workplace_id: p.workplace for p in survey.places}
    workplace_id = None
    raw_place = data.get("workplace_id")
    if len(places) == 1:
        workplace_id = next(iter(places))
    elif raw_place not in (None, ""):
        try:
            workplace_id = v.db_id(raw_place)
        except (TypeError, ValueError):
            workplace_id = None
        if workplace_id not in places:
            errors["workplace_id"] = ["Choose your workplace from the list"]
            workplace_id = None
    consent = data.get("consent") is True
    contact, contact_errors = rules.check_contact(consent, data)
    errors.update(contact_errors)
    if consent and workplace_id is None and len(places) > 1 and "workplace_id" not in errors:
        errors["workplace_id"] = ["Choose your workplace, so that the learning rep can find you"]
    if errors:
        raise ValidationFailed("Check your answers", errors)
    if has_request_context():
        g.audit_no_address = True  # anonymous: no address is kept, in the audit trail either
    response = SurveyResponse(survey_id=survey.id, workplace_id=workplace_id, submitted_on=today,
                              **{k: clean.get(k) for k in rules.ONE + rules.TEXTS})
    for key in rules.MANY:
        for choice in clean.get(key) or []:
            response.choices.append(SurveyChoice(question=key, choice=choice))
    db.session.add(response)
    db.session.flush()
    # the audit trail says the survey was answered; it names no response, so that it cannot tie an enquiry
    # made at the same moment to these answers
    audit.record(db.session, "create", survey, summary=f"The survey {survey.title} was answered")
    if consent:
        _enquiry(survey, contact, workplace_id, today)
    return response


def _enquiry(survey: Survey, contact: Mapping[str, Optional[str]], workplace_id: Optional[int], today: date) -> None:
    rep = db.session.get(Rep, survey.rep_id)
    learner = learner_services.create_learner(
        {"name": contact["contact_name"], "email": contact["contact_email"], "workplace_id": workplace_id,
         "rep_id": rep.id if rep is not None and rep.branch_id == survey.branch_id else None,
         "consent_on": today.isoformat(),
         "consent_scope": f"To be contacted by the union learning rep about learning. Given in the learning "
                          f"needs survey \"{survey.title}\"."[:2000]},
        branch=survey.branch, not_duplicate=True)
    how = "; ".join(part for part in (f"e-mail {contact['contact_email']}" if contact["contact_email"] else "",
                                      f"phone {contact['contact_phone']}" if contact["contact_phone"] else "") if part)
    learner_services.log_contact(learner, {
        "kind": "note", "happened_on": today.isoformat(),
        "text": f"Asked to be contacted about learning, in the learning needs survey \"{survey.title}\". "
                f"Contact: {how}.",
        "next_contact_on": (today + timedelta(days=FOLLOW_UP_DAYS)).isoformat()})

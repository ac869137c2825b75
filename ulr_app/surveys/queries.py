"""Read side for surveys: who sees which survey, the choices the forms offer, and the results as SQL counts.

A ULR sees the surveys they follow up or made; a convenor their branch's; an organiser their region's;
an administrator all."""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from sqlalchemy import Select, false, func, or_, select

from ..core.permissions import ADMIN, BRANCH_CONVENOR, LEARNING_REP, REGIONAL_ORGANISER, scope_rule, visible
from ..extensions import db
from ..organisation.models import Branch, Employer, Workplace, branch_employer
from ..reps.models import Rep
from .models import Survey, SurveyChoice, SurveyResponse, SurveyWorkplace

EDITORS = (ADMIN, BRANCH_CONVENOR, LEARNING_REP)


@scope_rule(Survey)
def _surveys(user):
    if user.role == REGIONAL_ORGANISER:
        return Survey.branch_id.in_(select(Branch.id).where(Branch.region_id == user.region_id))
    if user.role == BRANCH_CONVENOR:
        return Survey.branch_id == user.branch_id
    if user.role == LEARNING_REP:
        return or_(Survey.created_by_id == user.id, Survey.rep_id.in_(select(Rep.id).where(Rep.user_id == user.id)))
    return false()


def can_edit(user, survey: Survey) -> bool:
    """Administrators; the branch's convenor; the ULR who follows the survey up or made it (organisers read)."""
    if user.role == ADMIN:
        return True
    if user.role == BRANCH_CONVENOR:
        return survey.branch_id == user.branch_id
    if user.role == LEARNING_REP:
        return survey.created_by_id == user.id or (survey.rep is not None and survey.rep.user_id == user.id)
    return False


def survey_list(user, *, status: str = "") -> Select:
    stmt = visible(select(Survey), user).order_by(Survey.created_at.desc(), Survey.id.desc())
    if status:
        stmt = stmt.where(Survey.status == status)
    return stmt


def response_counts(survey_ids: list[int]) -> dict[int, int]:
    if not survey_ids:
        return {}
    rows = db.session.execute(select(SurveyResponse.survey_id, func.count()).where(
        SurveyResponse.survey_id.in_(survey_ids)).group_by(SurveyResponse.survey_id)).all()
    return {sid: n for sid, n in rows}


def response_count(survey: Survey) -> int:
    return response_counts([survey.id]).get(survey.id, 0)


def by_token(token: str) -> Optional[Survey]:
    if not token or len(token) > 43:
        return None
    return db.session.scalars(select(Survey).where(Survey.token == token)).first()


# --- choices for the forms ------------------------------------------------------------------

def branch_workplaces(branch_id: int) -> list[tuple[int, str]]:
    """The workplaces of the employers the branch deals with: (id, "School name (Employer)")."""
    rows = db.session.execute(
        select(Workplace.id, Workplace.name, Employer.name).join(Employer, Employer.id == Workplace.employer_id)
        .where(Workplace.employer_id.in_(select(branch_employer.c.employer_id)
                                         .where(branch_employer.c.branch_id == branch_id)))
        .order_by(Workplace.name, Workplace.id)).all()
    return [(wid, f"{name} ({employer})") for wid, name, employer in rows]


def branch_reps(branch_id: int, user, today: Optional[date] = None) -> list[tuple[int, str]]:
    """ULRs in post in the branch who may follow a survey up; a ULR may choose only themselves."""
    today = today or date.today()
    stmt = select(Rep.id, Rep.name).where(Rep.branch_id == branch_id,
                                          or_(Rep.stood_down_on.is_(None), Rep.stood_down_on > today))
    if user is not None and user.role == LEARNING_REP:
        stmt = stmt.where(Rep.user_id == user.id)
    return [(rid, name) for rid, name in db.session.execute(stmt.order_by(Rep.name, Rep.id))]


# --- results ------------------------------------------------------------------------------------

def _responses(survey_ids: Select | list[int], workplace_id: Optional[int] = None) -> Select:
    stmt = select(SurveyResponse.id).where(SurveyResponse.survey_id.in_(survey_ids))
    if workplace_id:
        stmt = stmt.where(SurveyResponse.workplace_id == workplace_id)
    return stmt


def counts(survey_ids: Select | list[int], workplace_id: Optional[int] = None) -> dict[str, Any]:
    """Every count the results show, as SQL aggregates over the chosen surveys' responses (of one workplace
    if given): the total; each one-answer question by answer (None: not answered); each many-answer question
    by answer; each many-answer question's answers by staff category and by level wanted; job roles as typed (compared in lower case)."""
    ids = _responses(survey_ids, workplace_id)
    total = db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0
    one: dict[str, dict[Optional[str], int]] = {}
    for column in ("staff_category", "contract", "hours", "level", "digital_skills"):
        col = getattr(SurveyResponse, column)
        one[column] = {value: n for value, n in db.session.execute(
            select(col, func.count()).where(SurveyResponse.id.in_(ids)).group_by(col))}
    many: dict[str, dict[str, int]] = {}
    for question, choice, n in db.session.execute(
            select(SurveyChoice.question, SurveyChoice.choice, func.count()).where(SurveyChoice.response_id.in_(ids))
            .group_by(SurveyChoice.question, SurveyChoice.choice)):
        many.setdefault(question, {})[choice] = n
    crossed: dict[str, dict[tuple[str, str, Optional[str]], int]] = {}
    for column in ("staff_category", "level"):
        col = getattr(SurveyResponse, column)
        crossed[column] = {(question, choice, value): n for question, choice, value, n in db.session.execute(
            select(SurveyChoice.question, SurveyChoice.choice, col, func.count())
            .join(SurveyResponse, SurveyResponse.id == SurveyChoice.response_id)
            .where(SurveyChoice.response_id.in_(ids))
            .group_by(SurveyChoice.question, SurveyChoice.choice, col))}
    roles = [(role, n) for role, n in db.session.execute(
        select(func.lower(SurveyResponse.job_role), func.count()).where(SurveyResponse.id.in_(ids),
                                                                        SurveyResponse.job_role.is_not(None))
        .group_by(func.lower(SurveyResponse.job_role)).order_by(func.count().desc(), func.lower(SurveyResponse.job_role)))]
    return {"total": total, "one": one, "many": many, "crossed": crossed, "roles": roles}


def comments(survey_ids: Select | list[int], workplace_id: Optional[int] = None, limit: int = 500) -> list[str]:
    ids = _responses(survey_ids, workplace_id)
    return list(db.session.scalars(select(SurveyResponse.comments).where(
        SurveyResponse.id.in_(ids), SurveyResponse.comments.is_not(None)).order_by(SurveyResponse.id).limit(limit)))


def by_workplace(survey_ids: Select | list[int]) -> list[tuple[int, str, Optional[int], int]]:
    """(workplace id, name, staff number where known, responses) for every workplace the surveys cover."""
    answered = dict(db.session.execute(
        select(SurveyResponse.workplace_id, func.count()).where(SurveyResponse.survey_id.in_(survey_ids))
        .group_by(SurveyResponse.workplace_id)).all())
    rows = db.session.execute(
        select(Workplace.id, Workplace.name, func.max(SurveyWorkplace.staff_count))
        .join(SurveyWorkplace, SurveyWorkplace.workplace_id == Workplace.id)
        .where(SurveyWorkplace.survey_id.in_(survey_ids)).group_by(Workplace.id, Workplace.name)
        .order_by(Workplace.name)).all()
    out = [(wid, name, staff, answered.get(wid, 0)) for wid, name, staff in rows]
    if answered.get(None):
        out.append((0, "Workplace not given", None, answered[None]))
    return out


def surveyed_schools(branch_ids: Select | list[int]) -> list[dict[str, Any]]:
    """Which schools the branches' surveys covered, and when: one row per school and survey, newest first."""
    answered = select(SurveyResponse.survey_id, SurveyResponse.workplace_id, func.count().label("n"),
                      func.max(SurveyResponse.submitted_on).label("last")).group_by(
        SurveyResponse.survey_id, SurveyResponse.workplace_id).subquery()
    stmt = (select(Workplace.id, Workplace.name, Workplace.urn, Survey.id, Survey.title, Survey.status, Survey.opened_on,
                   Survey.closed_on, Branch.name, answered.c.n, answered.c.last)
            .join(SurveyWorkplace, SurveyWorkplace.workplace_id == Workplace.id)
            .join(Survey, Survey.id == SurveyWorkplace.survey_id)
            .join(Branch, Branch.id == Survey.branch_id)
            .outerjoin(answered, (answered.c.survey_id == Survey.id) & (answered.c.workplace_id == Workplace.id))
            .where(Survey.branch_id.in_(branch_ids), Workplace.kind == "school")
            .order_by(Branch.name, Workplace.name, Survey.opened_on.desc(), Survey.id.desc()))
    return [{"workplace_id": wid, "school": name, "urn": urn, "survey_id": sid, "title": title, "status": status,
             "opened_on": opened, "closed_on": closed, "branch": branch, "responses": n or 0, "last": last}
            for wid, name, urn, sid, title, status, opened, closed, branch, n, last in db.session.execute(stmt)]


def schools_without_survey(branch_id: int) -> int:
    """How many schools of the branch's employers no survey of the branch has covered."""
    covered = select(SurveyWorkplace.workplace_id).join(Survey).where(Survey.branch_id == branch_id)
    return db.session.scalar(select(func.count()).select_from(Workplace).where(
        Workplace.kind == "school",
        Workplace.employer_id.in_(select(branch_employer.c.employer_id).where(branch_employer.c.branch_id == branch_id)),
        Workplace.id.not_in(covered))) or 0

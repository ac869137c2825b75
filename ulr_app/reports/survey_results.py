"""Learning needs survey results (issue 15 item 3): per survey (and one of its workplaces), and per branch
(every survey of the branch), as a page with charts, PDF, CSV and XLSX: the reports' document, charts and
exports. Counts are SQL aggregates (:func:`ulr_app.surveys.queries.counts`) shown with the reports'
small-number suppression: the one-answer questions through :func:`.rules.suppress` (each adds up to the
number of answers, so a hidden count cannot be worked out by subtraction); a box ticked by fewer than the
threshold as "<5" (those counts add up to nothing shown). Response rates are shown only where the count of
answers is."""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..core import audit
from ..core.permissions import (
    ADMIN,
    BRANCH_CONVENOR,
    LEARNING_REP,
    REGIONAL_ORGANISER,
    get_visible_or_404,
    roles_required,
)
from ..core.validation import db_id
from ..extensions import db
from ..organisation.models import Branch
from ..surveys import queries as survey_queries
from ..surveys import rules as survey_rules
from ..surveys.models import Survey
from . import exports, figures
from .document import Chart, ReportDocument, Section, Table
from .rules import suppress

bp = Blueprint("survey_results", __name__)

NOT_ANSWERED = "Not answered"
FORMATS = ("csv", "xlsx", "pdf")
#: the one-answer questions shown with full suppression (each adds up to the number of answers)
ONE_ANSWER = ("staff_category", "contract", "hours", "level", "digital_skills")


def _threshold() -> int:
    return int(current_app.config.get("SUPPRESSION_THRESHOLD") or 5)


def _label(question: str, key: Optional[str]) -> str:
    if key is None:
        return NOT_ANSWERED
    return survey_rules.QUESTIONS[question].options.get(key, key)


def _short(question: str) -> str:
    return {"staff_category": "Staff category", "contract": "Contract", "hours": "Hours", "level": "Level wanted",
            "digital_skills": "Digital skills", "course_types": "Interest by course type",
            "skills_for_life": "Skills for Life and ESOL", "times": "Preferred times", "places": "Preferred places",
            "barriers": "Barriers"}[question]


def build(title: str, scope_label: str, survey_ids, *, workplace_id: Optional[int] = None, stem: str,
          questions: Optional[list[str]] = None) -> ReportDocument:
    threshold = _threshold()
    data = survey_queries.counts(survey_ids, workplace_id)
    total = data["total"]
    asked = questions or [q.key for q in survey_rules.QUESTION_SET]
    notes = [f"Counts from 1 to {threshold - 1} are shown as <{threshold}; counts marked c are hidden so that a hidden "
             "count cannot be worked out from the others. People could tick more than one box where a question says "
             "so, so those counts do not add up to the number of answers."]
    sections: list[Section] = []

    # who answered (against staff numbers where known) and the one-answer questions: suppressed together, as
    # each adds up to the number of answers
    places = [row for row in survey_queries.by_workplace(survey_ids) if workplace_id is None or row[0] == workplace_id]
    dims: dict[str, dict[str, int]] = {"_workplace": {str(wid): n for wid, _name, _staff, n in places}}
    for q in ONE_ANSWER:
        if q in asked:
            dims[q] = {(k or "_none"): n for k, n in data["one"].get(q, {}).items()}
            for option in survey_rules.QUESTIONS[q].options:
                dims[q].setdefault(option, 0)
            dims[q].setdefault("_none", 0)
    if sum(dims["_workplace"].values()) != total:  # (answers of a workplace taken off the survey since)
        dims["_workplace"]["_other"] = total - sum(dims["_workplace"].values())
    total_shown, shown = suppress(total, dims, threshold) if total else (total, dims)
    rows = []
    for wid, name, staff, _n in places:
        n = shown["_workplace"][str(wid)]
        rate = survey_rules.response_rate(n, staff) if isinstance(n, int) else None
        rows.append([name, n, staff, rate if rate is not None or not staff else "c"])
    if "_other" in shown["_workplace"]:
        rows.append(["Workplaces no longer on the survey", shown["_workplace"]["_other"], None, None])
    sections.append(Section("Answers", intro=[f"Answers: {total_shown}"] + notes,
                            tables=[Table("Answers by workplace", ["Workplace", "Answers", "Staff", "Answered %"], rows,
                                          caption="Staff numbers are those entered on the survey, where known.")]))
    shown = {q: cells for q, cells in shown.items() if q != "_workplace"}
    about = Section("About the people who answered")
    for q, cells in shown.items():
        order = list(survey_rules.QUESTIONS[q].options) + ["_none"]
        about.tables.append(Table(_short(q), [_short(q), "Answers"],
                                  [[_label(q, None if k == "_none" else k), cells[k]] for k in order]))
    if about.tables:
        sections.append(about)

    # many-answer questions: counts with "<5"
    def many(q: str, kind: str = "hbar") -> tuple[Optional[Chart], Table]:
        counts = data["many"].get(q, {})
        options = survey_rules.QUESTIONS[q].options
        cells = [(options[k], survey_rules.small(counts.get(k, 0), threshold)) for k in options]
        table = Table(_short(q), [_short(q), "People"], [[label, n] for label, n in cells])
        numeric = [(label, n) for label, n in cells if isinstance(n, int)]
        chart = Chart(f"{_short(q)} (chart)", f"Bar chart of how many people ticked each answer to '{survey_rules.QUESTIONS[q].text}'; "
                      "small counts are left out. The numbers are in the table.", kind,
                      [label for label, _ in numeric], [("People", [n for _, n in numeric])]) \
            if any(n for _, n in numeric) else None
        return chart, table

    interest = Section("What people would like to learn")
    for q in ("course_types", "skills_for_life"):
        if q in asked:
            chart, table = many(q)
            if chart is not None:
                interest.charts.append(chart)
            if chart is None or any(isinstance(row[1], str) for row in table.rows):
                interest.tables.append(table)  # every answer, the small counts as "<5" (the chart leaves them out)
    def crossed(q: str, by: str, title: str) -> Table:
        """A many-answer question's answers by a one-answer question's: a column whose own count is hidden (or
        not shown) is hidden here too, as its figures would tell it."""
        values: list[Optional[str]] = list(survey_rules.QUESTIONS[by].options) + [None]
        counts = data["crossed"][by]
        hidden = {v for v in values if not isinstance(shown.get(by, {}).get(v or "_none", 0), int)}
        header = [_short(q)] + [_label(by, v) for v in values]
        rows = [[label] + [("c" if v in hidden and counts.get((q, key, v), 0) else
                            survey_rules.small(counts.get((q, key, v), 0), threshold)) for v in values]
                for key, label in survey_rules.QUESTIONS[q].options.items()]
        return Table(title, header, rows)

    if "course_types" in asked and "staff_category" in asked:
        interest.tables.append(crossed("course_types", "staff_category", "Interest by course type and staff category"))
    if "course_types" in asked and "level" in asked:
        interest.tables.append(crossed("course_types", "level", "Interest by course type and level wanted"))
    if interest.charts or interest.tables:
        sections.append(interest)

    when = Section("When, where, and what gets in the way")
    for q in ("times", "places", "barriers"):
        if q in asked:
            chart, table = many(q)
            if chart is not None:
                when.charts.append(chart)
            if chart is None or any(isinstance(row[1], str) for row in table.rows):
                when.tables.append(table)  # every answer, the small counts as "<5" (the chart leaves them out)
    for q, heading in (("barriers", "Barriers by staff category"), ("times", "Preferred times by staff category")):
        if q in asked and "staff_category" in asked:
            when.tables.append(crossed(q, "staff_category", heading))
    if when.charts or when.tables:
        sections.append(when)

    words = Section("In their own words")
    if "job_role" in asked:
        roles = [(role, n) for role, n in data["roles"] if n >= threshold]
        others = sum(n for _role, n in data["roles"] if n < threshold)
        rows = [[role.capitalize(), n] for role, n in roles]
        if others:
            rows.append([f"Other jobs (each given by fewer than {threshold})", survey_rules.small(others, threshold)])
        words.tables.append(Table("Jobs", ["Job, as written", "People"], rows))
    if "comments" in asked:
        comments = survey_queries.comments(survey_ids, workplace_id)
        words.tables.append(Table("Comments", ["Comment, as written"], [[c] for c in comments],
                                  caption="Shown as the people wrote them, in the order they came in."))
    if words.tables:
        sections.append(words)
    return ReportDocument(title=title, scope_label=scope_label, period_label=f"Answers up to {date.today():%-d %B %Y}",
                          generated_on=date.today(), sections=sections, filename_stem=stem)


def _respond(doc: ReportDocument, template_context: dict[str, Any], what: str, obj=None):
    fmt = request.args.get("format", "")
    if fmt and fmt not in FORMATS:
        abort(404)
    if fmt:
        audit.record(db.session, "export", obj, summary=f"Downloaded {what} ({fmt.upper()})",
                     object_type=None if obj is not None else "branch",
                     object_id=None if obj is not None else template_context.get("branch_id"))
        return exports.response(doc, fmt)
    return render_template("surveys/results.html", doc=doc, html=exports.html_fragment(doc), **template_context)


@bp.route("/surveys/<int:survey_id>/results")
@roles_required(ADMIN, REGIONAL_ORGANISER, BRANCH_CONVENOR, LEARNING_REP)
def results(survey_id: int):
    survey = get_visible_or_404(db.session, Survey, survey_id, current_user)
    workplace_id = request.args.get("workplace_id", type=db_id)
    places = sorted(((p.workplace_id, p.workplace.name) for p in survey.places), key=lambda t: t[1])
    if workplace_id is not None and workplace_id not in {w for w, _ in places}:
        abort(404)
    place = dict(places).get(workplace_id) if workplace_id else None
    doc = build(f"Survey results: {survey.title}", f"{survey.branch.name} branch" + (f", {place}" if place else ""),
                [survey.id], workplace_id=workplace_id, questions=list(survey.questions),
                stem=f"survey-{survey.id}-results" + (f"-workplace-{workplace_id}" if workplace_id else ""))
    args = {"workplace_id": workplace_id} if workplace_id else {}
    return _respond(doc, {"places": places, "workplace_id": workplace_id, "back": url_for("surveys.survey", survey_id=survey.id),
                          "downloads": {f: url_for(".results", survey_id=survey.id, format=f, **args) for f in FORMATS},
                          "survey": survey}, f"the results of the survey {survey.title}", survey)


@bp.route("/surveys/results")
@roles_required(ADMIN, REGIONAL_ORGANISER, BRANCH_CONVENOR)
def branch_results():
    """Every survey of one branch together (the user's own branch; an organiser chooses one of the region's)."""
    branch_id = request.args.get("branch_id", type=db_id)
    if current_user.role == BRANCH_CONVENOR:
        branch_id = branch_id or current_user.branch_id
    elif branch_id is None:
        branches = _branches()
        if not branches:
            abort(404)
        branch_id = branches[0].id
    _region_id, branch_id = figures.scope_of(current_user, None, branch_id)
    branch = db.session.get(Branch, branch_id)
    survey_ids = select(Survey.id).where(Survey.branch_id == branch_id)
    doc = build("Survey results for the branch", f"{branch.name} branch, every survey", survey_ids,
                stem=f"survey-results-branch-{branch_id}")
    return _respond(doc, {"branches": _branches(), "branch_id": branch_id, "back": url_for("surveys.surveys"),
                          "downloads": {f: url_for(".branch_results", branch_id=branch_id, format=f) for f in FORMATS}},
                    f"the survey results of {branch.name} branch")


def _branches() -> list[Branch]:
    if current_user.role == ADMIN:
        return list(db.session.scalars(select(Branch).order_by(Branch.name)))
    if current_user.role == REGIONAL_ORGANISER:
        return list(db.session.scalars(select(Branch).where(Branch.region_id == current_user.region_id)
                                       .order_by(Branch.name)))
    return [b for b in [current_user.branch] if b is not None]


__all__ = ["bp", "build", "LEARNING_REP"]

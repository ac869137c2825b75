"""Report pages: the quarterly return and its workflow (explanations, submit, frozen runs, reopen),
the end-of-project summary, schools coverage, time-off monitoring, the Go Award evidence pack and
equality monitoring, each with the records behind its figures, and CSV / PDF / XLSX.

Thin: work out the scope (404 outside it), build the report document through :mod:`.builders`,
render. ``?format=csv`` answers the CSV at once; PDF and XLSX are made by a background job (the
page's buttons, or ``?format=pdf|xlsx``), and the job page offers the file when it is ready.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..agreements.models import Agreement
from ..core import audit, periods
from ..core.csvio import safe_filename
from ..core.errors import ServiceError, ValidationFailed
from ..core.forms import posted_version
from ..core.listexport import requested_format
from ..core.pagination import paginate
from ..core.permissions import (
    ADMIN,
    BRANCH_CONVENOR,
    REGIONAL_ORGANISER,
    get_visible_or_404,
    roles_required,
    visible,
)
from ..core.templating import uk_date
from ..core.validation import DATE_EXAMPLE, db_id, parse_date
from ..extensions import db
from ..funding.models import MEASURES, Project
from ..learners.models import Enrolment, Learner, NeedsAssessment
from ..organisation.models import Branch, Employer, Region, Workplace
from ..reps.models import Rep
from ..timeoff.models import TimeOffRequest
from . import builders, cache, exports, figures, list_exports, services
from .jobs import start_report_job
from .models import ReportRun

#: a date in an address (a report's from, to or "as of") that is not one
DATE_PROBLEM = f"Enter a real date, like {DATE_EXAMPLE}."

bp = Blueprint("reports", __name__)

READERS = (ADMIN, REGIONAL_ORGANISER, BRANCH_CONVENOR)
FORMATS = {"pdf": "application/pdf", "csv": "text/csv",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


# --- shared pieces ---------------------------------------------------------------------------

def _scope_args() -> tuple[Optional[int], Optional[int]]:
    """The region or branch asked for (404 outside the user's scope), defaulting to the user's own."""
    region_id = request.args.get("region_id", type=db_id)
    branch_id = request.args.get("branch_id", type=db_id)
    where = request.args.get("where", "")
    if where.startswith("region-"):
        region_id, branch_id = db_id(where[7:]) if where[7:].isdigit() else None, None
    elif where.startswith("branch-"):
        region_id, branch_id = None, db_id(where[7:]) if where[7:].isdigit() else None
    return figures.scope_of(current_user, region_id, branch_id)


def _scope_choices() -> list[tuple[str, str]]:
    """The places the user may choose for a report: their region and its branches, or their branch."""
    if current_user.role == ADMIN:
        regions = db.session.scalars(select(Region).order_by(Region.name)).all()
        branches = db.session.execute(select(Branch.id, Branch.name, Region.name).join(Region)
                                      .order_by(Region.name, Branch.name)).all()
        return ([(f"region-{r.id}", f"{r.name} region") for r in regions]
                + [(f"branch-{b}", f"{name} branch ({region})") for b, name, region in branches])
    if current_user.role == REGIONAL_ORGANISER and current_user.region_id:
        branches = db.session.execute(select(Branch.id, Branch.name).where(Branch.region_id == current_user.region_id)
                                      .order_by(Branch.name)).all()
        return ([(f"region-{current_user.region_id}", f"The whole {current_user.region.name} region")]
                + [(f"branch-{b}", f"{name} branch") for b, name in branches])
    if current_user.branch_id:
        return [(f"branch-{current_user.branch_id}", f"{current_user.branch.name} branch")]
    return []


def _where_value(region_id: Optional[int], branch_id: Optional[int]) -> str:
    return f"branch-{branch_id}" if branch_id else f"region-{region_id}" if region_id else ""


def _period_choices(today: date) -> list[tuple[str, str]]:
    """Quarters and financial years, in words, the newest first (this financial year and the two before)."""
    fy = periods.financial_year_of(today)
    out: list[tuple[str, str]] = []
    for year in (fy, fy - 1, fy - 2):
        y = periods.financial_year(year)
        out.append((y.code, f"Financial year April {y.start.year} to March {y.end.year}"))
        for q in (4, 3, 2, 1):
            p = periods.quarter(year, q)
            if p.start <= today:
                out.append((p.code, f"{p.start:%B} to {p.end:%B %Y} (quarter {q})"))
    return out


def _range_args(today: date) -> tuple[date, date, str]:
    """``?period=FY2026`` (or a quarter), or ``?from=&to=`` dates; default this financial year."""
    code = request.args.get("period", "")
    if code:
        period = periods.parse(code)
        if period is None:
            abort(404)
        return period.start, period.end, period.code
    start, end = request.args.get("from"), request.args.get("to")
    if start or end:
        start_d, end_d = parse_date(start or ""), parse_date(end or "")
        if start_d is None or end_d is None:
            abort(400, DATE_PROBLEM)
        if start_d > end_d:
            abort(400, "The start must be on or before the end.")
        return start_d, end_d, ""
    year = periods.containing(today, "year")
    return year.start, year.end, year.code


def _respond(report: str, params: dict[str, Any], template: str, **context: Any):
    """The page, or its CSV at once, or a background job for the PDF / XLSX."""
    fmt = request.args.get("format", "")
    if fmt and fmt not in FORMATS:
        abort(404)
    if fmt in ("pdf", "xlsx"):
        return _start_job(report, params, fmt)
    # kept while no record changes (reports/cache.py): an organiser opens the same report again and again
    doc = cache.kept_or_built(report, params, current_user, variant=not fmt,
                              build=lambda: builders.build(report, params, current_user, links=not fmt))
    if fmt == "csv":
        return _csv(doc)
    return render_template(template, doc=doc, report=report, params=params, **context)


def _csv(doc):
    from flask import Response

    response = Response(exports.to_csv(doc), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"

    filename = safe_filename(doc.filename_stem)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    audit.record_export(db.session, f"the report {doc.title}", fmt="csv", filename=filename, object_type="report")
    return response


def _start_job(report: str, params: dict[str, Any], fmt: str):

    builders.build(report, params, current_user)  # the scope checks (404) before anything is queued
    db.session.rollback()
    job = start_report_job(report, {k: (v.isoformat() if isinstance(v, date) else v) for k, v in params.items()},
                           fmt, current_user)
    db.session.commit()
    return redirect(url_for("jobs.job", job_id=job.id))


@bp.route("/reports/export", methods=["POST"])
@roles_required(*READERS)
def export():
    """A page's "Download PDF / spreadsheet" button: the report and its parameters as hidden fields."""
    report = request.form.get("report", "")
    fmt = request.form.get("format", "")
    if report not in ("funding", "project_summary", "schools_coverage", "time_off", "go_award", "equality") \
            or fmt not in FORMATS:
        abort(400)
    if report == "equality" and current_user.role not in READERS:
        abort(403)
    keys = ("project_id", "period", "region_id", "branch_id", "as_of", "from", "to", "employer_id")
    params = {k: request.form[k] for k in keys if request.form.get(k)}
    for k in ("project_id", "region_id", "branch_id", "employer_id"):
        if k in params:
            try:
                params[k] = db_id(params[k])
            except (TypeError, ValueError):
                abort(404)
    for k in ("as_of", "from", "to"):
        if k in params:
            day = parse_date(params[k])
            if day is None:
                abort(400, DATE_PROBLEM)
            params[k] = day.isoformat()  # the job's parameters
    if report in ("schools_coverage", "time_off", "equality"):
        params["region_id"], params["branch_id"] = figures.scope_of(current_user, params.get("region_id"),
                                                                    params.get("branch_id"))
    if fmt == "csv":
        return _csv(builders.build(report, params, current_user))
    return _start_job(report, params, fmt)


# --- index -----------------------------------------------------------------------------------

@bp.route("/reports")
@roles_required(*READERS)
def index():
    projects = db.session.scalars(visible(select(Project), current_user)
                                  .order_by(Project.ends_on.desc(), Project.name).limit(20)).all()
    return render_template("reports/index.html", projects=projects, today=date.today(),
                           quarters_of=lambda p: figures.rules.project_quarters(p.starts_on, p.ends_on))


# --- the quarterly return --------------------------------------------------------------------

def _project_and_period(project_id: int, period_code: str) -> tuple[Project, periods.Period]:
    # its programme, region and branch joined: the pages name them, in the same statements for a region's
    # project and a branch's (issue 13)
    project = get_visible_or_404(db.session, Project, project_id, current_user,
                                 options=(joinedload(Project.programme), joinedload(Project.region),
                                          joinedload(Project.branch)))
    period = periods.parse(period_code)
    if period is None or period.kind != "quarter":
        abort(404)
    if period.code not in {q.code for q in figures.rules.project_quarters(project.starts_on, project.ends_on)}:
        abort(404)
    return project, period


@bp.route("/projects/<int:project_id>/returns/<period>", methods=["GET", "POST"])
@roles_required(*READERS)
def funding_return(project_id: int, period: str):
    project, quarter = _project_and_period(project_id, period)
    ret = services.return_of(project, quarter)
    errors: dict[str, list[str]] = {}
    typed: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        action = request.form.get("action", "")
        version = posted_version() if ret is not None else (request.form.get("version", type=int) or 0)
        try:
            if action == "save":
                typed = {code: request.form.get(f"explanation-{code}", "") for code in services.explainable(project)}
                services.save_explanations(project, quarter, typed, user=current_user, version=version)
                flash("Explanations saved.", "success")
            elif action == "submit":
                if not services.can_submit(current_user, project):
                    abort(403)
                services.submit_return(project, quarter, user=current_user, version=version)
                flash(f"The {quarter.code} return was submitted and frozen.", "success")
            else:
                abort(400)
        except ValidationFailed as exc:
            db.session.rollback()
            errors, status = exc.fields, 400
        except ServiceError as exc:
            if exc.status == 403:
                abort(403)
            raise
        else:
            return redirect(url_for("reports.funding_return", project_id=project.id, period=quarter.code))
        ret = services.return_of(project, quarter)
    fmt = request.args.get("format", "")
    if ret is not None and ret.status == "submitted" and ret.run is not None and fmt in FORMATS:
        return _run_file(ret.run, fmt)
    if fmt:
        return _respond("funding", {"project_id": project.id, "period": quarter.code}, "reports/funding_return.html")
    now = cache.kept_or_built("funding_return", {"project_id": project.id, "period": quarter.code}, current_user,
                              build=lambda: figures.funding_return(project, quarter, current_user))
    submitted = ret is not None and ret.status == "submitted" and ret.run is not None
    shown = ret.run.figures if submitted else {**now, "explanations": dict(ret.explanations or {}) if ret else {}}
    doc = builders.funding_document(project, quarter, shown, run_hash=ret.run.sha256 if submitted else None,
                                    generated_on=ret.run.created_at.date() if submitted else None)
    changed = services.differences(ret.run.figures, now) if submitted else []
    explanations = {**(ret.explanations if ret else {}), **{k: v for k, v in typed.items()}}
    needed = list(now.get("needs_explanation") or []) + (["spend"] if now["spend"].get("needs_explanation") else [])
    quarters = figures.rules.project_quarters(project.starts_on, project.ends_on)
    labels = {**MEASURES, "spend": "Spend"}
    return render_template(
        "reports/funding_return.html", project=project, period=quarter, ret=ret, doc=doc, changed=changed,
        explanations=explanations, needed=needed, errors=errors, labels=labels, quarters=quarters,
        explainable=services.explainable(project), can_draft=services.can_draft(current_user, project),
        can_submit=services.can_submit(current_user, project), submitted=submitted,
        missing=services.missing_explanations(now, explanations), report="funding", doc_threshold=now["threshold"],
        params={"project_id": project.id, "period": quarter.code}), status


@bp.route("/projects/<int:project_id>/returns/<period>/reopen", methods=["GET", "POST"])
@roles_required(ADMIN, REGIONAL_ORGANISER)
def reopen_return(project_id: int, period: str):
    project, quarter = _project_and_period(project_id, period)
    if not services.can_submit(current_user, project):
        abort(403)
    ret = services.return_of(project, quarter)
    if ret is None or ret.status != "submitted":
        flash("Only a submitted return can be reopened: this one is still a draft.", "info")
        return redirect(url_for("reports.funding_return", project_id=project.id, period=quarter.code))
    error, reason, status = None, "", 200
    if request.method == "POST":
        reason = request.form.get("reason", "")
        try:
            services.reopen_return(project, quarter, user=current_user, reason=reason, version=posted_version())
        except ValidationFailed as exc:
            db.session.rollback()
            error, status = "; ".join(m for ms in exc.fields.values() for m in ms) or exc.message, 400
        else:
            flash(f"The {quarter.code} return was reopened. Its frozen run is kept.", "success")
            return redirect(url_for("reports.funding_return", project_id=project.id, period=quarter.code))
    return render_template("reports/reopen.html", project=project, period=quarter, ret=ret, error=error,
                           reason=reason), status


def _run_file(run: ReportRun, fmt: str):
    try:
        path = services.run_path(run, fmt)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    import io

    audit.record_export(db.session, f"the frozen report run {run.id}", fmt=fmt, filename=path.name,
                        object_type=run.__tablename__, object_id=run.id)
    return send_file(io.BytesIO(path.read_bytes()), mimetype=FORMATS[fmt], as_attachment=True,
                     download_name=path.name)


@bp.route("/reports/runs/<int:run_id>/<fmt>")
@roles_required(*READERS)
def run_file(run_id: int, fmt: str):
    """A frozen run's PDF, CSV or XLSX, for those who may see its project."""
    run = db.session.get(ReportRun, run_id)
    if run is None or fmt not in FORMATS or run.project_id is None:
        abort(404)
    get_visible_or_404(db.session, Project, run.project_id, current_user)
    return _run_file(run, fmt)


@bp.route("/projects/<int:project_id>/returns/<period>/<measure>")
@roles_required(*READERS)
def funding_records(project_id: int, period: str, measure: str):
    """The records behind one figure of the return, filtered to what the viewer may see."""
    project, quarter = _project_and_period(project_id, period)
    if measure not in project.programme.measures:
        abort(404)
    cumulative = request.args.get("cumulative") == "1"
    stmt = figures.funding_records(project, quarter, measure, current_user, cumulative=cumulative)
    title = f"{MEASURES[measure]}: {'to date at ' if cumulative else ''}{quarter.code}"
    if (fmt := requested_format()) is not None:  # Download CSV / XLSX: every record, not a page
        return list_exports.records(fmt, stmt, title=f"{project.name} {title}", rows_of=_record_rows,
                                    filters=list_exports.query_filters())
    page = paginate(stmt, exact=True)  # the count is the figure: never capped
    # erased learners who joined the union in the range: counted (anonymously), never listed
    erased = (figures.erased_new_members(project, quarter, current_user, cumulative=cumulative)
              if measure == "new_members" else 0)
    return render_template("reports/records.html", page=page, rows=_record_rows(page.items), title=title,
                           caption=project.name, erased=erased,
                           back=url_for("reports.funding_return", project_id=project.id, period=quarter.code))


def _record_rows(items) -> list[dict[str, Any]]:
    """Each record behind a figure as a row: what it is, a link to it, a detail line."""

    rows = []
    for obj in items:
        if isinstance(obj, Learner):
            rows.append({"label": obj.name, "href": url_for("learners.learner", learner_id=obj.id),
                         "detail": obj.workplace.name if obj.workplace else ""})
        elif isinstance(obj, Enrolment):
            rows.append({"label": f"{obj.learner.name}: {obj.course.title}",
                         "href": url_for("learners.learner", learner_id=obj.learner_id),
                         "detail": obj.status.replace("_", " ").capitalize()})
        elif isinstance(obj, NeedsAssessment):
            rows.append({"label": obj.learner.name, "href": url_for("learners.learner", learner_id=obj.learner_id),
                         "detail": f"Needs analysis on {uk_date(obj.assessed_on)}"})
        elif isinstance(obj, Rep):
            rows.append({"label": obj.name, "href": url_for("reps.rep", rep_id=obj.id),
                         "detail": f"Appointed on {uk_date(obj.appointed_on)}"})
        elif isinstance(obj, Agreement):
            rows.append({"label": obj.title, "href": url_for("agreements.agreement", agreement_id=obj.id),
                         "detail": obj.status.replace("_", " ").capitalize()})
        elif isinstance(obj, Workplace):
            rows.append({"label": obj.name, "href": url_for("organisation.workplace", workplace_id=obj.id),
                         "detail": obj.establishment_type or obj.kind})
        else:
            rows.append({"label": str(obj), "href": None, "detail": ""})
    return rows


@bp.route("/projects/<int:project_id>/summary")
@roles_required(*READERS)
def project_summary(project_id: int):
    project = get_visible_or_404(db.session, Project, project_id, current_user)
    return _respond("project_summary", {"project_id": project.id}, "reports/report.html",
                    back=url_for("reports.index"))


# --- monitoring reports --------------------------------------------------------------------------

@bp.route("/reports/schools-coverage")
@roles_required(*READERS)
def schools_coverage():
    region_id, branch_id = _scope_args()
    as_of = _as_of()
    return _respond("schools_coverage", {"region_id": region_id, "branch_id": branch_id, "as_of": as_of},
                    "reports/report.html", choices=_scope_choices(), where=_where_value(region_id, branch_id),
                    as_of=as_of, back=url_for("reports.index"))


def _as_of() -> date:
    text = request.args.get("as_of", "")
    if not text:
        return date.today()
    day = parse_date(text)
    if day is None:
        abort(400, DATE_PROBLEM)
    return day


@bp.route("/reports/schools-coverage/<figure>")
@roles_required(*READERS)
def schools_coverage_records(figure: str):
    if figure not in builders.COVERAGE_FIGURES:
        abort(404)
    region_id, branch_id = _scope_args()
    as_of = _as_of()
    stmt = figures.schools_coverage_records(current_user, figure, region_id=region_id, branch_id=branch_id,
                                            as_of=as_of)
    if (fmt := requested_format()) is not None:  # Download CSV / XLSX: every record, not a page
        return list_exports.records(fmt, stmt, title=builders.COVERAGE_FIGURES[figure], rows_of=_record_rows,
                                    filters=list_exports.query_filters())
    page = paginate(stmt, exact=True)  # the count is the figure: never capped
    rows = _record_rows(page.items)
    back = url_for("reports.schools_coverage", as_of=as_of.isoformat(),
                   **({"branch_id": branch_id} if branch_id else {"region_id": region_id} if region_id else {}))
    return render_template("reports/records.html", page=page, rows=rows, title=builders.COVERAGE_FIGURES[figure],
                           caption=f"{builders.scope_label(region_id, branch_id)}, as of {uk_date(as_of)}", back=back)


@bp.route("/reports/time-off")
@roles_required(*READERS)
def time_off():
    region_id, branch_id = _scope_args()
    start, end, code = _range_args(date.today())
    return _respond("time_off", {"region_id": region_id, "branch_id": branch_id, "from": start, "to": end},
                    "reports/report.html", choices=_scope_choices(), where=_where_value(region_id, branch_id),
                    period_choices=_period_choices(date.today()), period_code=code, back=url_for("reports.index"))


@bp.route("/reports/equality")
@roles_required(*READERS)
def equality():
    region_id, branch_id = _scope_args()
    start, end, code = _range_args(date.today())
    return _respond("equality", {"region_id": region_id, "branch_id": branch_id, "from": start, "to": end},
                    "reports/report.html", choices=_scope_choices(), where=_where_value(region_id, branch_id),
                    period_choices=_period_choices(date.today()), period_code=code, back=url_for("reports.index"))


#: what a time-off figure can be narrowed to, from the report's link
TIME_OFF_FILTERS = ("kind", "purpose", "status", "refusal_reason", "workplace_kind", "employer_id", "decided")


@bp.route("/reports/time-off/records")
@roles_required(*READERS)
def time_off_records():
    """The requests behind a time-off figure: the report's scope and range, narrowed as its link says."""

    region_id, branch_id = _scope_args()
    start, end, _code = _range_args(date.today())
    stmt = figures.time_off_records(current_user, region_id=region_id, branch_id=branch_id, start=start, end=end)
    narrowed = []
    for key in ("kind", "purpose", "status", "refusal_reason"):
        value = request.args.get(key)
        if value:
            stmt = stmt.where(getattr(TimeOffRequest, key) == value)
            narrowed.append(value.replace("_", " "))
    if request.args.get("decided"):
        stmt = stmt.where(TimeOffRequest.status.in_(("granted", "partly_granted", "refused")))
        narrowed.append("decided")
    kind, employer_id = request.args.get("workplace_kind"), request.args.get("employer_id", type=db_id)
    if kind or employer_id:
        places = select(Workplace.id)
        if kind:
            places = places.where(Workplace.kind == kind)
            narrowed.append(kind)
        if employer_id:
            places = places.where(Workplace.employer_id == employer_id)
            narrowed.append("one employer")
        stmt = stmt.where(TimeOffRequest.workplace_id.in_(places))
    if (fmt := requested_format()) is not None:  # Download CSV / XLSX: every record, not a page
        return list_exports.records(fmt, stmt, title="Time-off requests" + (f" {' '.join(narrowed)}" if narrowed else ""),
                                    rows_of=_time_off_rows, filters=list_exports.query_filters())
    page = paginate(stmt, exact=True)  # the count is the figure: never capped
    rows = _time_off_rows(page.items)
    back = url_for("reports.time_off", period=request.args.get("period") or None,
                   **({"branch_id": branch_id} if branch_id else {"region_id": region_id} if region_id else {}))
    return render_template("reports/records.html", page=page, rows=rows,
                           title="Time-off requests" + (f": {', '.join(narrowed)}" if narrowed else ""),
                           caption=f"{builders.scope_label(region_id, branch_id)}, requested from {uk_date(start)} "
                                   f"to {uk_date(end)}", back=back)


def _time_off_rows(items) -> list[dict[str, Any]]:
    return [{"label": f"{r.kind.replace('_', ' ').capitalize()}, {uk_date(r.starts_at)}",
             "href": url_for("timeoff.time_off_request", request_id=r.id),
             "detail": f"{r.status.replace('_', ' ').capitalize()}, requested on {uk_date(r.requested_on)}"}
            for r in items]


#: equality figures that link to their learners: not the special-category ones (a list of named people by
#: ethnicity, disability, gender or age is what the aggregated report exists to avoid)
EQUALITY_LINKED = ("staff_category", "contract")


@bp.route("/reports/equality/records")
@roles_required(*READERS)
def equality_records():

    dimension, value = request.args.get("dimension", ""), request.args.get("value", "")
    if dimension not in EQUALITY_LINKED or not value:
        abort(404)
    region_id, branch_id = _scope_args()
    start, end, _code = _range_args(date.today())
    stmt = figures.equality_records(current_user, region_id=region_id, branch_id=branch_id, start=start, end=end)
    column = getattr(Learner, dimension)
    stmt = stmt.where(column.is_(None) if value == "not_recorded" else column == value).order_by(Learner.name, Learner.id)
    shown = figures.equality(current_user, region_id=region_id, branch_id=branch_id, start=start, end=end,
                             threshold=current_app.config["SUPPRESSION_THRESHOLD"])
    if not isinstance(shown["by"][dimension].get(value), int):  # a suppressed cell's list is not shown either
        abort(404)
    if (fmt := requested_format()) is not None:  # Download CSV / XLSX: every record, not a page
        return list_exports.records(fmt, stmt, title=f"Learners {builders._value_label(dimension, value)}",
                                    rows_of=_record_rows, filters=list_exports.query_filters())
    page = paginate(stmt, exact=True)  # the count is the figure: never capped
    back = url_for("reports.equality", period=request.args.get("period") or None,
                   **({"branch_id": branch_id} if branch_id else {"region_id": region_id} if region_id else {}))
    return render_template("reports/records.html", page=page, rows=_record_rows(page.items),
                           title=f"Learners: {builders._value_label(dimension, value)}",
                           caption=f"{builders.scope_label(region_id, branch_id)}, a course started from "
                                   f"{uk_date(start)} to {uk_date(end)}", back=back)


@bp.route("/reports/go-award/<int:employer_id>")
@roles_required(*READERS)
def go_award(employer_id: int):
    employer = get_visible_or_404(db.session, Employer, employer_id, current_user)
    return _respond("go_award", {"employer_id": employer.id}, "reports/report.html", employer=employer,
                    back=url_for("organisation.employer", employer_id=employer.id))

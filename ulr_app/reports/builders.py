"""Figures -> a :class:`ReportDocument`: one builder per report, shared by the page, the PDF, the CSV,
the XLSX and the background job, so every rendering shows the same numbers.

A builder registered with ``@report_builder(name)`` takes (params, user) and works the figures out
through :mod:`.figures`; the ``*_document`` functions take figures already worked out (a frozen
run's, for instance). Links to the records behind a figure are added only when a page is being
built (``links=True`` inside a request).
"""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping, Optional

from flask import has_request_context, url_for
from werkzeug.exceptions import NotFound

from ..agreements.models import SCHOOLS_SCOPES
from ..core import periods
from ..core.permissions import get_visible_or_404
from ..core.templating import uk_date
from ..extensions import db
from ..funding.models import GO_AWARD_STANDARDS, MEASURES, STANDARD_STATUSES, Project
from ..learners.models import LEVEL_LABELS, STAFF_CATEGORIES, SUBJECTS
from ..organisation.models import WORKPLACE_KINDS, Branch, Employer, Region
from ..timeoff.models import KINDS as TIME_OFF_KINDS
from ..timeoff.models import PURPOSES, REFUSAL_REASONS
from ..timeoff.models import STATUSES as TIME_OFF_STATUSES
from . import figures
from .document import (
    BUILDERS,
    Cell,
    Chart,
    ReportDocument,
    Section,
    Table,
    report_builder,
)

OUTCOME_GROUPS = {"skills_for_life": "Skills for Life (incl. ESOL)", "level_2": "Level 2", "level_3": "Level 3",
                  "level_4_plus": "Level 4 and above", "informal": "Informal and union courses", "other": "Other"}
EQUALITY_DIMENSIONS = {"staff_category": "Staff category", "gender": "Gender", "ethnicity": "Ethnicity",
                       "disability": "Disability", "age_band": "Age band", "contract": "Contract"}
CONTRACT_LABELS = {"full_year": "Full year", "term_time_only": "Term-time only"}


def _href(links: bool, endpoint: str, **values: Any) -> Optional[str]:
    if not links or not has_request_context():
        return None
    return url_for(endpoint, **values)


def _pct(value: Any) -> Any:
    return None if value is None else f"{value:+.1f}%"


def scope_label(region_id: Optional[int], branch_id: Optional[int]) -> str:
    if branch_id:
        branch = db.session.get(Branch, branch_id)
        return f"{branch.name} branch" if branch else "Branch"
    if region_id:
        region = db.session.get(Region, region_id)
        return f"{region.name} region" if region else "Region"
    return "Every region"


def project_scope_label(project: Project) -> str:
    where = f"{project.branch.name} branch" if project.branch_id else f"{project.region.name} region (every branch)"
    return f"{project.name}, {project.programme.name}: {where}"


# --- the quarterly return ------------------------------------------------------------------

def funding_document(project: Project, period: periods.Period, data: Mapping[str, Any], *,
                     run_hash: Optional[str] = None, links: bool = True,
                     generated_on: Optional[date] = None) -> ReportDocument:
    rows = []
    for m in data["measures"]:
        def link(cumulative: bool) -> Optional[str]:
            return _href(links, "reports.funding_records", project_id=project.id, period=period.code,
                         measure=m["code"], **({"cumulative": 1} if cumulative else {}))

        rows.append([m["label"], m["target"], Cell(m["actual"], href=link(False)), _pct(m["variance_pct"]),
                     m["cumulative_target"], Cell(m["cumulative_actual"], href=link(True)),
                     _pct(m.get("cumulative_variance_pct")),
                     "Yes" if m.get("needs_explanation") else "No"])
    measures = Table("Measures against the profile",
                     ["Measure", "Target", "Actual", "Variance", "Target to date", "Actual to date", "Variance to date",
                      "Needs an explanation"], rows,
                     caption=f"Variance is (actual - target) / target; beyond {data['threshold']:g}% needs an "
                             f"explanation. No target: no variance.")
    chart = Chart(f"Target and actual, {period.code}",
                  f"Bar chart of each measure's target and actual for {period.label}. The same numbers are in the "
                  f"table.", "hbar", [m["label"] for m in data["measures"]],
                  [("Target", [m["target"] for m in data["measures"]]),
                   ("Actual", [m["actual"] for m in data["measures"]])])
    outcome_rows = []
    for key, label in OUTCOME_GROUPS.items():
        now, cum = data["outcomes"]["period"].get(key), data["outcomes"]["cumulative"].get(key)
        if isinstance(now, dict):
            for level in sorted(set(now) | set(cum or {}), key=lambda lv: list(LEVEL_LABELS).index(lv)
                                if lv in LEVEL_LABELS else 99):
                outcome_rows.append([f"{label}: {LEVEL_LABELS.get(level, level)}", now.get(level, 0),
                                     (cum or {}).get(level, 0)])
            if not now and not cum:
                outcome_rows.append([label, 0, 0])
        else:
            outcome_rows.append([label, now or 0, cum or 0])
    outcomes = Table("Learning outcomes by kind of learning", ["Kind of learning", "This quarter", "To date"],
                     outcome_rows)
    s = data["spend"]
    spend = Table("Spend against the budget profile",
                  ["", "Budget profile", "Actual spend", "Variance"],
                  [["This quarter", s.get("budget"), s.get("actual"), _pct(s.get("variance_pct"))],
                   ["To date", s.get("cumulative_budget"), s.get("cumulative_actual"),
                    _pct(s.get("cumulative_variance_pct"))]])
    explanations = data.get("explanations") or {}
    labels = {**MEASURES, "spend": "Spend"}
    notes = [f"{labels.get(code, code)}: {text}" for code, text in explanations.items() if text]
    sections = [Section("Measures", charts=[chart], tables=[measures]),
                Section("Learning outcomes", tables=[outcomes]),
                Section("Spend", tables=[spend]),
                Section("Explanations of variance", intro=notes or ["No explanations have been written."])]
    return ReportDocument(
        title=f"Quarterly return {period.code}", scope_label=project_scope_label(project),
        period_label=period.label, generated_on=generated_on or date.today(), sections=sections,
        filename_stem=f"return-{project.id}-{period.code}", run_hash=run_hash)


def _project(params: Mapping[str, Any], user) -> Project:
    project = get_visible_or_404(db.session, Project, params.get("project_id"), user)
    return project


@report_builder("funding")
def build_funding(params: Mapping[str, Any], user, *, links: bool = False) -> ReportDocument:
    project = _project(params, user)
    period = periods.parse(params.get("period"))
    if period is None or period.kind != "quarter":
        raise NotFound()
    return funding_document(project, period, figures.funding_return(project, period, user), links=links)


@report_builder("project_summary")
def build_project_summary(params: Mapping[str, Any], user, *, links: bool = False) -> ReportDocument:
    """The end-of-project summary: every quarter's actual against target, and the totals."""
    project = _project(params, user)
    quarters = figures.rules.project_quarters(project.starts_on, project.ends_on)
    per_quarter = [figures.funding_return(project, q, user) for q in quarters]
    codes = [m["code"] for m in per_quarter[0]["measures"]] if per_quarter else []
    labels = {m["code"]: m["label"] for m in per_quarter[0]["measures"]} if per_quarter else {}
    header = ["Measure"] + [f"{q.code} actual / target" for q in quarters] + ["Total to date", "Target to date",
                                                                                "Variance to date"]
    rows = []
    for i, code in enumerate(codes):
        cells: list[Any] = [labels[code]]
        for data in per_quarter:
            m = data["measures"][i]
            cells.append(f"{m['actual']} / {m['target'] if m['target'] is not None else '-'}")
        last = per_quarter[-1]["measures"][i]
        cells += [last["cumulative_actual"], last["cumulative_target"], _pct(last.get("cumulative_variance_pct"))]
        rows.append(cells)
    chart = Chart("Actual to date against target to date",
                  "Bar chart of each measure's total to date and its target to date. The numbers are in the table.",
                  "hbar", [labels[c] for c in codes],
                  [("Target to date", [per_quarter[-1]["measures"][i]["cumulative_target"] for i in range(len(codes))]),
                   ("Actual to date", [per_quarter[-1]["measures"][i]["cumulative_actual"] for i in range(len(codes))])]
                  ) if per_quarter else None
    spend_rows = [[q.code, d["spend"].get("budget"), d["spend"].get("actual"), _pct(d["spend"].get("variance_pct"))]
                  for q, d in zip(quarters, per_quarter)]
    sections = [Section("Measures by quarter", charts=[chart] if chart else [],
                        tables=[Table("Every quarter", header, rows)]),
                Section("Spend by quarter", tables=[Table("Spend", ["Quarter", "Budget profile", "Actual spend",
                                                                    "Variance"], spend_rows)])]
    span = f"{quarters[0].code} to {quarters[-1].code}" if quarters else "no quarters"
    return ReportDocument(title=f"End-of-project summary: {project.name}", scope_label=project_scope_label(project),
                          period_label=f"{uk_date(project.starts_on)} to {uk_date(project.ends_on)} ({span})",
                          generated_on=date.today(), sections=sections, filename_stem=f"project-{project.id}-summary")


# --- schools coverage ------------------------------------------------------------------------

COVERAGE_FIGURES = {
    "schools": "Schools of employers with an agreement in force",
    "schools_covered": "Schools covered by an agreement",
    "schools_with_ulr": "Schools with a ULR in post",
    "schools_without_ulr": "Schools with no ULR in post",
    "school_based_ulrs": "School-based ULRs in post",
    "silent_without_school_activity": "Agreements silent on schools, with no school activity in 12 months",
}


def schools_coverage_document(data: Mapping[str, Any], *, region_id, branch_id, as_of: date,
                              links: bool = True) -> ReportDocument:
    def link(figure: str) -> Optional[str]:
        return _href(links, "reports.schools_coverage_records", figure=figure, as_of=as_of.isoformat(),
                     **({"branch_id": branch_id} if branch_id else {"region_id": region_id} if region_id else {}))

    a = data["agreements"]
    agreements = Table("Agreements in force, by what they say about schools", ["Schools", "Agreements"], [
        [SCHOOLS_SCOPES["included"], a["included"]], [SCHOOLS_SCOPES["excluded"], a["excluded"]],
        [SCHOOLS_SCOPES["silent"], a["silent"]],
        ["Silent, and no school activity in the 12 months", Cell(a["silent_without_school_activity"],
                                                                 href=link("silent_without_school_activity"))]])
    schools_without = data["schools"] - data["schools_with_ulr"]
    schools = Table("Schools and ULRs", ["", "Number"], [
        [COVERAGE_FIGURES["schools"], Cell(data["schools"], href=link("schools"))],
        [COVERAGE_FIGURES["schools_covered"], Cell(data["schools_covered"], href=link("schools_covered"))],
        [COVERAGE_FIGURES["schools_with_ulr"], Cell(data["schools_with_ulr"], href=link("schools_with_ulr"))],
        [COVERAGE_FIGURES["schools_without_ulr"], Cell(schools_without, href=link("schools_without_ulr"))],
        [COVERAGE_FIGURES["school_based_ulrs"], Cell(data["school_based_ulrs"], href=link("school_based_ulrs"))]])
    learners = Table("Learners from schools, by staff category", ["Staff category", "Learners"],
                     [[STAFF_CATEGORIES.get(k, k.replace("_", " ").capitalize()), v]
                      for k, v in data["learners_from_schools"].items()])
    t = data["time_off"]

    def rate(d: Mapping[str, int]) -> Any:
        return None if not d["requests"] else f"{d['refused'] * 100 / d['requests']:.1f}%"

    time_off = Table("Time-off requests in the 12 months", ["", "Requests", "Refused", "Refused of all requests"], [
        ["Schools", t["school"]["requests"], t["school"]["refused"], rate(t["school"])],
        ["Everywhere else", t["other"]["requests"], t["other"]["refused"], rate(t["other"])]])
    chart = Chart("Agreements in force by schools scope",
                  "Bar chart: how many agreements in force include schools, exclude them, or say nothing. The "
                  "numbers are in the table.", "hbar",
                  [SCHOOLS_SCOPES["included"], SCHOOLS_SCOPES["excluded"], SCHOOLS_SCOPES["silent"],
                   "Silent, no school activity"],
                  [("Agreements", [a["included"], a["excluded"], a["silent"], a["silent_without_school_activity"]])])
    schools_chart = Chart("Schools reached", "Bar chart of the schools counted, covered and with a ULR in post. The "
                          "numbers are in the table.", "hbar",
                          ["Schools", "Covered", "With a ULR"],
                          [("Schools", [data["schools"], data["schools_covered"], data["schools_with_ulr"]])])
    sections = [Section("Agreements", charts=[chart], tables=[agreements]),
                Section("Schools", charts=[schools_chart], tables=[schools]),
                Section("Learners", tables=[learners]),
                Section("Time off", tables=[time_off])]
    return ReportDocument(title="Schools coverage", scope_label=scope_label(region_id, branch_id),
                          period_label=f"As of {uk_date(as_of)} (activity in the 12 months before)",
                          generated_on=date.today(), sections=sections,
                          filename_stem=f"schools-coverage-{as_of.isoformat()}")


def _date(params: Mapping[str, Any], key: str, default: Optional[date] = None) -> Optional[date]:
    value = params.get(key)
    if not value:
        return default
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@report_builder("schools_coverage")
def build_schools_coverage(params: Mapping[str, Any], user, *, links: bool = False) -> ReportDocument:
    region_id, branch_id = figures.scope_of(user, params.get("region_id"), params.get("branch_id"))
    as_of = _date(params, "as_of", date.today())
    data = figures.schools_coverage(user, region_id=region_id, branch_id=branch_id, as_of=as_of)
    return schools_coverage_document(data, region_id=region_id, branch_id=branch_id, as_of=as_of, links=links)


# --- time off --------------------------------------------------------------------------------

def _rate_row(label: str, d: Mapping[str, Any], link=None, **narrow: Any) -> list[Any]:
    decided = Cell(d.get("decided", 0), href=link(decided=1, **narrow) if link else None)
    refused = Cell(d.get("refused", 0), href=link(status="refused", **narrow) if link else None)
    return [label, decided, refused, None if d.get("rate_pct") is None else f"{d['rate_pct']:.1f}%"]


@report_builder("time_off")
def build_time_off(params: Mapping[str, Any], user, *, links: bool = False) -> ReportDocument:
    region_id, branch_id = figures.scope_of(user, params.get("region_id"), params.get("branch_id"))
    start, end = _date(params, "from"), _date(params, "to")
    data = figures.time_off(user, region_id=region_id, branch_id=branch_id, start=start, end=end)
    place = {"branch_id": branch_id} if branch_id else {"region_id": region_id} if region_id else {}

    def link(**narrow: Any) -> Optional[str]:
        return _href(links, "reports.time_off_records", **place, **{"from": start.isoformat(), "to": end.isoformat()},
                     **narrow)

    def counts(title: str, values: Mapping[str, int], labels: Mapping[str, str], key: str) -> Table:
        return Table(title, ["", "Requests"], [[labels.get(k, k), Cell(v, href=link(**{key: k}) if v else None)]
                                               for k, v in values.items()])

    kinds = data["refusal_rate_by_workplace_kind"]
    rate_chart = Chart("Refused, of the requests decided, by kind of workplace",
                       "Bar chart of the refusal rate in schools, council services and other sites. The numbers are "
                       "in the table.", "hbar", [WORKPLACE_KINDS[k] for k in ("school", "service", "other")],
                       [("Refused", [kinds[k]["rate_pct"] for k in ("school", "service", "other")])], unit="%")
    by_kind = Table("Refusal rate by kind of workplace", ["Workplace", "Decided", "Refused", "Refusal rate"],
                    [_rate_row(WORKPLACE_KINDS[k], kinds[k], link if links else None, workplace_kind=k)
                     for k in ("school", "service", "other")],
                    caption="Decided = granted + partly granted + refused; a partly granted request is not a refusal.")
    by_employer = Table("Refusal rate by employer", ["Employer", "Decided", "Refused", "Refusal rate"],
                        [_rate_row(r.get("employer_name") or f"Employer {r['employer_id']}", r,
                                   link if links else None, employer_id=r["employer_id"])
                         for r in data["refusal_rate_by_employer"]])
    notice = data.get("notice") or {}
    notice_table = Table("Notice given", ["", "Requests"], [["Enough notice", notice.get("given_ok", 0)],
                                                             ["Short notice", notice.get("short", 0)],
                                                             ["Not known", notice.get("unknown", 0)]])
    refusals = Table("Open refusals and their tribunal deadlines", ["Request", "Tribunal claim deadline"],
                     [[Cell(f"Request {r['id']}", href=_href(links, "timeoff.time_off_request", request_id=r["id"])),
                       r["tribunal_deadline"]] for r in data["open_refusals"]])
    sections = [Section("Refusals", charts=[rate_chart], tables=[by_kind, by_employer]),
                Section("Requests", tables=[counts("By kind", data["by_kind"], TIME_OFF_KINDS, "kind"),
                                            counts("By purpose", data["by_purpose"], PURPOSES, "purpose"),
                                            counts("By outcome", data["by_status"], TIME_OFF_STATUSES, "status"),
                                            counts("Refusal reasons", data["by_refusal_reason"], REFUSAL_REASONS,
                                                   "refusal_reason"),
                                            notice_table]),
                Section("Open refusals", tables=[refusals])]
    return ReportDocument(title="Time-off monitoring", scope_label=scope_label(region_id, branch_id),
                          period_label=f"Requests made from {uk_date(start)} to {uk_date(end)}",
                          generated_on=date.today(), sections=sections,
                          filename_stem=f"time-off-{start.isoformat()}-{end.isoformat()}")


# --- Go Award ---------------------------------------------------------------------------------

@report_builder("go_award")
def build_go_award(params: Mapping[str, Any], user, *, links: bool = False) -> ReportDocument:
    employer = get_visible_or_404(db.session, Employer, params.get("employer_id"), user)
    start, end = _date(params, "from"), _date(params, "to")
    data = figures.go_award(user, employer, start=start, end=end)
    standards = Table("The eight standards", ["Standard", "Status", "Evidence"],
                      [[s["title"], STANDARD_STATUSES.get(s["status"], s["status"]), s["evidence_count"]]
                       for s in data["standards"]])
    sfl_tables, sfl_rows = [], []
    for subject in ("literacy", "numeracy", "esol", "ict"):
        for side, label in (("school", "Schools"), ("rest", "Rest of the council")):
            s = data["skills_for_life"][side][subject]
            sfl_rows.append([SUBJECTS[subject], label, s["assessed"], s["needs_identified"], s["enrolled"], s["achieved"]])
    sfl_tables.append(Table("Skills for Life: schools and the rest of the council side by side",
                            ["Subject", "Where", "Staff assessed", "Needs identified", "Enrolled", "Achieved"], sfl_rows))
    level_rows = []
    for subject in ("literacy", "numeracy", "esol", "ict"):
        for side, label in (("school", "Schools"), ("rest", "Rest of the council")):
            for level, n in data["skills_for_life"][side][subject]["by_level"].items():
                level_rows.append([SUBJECTS[subject], label, LEVEL_LABELS.get(level, level), n["enrolled"], n["achieved"]])
    sfl_tables.append(Table("Enrolments by level", ["Subject", "Where", "Level", "Enrolled", "Achieved"], level_rows))
    chart = Chart("Staff assessed and achieving, schools and the rest",
                  "Bar chart of staff assessed and achieving in each subject, schools beside the rest of the council. "
                  "The numbers are in the table.", "hbar",
                  [f"{SUBJECTS[s]} ({w})" for s in ("literacy", "numeracy", "esol", "ict") for w in ("schools", "rest")],
                  [("Assessed", [data["skills_for_life"][side][s]["assessed"] for s in ("literacy", "numeracy", "esol", "ict")
                                 for side in ("school", "rest")]),
                   ("Achieved", [data["skills_for_life"][side][s]["achieved"] for s in ("literacy", "numeracy", "esol", "ict")
                                 for side in ("school", "rest")])])
    hours = Table("Learning hours granted", ["", "Hours"], [["Paid", data["learning_hours"]["paid"]],
                                                           ["Matched", data["learning_hours"]["matched"]]])
    p = data["partnership"]
    partnership = Table("Union partnership", ["", ""], [
        ["Learning agreement", (p["agreement_status"] or "none").replace("_", " ").capitalize()],
        ["ULRs active", p["ulrs_active"]]])
    period = (f"{uk_date(start)} to {uk_date(end)}" if start and end else "All dates")
    return ReportDocument(title="Go Award evidence pack", scope_label=employer.name, period_label=period,
                          generated_on=date.today(),
                          sections=[Section("Standards", tables=[standards]),
                                    Section("Skills for Life", charts=[chart], tables=sfl_tables),
                                    Section("Learning hours and partnership", tables=[hours, partnership])],
                          filename_stem=f"go-award-{employer.id}")


# --- equality ---------------------------------------------------------------------------------

def _value_label(dimension: str, value: str) -> str:
    if value == "not_recorded":
        return "Not recorded"
    if dimension == "staff_category":
        return STAFF_CATEGORIES.get(value, value)
    if dimension == "contract":
        return CONTRACT_LABELS.get(value, value)
    return value


@report_builder("equality")
def build_equality(params: Mapping[str, Any], user, *, links: bool = False) -> ReportDocument:
    region_id, branch_id = figures.scope_of(user, params.get("region_id"), params.get("branch_id"))
    start, end = _date(params, "from"), _date(params, "to")
    from flask import current_app

    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    data = figures.equality(user, region_id=region_id, branch_id=branch_id, start=start, end=end, threshold=threshold)
    place = {"branch_id": branch_id} if branch_id else {"region_id": region_id} if region_id else {}

    def cell(dim: str, value: str, count: Any) -> Any:
        if dim not in ("staff_category", "contract") or not isinstance(count, int) or not count:
            return count  # special-category groups and suppressed counts are never lists of people
        return Cell(count, href=_href(links, "reports.equality_records", dimension=dim, value=value, **place,
                                      **{"from": start.isoformat(), "to": end.isoformat()}))

    tables = [Table(label, [label, "Learners"], [[_value_label(dim, k), cell(dim, k, v)] for k, v in data["by"][dim].items()])
              for dim, label in EQUALITY_DIMENSIONS.items()]
    staff = data["by"]["staff_category"]
    numeric = {k: v for k, v in staff.items() if isinstance(v, int)}
    chart = Chart("Take-up by staff category", "Bar chart of learners by staff category; suppressed counts are left "
                  "out. The numbers are in the table.", "hbar", [_value_label("staff_category", k) for k in numeric],
                  [("Learners", list(numeric.values()))])
    notes = [f"Counts from 1 to {threshold - 1} are shown as <{threshold}; counts marked c are hidden so that a hidden "
             f"count cannot be worked out from the others."]
    return ReportDocument(title="Equality monitoring", scope_label=scope_label(region_id, branch_id),
                          period_label=f"Learners with a course started from {uk_date(start)} to {uk_date(end)}",
                          generated_on=date.today(),
                          sections=[Section("Learners", intro=[f"Total: {data['total']}"] + notes,
                                            charts=[chart], tables=tables)],
                          filename_stem=f"equality-{start.isoformat()}-{end.isoformat()}")


def build(report: str, params: Mapping[str, Any], user, *, links: bool = False) -> ReportDocument:

    return BUILDERS[report](params, user, links=links)


__all__ = ["build", "funding_document", "schools_coverage_document", "COVERAGE_FIGURES", "EQUALITY_DIMENSIONS",
           "OUTCOME_GROUPS", "GO_AWARD_STANDARDS"]

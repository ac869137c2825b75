"""The only code that changes programmes, projects, their profiles of targets and spend, and records
re-profiles. Validates, applies, writes the audit trail, flushes; never commits."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any, Mapping, Optional

from sqlalchemy import func, select

from ..accounts.models import User
from ..core import audit
from ..core import validation as v
from ..core.errors import Conflict, NotAllowed, ValidationFailed
from ..core.permissions import ADMIN, REGIONAL_ORGANISER
from ..extensions import db
from ..organisation.models import Branch, Region
from . import queries, rules
from .models import MEASURES, ProfileChange, Programme, Project, ProjectSpend, ProjectTarget

PROGRAMME_FIELDS = ("code", "name", "measures", "variance_threshold", "description", "active")
PROJECT_FIELDS = ("programme_id", "name", "region_id", "branch_id", "starts_on", "ends_on", "budget",
                  "lead_organiser_id", "notes")
#: what a project's page form and PATCH may change (the region is fixed once created)
PROJECT_CHANGEABLE = tuple(f for f in PROJECT_FIELDS if f != "region_id")
REASON_NEEDED = ("This changes a profile after the project's first quarter has started, so it is a re-profile: "
                 "say why it is changing")


def _today() -> date:
    return date.today()


def _actor_id(actor) -> Optional[int]:
    return actor.id if actor is not None else audit.current_actor()[0]


# --- programmes -------------------------------------------------------------------------------

def _clean_programme(data: Mapping[str, Any], existing: Optional[Programme]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(PROGRAMME_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields", {f: ["This field is not part of a programme"] for f in sorted(unknown)})
    merged = {f: getattr(existing, f) for f in PROGRAMME_FIELDS} if existing else {"active": True}
    merged.update(data)
    c: dict[str, Any] = {
        "code": v.text(merged, errors, "code", "the programme's code", 40, required=True),
        "name": v.text(merged, errors, "name", "the programme's name", 200, required=True),
        "description": v.text(merged, errors, "description", "the description", 5000),
    }
    if c["code"] and "code" not in errors:
        if not rules.CODE.match(c["code"]):
            errors["code"] = ["Use lowercase letters, digits and underscores only, like wales_ulf"]
        elif existing is not None and existing.built_in and c["code"] != existing.code:
            errors["code"] = [f"{existing.name} is built in: its code stays {existing.code}"]
        else:
            taken = db.session.scalar(select(Programme.id).where(Programme.code == c["code"],
                                                                 Programme.id != (existing.id if existing else 0)))
            if taken:
                errors["code"] = [f"Another programme has the code {c['code']}: choose another"]
    measures = merged.get("measures")
    if isinstance(measures, str):
        measures = [measures]
    if not isinstance(measures, (list, tuple)) or not all(isinstance(m, str) for m in measures):
        errors["measures"] = ["Choose the measures from the list"]
        measures = []
    else:
        bad = [m for m in measures if m not in MEASURES]
        if bad:
            errors["measures"] = [f"{', '.join(sorted(set(bad)))[:100]} is not a measure: choose from "
                                  + ", ".join(MEASURES)]
        elif not measures:
            errors["measures"] = ["Choose at least one measure"]
    c["measures"] = [m for m in MEASURES if m in measures]  # one order everywhere, no repeats
    threshold = merged.get("variance_threshold")
    if threshold in (None, ""):
        c["variance_threshold"] = Decimal("20.0")  # the default of domain.md section 6
    else:
        c["variance_threshold"] = v.number({"t": threshold}, errors, "t", "the variance threshold", Decimal(0),
                                           Decimal(100), places="0.1")
        if "t" in errors:
            errors["variance_threshold"] = ["Enter the variance threshold as a percentage from 0 to 100, like 20"]
            errors.pop("t")
    active = merged.get("active")
    if not isinstance(active, bool):
        errors["active"] = ["Answer yes or no"]
    c["active"] = active
    if existing is not None and "measures" not in errors:
        dropped = [m for m in existing.measures or [] if m not in c["measures"]]
        if dropped:
            used = db.session.scalars(select(ProjectTarget.measure).distinct().join(Project).where(
                Project.programme_id == existing.id, ProjectTarget.measure.in_(dropped))).all()
            if used:
                errors["measures"] = ["Projects of this programme have targets for "
                                      + ", ".join(MEASURES[m] for m in sorted(used, key=list(MEASURES).index))
                                      + ": keep those measures, or remove the targets first"]
    if errors:
        raise ValidationFailed("Check the programme", errors)
    return c


def _admin_only(actor) -> None:
    if actor is not None and actor.role != ADMIN:
        raise NotAllowed("Only administrators change funding programmes.")


def create_programme(data: Mapping[str, Any], *, actor=None) -> Programme:
    _admin_only(actor)
    clean = _clean_programme(data, None)
    programme = Programme(built_in=False, **clean)
    db.session.add(programme)
    db.session.flush()
    audit.record(db.session, "create", programme, summary=f"Added funding programme {programme.name}",
                 changes=audit.snapshot(programme, PROGRAMME_FIELDS))
    return programme


def update_programme(programme: Programme, data: Mapping[str, Any], *, actor=None,
                     version: Optional[int] = None, current_version: Optional[int] = None) -> dict:
    """Change a programme; with ``version``, refuse (409) when it is not ``current_version``."""
    _admin_only(actor)
    if version is not None and current_version is not None and version != current_version:
        raise Conflict("This programme was changed by someone else. Reload it and try again.")
    clean = _clean_programme(data, programme)
    changes = audit.apply_changes(programme, clean, PROGRAMME_FIELDS)
    if changes:
        db.session.flush()
        audit.record(db.session, "update", programme, summary=f"Changed funding programme {programme.name}",
                     changes=changes)
    return changes


def delete_programme(programme: Programme, *, actor=None) -> None:
    """Remove a programme added by mistake: never a built-in one, nor one with projects."""
    _admin_only(actor)
    if programme.built_in:
        raise Conflict(f"{programme.name} is built in and cannot be deleted. Mark it as not in use instead.")
    used = db.session.scalar(select(func.count()).select_from(Project).where(Project.programme_id == programme.id))
    if used:
        raise Conflict(f"{programme.name} has {used} project{'s' if used != 1 else ''}, so it cannot be deleted. "
                       "Mark it as not in use instead.")
    audit.record(db.session, "delete", programme, summary=f"Deleted funding programme {programme.name}",
                 changes={f: (getattr(programme, f), None) for f in ("code", "name")})
    db.session.delete(programme)
    db.session.flush()


# --- projects ---------------------------------------------------------------------------------

def _clean_project(data: Mapping[str, Any], existing: Optional[Project], user) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    allowed = PROJECT_FIELDS if existing is None else PROJECT_CHANGEABLE
    unknown = set(data) - set(PROJECT_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields", {f: ["This field is not part of a project"] for f in sorted(unknown)})
    if existing is not None and "region_id" in data and data["region_id"] != existing.region_id:
        errors["region_id"] = ["A project's region cannot change: add a new project in the other region"]
    merged = {f: getattr(existing, f) for f in PROJECT_FIELDS} if existing else {}
    merged.update({k: val for k, val in data.items() if k in allowed})
    c: dict[str, Any] = {
        "name": v.text(merged, errors, "name", "the project's name", 200, required=True),
        "notes": v.text(merged, errors, "notes", "the notes", 5000),
        "programme_id": v.ident(merged, errors, "programme_id", "Choose the programme"),
        "region_id": v.ident(merged, errors, "region_id", "Choose the region", required=False),
        "branch_id": v.ident(merged, errors, "branch_id", "Choose a branch of the region, or the whole region",
                             required=False),
        "lead_organiser_id": v.ident(merged, errors, "lead_organiser_id", "Choose the lead organiser",
                                     required=False),
        "starts_on": v.day(merged, errors, "starts_on", "the start date", required=True, kind=v.LEARNING_PLANNED),
        "ends_on": v.day(merged, errors, "ends_on", "the end date", required=True, kind=v.LEARNING_PLANNED),
    }
    budget = merged.get("budget")
    c["budget"] = None
    if budget not in (None, ""):
        c["budget"], problem = rules.money(budget)
        if problem:
            errors["budget"] = [problem.replace("An amount", "The budget")]
    # the programme: an active one (a project may keep one no longer in use)
    if c["programme_id"] and "programme_id" not in errors:
        programme = db.session.get(Programme, c["programme_id"])
        keeping = existing is not None and existing.programme_id == c["programme_id"]
        if programme is None or (not programme.active and not keeping):
            errors["programme_id"] = ["Choose a programme that is in use"]
        elif existing is not None and not keeping:
            other = set(programme.measures or [])
            stray = db.session.scalars(select(ProjectTarget.measure).distinct().where(
                ProjectTarget.project_id == existing.id, ProjectTarget.measure.not_in(other))).all()
            if stray:
                errors["programme_id"] = ["This project has targets for measures that programme lacks ("
                                          + ", ".join(MEASURES.get(m, m) for m in sorted(stray))
                                          + "): remove them first"]
    # the region and branch: an organiser's own region only
    region_id = c["region_id"] if existing is None else existing.region_id
    branch = None
    if c["branch_id"] and "branch_id" not in errors:
        branch = db.session.get(Branch, c["branch_id"])
        if branch is None:
            errors["branch_id"] = ["Choose a branch of the region, or the whole region"]
    if user is not None and user.role == REGIONAL_ORGANISER:
        if existing is None and c["region_id"] and c["region_id"] != user.region_id:
            errors["region_id"] = ["You can add projects only in your own region"]
        region_id = region_id or user.region_id
        if branch is not None and branch.region_id != user.region_id:
            errors["branch_id"] = ["Choose a branch of your own region, or the whole region"]
    elif user is not None and user.role != ADMIN:
        raise NotAllowed("Only regional organisers and administrators manage funding projects.")
    if region_id is None and branch is not None:
        region_id = branch.region_id
    if existing is None and "region_id" not in errors:
        if region_id is None:
            errors["region_id"] = ["Choose the region"]
        elif db.session.get(Region, region_id) is None:
            errors["region_id"] = ["Choose one of the regions"]
    if branch is not None and region_id and branch.region_id != region_id and "branch_id" not in errors:
        errors["branch_id"] = ["Choose a branch of the project's region, or the whole region"]
    c["region_id"] = region_id
    # the lead organiser: a regional organiser of that region
    if c["lead_organiser_id"] and "lead_organiser_id" not in errors:
        lead = db.session.get(User, c["lead_organiser_id"])
        keeping = existing is not None and existing.lead_organiser_id == c["lead_organiser_id"]
        if lead is None or lead.role != REGIONAL_ORGANISER or lead.region_id != region_id or (
                not lead.active and not keeping):
            errors["lead_organiser_id"] = ["Choose a regional organiser of the project's region"]
    # the dates: the end after the start, and no targets or spend left outside them
    if c["starts_on"] and c["ends_on"] and "starts_on" not in errors and "ends_on" not in errors:  # both believable
        if c["ends_on"] <= c["starts_on"]:
            errors.setdefault("ends_on", ["The end date must be after the start date"])
        elif existing is not None:
            kept = {q.code for q in rules.quarters_between(c["starts_on"], c["ends_on"])}
            used = set(db.session.scalars(select(ProjectTarget.period).where(ProjectTarget.project_id == existing.id)))
            used |= set(db.session.scalars(select(ProjectSpend.period).where(ProjectSpend.project_id == existing.id)))
            outside = sorted(used - kept)
            if outside:
                errors.setdefault("ends_on", ["The profile has figures for " + ", ".join(outside)
                                              + ", outside these dates: change the profile first"])
    if errors:
        raise ValidationFailed("Check the project", errors)
    return {f: c[f] for f in PROJECT_FIELDS if existing is None or f in data or f == "region_id"}


def create_project(data: Mapping[str, Any], *, user=None) -> Project:
    """Add a project. An organiser adds them in their own region (``region_id`` may be left out);
    an administrator names the region, or a branch (whose region it is)."""
    clean = _clean_project(data, None, user)
    project = Project(created_by_id=_actor_id(user), **clean)
    db.session.add(project)
    db.session.flush()
    audit.record(db.session, "create", project, summary=f"Added funding project {project.name}",
                 changes=audit.snapshot(project, PROJECT_FIELDS))
    return project


def update_project(project: Project, data: Mapping[str, Any], *, user=None, version: Optional[int] = None) -> dict:
    if user is not None and not queries.can_edit_project(user, project):
        raise NotAllowed("Only the region's organisers and administrators change this project.")
    if version is not None and int(version) != project.version:
        raise Conflict("This project was changed by someone else. Reload it and try again.")
    clean = _clean_project(data, project, user)
    changes = audit.apply_changes(project, clean, PROJECT_CHANGEABLE)
    if changes:
        db.session.flush()
        audit.record(db.session, "update", project, summary=f"Changed funding project {project.name}", changes=changes)
    return changes


# --- profiles ---------------------------------------------------------------------------------

def _problems_to_fields(problems: list[tuple[int, str, str]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for index, column, message in problems:
        key = column if index < 0 else f"[{index}].{column}"
        fields.setdefault(key, []).append(message)
    return fields


def _had_profile(project: Project) -> bool:
    targets = db.session.scalar(select(func.count()).select_from(ProjectTarget).where(ProjectTarget.project_id == project.id))
    budgets = db.session.scalar(select(func.count()).select_from(ProjectSpend).where(
        ProjectSpend.project_id == project.id, ProjectSpend.budget.is_not(None)))
    return bool(targets or budgets)


def reprofile_needed(project: Project, today: Optional[date] = None) -> bool:
    """Whether a change to this project's targets or budget profile would now be a re-profile."""
    quarters = queries.project_quarters(project)
    return rules.is_reprofile(quarters[0] if quarters else None, today or _today(), _had_profile(project))


def _reason(reason: Optional[str], needed: bool) -> Optional[str]:
    errors: dict[str, list[str]] = {}
    text = v.text({"reason": reason}, errors, "reason", "the reason", 2000)
    if errors:
        raise ValidationFailed("Check the reason", errors)
    if needed and not text:
        raise ValidationFailed(REASON_NEEDED, {"reason": [REASON_NEEDED]})
    return text


def _record_reprofile(project: Project, before: dict, after: dict, reason: str, actor) -> ProfileChange:
    change = ProfileChange(project_id=project.id, changed_by_id=_actor_id(actor), reason=reason, before=before,
                           after=after)
    db.session.add(change)
    db.session.flush()
    audit.record(db.session, "reprofile", project, summary=f"Re-profiled funding project {project.name}: {reason}"[:500],
                 changes={"before": (None, before), "after": (None, after)})
    return change


def check_target_rows(project: Project, rows: Any) -> tuple[dict[tuple[str, str], int], list[tuple[int, str, str]]]:
    """(clean profile, problems) for ``rows`` against this project's quarters and its programme's measures."""
    return rules.check_targets(rows, [q.code for q in queries.project_quarters(project)], queries.measures_of(project),
                               MEASURES)


def set_targets(project: Project, rows: Any, *, reason: Optional[str] = None, actor=None,
                today: Optional[date] = None) -> dict[str, Any]:
    """Replace the project's profile of targets with ``rows`` ([{period, measure, target}]; a missing or
    null target means none). Every problem is named (422) and nothing is saved if any row is bad. Once the
    first quarter has started, changing an existing profile is a re-profile and needs ``reason``.
    Returns ``{"before": ..., "after": ...}`` of the changed cells (empty when nothing changed)."""
    clean, problems = check_target_rows(project, rows)
    if problems:
        raise ValidationFailed("Check the targets: " + "; ".join(
            (f"row {i + 1}, {col}: {msg}" if i >= 0 else msg) for i, col, msg in problems[:5])
            + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""), _problems_to_fields(problems))
    before_all = queries.targets_of(project)
    old, new = rules.changed_cells(before_all, clean)
    if not old and not new:
        return {}
    needed = reprofile_needed(project, today)
    text = _reason(reason, needed)
    existing = {(t.period, t.measure): t for t in db.session.scalars(
        select(ProjectTarget).where(ProjectTarget.project_id == project.id))}
    for key, row in existing.items():
        if key not in clean:
            db.session.delete(row)
        elif row.target != clean[key]:
            row.target = clean[key]
    for key, target in clean.items():
        if key not in existing:
            db.session.add(ProjectTarget(project_id=project.id, period=key[0], measure=key[1], target=target))
    db.session.flush()
    before, after = {"targets": old}, {"targets": new}
    changes = {f"{p} {m}": (old[p][m], new[p][m]) for p in old for m in old[p]}
    audit.record(db.session, "update", project, summary=f"Changed the targets of funding project {project.name}",
                 changes=changes)
    if needed:
        _record_reprofile(project, before, after, text, actor)
    return {"before": before, "after": after}


def check_spend_rows(project: Project, rows: Any) -> tuple[dict[str, dict[str, Optional[Decimal]]], list[tuple[int, str, str]]]:
    """(period -> {"budget", "actual"} as given, problems). Each row is {period, budget?, actual?}; a column
    left out is unchanged, a blank or null one is cleared."""
    quarters = [q.code for q in queries.project_quarters(project)]
    clean: dict[str, dict[str, Optional[Decimal]]] = {}
    problems: list[tuple[int, str, str]] = []
    if not isinstance(rows, list):
        return {}, [(-1, "rows", "Send a list of rows, each with period, budget and actual")]
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            problems.append((i, "row", "Each row must be an object with period, budget and actual"))
            continue
        for name in sorted(set(row) - {"period", "budget", "actual"}):
            problems.append((i, str(name)[:40], "Unknown column: a row has period, budget and actual"))
        period, problem = rules.period_problem(row.get("period"), quarters)
        if problem:
            problems.append((i, "period", problem))
        values: dict[str, Optional[Decimal]] = {}
        for column in ("budget", "actual"):
            if column not in row:
                continue
            raw = row[column]
            if raw in (None, ""):
                values[column] = None
                continue
            amount, problem = rules.money(raw)
            if problem:
                problems.append((i, column, problem))
            values[column] = amount
        if period:
            if period in clean:
                problems.append((i, "period", f"{period} is given twice"))
            clean[period] = values
    return clean, problems


def set_spend(project: Project, rows: Any, *, reason: Optional[str] = None, actor=None,
              today: Optional[date] = None) -> dict[str, Any]:
    """Set the budget profile and actual spend per quarter. Changing the budget profile once the first
    quarter has started is a re-profile (needs ``reason``); changing actual spend is not (it is audited)."""
    clean, problems = check_spend_rows(project, rows)
    if problems:
        raise ValidationFailed("Check the spend: " + "; ".join(
            (f"row {i + 1}, {col}: {msg}" if i >= 0 else msg) for i, col, msg in problems[:5]),
            _problems_to_fields(problems))
    current = queries.spend_of(project)
    before_cells = {(p, col): getattr(r, col) for p, r in current.items() for col in ("budget", "actual")
                    if getattr(r, col) is not None}
    after_cells = dict(before_cells)
    for period, values in clean.items():
        for col, amount in values.items():
            if amount is None:
                after_cells.pop((period, col), None)
            else:
                after_cells[(period, col)] = amount
    old, new = rules.changed_cells(before_cells, after_cells)
    if not old:
        return {}
    budget_old = {p: {"budget": c["budget"]} for p, c in old.items() if "budget" in c}
    budget_new = {p: {"budget": new[p]["budget"]} for p in budget_old}
    needed = bool(budget_old) and reprofile_needed(project, today)
    text = _reason(reason, needed)
    for period in sorted({p for p, _ in set(before_cells) | set(after_cells)}):
        budget, actual = after_cells.get((period, "budget")), after_cells.get((period, "actual"))
        row = current.get(period)
        if budget is None and actual is None:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(ProjectSpend(project_id=project.id, period=period, budget=budget, actual=actual))
        else:
            row.budget, row.actual = budget, actual
    db.session.flush()
    changes = {f"{p} {col}": (old[p][col], new[p][col]) for p in old for col in old[p]}
    audit.record(db.session, "update", project, summary=f"Changed the spend of funding project {project.name}",
                 changes=changes)
    if needed:
        _record_reprofile(project, {"spend": budget_old}, {"spend": budget_new}, text, actor)
    return {"before": {"spend": old}, "after": {"spend": new}}


# --- CSV upload of targets ------------------------------------------------------------------------

CSV_COLUMNS = ("period", "measure", "target")
MAX_CSV_BYTES = 1_000_000


def targets_from_csv(project: Project, raw: bytes) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows read from an uploaded CSV (columns period, measure, target) and every problem, by row and
    column (row 1 is the header). Nothing is saved here."""
    if len(raw) > MAX_CSV_BYTES:
        return [], ["The file is too big: a profile is at most 1 MB"]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], ["The file must be a CSV saved as UTF-8 (in Excel: CSV UTF-8)"]
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if not header:
        return [], ["The file is empty: download the template and fill it in"]
    if missing:
        return [], [f"Row 1: the header must have the columns {', '.join(CSV_COLUMNS)} (missing {', '.join(missing)})"]
    extra = [h for h in header if h not in CSV_COLUMNS]
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    if extra:
        problems.append(f"Row 1: remove the columns {', '.join(extra)[:100]}: a profile has {', '.join(CSV_COLUMNS)}")
    reader.fieldnames = header
    for line in reader:
        values = {k: (line.get(k) or "").strip() for k in CSV_COLUMNS}
        if not any(values.values()):
            rows.append({})  # keep numbering; dropped below
            continue
        if None in line:  # more cells than columns
            problems.append(f"Row {reader.line_num}: this row has more cells than the header")
        rows.append({"period": values["period"], "measure": values["measure"],
                     "target": values["target"] or None, "_line": reader.line_num})
    kept = [r for r in rows if r]
    _clean, found = check_target_rows(project, [{k: r[k] for k in CSV_COLUMNS} for r in kept])
    for index, column, message in found:
        where = f"Row {kept[index]['_line']}" if index >= 0 else "The file"
        problems.append(f"{where}, column {column}: {message}")
    return [{k: r[k] for k in CSV_COLUMNS} for r in kept], problems


def upload_targets(project: Project, raw: bytes, *, reason: Optional[str] = None, actor=None) -> dict[str, Any]:
    """Replace the profile with an uploaded CSV: all rows or none; every problem listed."""
    rows, problems = targets_from_csv(project, raw)
    if problems:
        raise ValidationFailed("Nothing was saved: fix these problems in the file and upload it again",
                               {"file": problems})
    return set_targets(project, rows, reason=reason, actor=actor)


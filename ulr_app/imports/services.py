"""The only code that imports: each row through the same services as the pages and the API, all rows in one
transaction or none. Flushes, never commits (the page's job, or the command line, commits once).

:func:`run_import` reads the file, checks the header, turns each row into the API's fields (a school named by
``workplace_urn``, a course by ``course_title``) and hands it to the domain's service: a row whose ``reference``
the branch already has updates that record, any other creates one. Every problem is collected with its row and
column. A dry run (the preview), or a run that found any problem, is rolled back as a whole; otherwise the
changes stay flushed in the session for the caller to commit. Each created or changed record gets its usual
audit entry and timeline entry from its service; the caller records one entry for the whole run.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..agreements import services as agreement_services
from ..agreements.api import AGREEMENTS, NESTED
from ..agreements.models import STATUSES as AGREEMENT_STATUSES
from ..agreements.models import Agreement
from ..core import audit
from ..core.files import remove_on_rollback
from ..core.errors import Conflict, ServiceError, ValidationFailed
from ..core.jobs import enqueue
from ..core.models import utcnow
from ..extensions import db
from ..learners import services as learner_services
from ..learners.api import LEARNERS
from ..learners.models import Course, Enrolment, Learner
from ..organisation.models import Branch, Workplace, branch_employer
from ..reps import services as rep_services
from ..reps.api import REPS
from ..reps.models import Rep
from . import rules
from .models import ImportRun
from .reading import UnreadableFile, read
from .rules import COURSE_TITLE, WORKPLACE_URN, Problem

#: how often (rows) a long run reports how far it got
PROGRESS_EVERY = 250


@dataclass(frozen=True)
class Kind:
    """What one kind of import takes: its columns (the API resource's writable fields and their types, without
    branch_id, which the import's branch gives), the columns a file must have, and the model it updates."""

    name: str
    label: str
    columns: dict[str, str]
    required: tuple[str, ...]
    model: type
    #: the columns of a learner's enrolment history (learners only)
    history: dict[str, str] = field(default_factory=dict)

    @property
    def all_columns(self) -> list[str]:
        return [*self.columns, *self.history]


def _writable(resource, leave_out: tuple[str, ...] = ()) -> dict[str, str]:
    return {name: spec.type for name, spec in resource.writable.items()
            if name not in ("branch_id", *leave_out) and not spec.write_only}


def _kinds() -> dict[str, Kind]:
    learners = _writable(LEARNERS)
    learners[WORKPLACE_URN] = "string"
    reps = _writable(REPS)
    reps[WORKPLACE_URN] = "string"
    agreements = _writable(AGREEMENTS, NESTED)
    history = {"course_id": "integer", COURSE_TITLE: "string", "status": "string",
               **{f: "date" for f in rules.ENROLMENT_DATES}, "withdrawal_reason": "string"}
    return {
        "learners": Kind("learners", rules.KINDS["learners"], learners, ("reference", "name"), Learner, history),
        "reps": Kind("reps", rules.KINDS["reps"], reps, ("reference", "name", "employer_id", "appointed_on"), Rep),
        "agreements": Kind("agreements", rules.KINDS["agreements"], agreements, ("reference", "title", "employer_id"),
                           Agreement),
    }


KINDS = _kinds()
#: a column standing in for another one in the header check
STAND_INS = {"workplace_id": WORKPLACE_URN}


@dataclass
class Outcome:
    """What a run found or did: counts, problems (by row and column), and how many rows the file had."""

    kind: str
    rows: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {"new": 0, "updated": 0, "unchanged": 0})
    problems: list[Problem] = field(default_factory=list)
    applied: bool = False
    #: the rows the check found would change nothing (the import then leaves them alone)
    quiet: set[int] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, what: str, prefix: str = "") -> None:
        key = f"{prefix}{what}"
        self.counts[key] = self.counts.get(key, 0) + 1

    def report(self) -> str:
        lines = [f"{self.rows} rows: {rules.counts_text(self.counts, self.kind)}"]
        if self.problems:
            lines.append(f"{len(self.problems)} problems, nothing imported:")
            lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


# --- reading and checking ---------------------------------------------------------------------------

class _Lookups:
    """What every row needs from the database, loaded once per run (not once per row): the branch's records by
    reference, its employers' schools by URN, the course catalogue by title, and the learners' enrolments."""

    def __init__(self, kind: Kind, branch: Branch):
        model = kind.model
        self.existing: dict[str, Any] = {r.reference: r for r in db.session.scalars(
            select(model).where(model.branch_id == branch.id, model.reference.is_not(None)))}
        employers = select(branch_employer.c.employer_id).where(branch_employer.c.branch_id == branch.id)
        self.schools: dict[str, int] = {str(urn).strip(): wid for wid, urn in db.session.execute(
            select(Workplace.id, Workplace.urn).where(Workplace.employer_id.in_(employers), Workplace.urn.is_not(None)))}
        self.courses: dict[str, int] = {}
        self.enrolments: dict[tuple[int, int], Enrolment] = {}
        #: what the learner checks need of the branch, loaded once (not once per row)
        self.facts = learner_services.branch_facts(branch.id) if kind.name == "learners" else None
        if kind.history:
            self.courses = {title.strip().lower(): cid for cid, title in db.session.execute(select(Course.id, Course.title))}
            ids = [r.id for r in self.existing.values()]
            for start in range(0, len(ids), 500):
                for e in db.session.scalars(select(Enrolment).where(Enrolment.learner_id.in_(ids[start:start + 500]))
                                            .order_by(Enrolment.id)):
                    self.enrolments[(e.learner_id, e.course_id)] = e  # the latest on each course


def _row_data(kind: Kind, header: list[str], cells: list[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the record's fields, the enrolment's fields) of one row, converted to the API's types. Columns missing from
    the file are left out (a re-import then leaves those fields as they are); an empty cell is an empty value."""
    record: dict[str, Any] = {}
    history: dict[str, Any] = {}
    for position, name in enumerate(header):
        value = cells[position] if position < len(cells) else None
        if name in kind.columns:
            record[name] = rules.cell_value(value, kind.columns[name])
        elif name in kind.history:
            history[name] = rules.cell_value(value, kind.history[name])
    return record, history


def _resolve(record: dict[str, Any], lookups: _Lookups, number: int, problems: list[Problem]) -> None:
    """A school given by URN becomes its workplace_id (a school of an employer the branch deals with)."""
    if WORKPLACE_URN not in record:
        return
    urn = record.pop(WORKPLACE_URN)
    if urn is None:
        record.setdefault("workplace_id", None)
        return
    found = lookups.schools.get(str(urn).strip())
    if found is None:
        problems.append(Problem(number, WORKPLACE_URN, f"There is no school with URN {urn} at an employer this "
                                                      "branch deals with"))
    elif record.get("workplace_id") not in (None, found):
        problems.append(Problem(number, WORKPLACE_URN, "The URN and the workplace_id name different workplaces: give "
                                                      "one of them"))
    else:
        record["workplace_id"] = found


def _course(history: dict[str, Any], lookups: _Lookups, number: int, problems: list[Problem]) -> None:
    title = history.pop(COURSE_TITLE, None)
    if title is None:
        return
    found = lookups.courses.get(str(title).strip().lower())
    if found is None:
        problems.append(Problem(number, COURSE_TITLE, f"There is no course called {title} in the catalogue: use a "
                                                      "title from the template's list of courses"))
    elif history.get("course_id") not in (None, found):
        problems.append(Problem(number, COURSE_TITLE, "The course title and the course_id name different courses: "
                                                      "give one of them"))
    else:
        history["course_id"] = found


def _problems_of(exc: ServiceError, number: int, header: list[str]) -> list[Problem]:
    """A service's refusal as problems in the user's columns (workplace_id given as workplace_urn, and so on)."""
    renamed = {"workplace_id": WORKPLACE_URN, "course_id": COURSE_TITLE}
    out = []
    for name, messages in (exc.fields or {}).items():
        column = renamed[name] if name in renamed and name not in header and renamed[name] in header else name
        out += [Problem(number, column, str(m)) for m in messages]
    return out or [Problem(number, "", exc.message)]


# --- one row of each kind --------------------------------------------------------------------------
# ``check_*`` (the preview) runs the services' own checks and saves nothing; ``save_*`` (the import) calls the
# services that save, which run the same checks again. Both answer what the row does: new, updated or unchanged.

def _differs(existing: Any, clean: dict[str, Any]) -> bool:
    return any(getattr(existing, f) != value for f, value in clean.items())


def _merged(existing: Any) -> None:
    if getattr(existing, "merged_into_id", None) is not None:
        raise ServiceError(f"The learner with this reference was merged into learner {existing.merged_into_id}: "
                           "give that record the reference instead")


def _check_learner(record, branch, existing, actor, lookups):
    if existing is not None:
        _merged(existing)
    clean = learner_services.check_learner(record, branch_id=branch.id, existing=existing, actor=actor,
                                           known=lookups.facts)
    what = "new" if existing is None else ("updated" if _differs(existing, clean) else "unchanged")
    return existing, what, clean.get("consent_on") if existing is None else None


def _save_learner(record, branch, existing, actor, lookups):
    if existing is not None:
        _merged(existing)
        changed = learner_services.update_learner(existing, record, actor=actor, known=lookups.facts)
        return existing, ("updated" if changed else "unchanged"), None
    # the reference is the branch's own key: a different reference is a different person by the branch's records
    return learner_services.create_learner(record, branch=branch, actor=actor, not_duplicate=True,
                                           known=lookups.facts), "new", None


def _check_rep(record, branch, existing, actor, lookups):
    clean = rep_services.check_rep(record, branch_id=branch.id, existing=existing, actor=actor)
    return existing, ("new" if existing is None else ("updated" if _differs(existing, clean) else "unchanged")), None


def _save_rep(record, branch, existing, actor, lookups):
    if existing is not None:
        return existing, ("updated" if rep_services.update_rep(existing, record, actor=actor) else "unchanged"), None
    return rep_services.create_rep(record, branch=branch), "new", None


def _check_agreement(record, branch, existing, actor, lookups):
    status = record.pop("status", None)
    if existing is None:
        agreement_services.check_agreement(record, branch_id=branch.id, status=status or "draft")
        return None, "new", None
    moves = status is not None and status != existing.status
    clean = agreement_services.check_agreement(record, branch_id=branch.id, existing=existing,
                                               status=status if moves else None)
    return existing, ("updated" if moves or _differs(existing, clean) else "unchanged"), None


def _save_agreement(record, branch, existing, actor, lookups):
    status = record.pop("status", None)
    if status is not None and status not in AGREEMENT_STATUSES:
        raise ValidationFailed("Check the agreement", {"status": ["Choose a status: " + ", ".join(AGREEMENT_STATUSES)]})
    if existing is not None:
        changed = bool(agreement_services.update_agreement(existing, record))
        if status is not None and status != existing.status:
            agreement_services.change_status(existing, status, note="import")
            changed = True
        return existing, ("updated" if changed else "unchanged"), None
    return agreement_services.create_agreement(record, branch=branch, status=status or "draft"), "new", None


#: kind -> (check, save): each (record, branch, existing, actor, lookups) -> (the record or None, what, the consent
#: date of a learner about to be recorded, for their enrolments' checks)
ROW_WORK: dict[str, tuple[Callable[..., tuple[Any, str, Any]], Callable[..., tuple[Any, str, Any]]]] = {
    "learners": (_check_learner, _save_learner), "reps": (_check_rep, _save_rep),
    "agreements": (_check_agreement, _save_agreement)}


# --- a whole run ---------------------------------------------------------------------------------------

def run_import(kind_name: str, content: bytes, fmt: str, branch: Branch, *, actor=None, apply: bool = False,
               progress: Optional[Callable[[int], None]] = None) -> Outcome:
    """Check (``apply`` False: the preview, which saves nothing) or import (``apply`` True) one file for ``branch``.
    With any problem nothing is kept: the session is rolled back. An applied run leaves its changes flushed, for
    the caller to commit (with its audit entry for the run)."""
    kind = KINDS[kind_name]
    outcome = Outcome(kind=kind_name)
    try:
        header, rows, _header_row = read(content, fmt)
    except UnreadableFile as exc:
        outcome.problems = exc.problems
        return outcome
    outcome.rows = len(rows)
    outcome.problems = rules.header_problems(header, kind.all_columns, kind.required, STAND_INS)
    if outcome.problems:
        return outcome
    if apply:
        # every row is checked before anything is written: a file with any problem never starts importing
        half = (lambda p: progress(p // 3)) if progress is not None else None
        checked = _pass(kind, header, rows, branch, actor, Outcome(kind=kind_name, rows=len(rows)), half, apply=False)
        if not checked.ok:
            return checked
        rest = (lambda p: progress(33 + p * 2 // 3)) if progress is not None else None
        outcome.quiet = checked.quiet
        return _pass(kind, header, rows, branch, actor, outcome, rest, apply=True)
    return _pass(kind, header, rows, branch, actor, outcome, progress, apply=False)


def _pass(kind: Kind, header: list[str], rows: list[tuple[int, list[Any]]], branch: Branch, actor, outcome: Outcome,
          progress: Optional[Callable[[int], None]], *, apply: bool) -> Outcome:
    """One pass over the rows: checking them (the services' checks, nothing saved) or saving them (the services
    that save, which check again; rows the check found would change nothing are left alone). A save pass that
    finds any problem is rolled back as a whole."""
    lookups = _Lookups(kind, branch)
    work = ROW_WORK[kind.name][1 if apply else 0]
    # reference -> (its first row, that row's fields, the record or None, a new learner's consent date, whether
    # the first row changes nothing)
    seen: dict[str, tuple[int, dict[str, Any], Any, Any, bool]] = {}
    problems = outcome.problems
    try:
        with db.session.no_autoflush:
            for done, (number, cells) in enumerate(rows, start=1):
                if progress is not None and done % PROGRESS_EVERY == 0:
                    progress(rules.percent(done, len(rows)))
                _row(kind, header, number, cells, branch, actor, outcome, lookups, work, seen, apply)
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        problems.append(Problem(0, "", "Someone changed these records while the file was being imported: nothing "
                                       "was imported. Try again"))
        return outcome
    if progress is not None:
        progress(96)
    problems.sort(key=lambda p: (p.row, p.column))
    if apply and not problems:
        db.session.flush()
        outcome.applied = True
    elif apply:
        db.session.rollback()
    return outcome


def _row(kind: Kind, header: list[str], number: int, cells: list[Any], branch: Branch, actor, outcome: Outcome,
         lookups: _Lookups, work, seen: dict, apply: bool) -> None:
    problems = outcome.problems
    record, history = _row_data(kind, header, cells)
    has_history = bool(kind.history) and any(value is not None for value in history.values())
    reference = record.get("reference")
    if reference is None:
        problems.append(Problem(number, "reference", "Enter the branch's reference for this row: imports find the "
                                                     "record again by it"))
        return
    before = len(problems)
    _resolve(record, lookups, number, problems)
    if kind.history:
        _course(history, lookups, number, problems)
    if len(problems) > before:
        return
    again = seen.get(reference)
    if apply and number in outcome.quiet:  # the check found that saving it would change nothing
        if again is None:
            outcome.count("unchanged")
            seen[reference] = (number, record, lookups.existing.get(reference), None, True)
        if has_history:
            outcome.count("unchanged", "enrolments_")
        return
    if again is not None:
        first_row, first_fields, found, consent_on, quiet = again
        if not kind.history:
            problems.append(Problem(number, "reference", f"The reference {reference} is on row {first_row} too: each "
                                                         "row needs its own reference"))
            return
        # a learner's later rows carry more of their enrolment history; their learner columns repeat the first
        # row's or are left empty
        for column in rules.conflicting_repeat(first_fields, record):
            problems.append(Problem(number, column, f"This says something else than row {first_row} of the same "
                                                    f"learner ({reference}): leave it empty or make them the same"))
        if found is None and consent_on is None and first_fields.get("_failed"):
            return
    else:
        try:
            found, what, consent_on = work(dict(record), branch, lookups.existing.get(reference), actor, lookups)
        except ServiceError as exc:
            problems.extend(_problems_of(exc, number, header))
            seen[reference] = (number, {**record, "_failed": True}, None, None, False)
            return
        outcome.count(what)
        quiet = what == "unchanged"
        seen[reference] = (number, record, found, consent_on, quiet)
    if has_history:
        quiet = _history(found, consent_on, history, lookups, number, header, outcome, actor, apply) == "unchanged" \
            and quiet
    if not apply and quiet and len(problems) == before:
        outcome.quiet.add(number)


def _history(learner: Optional[Learner], consent_on: Any, history: dict[str, Any], lookups: _Lookups, number: int,
             header: list[str], outcome: Outcome, actor, apply: bool) -> Optional[str]:
    """One enrolment of a learner's history: checked (preview) or recorded (import). Returns what it does (new,
    updated, unchanged), or None for a problem."""
    course_id = history.get("course_id")
    existing = (lookups.enrolments.get((learner.id, course_id)) if learner is not None and learner.id is not None
                and isinstance(course_id, int) else None)
    try:
        if apply:
            enrolment, changes = learner_services.record_enrolment_history(learner, history, existing=existing,
                                                                           actor=actor)
            if existing is None:
                lookups.enrolments[(learner.id, enrolment.course_id)] = enrolment
        else:
            values, _course_row = learner_services.check_enrolment_history(learner, history, consent_on=consent_on)
            changes = values if existing is None else _differs(existing, values)
    except ServiceError as exc:
        outcome.problems.extend(_problems_of(exc, number, header))
        return None
    what = "new" if existing is None else ("updated" if changes else "unchanged")
    outcome.count(what, "enrolments_")
    return what


# --- import runs (the pages) ------------------------------------------------------------------------------

def max_bytes() -> int:
    """The largest file accepted (``IMPORT_MAX_BYTES``, default rules.MAX_BYTES)."""
    return int(current_app.config.get("IMPORT_MAX_BYTES") or rules.MAX_BYTES)


def imports_folder() -> Path:
    return Path(current_app.instance_path) / "imports"


def file_path(run: ImportRun) -> Path:
    root = imports_folder().resolve()
    path = (Path(current_app.instance_path) / (run.stored_as or "")).resolve()
    if root not in path.parents:
        raise FileNotFoundError(run.stored_as)
    return path


def start_run(kind: str, filename: Any, content: bytes, branch: Branch, user) -> ImportRun:
    """Keep an uploaded file for ``branch`` and queue its check (the preview). Flushes, never commits. Refuses
    (ValidationFailed on ``file``), with nothing saved, a file that cannot be an import at all."""
    if kind not in KINDS:
        raise ValidationFailed("Choose what to import", {"kind": ["Choose what to import"]})
    fmt, problem = rules.file_format(filename, content, max_bytes())
    if problem:
        raise ValidationFailed("Check the file", {"file": [problem]})
    try:  # a file that cannot be read, or whose columns are wrong, is refused here, before anything is kept
        header, _rows, _header_row = read(content, fmt)
    except UnreadableFile as exc:
        raise ValidationFailed("Check the file", {"file": [p.message for p in exc.problems]}) from None
    spec = KINDS[kind]
    wrong = rules.header_problems(header, spec.all_columns, spec.required, STAND_INS)
    if wrong:
        raise ValidationFailed("Check the file", {"file": [f"Column {p.column}: {p.message}" if p.column else p.message
                                                          for p in wrong]})
    name = Path(filename.replace("\\", "/")).name[:200] or f"import.{fmt}"
    digest = hashlib.sha256(content).hexdigest()
    run = ImportRun(branch_id=branch.id, kind=kind, status="checking", original_name=name, file_format=fmt,
                    size_bytes=len(content), sha256=digest, created_by_id=user.id, counts={}, problems=[])
    db.session.add(run)
    db.session.flush()
    relative = Path("imports") / f"{run.id}-{digest[:16]}.{fmt}"
    target = Path(current_app.instance_path) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_on_rollback(target)
    target.write_bytes(content)
    run.stored_as = str(relative)
    job = enqueue(db.session, "import_check", {"run_id": run.id, "user_id": user.id},
                  title=f"Check of {name} ({rules.KINDS[kind].lower()})", user_id=user.id)
    run.job_id = job.id
    db.session.flush()
    return run


def confirm_run(run: ImportRun, user) -> ImportRun:
    """Queue the import of a checked run (the same checks run again as it imports). Flushes, never commits."""
    if run.status != "checked":
        raise Conflict("This file cannot be imported now: " + ("it was imported already" if run.status == "done"
                                                              else "upload it again"))
    run.status, run.progress = "importing", 0
    job = enqueue(db.session, "import_apply", {"run_id": run.id, "user_id": user.id},
                  title=f"Import of {run.original_name} ({rules.KINDS[run.kind].lower()})", user_id=user.id)
    run.job_id = job.id
    db.session.flush()
    return run


def do_run(run_id: int, user, *, apply: bool, progress: Callable[[int], None]) -> tuple[ImportRun, Outcome]:
    """The work of a check or import job: run the file, then record the outcome on the run (and, for an import,
    one audit entry for the whole run; the file is deleted once imported or refused). Leaves everything flushed
    for the job to commit."""
    run = db.session.get(ImportRun, run_id)
    if run is None:
        raise ServiceError("This import no longer exists.")
    branch = db.session.get(Branch, run.branch_id)
    try:
        content = file_path(run).read_bytes()
    except (FileNotFoundError, OSError):
        raise ServiceError("The uploaded file is no longer kept: upload it again.") from None
    kind, name = run.kind, run.original_name
    outcome = run_import(kind, content, run.file_format, branch, actor=user, apply=apply, progress=progress)
    if not outcome.applied:
        db.session.rollback()  # (a check, or an import that found problems: nothing of it is kept)
    run = db.session.get(ImportRun, run_id)
    run.row_count, run.counts = outcome.rows, dict(outcome.counts)
    run.problems = [p.as_dict() for p in outcome.problems]
    run.progress = 100
    if not apply:
        run.status, run.checked_at = ("checked" if outcome.ok else "problems"), utcnow()
    else:
        run.status, run.imported_at = ("done" if outcome.applied else "refused"), utcnow()
        audit.record(db.session, "import" if outcome.applied else "import_refused", run,
                     summary=(f"Imported {rules.KINDS[kind].lower()} from {name}: "
                              if outcome.applied else f"Refused the import of {rules.KINDS[kind].lower()} from {name} "
                              f"({len(outcome.problems)} problems): would have been ")
                     + rules.counts_text(outcome.counts, kind),
                     changes={"branch_id": (None, run.branch_id), "rows": (None, outcome.rows),
                              **{k: (None, n) for k, n in outcome.counts.items()},
                              "problems": (None, len(outcome.problems))})
        _forget_file(run)
    if not outcome.ok and not apply:
        _forget_file(run)  # a file with problems is never imported: it is not kept
    db.session.flush()
    return run, outcome


def fail_run(run_id: int) -> None:
    """A check or import that could not finish (its job failed): nothing of it was kept; the run says so and its
    file is deleted. Flushes, never commits."""
    run = db.session.get(ImportRun, run_id)
    if run is not None and run.status in ("checking", "importing"):
        run.status = "failed"
        _forget_file(run)
        db.session.flush()


def record_cli_run(kind: str, filename: str, branch: Branch, outcome: Outcome) -> None:
    """The one audit entry of an import from the command line (the records' own entries come from the services)."""
    audit.record(db.session, "import", None, object_type="branch", object_id=branch.id,
                 summary=f"Imported {rules.KINDS[kind].lower()} from {Path(filename).name[:120]} (command line): "
                         + rules.counts_text(outcome.counts, kind),
                 changes={"rows": (None, outcome.rows), **{k: (None, n) for k, n in outcome.counts.items()}})


#: an uploaded file not imported is deleted this many days after its upload (``flask retention``)
UNIMPORTED_FILE_DAYS = 30


def forget_unimported_files(today, *, apply: bool) -> list[ImportRun]:
    """The import runs whose uploaded file (personal data, kept in the instance folder until it is imported)
    is still on disk :data:`UNIMPORTED_FILE_DAYS` days after the upload; with ``apply``, each file is deleted
    and a run still waiting to be imported is marked ``expired`` (it can no longer be imported). Flushes,
    never commits."""
    from datetime import datetime, time, timedelta, timezone

    before = datetime.combine(today - timedelta(days=UNIMPORTED_FILE_DAYS), time.min, tzinfo=timezone.utc)
    runs = list(db.session.scalars(select(ImportRun).where(
        ImportRun.stored_as.is_not(None), ImportRun.created_at < before,
        ImportRun.status.not_in(("checking", "importing"))).order_by(ImportRun.id)))
    if apply:
        for run in runs:
            _forget_file(run)
            if run.status == "checked":
                run.status = "expired"
        db.session.flush()
    return runs


def _forget_file(run: ImportRun) -> None:
    if run.stored_as:
        try:
            file_path(run).unlink(missing_ok=True)
        except (FileNotFoundError, OSError):
            pass
        run.stored_as = None


def analyse() -> None:
    """After a big import on PostgreSQL, bring the planner's statistics up to date (README: bulk loads ANALYZE)."""
    if db.engine.dialect.name == "postgresql":
        for table in ("learner", "enrolment", "rep", "agreement"):
            db.session.execute(db.text(f"ANALYZE {table}"))


__all__ = ["KINDS", "Kind", "Outcome", "analyse", "confirm_run", "do_run", "fail_run", "file_path", "imports_folder",
           "record_cli_run", "run_import", "start_run"]


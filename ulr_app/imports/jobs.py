"""The background jobs of an import: ``import_check`` (the preview) and ``import_apply`` (the import itself).

Both run the file through :func:`services.run_import` in one transaction (core.jobs commits it with the job's
own row, or the check's rollback leaves nothing), keep their progress where the page can read it while the
transaction is open (:mod:`.progress`), and leave as the job's file a CSV report: every row's problems, or the
counts.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, g, has_request_context

from ..accounts.models import User
from ..core.csvio import to_csv
from ..core.errors import ServiceError
from ..core.jobs import JobResult, job_kind
from ..extensions import db
from . import progress as live
from . import rules, services


def _report(run, outcome) -> bytes:
    rows: list[list[Any]] = [[p.row or "", p.column, p.message] for p in outcome.problems]
    if not rows:
        rows = [["", "", f"{outcome.rows} rows: {rules.counts_text(outcome.counts, run.kind)}"]]
    return to_csv(["row", "column", "problem"], rows)


def _work(params: dict[str, Any], job_progress, *, apply: bool) -> JobResult:
    user = db.session.get(User, params.get("user_id") or 0)
    if user is None or not getattr(user, "active", True):
        raise ServiceError("The person who uploaded this file can no longer sign in, so it was not imported.")
    run_id = int(params.get("run_id") or 0)
    job_progress(5)  # (committed: nothing of the import is in the session yet)
    live.set_progress(run_id, 5)

    def work() -> JobResult:
        g.audit_actor = user
        run, outcome = services.do_run(run_id, user, apply=apply, progress=lambda p: live.set_progress(run_id, p))
        if outcome.applied:
            services.analyse()
        live.set_progress(run_id, 100)  # (until the job commits, the run's row still says it is working)
        name = f"import-{'result' if apply else 'check'}-{run.id}.csv"
        return JobResult(_report(run, outcome), name, "text/csv")

    try:
        if has_request_context():
            return work()
        with current_app.test_request_context("/"):
            return work()
    except Exception:
        # nothing of the import is kept (core.jobs records the job's failure); the run says so and its file goes
        db.session.rollback()
        services.fail_run(run_id)
        db.session.commit()
        raise


@job_kind("import_check")
def import_check(params: dict[str, Any], progress) -> JobResult:
    return _work(params, progress, apply=False)


@job_kind("import_apply")
def import_apply(params: dict[str, Any], progress) -> JobResult:
    return _work(params, progress, apply=True)


__all__ = ["import_apply", "import_check"]

"""Page permission expectations for the background-job pages, merged into tests/test_permissions.py EXPECTED.

endpoint -> (methods, roles allowed, resolver(world, role_key) -> (in-scope kwargs, out-of-scope kwargs
or None), public?). A job belongs to the user who asked for it: in scope is a finished job of the
user's own; out of scope, another user's, for every role (administrators included: 404).
"""
from __future__ import annotations

import hashlib

ALL = frozenset({"admin", "regional_organiser", "branch_convenor", "learning_rep"})

#: whose job is "someone else's" for each role
OTHER = {"admin": "organiser_b", "organiser_a": "convenor_a1", "convenor_a1": "organiser_a", "ulr_a1": "convenor_a1"}


def make_done_job(user, content: bytes = b"Quarterly return\r\n", name: str = "quarterly-return.csv",
                  content_type: str = "text/csv; charset=utf-8"):
    """A finished job of ``user`` with its file kept under the instance folder (committed)."""
    from pathlib import Path

    from flask import current_app

    from ulr_app.core.jobs import Job
    from ulr_app.core.models import utcnow
    from ulr_app.extensions import db

    job = Job(kind="report_file", params={"report": "funding", "params": {}, "format": "csv", "user_id": user.id},
              title="Quarterly return (CSV)", user_id=user.id, status="done", progress=100, attempts=1,
              started_at=utcnow(), finished_at=utcnow())
    db.session.add(job)
    db.session.flush()
    digest = hashlib.sha256(content).hexdigest()
    relative = Path("jobs") / str(job.id) / f"{digest[:12]}-{name}"
    target = Path(current_app.instance_path) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    job.result_path, job.result_name, job.result_type, job.result_sha256 = str(relative), name, content_type, digest
    db.session.commit()
    return job


def _jobs(w, role_key):
    mine = make_done_job(getattr(w.users, role_key))
    theirs = make_done_job(getattr(w.users, OTHER[role_key]))
    return {"job_id": mine.id}, {"job_id": theirs.id}


PAGES: dict = {
    "jobs.jobs": (("GET",), ALL, None, False),
    "jobs.job": (("GET",), ALL, _jobs, False),
    "jobs.status": (("GET",), ALL, _jobs, False),
    "jobs.download": (("GET",), ALL, _jobs, False),
    "jobs.retry": (("POST",), ALL, _jobs, False),
}

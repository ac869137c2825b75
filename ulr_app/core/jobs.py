"""Background jobs: anything that may take seconds (a report's PDF or XLSX, an end-of-project
summary, an export) runs outside the request.

A job is a row (:class:`Job`) and a registered *kind*: a function ``(params, progress) ->
JobResult`` that makes a file. :func:`enqueue` records the job; once the transaction that recorded
it commits, the job starts: on **RQ with Redis** when ``REDIS_URL`` is set (``flask --app ulr_app
worker`` runs a worker beside gunicorn), otherwise in a **thread in this process** (the embedded
default). Either way :func:`run` does the work, so both paths behave the same: the row shows
progress, the finished file is kept under the instance folder with its SHA-256, and a failure is
recorded in plain words and can be retried.

Who may download a job's file is decided by the view: only the user who asked for it.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from .errors import ServiceError
from .jobs_models import JOB_STATUSES, Job
from .models import utcnow

log = logging.getLogger(__name__)

QUEUE_NAME = "ulr-reports"
#: what an RQ worker runs for a job: outside the layers, as it may have to build the app (ulr_app.worker)
QUEUE_ENTRY = "ulr_app.worker.run_from_queue"
FAILED_MESSAGE = "The file could not be made. Try again; if it fails again, tell an administrator."


@dataclass(frozen=True)
class JobResult:
    content: bytes
    filename: str
    content_type: str


#: kind -> function(params, progress) -> JobResult; ``progress(percent)`` records how far it got
KINDS: dict[str, Callable[[dict[str, Any], Callable[[int], None]], JobResult]] = {}


def job_kind(name: str):
    """Register the function that does one kind of job."""

    def decorator(fn):
        if name in KINDS and KINDS[name] is not fn:
            raise ValueError(f"job kind {name} registered twice")
        KINDS[name] = fn
        return fn

    return decorator


def enqueue(session, kind: str, params: dict[str, Any], *, title: str, user_id: Optional[int]) -> Job:
    """Record a job; it starts once ``session`` commits. Flushes, never commits."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind}")
    job = Job(kind=kind, params=dict(params), title=title[:200], user_id=user_id, status="queued")
    session.add(job)
    session.flush()
    session.info.setdefault("jobs_to_start", []).append(job.id)
    return job


def retry(session, job: Job) -> Job:
    """Start a failed job again. Flushes, never commits."""
    job.status, job.progress, job.message = "queued", 0, None
    job.result_path = job.result_name = job.result_type = job.result_sha256 = None
    job.started_at = job.finished_at = None
    session.flush()
    session.info.setdefault("jobs_to_start", []).append(job.id)
    return job


@event.listens_for(Session, "after_commit")
def _start_after_commit(session: Session) -> None:
    ids = session.info.pop("jobs_to_start", None)
    if ids and has_app_context():
        for job_id in ids:
            dispatch(job_id)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("jobs_to_start", None)


def uses_queue(app: Optional[Flask] = None) -> bool:
    app = app or current_app
    return bool(app.config.get("REDIS_URL")) and not app.config.get("JOBS_IN_PROCESS")


def queue(app: Optional[Flask] = None):
    from redis import Redis
    from rq import Queue

    app = app or current_app
    return Queue(QUEUE_NAME, connection=Redis.from_url(app.config["REDIS_URL"]))


#: threads started in this process (tests wait for them)
_threads: list[threading.Thread] = []


def dispatch(job_id: int) -> None:
    """Hand a committed job to RQ, or to a thread of this process."""
    app = current_app._get_current_object()
    if uses_queue(app):
        queue(app).enqueue(QUEUE_ENTRY, job_id, job_timeout=600,
                           description=f"job {job_id}")
        return
    thread = threading.Thread(target=_run_in_thread, args=(app, job_id), name=f"job-{job_id}", daemon=True)
    _threads.append(thread)
    thread.start()


def _run_in_thread(app: Flask, job_id: int) -> None:
    with app.app_context():
        run(job_id)


def wait_for_threads(timeout: float = 60) -> None:
    """Wait for the in-process jobs started so far (tests, and the CLI before it exits)."""
    while _threads:
        _threads.pop().join(timeout)


def run(job_id: int) -> Optional[Job]:
    """Do one job: make its file, keep it, record the outcome. Commits (it is its own unit of work)."""

    session = db.session
    job = session.get(Job, job_id)
    if job is None or job.status not in ("queued", "running"):
        session.rollback()
        return job
    job.status, job.progress, job.started_at, job.attempts = "running", 5, utcnow(), job.attempts + 1
    kind = job.kind
    session.commit()

    def progress(percent: int) -> None:
        job.progress = max(0, min(99, int(percent)))
        session.commit()

    try:
        result = KINDS[job.kind](dict(job.params or {}), progress)
        digest = hashlib.sha256(result.content).hexdigest()
        relative = Path("jobs") / str(job.id) / f"{digest[:12]}-{Path(result.filename).name}"
        target = Path(current_app.instance_path) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(result.content)
        job.result_path, job.result_name, job.result_type = str(relative), result.filename, result.content_type
        job.result_sha256, job.status, job.progress, job.finished_at = digest, "done", 100, utcnow()
        session.commit()
    except Exception as exc:  # noqa: BLE001 - any failure is recorded for the user, in plain words

        log.exception("job %s (%s) failed", job_id, kind)
        # a ServiceError's message is written for users ("You cannot see that project"); anything
        # else may hold internals, so the user gets the general message
        message = exc.message if isinstance(exc, ServiceError) and exc.message else FAILED_MESSAGE
        session.rollback()
        job = session.get(Job, job_id)
        if job is None:  # the job itself was deleted while it ran (its user removed): nothing left to record
            log.warning("job %s (%s) was deleted while it ran", job_id, kind)
            return None
        job.status, job.message, job.finished_at = "failed", message, utcnow()
        session.commit()
    return job


# --- tasks: background work with no file and no row of its own (sending the e-mail outbox) --------

#: name -> function() that does it; it commits its own work
TASKS: dict[str, Callable[[], Any]] = {}
#: what an RQ worker runs for a task (ulr_app.worker)
TASK_ENTRY = "ulr_app.worker.run_task_from_queue"


def task(name: str):
    """Register a task: background work that reads what to do from the database (so running it twice is
    harmless) and commits its own changes."""

    def decorator(fn):
        if name in TASKS and TASKS[name] is not fn:
            raise ValueError(f"task {name} registered twice")
        TASKS[name] = fn
        return fn

    return decorator


def start_task(name: str, *, delay_seconds: float = 0, in_process: bool = False) -> str:
    """Run task ``name`` in the background, after ``delay_seconds``: on RQ when Redis is configured
    ("queue"; a delay needs the worker's scheduler, which ``flask worker`` runs), otherwise (or with
    ``in_process``: no worker is listening) in a thread of this process ("thread": :func:`wait_for_threads`
    waits for it)."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name}")
    app = current_app._get_current_object()
    if uses_queue(app) and not in_process:
        from datetime import timedelta

        q = queue(app)
        if delay_seconds > 0:
            q.enqueue_in(timedelta(seconds=delay_seconds), TASK_ENTRY, name, job_timeout=3600, description=f"task {name}")
        else:
            q.enqueue(TASK_ENTRY, name, job_timeout=3600, description=f"task {name}")
        return "queue"
    thread = threading.Thread(target=_run_task_in_thread, args=(app, name, delay_seconds), name=f"task-{name}",
                              daemon=True)
    _threads.append(thread)
    thread.start()
    return "thread"


def _run_task_in_thread(app: Flask, name: str, delay_seconds: float) -> None:
    if delay_seconds > 0:
        import time

        time.sleep(delay_seconds)
    with app.app_context():
        run_task(name)


def run_task(name: str) -> None:
    try:
        TASKS[name]()
    except Exception:  # noqa: BLE001 - a task records its own failures; anything else goes to the log
        log.exception("task %s failed", name)
        db.session.rollback()


#: how long the worker's command listener waits for a message before it looks whether it should stop
COMMAND_POLL_SECONDS = 1


def worker(queues, connection):
    """An RQ worker that runs jobs in its own process (no fork: the app and its database pool are set up once).

    RQ listens for commands (stop, kill) on a Redis channel in a thread that waits 60 s per poll, and when the
    worker stops it waits for that thread: a burst run (`flask worker --burst`, the tests) sat for up to a minute
    after the queue was empty. This one polls every second, so it stops within one."""
    from rq import SimpleWorker

    class Worker(SimpleWorker):
        def subscribe(self):
            self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
            self.pubsub = self.connection.pubsub()
            self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
            self.pubsub_thread = self.pubsub.run_in_thread(sleep_time=COMMAND_POLL_SECONDS, daemon=True,
                                                           exception_handler=self._pubsub_exception_handler)

    return Worker(queues, connection=connection)


def workers_listening(app: Optional[Flask] = None) -> int:
    """How many RQ workers listen on the queue (0 in the embedded default, with no Redis)."""
    app = app or current_app
    if not uses_queue(app):
        return 0
    from redis.exceptions import RedisError
    from rq import Worker

    try:
        return Worker.count(queue=queue(app))
    except (RedisError, OSError):
        log.warning("Redis does not answer: no worker can take the task, so this process does it")
        return 0


def path_of(job: Job) -> Path:
    root = (Path(current_app.instance_path) / "jobs").resolve()
    path = (Path(current_app.instance_path) / (job.result_path or "")).resolve()
    if root not in path.parents:
        raise FileNotFoundError(job.result_path)
    return path


__all__ = ["JOB_STATUSES", "FAILED_MESSAGE", "Job", "JobResult", "KINDS", "TASKS", "dispatch", "enqueue", "job_kind",
           "path_of", "queue", "retry", "run", "run_task", "start_task", "task", "uses_queue", "wait_for_threads",
           "worker", "workers_listening"]

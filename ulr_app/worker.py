"""What an RQ worker runs for a background job (core.jobs enqueues it by name). It sits outside the
domain layers, beside the app factory, because a worker started without ``flask --app ulr_app worker``
has to build the app first."""
from __future__ import annotations

from flask import has_app_context

from . import create_app
from .core import jobs


def run_from_queue(job_id: int) -> None:
    """What an RQ worker runs: inside the worker's app context (``flask worker``), or a new app."""
    if has_app_context():
        jobs.run(job_id)
        return
    with create_app().app_context():
        jobs.run(job_id)


def run_task_from_queue(name: str) -> None:
    """What an RQ worker runs for a task (core.jobs.start_task): sending the e-mail outbox."""
    if has_app_context():
        jobs.run_task(name)
        return
    with create_app().app_context():
        jobs.run_task(name)

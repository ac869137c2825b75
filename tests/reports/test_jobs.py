"""Report files made in the background: in a thread of this process, or on RQ with Redis, and the
job pages (only for the user who asked)."""
from __future__ import annotations

import hashlib
import io
import json
import os
from datetime import date

import pytest
from sqlalchemy import func, select

from ulr_app.core import jobs as core_jobs
from ulr_app.core.errors import ServiceError, ValidationFailed
from ulr_app.core.jobs import FAILED_MESSAGE, Job
from ulr_app.extensions import db
from ulr_app.reports.document import ReportDocument, Section, Table, report_builder
from ulr_app.reports.jobs import start_report_job

from .jobs_permissions import make_done_job

REDIS_URL = os.environ.get("ULR_TEST_REDIS_URL") or "redis://127.0.0.1:6379/14"

#: what the fake builder does next: None (build), or an exception to raise
BEHAVIOUR: dict = {"raise": None, "calls": []}


@report_builder("jobs_test_fake", title="Test report")
def fake_builder(params, user) -> ReportDocument:
    BEHAVIOUR["calls"].append((dict(params), user.id))
    if BEHAVIOUR["raise"] is not None:
        raise BEHAVIOUR["raise"]
    rows = [[name, n] for name, n in params.get("rows", [["=1+1", -5], ["Barnet", 12]])]
    return ReportDocument("Test report", f"Branch of {user.name}", params.get("period", "FY2026-Q3"), date(2026, 12, 7),
                          [Section("Figures", tables=[Table("Counts", ["Name", "Count"], rows)])],
                          f"test report {params.get('period', 'FY2026-Q3')}")


@pytest.fixture(autouse=True)
def _in_process(app, monkeypatch):
    """Jobs run in a thread here unless a test points REDIS_URL at the test Redis."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    BEHAVIOUR["raise"] = None
    BEHAVIOUR["calls"].clear()
    yield
    core_jobs.wait_for_threads()


def _job(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _finish(job: Job) -> Job:
    db.session.commit()  # the job starts once the transaction that recorded it commits
    core_jobs.wait_for_threads()
    return _job(job.id)


# --- the thread path, end to end ------------------------------------------------------------------

@pytest.mark.parametrize("fmt, content_type, start", [
    ("csv", "text/csv; charset=utf-8", "\ufeffTest report".encode()),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
    ("pdf", "application/pdf", b"%PDF"),
])
def test_a_report_file_is_made_in_a_thread(app, world, login_as, fmt, content_type, start):
    job = start_report_job("jobs_test_fake", {"period": "FY2026-Q3"}, fmt, world.users.convenor_a1)
    assert job.status == "queued" and job.title == f"Test report ({ {'csv': 'CSV', 'xlsx': 'Spreadsheet (XLSX)', 'pdf': 'PDF'}[fmt]})"
    job = _finish(job)
    assert job.status == "done", job.message
    assert job.progress == 100 and job.attempts == 1
    assert job.result_name == f"test-report-fy2026-q3.{fmt}"
    assert job.result_type == content_type
    content = core_jobs.path_of(job).read_bytes()
    assert content.startswith(start)
    assert job.result_sha256 == hashlib.sha256(content).hexdigest()
    assert BEHAVIOUR["calls"] == [({"period": "FY2026-Q3"}, world.users.convenor_a1.id)]

    owner = login_as("convenor_a1")
    response = owner.get(f"/jobs/{job.id}/download")
    assert response.status_code == 200
    assert response.data == content
    assert response.headers["Content-Disposition"] == f"attachment; filename=test-report-fy2026-q3.{fmt}"
    assert response.mimetype == content_type.split(";")[0]
    response.close()
    # the download of the file is recorded as an export (issue 14 item 7); the refused ones below are not
    from ulr_app.core.audit_models import AuditEntry

    db.session.expire_all()
    exported = select(AuditEntry).where(AuditEntry.action == "export", AuditEntry.object_type == "job",
                                        AuditEntry.object_id == job.id)
    entry = db.session.scalars(exported).one()
    assert entry.actor_id == world.users.convenor_a1.id and entry.changes["format"] == fmt
    for other in ("convenor_a2", "admin", "organiser_a"):
        assert login_as(other).get(f"/jobs/{job.id}/download").status_code == 404, other
    db.session.expire_all()
    assert len(db.session.scalars(exported).all()) == 1


def test_a_job_started_by_a_request_runs_after_its_commit(app, world, login_as):
    """A report page's POST enqueues; the request boundary commits; the thread then runs it."""
    client = login_as("ulr_a1")
    with app.test_request_context("/"):
        job = start_report_job("jobs_test_fake", {}, "csv", world.users.ulr_a1)
        db.session.rollback()  # a transaction that rolls back starts nothing
    core_jobs.wait_for_threads()
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    job = start_report_job("jobs_test_fake", {}, "csv", world.users.ulr_a1)
    job = _finish(job)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Ready" in page and "test-report-fy2026-q3.csv" in page and job.result_sha256 in page
    assert f'href="/jobs/{job.id}/download"' in page


def test_a_failing_builder_fails_the_job_in_plain_words_then_retry_after_the_fix(app, world, login_as):
    BEHAVIOUR["raise"] = RuntimeError("division by zero in figures.py line 12")
    job = _finish(start_report_job("jobs_test_fake", {}, "xlsx", world.users.convenor_a1))
    assert job.status == "failed"
    assert job.message == FAILED_MESSAGE  # not the internals
    assert job.result_path is None

    client = login_as("convenor_a1")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Failed" in page and "The file could not be made." in page and "Try again" in page
    assert "division by zero" not in page
    assert client.get(f"/jobs/{job.id}/download").status_code == 404
    state = client.get(f"/jobs/{job.id}/status.json").json
    assert state["status"] == "failed" and state["finished"] and state["message"] == FAILED_MESSAGE

    # without the form's token nothing happens
    assert client.post(f"/jobs/{job.id}/retry").status_code == 400
    assert _job(job.id).status == "failed"

    BEHAVIOUR["raise"] = None  # fixed
    response = client.submit(f"/jobs/{job.id}/retry", page=f"/jobs/{job.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/jobs/{job.id}")
    core_jobs.wait_for_threads()
    job = _job(job.id)
    assert job.status == "done" and job.attempts == 2 and job.message is None
    response = client.get(f"/jobs/{job.id}/download")
    assert response.status_code == 200
    response.close()


def test_a_job_deleted_while_it_runs_ends_quietly(app, world, monkeypatch):
    """A job whose row goes while it runs (its user removed, which deletes their jobs) records nothing and
    raises nothing in its thread; before, the failure handler itself failed on the vanished row."""
    from ulr_app.core.jobs_models import Job as JobRow

    job = start_report_job("jobs_test_fake", {}, "csv", world.users.convenor_a1)
    db.session.commit()
    core_jobs.wait_for_threads()
    job_id = job.id
    db.session.execute(db.update(JobRow).where(JobRow.id == job_id).values(status="queued"))
    db.session.commit()

    def vanish(params, progress):
        db.session.execute(db.delete(JobRow).where(JobRow.id == job_id))
        db.session.commit()
        raise RuntimeError("its records are gone")

    monkeypatch.setitem(core_jobs.KINDS, job.kind, vanish)
    assert core_jobs.run(job_id) is None
    db.session.expire_all()
    assert db.session.get(JobRow, job_id) is None


def test_a_builder_refusal_is_shown_as_its_own_words(app, world):
    BEHAVIOUR["raise"] = ServiceError("You cannot see that project.")
    job = _finish(start_report_job("jobs_test_fake", {}, "csv", world.users.convenor_a1))
    assert job.status == "failed" and job.message == "You cannot see that project."


def test_a_job_whose_user_is_disabled_is_not_made(app, world):
    job = start_report_job("jobs_test_fake", {}, "csv", world.users.convenor_a1)
    world.users.convenor_a1.active = False
    job = _finish(job)
    assert job.status == "failed" and "can no longer sign in" in job.message
    assert BEHAVIOUR["calls"] == []


@pytest.mark.parametrize("report, params, fmt, message", [
    ("no_such_report", {}, "csv", "There is no report called no_such_report."),
    ("jobs_test_fake", {}, "docx", "Choose PDF, XLSX or CSV."),
    ("jobs_test_fake", {"on": date(2026, 1, 1)}, "csv", "The report's settings could not be saved for later."),
])
def test_start_report_job_refuses_bad_input_and_saves_nothing(app, world, report, params, fmt, message):
    with pytest.raises(ValidationFailed) as caught:
        start_report_job(report, params, fmt, world.users.convenor_a1)
    assert caught.value.message == message
    db.session.commit()
    core_jobs.wait_for_threads()
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_only_a_failed_job_is_tried_again(app, world, login_as):
    job = make_done_job(world.users.convenor_a1)
    client = login_as("convenor_a1")
    response = client.submit(f"/jobs/{job.id}/retry", page=f"/jobs/{job.id}")
    assert response.status_code == 302
    assert "nothing to try again" in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert _job(job.id).attempts == 1 and _job(job.id).status == "done"


# --- the pages ------------------------------------------------------------------------------------

def test_status_json_while_waiting_and_when_done(app, world, login_as):
    waiting = Job(kind="report_file", params={}, title="Test report (PDF)", user_id=world.users.convenor_a1.id,
                  status="running", progress=45)
    db.session.add(waiting)
    db.session.commit()
    client = login_as("convenor_a1")
    state = client.get(f"/jobs/{waiting.id}/status.json").json
    assert state == {"id": waiting.id, "title": "Test report (PDF)", "status": "running", "status_label": "Being made",
                     "progress": 45, "finished": False, "message": None, "download_url": None, "filename": None,
                     "size": None, "size_label": "", "sha256": None, "made": "", "missing": False}
    page = client.get(f"/jobs/{waiting.id}").get_data(as_text=True)
    assert '<progress id="job-progress" class="govuk-!-width-full" max="100" value="45">' in page
    assert "45% done" in page and 'aria-live="polite"' in page and "Check again" in page
    assert "/static/js/job-progress.js" in page and "<script>" not in page and "style=" not in page

    done = make_done_job(world.users.convenor_a1, content=b"x" * 2048)
    state = client.get(f"/jobs/{done.id}/status.json").json
    assert state["status"] == "done" and state["finished"] and state["progress"] == 100
    assert state["download_url"] == f"/jobs/{done.id}/download"
    assert state["size"] == 2048 and state["size_label"] == "2.0 KB"
    assert state["sha256"] == hashlib.sha256(b"x" * 2048).hexdigest()
    assert state["made"] and state["made"] in client.get(f"/jobs/{done.id}").get_data(as_text=True)  # when it was made


def test_a_done_job_whose_file_is_gone(app, world, login_as):
    job = make_done_job(world.users.convenor_a1)
    core_jobs.path_of(job).unlink()
    client = login_as("convenor_a1")
    assert client.get(f"/jobs/{job.id}/download").status_code == 404
    assert "can no longer be found" in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert client.get(f"/jobs/{job.id}/status.json").json["missing"] is True


def test_a_job_path_outside_the_jobs_folder_is_never_sent(app, world, login_as):
    job = make_done_job(world.users.convenor_a1)
    job.result_path = "../../../../etc/passwd"
    db.session.commit()
    assert login_as("convenor_a1").get(f"/jobs/{job.id}/download").status_code == 404


def test_the_list_shows_only_my_jobs_newest_first(app, world, login_as):
    client = login_as("convenor_a1")
    empty = client.get("/jobs").get_data(as_text=True)
    assert "You have not asked for any files yet." in empty
    older = make_done_job(world.users.convenor_a1, name="older.csv")
    older.title = "Older report (CSV)"
    newer = make_done_job(world.users.convenor_a1, name="newer.csv")
    newer.title = "Newer report (CSV)"
    theirs = make_done_job(world.users.convenor_a2)
    theirs.title = "Someone else's report (CSV)"
    db.session.commit()
    page = client.get("/jobs").get_data(as_text=True)
    assert page.index("Newer report") < page.index("Older report")
    assert "Someone else" not in page
    for _ in range(3):
        make_done_job(world.users.convenor_a1)
    paged = client.get("/jobs?per_page=2&page=3").get_data(as_text=True)
    assert "Showing 5 to 5 of 5 files" in paged and "Older report" in paged


@pytest.mark.parametrize("suffix", ["", "/status.json", "/download"])
def test_another_users_job_is_404_for_every_role(app, world, login_as, suffix):
    job = make_done_job(world.users.ulr_a1)
    response = login_as("ulr_a1").get(f"/jobs/{job.id}{suffix}")
    assert response.status_code == 200
    response.close()
    for other in ("admin", "organiser_a", "convenor_a1"):
        assert login_as(other).get(f"/jobs/{job.id}{suffix}").status_code == 404, other
    assert login_as("admin").get(f"/jobs/999999{suffix}").status_code == 404


# --- RQ with Redis --------------------------------------------------------------------------------

@pytest.fixture
def redis_queue(app, monkeypatch):
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except (RedisError, OSError) as exc:
        if os.environ.get("ULR_TEST_REDIS_URL"):
            pytest.fail(f"ULR_TEST_REDIS_URL is set but Redis does not answer: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL} ({exc}); set ULR_TEST_REDIS_URL to test the queue")
    connection.flushdb()  # database 14 (or ULR_TEST_REDIS_URL's) is the tests' own
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    yield connection
    connection.flushdb()
    connection.close()


def test_a_report_file_is_made_by_an_rq_worker(app, world, redis_queue, login_as):
    job = start_report_job("jobs_test_fake", {"period": "FY2026-Q2"}, "csv", world.users.convenor_a1)
    db.session.commit()
    core_jobs.wait_for_threads()
    assert _job(job.id).status == "queued"  # nothing ran in this process
    queue = core_jobs.queue(app)
    assert queue.count == 1
    core_jobs.worker([queue], redis_queue).work(burst=True)
    job = _job(job.id)
    assert job.status == "done", job.message
    content = core_jobs.path_of(job).read_bytes()
    assert job.result_sha256 == hashlib.sha256(content).hexdigest()
    assert content.decode("utf-8-sig").startswith("Test report\r\nScope,Branch of")
    assert queue.count == 0
    response = login_as("convenor_a1").get(f"/jobs/{job.id}/download")
    assert response.data == content
    response.close()


def test_the_worker_command_does_the_queued_jobs(app, world, redis_queue, runner):
    job = start_report_job("jobs_test_fake", {}, "xlsx", world.users.convenor_a1)
    db.session.commit()
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert "Worker listening on the queue 'ulr-reports' at redis://127.0.0.1:6379/" in result.output \
        or "Worker listening on the queue 'ulr-reports' at" in result.output
    assert "Queue empty: worker stopped." in result.output
    job = _job(job.id)
    assert job.status == "done"
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(core_jobs.path_of(job).read_bytes()))
    assert book.sheetnames == ["About", "Counts"]


def test_the_worker_command_needs_redis(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 1
    assert "ULR_REDIS_URL is not set" in result.output


def test_the_worker_command_says_when_redis_does_not_answer(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://:secret@127.0.0.1:1/0")
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 1
    assert "Cannot reach Redis at redis://127.0.0.1:1/0" in result.output
    assert "secret" not in result.output


def test_job_params_are_stored_as_json(app, world):
    job = start_report_job("jobs_test_fake", {"rows": [["a", 1]]}, "csv", world.users.convenor_a1)
    assert json.loads(json.dumps(job.params)) == {"report": "jobs_test_fake", "params": {"rows": [["a", 1]]},
                                                  "format": "csv", "user_id": world.users.convenor_a1.id}
    db.session.rollback()

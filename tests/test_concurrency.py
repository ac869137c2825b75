"""Real concurrency: threads against a real HTTP server (werkzeug, threaded) on one database.

Each request runs in its own server thread with its own database connection, as under gunicorn,
and the clients start together (a barrier), so the requests truly overlap.
"""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from tests.conftest import PASSWORD
from tests.learners.helpers import learner as make_learner
from ulr_app.accounts.models import UserSession
from ulr_app.core.audit_models import AuditEntry
from ulr_app.extensions import db
from ulr_app.learners.models import Course, Learner

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@contextmanager
def serving(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def server(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("real concurrency is tested on PostgreSQL (set ULR_TEST_DATABASE_URL)")
    app.config["PROPAGATE_TEST_ERRORS"] = False  # a 500 must reach the client, as in production
    try:
        with serving(app) as base:
            yield base
    finally:
        app.config.pop("PROPAGATE_TEST_ERRORS", None)


def _token(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=30)
    assert page.status_code == 200, page.status_code
    found = TOKEN.search(page.text)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def _together(n: int, work) -> list:
    """Run ``work(i, barrier)`` in n threads; each waits at the barrier just before its request."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            results[i] = work(i, barrier)
        except Exception as exc:  # noqa: BLE001 - reported in the results
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def _sign_in_at_once(base: str, email: str, password: str, n: int) -> list[int]:
    def work(_i, barrier):
        browser = requests.Session()
        token = _token(browser, base + "/sign-in")
        barrier.wait(timeout=60)
        answer = browser.post(base + "/sign-in", data={"csrf_token": token, "email": email, "password": password},
                              allow_redirects=False, timeout=60)
        return answer.status_code

    return _together(n, work)


def test_ten_sign_ins_to_one_account_at_the_same_moment_all_succeed(server, world):
    user = world.users.convenor_a1
    statuses = _sign_in_at_once(server, user.email, PASSWORD, 10)
    assert statuses == [302] * 10
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)) == 10
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "sign_in_failed")) == 0
    db.session.refresh(user)
    assert user.last_login_at is not None and user.version == 1  # a sign-in does not bump the version


def test_a_burst_of_wrong_passwords_gets_exactly_the_limit_through(server, world, app):
    limit = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    statuses = _sign_in_at_once(server, world.users.admin.email, "wrong wrong wrong", limit + 3)
    assert sorted(statuses) == [200] * limit + [429] * 3
    # and the right password is now refused too, until the window ends
    assert _sign_in_at_once(server, world.users.admin.email, PASSWORD, 1) == [429]


def _signed_in(base: str, email: str) -> requests.Session:
    browser = requests.Session()
    token = _token(browser, base + "/sign-in")
    answer = browser.post(base + "/sign-in", data={"csrf_token": token, "email": email, "password": PASSWORD},
                          allow_redirects=False, timeout=60)
    assert answer.status_code == 302
    return browser


def test_two_people_saving_one_learner_at_once_one_wins_the_other_sees_the_conflict_page(server, world):
    sam = make_learner(world)
    editors = [_signed_in(server, world.users.convenor_a1.email), _signed_in(server, world.users.admin.email)]
    url = f"{server}/learners/{sam.id}/edit"
    base_form = {"consent_on": "5/1/2026", "consent_scope": "Learning records and contact by the ULR",
                 "name": "Sam Okafor", "workplace_id": str(world.workplaces.school_a1.id), "version": str(sam.version)}
    jobs = ["Caretaker (editor one)", "Cook (editor two)"]

    def work(i, barrier):
        token = _token(editors[i], url)
        barrier.wait(timeout=60)
        answer = editors[i].post(url, data={**base_form, "csrf_token": token, "job_title": jobs[i]},
                                 allow_redirects=False, timeout=60)
        return answer.status_code, answer.text

    results = _together(2, work)
    statuses = sorted(status for status, _ in results)
    assert statuses == [302, 409], statuses
    winner = next(i for i, (status, _) in enumerate(results) if status == 302)
    loser_page = results[1 - winner][1]
    assert "Someone else changed this first" in loser_page
    assert jobs[1 - winner] in loser_page  # what the loser typed is on the page, not lost
    assert jobs[winner] in loser_page  # and what is saved now, beside it
    assert "version 2" in loser_page
    db.session.expire_all()
    saved = db.session.get(Learner, sam.id)
    assert saved.job_title == jobs[winner] and saved.version == 2  # the winner's write, once


def test_two_administrators_saving_one_course_at_once_lose_nothing(server, world):
    course = Course(title="Return to Learn (concurrency)", category="union_course")
    db.session.add(course)
    db.session.commit()
    editors = [_signed_in(server, world.users.admin.email), _signed_in(server, world.users.admin.email)]
    url = f"{server}/learners/courses/{course.id}/edit"
    titles = ["Return to Learn (first)", "Return to Learn (second)"]

    def work(i, barrier):
        page = editors[i].get(url, timeout=30).text
        token = TOKEN.search(page).group(1)
        version = re.search(r'name="version" value="(\d+)"', page).group(1)
        barrier.wait(timeout=60)
        answer = editors[i].post(url, data={"csrf_token": token, "version": version, "title": titles[i],
                                            "category": "union_course", "subject": "other", "level": "unlevelled",
                                            "provider": "", "qualification": "no", "active": "yes"},
                                 allow_redirects=False, timeout=60)
        return answer.status_code, answer.text

    results = _together(2, work)
    assert sorted(status for status, _ in results) == [302, 409]
    winner = next(i for i, (status, _) in enumerate(results) if status == 302)
    assert titles[1 - winner] in results[1 - winner][1]
    db.session.expire_all()
    saved = db.session.get(Course, course.id)
    assert saved.title == titles[winner] and saved.version == 2


def test_concurrent_api_updates_of_a_course_one_gets_409(server, world):
    from ulr_app.accounts.services import create_token

    course = Course(title="ICT (concurrency)", category="ict")
    db.session.add(course)
    _token_row, secret = create_token(world.users.admin, "concurrency")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"{server}/api/v1/courses/{course.id}"

    def work(i, barrier):
        barrier.wait(timeout=60)
        answer = requests.patch(url, json={"version": 1, "provider": f"College {i}"},
                                headers=headers, timeout=60)
        return answer.status_code, answer.json()

    results = _together(4, work)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409, 409, 409], results
    assert all(body["error"]["code"] == "conflict" for status, body in results if status == 409)
    db.session.expire_all()
    saved = db.session.get(Course, course.id)
    winner = next(body for status, body in results if status == 200)
    assert saved.provider == winner["provider"] and saved.version == 2 == winner["version"]

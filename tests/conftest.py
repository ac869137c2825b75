"""Fixtures shared by the whole suite.

Every database test runs once on SQLite and, when ULR_TEST_DATABASE_URL is set (as .ci/run
does), once more on PostgreSQL. The schema is built by the real migrations, once per backend;
reference data (regions, local authorities, vocabularies) is loaded once and kept, everything
else is emptied after each test.
"""
from __future__ import annotations

import functools
import itertools
import os
import re
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from ulr_app import create_app
from ulr_app.extensions import db, limiter

def _psycopg(url: str):
    """The URL with the psycopg (3) driver, which the app uses for a plain postgresql:// URL."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.set(drivername="postgresql+psycopg") if parsed.drivername == "postgresql" else parsed


def _per_worker_services() -> None:
    """Under pytest-xdist each worker gets its own PostgreSQL database (``<name>_gw0``, made here and
    dropped when the worker ends) and its own Redis database index, so workers never share state."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    number = int(re.sub(r"\D", "", worker) or 0)
    redis_url = os.environ.get("ULR_TEST_REDIS_URL")
    if redis_url:
        base, _, index = redis_url.rpartition("/")
        os.environ["ULR_TEST_REDIS_URL"] = f"{base}/{max(0, int(index or 15) - number)}"
    url = os.environ.get("ULR_TEST_DATABASE_URL")
    if not url or f"_{worker}" in url:
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    own = make_url(url).set(database=f"{make_url(url).database}_{worker}")
    admin = create_engine(_psycopg(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    admin.dispose()
    os.environ["ULR_TEST_DATABASE_URL"] = own.render_as_string(hide_password=False)
    os.environ["ULR_TEST_WORKER_DATABASE_OF"] = url


def pytest_unconfigure(config):
    base = os.environ.get("ULR_TEST_WORKER_DATABASE_OF")
    own = os.environ.get("ULR_TEST_DATABASE_URL")
    if not base or not own or base == own:
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    admin = create_engine(_psycopg(base), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(own).database}" WITH (FORCE)'))
    except Exception:  # noqa: BLE001 - best effort; .ci/run drops the worker databases too
        pass
    finally:
        admin.dispose()


_per_worker_services()

#: the day this process started: test modules date their facts from it (``TODAY = date.today()`` on import)
RUN_DAY = date.today()


@pytest.fixture(autouse=True)
def _the_day_the_run_started():
    """A run that goes past midnight keeps the day it started, in this process, so the facts a test module dated
    on import (TODAY) and the app's "today" still agree (a run that crossed midnight failed 75 tests on the
    dates). A run within one day is not touched."""
    days = (date.today() - RUN_DAY).days
    if not days:
        yield
        return
    import time_machine

    with time_machine.travel(datetime.now(timezone.utc) - timedelta(days=days), tick=True):
        yield


PASSWORD = "correct horse battery staple"
KEEP_TABLES = {"alembic_version", "region", "local_authority", "reference_term", "data_generation"}

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("ULR_TEST_DATABASE_URL") else [])


def make_test_config(database_url: str, instance: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
        # two-factor sign-in is required of no role here; tests/accounts/test_two_factor.py switches it on
        "TWO_FACTOR_REQUIRED_ROLES": (),
        "TWO_FACTOR_FOR_ALL": False,
    }


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    return os.environ["ULR_TEST_DATABASE_URL"]


@pytest.fixture(scope="session")
def session_app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["ULR_INSTANCE_PATH"] = str(instance)
    app = create_app(make_test_config(database_url, str(instance)))
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        if not database_url.startswith("sqlite"):
            downgrade(revision="base")  # a database left by an earlier run starts empty
        upgrade()
        from ulr_app.reference.loader import load_all

        load_all()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


#: PostgreSQL: the emptied tables are vacuumed every so many tests (autovacuum is off on our machines)
VACUUM_EVERY = 25
_emptied = itertools.count(1)


@functools.cache
def _postgresql_emptying(url: str) -> str:
    """The statement that empties ``url``'s tables (made once per database): DELETE from every table, then
    every id sequence they own back to 1, in one round trip of a few milliseconds. (TRUNCATE ... RESTART
    IDENTITY did the same in 0.6 s a test: it makes new files for 49 tables and their indexes, and syncs them
    to disk; that was about 7 of the full run's 29 minutes.)"""
    names = [t.name for t in _emptied_tables()]
    sequences = db.session.execute(text(
        "SELECT s.oid::regclass::text FROM pg_class s JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
        "JOIN pg_class t ON t.oid = d.refobjid WHERE s.relkind = 'S' AND t.relname = ANY(:names) ORDER BY 1"),
        {"names": names}).scalars().all()
    deletes = "; ".join(f'DELETE FROM "{name}"' for name in reversed(names))
    restarts = ", ".join(f"setval('{seq}', 1, false)" for seq in sequences)
    # foreign keys unchecked for these deletes (every table is emptied): checking them row by row took 100 s
    # after the test that imports every school in England
    replica = "SET LOCAL session_replication_role = replica"
    return f"{replica}; {deletes}; SELECT {restarts}" if restarts else f"{replica}; {deletes}"


def _emptied_tables():
    return [t for t in db.metadata.sorted_tables if t.name not in KEEP_TABLES]


def _empty_tables() -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.connection().exec_driver_sql(_postgresql_emptying(str(db.engine.url)))
        db.session.commit()
        if next(_emptied) % VACUUM_EVERY == 0:  # the deleted rows' space back, and the planner's page counts
            names = ", ".join(f'"{t.name}"' for t in _emptied_tables())
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f"VACUUM {names}, data_generation")
        return
    for table in reversed(_emptied_tables()):
        db.session.execute(table.delete())
    db.session.commit()


def _after_test() -> None:
    """What every test leaves behind is checked and cleared: its background jobs finished, every learner's
    kept stage and last contact matching their records, the tables emptied, the kept report figures dropped."""
    db.session.rollback()
    # a background job the test started (a report file, a subject access export) finishes before the
    # tables are emptied under it (it would fail on its vanished rows, in its thread, during the next test)
    from ulr_app.core import jobs

    jobs.wait_for_threads()
    # whatever the test wrote, every learner's kept stage and last contact match their records
    from ulr_app.learners import standing

    stale = standing.stale_learners(db.session.connection())
    db.session.rollback()
    _empty_tables()
    db.session.remove()
    from ulr_app.reports import cache as report_cache

    report_cache.clear()  # the tables were emptied by hand (no generation moved on) and ids start again
    assert not stale, f"learners whose kept stage or last contact is out of date: {stale}"


@pytest.fixture
def app(session_app):
    """The app, with an empty database (but for reference data) and fresh rate limits."""
    with session_app.app_context():
        limiter.reset()
        yield session_app
        _after_test()


@pytest.fixture(scope="class")
def small_demo(session_app):
    """The small demo world (`flask demo-data --scale small`), built once for a class of tests that only read it
    (a build takes 6 to 12 s; each test building its own was the slowest part of the suite)."""
    with session_app.app_context():
        limiter.reset()
        try:
            result = session_app.test_cli_runner().invoke(args=["demo-data", "--scale", "small"])
            assert result.exit_code == 0, result.output
            yield SimpleNamespace(app=session_app, result=result)
        finally:  # a build that failed half-way is emptied too
            _after_test()


@pytest.fixture
def demo_world(small_demo):
    """The class's small demo world, for one test: what the test left in the session is rolled back after it."""
    yield small_demo
    db.session.rollback()


class Client:
    """A test client that fills in the CSRF token the way a browser would."""

    TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

    REQUEST_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "open"}

    def __init__(self, flask_client):
        self.c = flask_client
        self.app = flask_client.application

    def __getattr__(self, name):
        attr = getattr(self.c, name)
        if name not in self.REQUEST_METHODS:
            return attr

        def in_own_context(*args, **kwargs):
            # each request gets its own app context (and so its own ``g`` and database
            # session), as in production; otherwise the test's context would be reused
            with self.app.app_context():
                return attr(*args, **kwargs)

        return in_own_context

    def token(self, url: str = "/sign-in") -> str:
        page = self.get(url).get_data(as_text=True)
        found = self.TOKEN.search(page)
        assert found, f"no CSRF token on {url}"
        return found.group(1)

    def submit(self, url: str, data: dict | None = None, *, page: str | None = None, **kw):
        """POST a form the way the browser does, with a token from ``page`` (default: ``url``)."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(page or url))
        return self.post(url, data=data, **kw)

    def login(self, email: str, password: str = PASSWORD):
        response = self.submit("/sign-in", {"email": email, "password": password})
        assert response.status_code == 302, f"sign-in failed for {email}: {response.status_code}"
        return response

    def logout(self):
        return self.submit("/sign-out", page="/")


@pytest.fixture
def client(app):
    return Client(app.test_client())


@pytest.fixture
def make_client(app):
    return lambda: Client(app.test_client())


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app):
    """A small organisation in two regions with a user of every role in and out of scope."""
    from tests.factories import build_world

    return build_world()


@pytest.fixture
def login_as(make_client, world):
    """``login_as('convenor_a')`` -> a signed-in Client for that world user."""

    def _login(key: str):
        c = make_client()
        c.login(getattr(world.users, key).email)
        return c

    return _login


__all__ = ["PASSWORD", "SimpleNamespace"]


@pytest.fixture
def count_queries(app):
    """``with count_queries() as q: ...`` then ``q.count``: SQL statements run inside the block."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        box = SimpleNamespace(count=0, statements=[])

        def before(conn, cursor, statement, parameters, context, executemany):
            box.count += 1
            box.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield box
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def programmes(app):
    """The built-in funding programmes (ulf, go_award), as ``flask reference load`` ships them."""
    from ulr_app.funding.catalogue import load_programmes
    from ulr_app.funding.models import Programme

    load_programmes()
    db.session.commit()
    return {p.code: p for p in db.session.scalars(__import__("sqlalchemy").select(Programme))}

"""Faults: the database going away (and coming back), Redis going away, backups and restores.

The outage test starts its own PostgreSQL cluster (initdb + pg_ctl on a free port in a temporary
folder, as the postgres user when the tests run as root), stops it in the middle of the test and
starts it again: the app must answer 503 (styled, with the security headers) while it is down,
count nothing against the accounts, and work again afterwards without a restart.
"""
from __future__ import annotations

import glob
import logging
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, Client, make_test_config
from ulr_app.accounts import throttle
from ulr_app.accounts.models import User, UserSession
from ulr_app.core.audit_models import AuditEntry
from ulr_app.extensions import db, limiter
from ulr_app.learners.models import Course

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _closed_redis_url() -> str:
    return f"redis://127.0.0.1:{_free_port()}/0"  # nothing listens there


# --- /health -----------------------------------------------------------------------------------

def test_health_names_the_database_and_redis_state(app, client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "not configured"}
    app.config["REDIS_URL"] = _closed_redis_url()
    try:
        response = client.get("/health")
    finally:
        app.config["REDIS_URL"] = None
    assert response.status_code == 200  # the database answers: still serving, but degraded
    assert response.json == {"status": "degraded", "database": "ok", "redis": "down"}


# --- Redis down ----------------------------------------------------------------------------------

@pytest.fixture
def app_with_dead_redis(session_app, world, database_url, tmp_path, monkeypatch):
    """An app whose limiter storage and REDIS_URL point at a port where nothing listens."""
    from ulr_app import create_app

    monkeypatch.setenv("ULR_INSTANCE_PATH", str(tmp_path))
    url = _closed_redis_url()
    app = create_app({**make_test_config(database_url, str(tmp_path)), "RATELIMIT_STORAGE_URI": url, "REDIS_URL": url})
    throttle.reset()
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        limiter.init_app(session_app)  # back to the suite's in-memory limits
        throttle.reset()


def test_sign_in_works_with_redis_down_and_limits_fall_back_to_memory(app_with_dead_redis, world, caplog):
    caplog.set_level(logging.WARNING)
    c = Client(app_with_dead_redis.test_client())
    c.login(world.users.convenor_a1.email)  # 302, not a 500
    assert c.get("/").status_code == 200
    assert any("counting failed sign-ins in this process's memory" in r.getMessage() for r in caplog.records)
    # the limits still hold, counted in memory
    attacker = Client(app_with_dead_redis.test_client())
    limit = int(app_with_dead_redis.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    for _ in range(limit):
        assert attacker.submit("/sign-in", {"email": world.users.admin.email, "password": "guess guess"}).status_code == 200
    assert attacker.submit("/sign-in", {"email": world.users.admin.email, "password": PASSWORD}).status_code == 429
    health = Client(app_with_dead_redis.test_client()).get("/health")
    assert health.status_code == 200 and health.json["redis"] == "down"


# --- backup and restore ---------------------------------------------------------------------------

def test_backup_and_restore_round_trip(app, runner, world, tmp_path):
    if db.engine.dialect.name == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    db.session.add(Course(title="Return to Learn (backup)", category="union_course"))
    db.session.commit()
    before = {c.title: c.version for c in db.session.scalars(select(Course))}
    users_before = sorted((u.email, u.name) for u in db.session.scalars(select(User)))

    target = tmp_path / "ulr.backup"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.is_file() and target.stat().st_size > 0
    assert "Backed up" in result.output and "postgres@" not in result.output.split("Backed up")[0]

    # the data changes after the backup: a course renamed, another added, one user gone
    course = db.session.scalars(select(Course).where(Course.title == "Return to Learn (backup)")).one()
    course.title = "Renamed after the backup"
    db.session.add(Course(title="Added after the backup", category="union_course"))
    db.session.get(User, world.users.ulr_b1.id).name = "Changed after the backup"
    db.session.commit()
    db.session.remove()

    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    after = {c.title: c.version for c in db.session.scalars(select(Course))}
    assert after == before
    assert sorted((u.email, u.name) for u in db.session.scalars(select(User))) == users_before


def test_restore_refuses_a_file_that_is_not_a_backup(app, runner, tmp_path):
    bogus = tmp_path / "not-a-backup"
    bogus.write_text("hello")
    result = runner.invoke(args=["restore", str(bogus), "--yes"])
    assert result.exit_code == 1
    assert "Error:" in result.output


# --- the database goes away (a private PostgreSQL cluster) ---------------------------------------

def _pg_bin() -> str | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(candidate, "initdb")):
            return candidate
    return None


class PrivateCluster:
    def __init__(self, root: Path, port: int, bin_dir: str):
        self.root, self.port, self.bin = root, port, bin_dir
        self.data = root / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(root, "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run(f"{self.bin}/initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        self._run(f"{self.bin}/pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self) -> None:
        self._run(f"{self.bin}/pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def private_postgres():
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("the PostgreSQL server binaries are not installed")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root without runuser: cannot start a private cluster")
    root = Path(tempfile.mkdtemp(prefix="ulr-pg-"))
    cluster = PrivateCluster(root, _free_port(), bin_dir)
    try:
        cluster.init()
        cluster.start()
    except (subprocess.CalledProcessError, OSError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"cannot start a private PostgreSQL cluster here: {exc}")
    try:
        yield cluster
    finally:
        try:
            cluster.stop()
        except Exception:  # noqa: BLE001, S110 - already stopped
            pass
        shutil.rmtree(root, ignore_errors=True)


def test_database_outage_answers_503_counts_nothing_and_recovers(private_postgres, session_app, tmp_path, monkeypatch):
    from flask_migrate import upgrade

    from tests.factories import build_world
    from ulr_app import create_app
    from ulr_app.reference.loader import load_all

    monkeypatch.setenv("ULR_INSTANCE_PATH", str(tmp_path))
    app = create_app(make_test_config(private_postgres.url, str(tmp_path)))
    app.config["PROPAGATE_TEST_ERRORS"] = False  # answer as in production: no exception reaches the test
    try:
        with app.app_context():
            upgrade()
            load_all()
            db.session.commit()
            world = build_world()
            email, user_id = world.users.convenor_a1.email, world.users.convenor_a1.id
            db.session.remove()

        signed_in = Client(app.test_client())
        signed_in.login(email)
        api = app.test_client()
        with app.app_context():
            from ulr_app.accounts.services import create_token

            token = create_token(db.session.get(User, user_id), "outage")[1]
            db.session.commit()
            db.session.remove()
        headers = {"Authorization": f"Bearer {token}"}
        assert api.get("/api/v1/learners", headers=headers).status_code == 200
        newcomer = Client(app.test_client())
        csrf = newcomer.token()  # the sign-in page itself needs no database

        private_postgres.stop()

        page = signed_in.get("/")
        assert page.status_code == 503
        body = page.get_data(as_text=True)
        assert "Sorry, the service is unavailable for a moment" in body and "govuk-" in body  # the styled page
        for name in SECURITY_HEADERS:
            assert name in page.headers, name
        assert page.headers["Retry-After"]

        answer = api.get("/api/v1/learners", headers=headers)
        assert answer.status_code == 503 and answer.is_json
        assert answer.json["error"]["code"] == "unavailable" and answer.json["error"]["message"]
        for name in SECURITY_HEADERS:
            assert name in answer.headers, name

        health = api.get("/health")
        assert health.status_code == 503
        assert health.json == {"status": "degraded", "database": "down", "redis": "not configured"}

        # sign-ins during the outage: 503 every time, and none of them counts against the account
        limit = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
        for _ in range(limit + 3):
            attempt = newcomer.post("/sign-in", data={"csrf_token": csrf, "email": email, "password": PASSWORD})
            assert attempt.status_code == 503
            assert "Content-Security-Policy" in attempt.headers
        with app.test_request_context("/sign-in", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
            assert not throttle.locked(throttle.rules_for("127.0.0.1", email))

        private_postgres.start()

        # no restart: the pool's pre-ping replaces the dead connections
        assert signed_in.get("/").status_code == 200
        assert api.get("/api/v1/learners", headers=headers).status_code == 200
        assert api.get("/health").json == {"status": "ok", "database": "ok", "redis": "not configured"}
        back = newcomer.post("/sign-in", data={"csrf_token": csrf, "email": email, "password": PASSWORD})
        assert back.status_code == 302
        with app.app_context():
            failed = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in_failed")).all()
            assert failed == []
            assert db.session.scalar(select(db.func.count()).select_from(UserSession)) == 2
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        limiter.init_app(session_app)
        throttle.reset()

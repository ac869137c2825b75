"""The at-scale path: with Redis, login limits are shared by every worker."""
from __future__ import annotations

import os

import pytest

from tests.conftest import Client, make_test_config

REDIS = os.environ.get("ULR_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS, reason="set ULR_TEST_REDIS_URL (as .ci/run does) to test the Redis path")
def test_login_limit_is_shared_between_workers_through_redis(session_app, world, database_url, tmp_path, monkeypatch):
    """Failed sign-ins counted by one worker block the account on another worker.

    Each gunicorn worker is a process with its own app and limiter; here the second "worker" is
    a second app whose limiter storage is a brand-new Redis connection, so it can only know the
    count through Redis.
    """
    import redis

    from ulr_app import create_app
    from ulr_app.extensions import db, limiter

    store = redis.Redis.from_url(REDIS)
    store.flushdb()  # ULR_TEST_REDIS_URL names a database used only by the tests
    monkeypatch.setenv("ULR_INSTANCE_PATH", str(tmp_path))
    config = {**make_test_config(database_url, str(tmp_path)), "RATELIMIT_STORAGE_URI": REDIS}
    workers = []
    try:
        worker_1 = create_app(config)
        workers.append(worker_1)
        limit = int(worker_1.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
        email = world.users.admin.email
        for _ in range(limit):
            response = Client(worker_1.test_client()).submit("/sign-in", {"email": email, "password": "guess guess guess"})
            assert response.status_code == 200
        assert list(store.scan_iter("LIMITS*")), "the counters should be in Redis"
        worker_2 = create_app(config)  # a fresh limiter storage, as in another process
        workers.append(worker_2)
        blocked = Client(worker_2.test_client()).submit("/sign-in", {"email": email, "password": "correct horse battery staple"})
        assert blocked.status_code == 429
        other = Client(worker_2.test_client())
        other.login(world.users.convenor_a1.email)
    finally:
        for worker in workers:
            with worker.app_context():
                db.engine.dispose()
        limiter.init_app(session_app)  # back to the suite's in-memory limits
        store.flushdb()
        store.close()

"""The at-scale path: with Redis, login limits are shared by every worker."""
from __future__ import annotations

import os
import uuid

import pytest

from tests.conftest import Client, make_test_config

REDIS = os.environ.get("ULR_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS, reason="set ULR_TEST_REDIS_URL (as .ci/run does) to test the Redis path")
def test_login_limit_is_shared_between_workers_through_redis(session_app, world, database_url, tmp_path, monkeypatch):
    from ulr_app import create_app

    monkeypatch.setenv("ULR_INSTANCE_PATH", str(tmp_path))
    prefix = f"ulr-test-{uuid.uuid4().hex}"
    config = {**make_test_config(database_url, str(tmp_path)), "RATELIMIT_STORAGE_URI": REDIS, "RATELIMIT_KEY_PREFIX": prefix}
    worker_1, worker_2 = create_app(config), create_app(config)
    limit = int(worker_1.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    email = world.users.admin.email
    for n in range(limit):
        worker = Client((worker_1 if n % 2 else worker_2).test_client())
        assert worker.submit("/sign-in", {"email": email, "password": "guess guess guess"}).status_code == 200
    blocked = Client(worker_2.test_client()).submit("/sign-in", {"email": email, "password": "correct horse battery staple"})
    assert blocked.status_code == 429
    import redis

    client = redis.Redis.from_url(REDIS)
    keys = list(client.scan_iter(f"*{prefix}*"))
    assert keys, "the limiter should have written its counters to Redis"
    client.delete(*keys)

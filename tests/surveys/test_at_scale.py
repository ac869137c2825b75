"""The at-scale path: with Redis, the survey answers counted per address are shared by every worker."""
from __future__ import annotations

import os

import pytest

from tests.conftest import Client, make_test_config

REDIS = os.environ.get("ULR_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS, reason="set ULR_TEST_REDIS_URL (as .ci/run does) to test the Redis path")
def test_the_limit_per_address_is_shared_between_workers_through_redis(session_app, world, database_url, tmp_path,
                                                                       monkeypatch):
    """Answers sent to one worker count on another: each "worker" is an app whose limiter storage is its own
    Redis connection, so the second can only know the count through Redis."""
    import redis

    from tests.surveys.helpers import make_survey
    from ulr_app import create_app
    from ulr_app.accounts import throttle
    from ulr_app.extensions import db, limiter

    store = redis.Redis.from_url(REDIS)

    def forget():
        for key in store.scan_iter("*survey-answers*"):
            store.delete(key)

    forget()
    throttle.reset()
    survey = make_survey(world)
    db.session.commit()
    monkeypatch.setenv("ULR_INSTANCE_PATH", str(tmp_path))
    config = {**make_test_config(database_url, str(tmp_path)), "RATELIMIT_STORAGE_URI": REDIS,
              "SURVEY_LIMIT_PER_ADDRESS": "2 per hour"}
    data = {"staff_category": "site", "workplace_id": str(world.workplaces.school_a1.id)}
    workers = []
    try:
        worker_1 = create_app(config)
        workers.append(worker_1)
        for _ in range(2):
            assert Client(worker_1.test_client()).submit(f"/s/{survey.token}", data).status_code == 302
        assert list(store.scan_iter("*survey-answers*")), "the counts should be in Redis"
        worker_2 = create_app(config)
        workers.append(worker_2)
        flooded = Client(worker_2.test_client()).submit(f"/s/{survey.token}", data)
        assert flooded.status_code == 429
    finally:
        for worker in workers:
            with worker.app_context():
                db.engine.dispose()
        limiter.init_app(session_app)
        forget()
        store.close()
        throttle.reset()

"""The progress of a running check or import, readable while its transaction is open: in this process's memory
(the embedded default) or in Redis (a worker process does the job)."""
from __future__ import annotations

import os

import pytest

from ulr_app.imports import progress as live

REDIS = os.environ.get("ULR_TEST_REDIS_URL")


def test_in_memory(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    assert live.get_progress(990001) is None
    live.set_progress(990001, 42)
    assert live.get_progress(990001) == 42
    live.set_progress(990001, 250)
    assert live.get_progress(990001) == 100
    live.forget(990001)
    assert live.get_progress(990001) is None


@pytest.mark.skipif(not REDIS, reason="set ULR_TEST_REDIS_URL (as .ci/run does) to test the Redis path")
def test_in_redis_for_a_worker_process(app, monkeypatch):
    from redis import Redis

    monkeypatch.setitem(app.config, "REDIS_URL", REDIS)
    live.set_progress(990002, 37)
    store = Redis.from_url(REDIS)
    assert int(store.get("ulr:import:990002:progress")) == 37 and 0 < store.ttl("ulr:import:990002:progress") <= 3600
    live._memory.clear()  # another process: only Redis knows
    assert live.get_progress(990002) == 37
    live.forget(990002)
    assert store.get("ulr:import:990002:progress") is None


def test_redis_down_never_stops_an_import(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    live.set_progress(990003, 12)  # logs a warning, keeps it in memory
    assert live.get_progress(990003) == 12
    live.forget(990003)

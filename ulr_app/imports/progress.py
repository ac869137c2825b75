"""How far a running check or import has got, while its transaction is still open.

An import is one transaction, so its progress cannot be committed to the database as it goes (that would
commit half the import). It is kept where the page can read it at once: in Redis when ``REDIS_URL`` is set (the
job may run in a worker process), otherwise in this process's memory (the embedded default runs jobs in a
thread of the web process). The run's row gets the final figure when the job ends.
"""
from __future__ import annotations

import logging
import threading
from typing import Optional

from flask import current_app

log = logging.getLogger(__name__)
_memory: dict[int, int] = {}
_lock = threading.Lock()
TTL_SECONDS = 3600


def _key(run_id: int) -> str:
    return f"ulr:import:{run_id}:progress"


def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def set_progress(run_id: int, percent: int) -> None:
    percent = max(0, min(100, int(percent)))
    with _lock:
        _memory[run_id] = percent
    client = _redis()
    if client is not None:
        try:
            client.set(_key(run_id), percent, ex=TTL_SECONDS)
        except Exception:  # noqa: BLE001 - progress is a courtesy: Redis down never stops an import
            log.warning("Could not record the progress of import %s in Redis", run_id)


def get_progress(run_id: int) -> Optional[int]:
    client = _redis()
    if client is not None:
        try:
            found = client.get(_key(run_id))
            if found is not None:
                return int(found)
        except Exception:  # noqa: BLE001
            pass
    with _lock:
        return _memory.get(run_id)


def forget(run_id: int) -> None:
    with _lock:
        _memory.pop(run_id, None)
    client = _redis()
    if client is not None:
        try:
            client.delete(_key(run_id))
        except Exception:  # noqa: BLE001
            pass

"""What ``/health`` reports: can the app reach its database and (when configured) Redis?"""
from __future__ import annotations

from typing import Any

from sqlalchemy import text


def database_state(session: Any) -> str:
    try:
        session.execute(text("SELECT 1"))
        return "ok"
    except Exception:  # noqa: BLE001 - any failure to answer is "down"
        try:
            session.rollback()
        except Exception:  # noqa: BLE001, S110 - the connection is gone; nothing to undo
            pass
        return "down"


def redis_state(url: str | None) -> str:
    if not url:
        return "not configured"
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
        return "ok"
    except Exception:  # noqa: BLE001 - refused, timed out, wrong password: all "down"
        return "down"


def report(session: Any, redis_url: str | None) -> tuple[dict[str, str], int]:
    """``({"status", "database", "redis"}, HTTP status)``: 200 while the database answers (Redis
    down only makes it "degraded": sign-in limits fall back to memory), 503 when it does not."""
    database = database_state(session)
    redis = redis_state(redis_url)
    status = "ok" if database == "ok" and redis in ("ok", "not configured") else "degraded"
    return {"status": status, "database": database, "redis": redis}, 200 if database == "ok" else 503

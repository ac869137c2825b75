"""Sign-in limits: wrong passwords counted per account and per address, atomically.

Only a wrong password (or an unknown e-mail address) counts. A correct password, a disabled
account, a database outage or any other error does not, so an outage can never lock anyone out.

Each count is one atomic increment in the limiter's storage (Redis ``INCR`` through a Lua script
when ``REDIS_URL`` is set, shared by every worker; otherwise in-process memory under a lock), and
the answer is decided from the number that increment returned. So a burst of wrong passwords
sent at the same moment gets exactly the limit of "not correct" answers and then "too many
attempts", never more. A window starts at the first failure and lasts the limit's period
("5 per 10 minutes": after five wrong passwords, nothing gets in until ten minutes after the first).

When Redis cannot be reached, the counts move to this process's memory (and the log says so), and
back to Redis once it answers again: signing in keeps working.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from flask import current_app
from limits import parse
from limits.storage import MemoryStorage, Storage

from ..extensions import limiter

log = logging.getLogger(__name__)

#: how long to keep using memory after the shared storage failed, before trying it again
RETRY_AFTER_SECONDS = 30.0

_fallback = MemoryStorage()
_state_lock = threading.Lock()
_shared_down_until = 0.0


@dataclass(frozen=True)
class Rule:
    key: str
    amount: int
    expiry: int


def rules_for(address: str | None, email: str) -> tuple[Rule, ...]:
    per_address = parse(current_app.config["LOGIN_LIMIT_PER_ADDRESS"])
    per_account = parse(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])
    return (
        Rule(f"sign-in-failures/address/{address or '-'}", per_address.amount, per_address.get_expiry()),
        Rule(f"sign-in-failures/account/{email[:254]}", per_account.amount, per_account.get_expiry()),
    )


def _storage() -> Storage:
    if time.monotonic() < _shared_down_until:
        return _fallback
    return limiter.storage


def _run(op):
    """``op(storage)`` on the shared storage; on its failure, on the in-process fallback."""
    global _shared_down_until
    storage = _storage()
    if storage is _fallback:
        return op(_fallback)
    try:
        return op(storage)
    except Exception as exc:  # noqa: BLE001 - redis.ConnectionError, TimeoutError...: any failure of the store
        with _state_lock:
            first = time.monotonic() >= _shared_down_until
            _shared_down_until = time.monotonic() + RETRY_AFTER_SECONDS
        if first:
            log.warning("Sign-in limits: the shared store (Redis) cannot be reached (%s); counting failed "
                        "sign-ins in this process's memory until it is back.", exc.__class__.__name__)
        return op(_fallback)


def locked(rules: tuple[Rule, ...]) -> bool:
    """True when any of these limits is used up (checked before the password, to spare the work)."""
    return any(_run(lambda s, r=r: s.get(r.key)) >= r.amount for r in rules)


def record_failure(rules: tuple[Rule, ...]) -> bool:
    """Count one wrong password against every rule; True when this attempt went past a limit."""
    over = False
    for rule in rules:
        count = _run(lambda s, r=rule: s.incr(r.key, r.expiry))
        over = over or count > rule.amount
    return over


def reset() -> None:
    """Forget the in-process counts (tests; the shared store is reset through the limiter)."""
    global _shared_down_until
    _fallback.reset()
    _shared_down_until = 0.0

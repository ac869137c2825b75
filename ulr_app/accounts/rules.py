"""Pure rules of signing in: TOTP time-steps, code formats, recovery-code hashing, who needs a
second factor, and how recent a confirmation must be. No database, no Flask."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import Iterable, Optional

#: RFC 6238 defaults, which every authenticator app uses
STEP_SECONDS = 30
DIGITS = 6
#: a code from the step before or after the current one is accepted too (a phone clock a little out)
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
#: recovery codes: 10 characters from an alphabet with no look-alikes (0/O, 1/I/L), shown as xxxxx-xxxxx
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_SEPARATORS = re.compile(r"[\s\-]+")


def time_step(moment: datetime) -> int:
    """The 30-second step a moment falls in (the counter of RFC 6238)."""
    return int(moment.timestamp()) // STEP_SECONDS


def candidate_steps(moment: datetime, last_used: Optional[int]) -> list[int]:
    """The steps whose code may be accepted now: the current one and its neighbours, later than the
    last one accepted (so a code, once used, never works again, nor any earlier one)."""
    now = time_step(moment)
    steps = range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1)
    return [s for s in steps if last_used is None or s > last_used]


def clean_totp_code(typed: str) -> Optional[str]:
    """The six digits of a typed code ('123 456' and '123-456' are fine), or None if it is not one."""
    code = _SEPARATORS.sub("", typed or "")
    return code if len(code) == DIGITS and code.isascii() and code.isdigit() else None


def clean_recovery_code(typed: str) -> Optional[str]:
    """A typed recovery code in its stored form (lower case, no spaces or dashes), or None."""
    code = _SEPARATORS.sub("", (typed or "").lower())
    return code if len(code) == 10 and all(c in RECOVERY_ALPHABET for c in code) else None


def new_recovery_code() -> str:
    """A fresh recovery code as shown to the user: ``abcde-fghjk`` (about 49 bits)."""
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def hash_recovery_code(code: str, salt: Optional[str] = None) -> str:
    """``salt$sha256(salt + code)`` of a clean code; a fresh 16-byte salt unless one is given."""
    salt = salt if salt is not None else secrets.token_hex(16)
    return f"{salt}${hashlib.sha256((salt + code).encode()).hexdigest()}"


def recovery_code_matches(stored: str, code: str) -> bool:
    salt, _, _digest = stored.partition("$")
    return hmac.compare_digest(hash_recovery_code(code, salt), stored)


def two_factor_required(role: str, required_roles: Iterable[str], for_all: bool) -> bool:
    return bool(for_all) or role in set(required_roles or ())


def recently_confirmed(confirmed_at: Optional[datetime], now: datetime, minutes: int) -> bool:
    """True when the user proved who they are (password, and code if they have one) within ``minutes``."""
    return confirmed_at is not None and confirmed_at <= now and now - confirmed_at <= timedelta(minutes=minutes)

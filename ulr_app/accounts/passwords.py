"""argon2id password hashing (argon2-cffi) and the password policy."""
from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

MIN_LENGTH = 12
MAX_LENGTH = 256
#: a dummy hash so an unknown e-mail costs the same time as a wrong password
_DUMMY: dict[tuple[int, int], str] = {}


def _hasher() -> PasswordHasher:
    if has_app_context():
        t = current_app.config.get("ARGON2_TIME_COST", 3)
        m = current_app.config.get("ARGON2_MEMORY_COST", 65536)
    else:
        t, m = 3, 65536
    return PasswordHasher(time_cost=t, memory_cost=m, parallelism=1, type=Type.ID)


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Password must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        problems.append(f"Password must be {MAX_LENGTH} characters or fewer")
    lowered = password.lower()
    if email and email.split("@")[0].lower() in lowered and len(email.split("@")[0]) >= 4:
        problems.append("Password must not contain your e-mail address")
    if lowered in {"password1234", "123456789012", "qwertyuiopas"} or len(set(password)) < 4:
        problems.append("Password is too easy to guess")
    return problems


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    hasher = _hasher()
    if not stored_hash:
        key = (hasher.time_cost, hasher.memory_cost)
        if key not in _DUMMY:
            _DUMMY[key] = hasher.hash("not a real password")
        try:
            hasher.verify(_DUMMY[key], password)
        except VerificationError:
            pass
        return False
    try:
        return hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)

"""Small parsers shared by services: each returns the clean value or adds a message to ``errors``."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping, Optional

from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def text(data: Mapping, errors: dict, field: str, label: str, max_len: int, *, required: bool = False) -> Optional[str]:
    value = data.get(field)
    if value is not None and not isinstance(value, str):
        errors[field] = [f"Enter {label} as text"]
        return None
    value = (value or "").strip() or None
    if value is None and required:
        errors[field] = [f"Enter {label}"]
    elif value and len(value) > max_len:
        errors[field] = [f"{label[0].upper()}{label[1:]} must be {max_len} characters or fewer"]
    elif value and "\x00" in value:
        errors[field] = ["Remove the NUL character"]
    return value


def day(data: Mapping, errors: dict, field: str, label: str, *, required: bool = False) -> Optional[date]:
    value = data.get(field)
    if value in (None, ""):
        if required:
            errors[field] = [f"Enter {label}"]
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors[field] = [f"Enter {label} as a real date, like 2026-03-31"]
        return None


def moment(data: Mapping, errors: dict, field: str, label: str, *, required: bool = False) -> Optional[datetime]:
    """A date and time; naive values are UK local time."""
    value = data.get(field)
    if value in (None, ""):
        if required:
            errors[field] = [f"Enter {label}"]
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            errors[field] = [f"Enter {label} as a date and time, like 2026-03-31 09:30"]
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UK)
    return parsed


def number(data: Mapping, errors: dict, field: str, label: str, low: Decimal, high: Decimal, *,
           required: bool = False, places: str = "0.01") -> Optional[Decimal]:
    value = data.get(field)
    if value in (None, ""):
        if required:
            errors[field] = [f"Enter {label}"]
        return None
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        parsed = Decimal(str(value).strip())
        if not parsed.is_finite() or not low <= parsed <= high:
            raise InvalidOperation
        return parsed.quantize(Decimal(places))
    except (InvalidOperation, ValueError):
        errors[field] = [f"Enter {label} as a number from {low} to {high}"]
        return None


def choice(data: Mapping, errors: dict, field: str, options: Mapping[str, str], message: str, *,
           required: bool = True) -> Optional[str]:
    value = data.get(field)
    if value in (None, "") and not required:
        return None
    if value not in options:
        errors[field] = [message]
        return None
    return value


def flag(data: Mapping, errors: dict, field: str, *, allow_none: bool = True) -> Optional[bool]:
    value = data.get(field)
    if value is None and allow_none:
        return None
    if not isinstance(value, bool):
        errors[field] = ["Answer yes or no"]
        return None
    return value


#: the largest id a record can have (32-bit signed integer keys, on SQLite and PostgreSQL alike)
MAX_ID = 2**31 - 1


def db_id(value: Any) -> int:
    """``value`` as a record id (1 to MAX_ID); ValueError otherwise. Usable as ``request.args.get(..., type=db_id)``,
    which then answers None for nonsense, so that no lookup ever sends the database a number it cannot hold."""
    if isinstance(value, bool):
        raise ValueError("not an id")
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError("not an id")
    return number


def like_pattern(text: str) -> str:
    """``text`` as a case-insensitive 'contains' pattern, with % and _ searched for as typed (use with
    ``.like(pattern, escape="\\")`` on ``func.lower(column)``)."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def ident(data: Mapping, errors: dict, field: str, message: str, *, required: bool = True) -> Optional[int]:
    value = data.get(field)
    if value in (None, ""):
        if required:
            errors[field] = [message]
        return None
    if isinstance(value, bool):
        errors[field] = [message]
        return None
    try:
        return db_id(value)
    except (TypeError, ValueError):
        errors[field] = [message]
        return None

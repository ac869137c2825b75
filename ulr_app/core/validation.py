"""Small parsers shared by services: each returns the clean value or adds a message to ``errors``."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping, Optional

from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


# --- hostile text: characters no field may hold -----------------------------------------------------

#: control characters (C0 but tab, line feed and carriage return; DEL; C1), lone surrogate halves (half of
#: a character, as JSON's "\\ud800" gives: no database can store one) and the two non-characters
_HOSTILE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
#: on a one-line field, tab, line feed and carriage return are refused as well
_HOSTILE_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
NUL_MESSAGE = "Remove the NUL character: text cannot hold one"
CONTROL_MESSAGE = "Remove the control character (an invisible character such as NUL): text cannot hold one"
SURROGATE_MESSAGE = "Type this text again: it holds a broken character (half of a character) that cannot be stored"
ONE_LINE_MESSAGE = "Keep this to one line, without tabs or line breaks"


def text_problem(value: Any, *, multiline: bool = True) -> Optional[str]:
    """Why ``value`` (text, or a list or dict of them, keys too) cannot be stored as typed, or None: a control
    character (only tab, line feed and carriage return are allowed, and only in ``multiline`` text) or a lone
    surrogate. The one rule for the API's bodies and query strings, page forms, uploads' names and the
    database's last check (:func:`install_flush_guard`)."""
    if isinstance(value, str):
        found = (_HOSTILE if multiline else _HOSTILE_ONE_LINE).search(value)
        if found is None:
            return None
        char = found.group()
        if char == "\x00":
            return NUL_MESSAGE
        if "\ud800" <= char <= "\udfff":
            return SURROGATE_MESSAGE
        if char in "\t\n\r":
            return ONE_LINE_MESSAGE
        return CONTROL_MESSAGE
    if isinstance(value, dict):
        for key, item in value.items():
            problem = text_problem(key, multiline=False) or text_problem(item, multiline=multiline)
            if problem:
                return problem
        return None
    if isinstance(value, (list, tuple)):
        for item in value:
            problem = text_problem(item, multiline=multiline)
            if problem:
                return problem
    return None


def _refuse_hostile_text(session: Any, _context: Any, _instances: Any) -> None:
    from sqlalchemy import inspect as sa_inspect

    from .errors import ValidationFailed

    errors: dict[str, list[str]] = {}
    for obj in list(session.new) + list(session.dirty):
        state = sa_inspect(obj)
        for attr in state.mapper.column_attrs:
            value = state.dict.get(attr.key)
            if isinstance(value, str):
                problem = text_problem(value)
                if problem:
                    errors.setdefault(attr.key, [problem])
    if errors:
        raise ValidationFailed("Check the text you entered: " + ", ".join(sorted(errors)), errors)


def install_flush_guard(session_class: Any) -> None:
    """The last line: before any flush, every text attribute of every new or changed record is checked with
    :func:`text_problem`, so no path (a page, the API, an import, the command line) can store a control
    character or a broken one; what holds one fails as a :class:`ValidationFailed` naming the field.
    Installing it twice is harmless."""
    from sqlalchemy import event

    if not event.contains(session_class, "before_flush", _refuse_hostile_text):
        event.listen(session_class, "before_flush", _refuse_hostile_text)


def text(data: Mapping, errors: dict, field: str, label: str, max_len: int, *, required: bool = False,
         multiline: bool = True) -> Optional[str]:
    value = data.get(field)
    if value is not None and not isinstance(value, str):
        errors[field] = [f"Enter {label} as text"]
        return None
    value = (value or "").strip() or None
    problem = text_problem(value, multiline=multiline) if value else None
    if value is None and required:
        errors[field] = [f"Enter {label}"]
    elif problem:
        errors[field] = [problem]
    elif value and len(value) > max_len:
        errors[field] = [f"{label[0].upper()}{label[1:]} must be {max_len} characters or fewer"]
    return value


def upload_name_problem(filename: Any) -> Optional[str]:
    """What is wrong with an uploaded file's name as a name to keep, or None (no control characters, no
    broken characters, no folders)."""
    if not isinstance(filename, str):
        return "Choose a file to upload"
    if text_problem(filename, multiline=False):
        return "The file name must not contain control characters. Rename the file and try again"
    return None


# --- dates: one way to write them, one rule for which are believable ------------------------------

#: how a date is typed in every form, every hint and every message about one (the GOV.UK style)
DATE_EXAMPLE = "31 3 2026"
#: the hint under every date field
DATE_HINT = f"For example, {DATE_EXAMPLE}"
#: no record of any kind is dated before this year
EARLIEST_YEAR = 1900
#: learning and time-off records (referrals, starts, completions, requests, decisions) begin in this year
LEARNING_YEAR = 1990
#: a planned date may be at most this many years ahead
PLANNED_YEARS = 10

#: the kinds of date, as (earliest year, whether it may be in the future): a date of something that has
#: happened cannot be in the future; a planned one can, by up to PLANNED_YEARS
HAPPENED = "happened"
PLANNED = "planned"
LEARNING_HAPPENED = "learning_happened"
LEARNING_PLANNED = "learning_planned"
DATE_KINDS: dict[str, tuple[int, bool]] = {
    HAPPENED: (EARLIEST_YEAR, False),
    PLANNED: (EARLIEST_YEAR, True),
    LEARNING_HAPPENED: (LEARNING_YEAR, False),
    LEARNING_PLANNED: (LEARNING_YEAR, True),
}

_MONTHS = {name: number for number, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december"), start=1)}
_MONTHS.update({name[:3]: number for name, number in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_UK_DATE = re.compile(r"^(\d{1,2})(?:\s*[/.\-]\s*|\s+)(\d{1,2}|[a-z]+)(?:\s*[/.\-]\s*|\s+)(\d{4})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def format_date(value: Optional[date]) -> str:
    """A date as the app writes it in sentences: '31 March 2026' (empty for none)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(UK).date() if value.tzinfo else value.date()
    return f"{value.day} {value:%B %Y}"


def date_input(value: Optional[date]) -> str:
    """A date as it is typed into a form ('31 3 2026'), to fill in a field for editing."""
    return f"{value.day} {value.month} {value.year}" if value else ""


def parse_date(value: Any) -> Optional[date]:
    """A date typed the UK way ('31 3 2026', '31/3/2026', '31-03-2026', '31 March 2026', '31 Mar 2026') or as
    ISO ('2026-03-31', what the API sends); None if it is not a real date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    typed = " ".join(value.strip().lower().split()).replace(",", "")
    try:
        if _ISO_DATE.match(typed):
            return date.fromisoformat(typed)
        found = _UK_DATE.match(typed)
        if not found:
            return None
        day_text, month_text, year_text = found.groups()
        month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text)
        if month is None:
            return None
        return date(int(year_text), month, int(day_text))
    except ValueError:
        return None


def latest_planned(today: Optional[date] = None) -> date:
    """The furthest a planned date may be: PLANNED_YEARS from today (28 February for 29 February)."""
    today = today or date.today()
    try:
        return today.replace(year=today.year + PLANNED_YEARS)
    except ValueError:
        return today.replace(year=today.year + PLANNED_YEARS, day=28)


def date_problem(value: date, kind: str = PLANNED, *, today: Optional[date] = None) -> Optional[str]:
    """What is wrong with ``value`` as a date of this kind (DATE_KINDS), or None. The one rule for every form and
    the API: nothing before 1900; learning and time-off records not before 1990; nothing that has happened in the
    future; nothing planned more than PLANNED_YEARS ahead."""
    earliest_year, may_be_ahead = DATE_KINDS[kind]
    today = today or date.today()
    if isinstance(value, datetime):
        value = value.date()
    if value.year < earliest_year:
        return f"This date must be in {earliest_year} or later"
    if not may_be_ahead and value > today:
        return "This date cannot be in the future"
    latest = latest_planned(today)
    if value > latest:
        return f"This date cannot be more than {PLANNED_YEARS} years ahead (after {format_date(latest)})"
    return None


def check_date(errors: dict, field: str, value: Optional[date], kind: str = PLANNED, *,
               today: Optional[date] = None) -> Optional[date]:
    """Adds the date rule's message for ``field`` to ``errors`` (unless it has one already); returns the value."""
    if value is not None and field not in errors:
        problem = date_problem(value, kind, today=today)
        if problem:
            errors[field] = [problem]
    return value


def bad_date_message(label: str) -> str:
    return f"Enter {label} as a real date, for example {DATE_EXAMPLE}"


def day(data: Mapping, errors: dict, field: str, label: str, *, required: bool = False, kind: str = PLANNED,
        today: Optional[date] = None) -> Optional[date]:
    """A date (typed the UK way or as ISO), checked against the date rule for its ``kind``."""
    value = data.get(field)
    if value in (None, ""):
        if required:
            errors[field] = [f"Enter {label}"]
        return None
    parsed = parse_date(value)
    if parsed is None:
        errors[field] = [bad_date_message(label)]
        return None
    check_date(errors, field, parsed, kind, today=today)
    return parsed


def _parse_moment(typed: str) -> Optional[datetime]:
    """ISO ('2026-03-31T09:30') or a UK date and a 24-hour time ('31 3 2026 09:30')."""
    typed = typed.strip()
    try:
        return datetime.fromisoformat(typed)
    except ValueError:
        pass
    date_part, _, time_part = typed.rpartition(" ")
    found = re.fullmatch(r"(\d{1,2})[:.](\d{2})", time_part)
    on = parse_date(date_part)
    if not found or on is None:
        return None
    try:
        return datetime(on.year, on.month, on.day, int(found.group(1)), int(found.group(2)))
    except ValueError:
        return None


def moment(data: Mapping, errors: dict, field: str, label: str, *, required: bool = False, kind: str = PLANNED,
           today: Optional[date] = None) -> Optional[datetime]:
    """A date and time; naive values are UK local time. Its date is checked like ``day``'s."""
    value = data.get(field)
    if value in (None, ""):
        if required:
            errors[field] = [f"Enter {label}"]
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        parsed = _parse_moment(str(value))
        if parsed is None:
            errors[field] = [f"Enter {label} as a date and time, for example {DATE_EXAMPLE} 09:30"]
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UK)
    check_date(errors, field, parsed.astimezone(UK).date(), kind, today=today)
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
    if isinstance(value, str) and value == "" and not required or value is None and not required:
        return None
    if isinstance(value, (list, dict, set)) or value not in options:  # (a JSON list or object is never a choice)
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

"""The question set, the life of a survey, the checks on an answer and the small-number rule for the results.
Pure functions: no database, no Flask."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Union

from ..core.validation import text_problem
from ..learners.models import BARRIERS, CONTRACTS, COURSE_CATEGORIES, HOURS, LEVEL_LABELS, STAFF_CATEGORIES

STATUSES = {"draft": "Draft", "open": "Open", "closed": "Closed"}
#: status -> the statuses it may move to (a closed survey may be opened again)
MOVES = {"draft": ("open",), "open": ("closed",), "closed": ("open",)}

SKILLS_FOR_LIFE = {"english": "Reading and writing (English)", "maths": "Maths and numbers",
                   "esol": "English for speakers of other languages (ESOL)"}
DIGITAL_SKILLS = {"confident": "I am confident using computers and phones",
                  "basics": "I can do the basics but would like to do more",
                  "help": "I would like help to get started"}
TIMES = {"before_work": "Before work", "during_work": "During work time", "lunchtime": "At lunchtime",
         "after_work": "Straight after work", "evenings": "Evenings", "weekends": "Weekends",
         "school_holidays": "School holidays"}
PLACES = {"at_work": "At my workplace", "learning_centre": "At a learning centre", "college": "At a college",
          "online_home": "Online at home", "online_work": "Online at work"}
#: levels a respondent may aim for (the ladder, in words they know)
LEVELS = {k: LEVEL_LABELS[k] for k in ("entry_1", "entry_2", "entry_3", "level_1", "level_2", "level_3", "level_4",
                                       "level_5", "level_6")}
LEVELS_WITH_UNSURE = {**LEVELS, "not_sure": "Not sure"}


@dataclass(frozen=True)
class Question:
    key: str
    #: the set's wording (a survey may change it)
    text: str
    #: "one" (radios), "many" (tick boxes), "line" (a short answer) or "text" (a longer answer)
    kind: str
    options: Mapping[str, str]
    hint: str = ""
    max_len: int = 0


#: the question set, in the order the page asks them
QUESTION_SET: tuple[Question, ...] = (
    Question("job_role", "What is your job?", "line", {}, "For example, teaching assistant, cleaner or cook", 120),
    Question("staff_category", "Which of these best describes your work?", "one", STAFF_CATEGORIES),
    Question("contract", "Do you work all year or term-time only?", "one", CONTRACTS),
    Question("hours", "Do you work full time or part time?", "one", HOURS),
    Question("course_types", "What kinds of learning interest you?", "many", COURSE_CATEGORIES,
             "Tick all that apply"),
    Question("level", "What level would you like to study at?", "one", LEVELS_WITH_UNSURE,
             "Entry levels are the first steps. Level 2 is like a GCSE, level 3 like an A level."),
    Question("skills_for_life", "Would you like help with any of these?", "many", SKILLS_FOR_LIFE,
             "Tick all that apply. Courses are free and friendly."),
    Question("digital_skills", "How do you feel about using computers and phones?", "one", DIGITAL_SKILLS),
    Question("times", "When could you learn?", "many", TIMES, "Tick all that apply"),
    Question("places", "Where would you like to learn?", "many", PLACES, "Tick all that apply"),
    Question("barriers", "What stops you, or might stop you, from learning?", "many", BARRIERS,
             "Tick all that apply"),
    Question("comments", "Anything else you would like to tell us?", "text", {},
             "Please do not name other people.", 2000),
)
QUESTIONS: dict[str, Question] = {q.key: q for q in QUESTION_SET}
ONE = tuple(q.key for q in QUESTION_SET if q.kind == "one")
MANY = tuple(q.key for q in QUESTION_SET if q.kind == "many")
TEXTS = tuple(q.key for q in QUESTION_SET if q.kind in ("line", "text"))
#: the longest wording a survey may give a question
WORDING_MAX = 300

#: contact details: only with consent
CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")
CONTACT_MAX = {"contact_name": 120, "contact_email": 254, "contact_phone": 30}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()-]{7,20}$")


def can_move(old: str, new: str) -> bool:
    return new in MOVES.get(old, ())


def takes_answers(status: str, responses: int, cap: int) -> Optional[str]:
    """Why a survey takes no answer now ("closed", "not_open", "full"), or None when it does."""
    if status == "draft":
        return "not_open"
    if status != "open":
        return "closed"
    if responses >= cap:
        return "full"
    return None


def wording_of(key: str, wording: Mapping[str, str]) -> str:
    return (wording or {}).get(key) or QUESTIONS[key].text


def _as_list(value: Any) -> list:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def check_answers(data: Mapping[str, Any], asked: tuple[str, ...] | list[str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(clean answers, errors by field) for what was sent to the questions ``asked``. Every answer is optional,
    but at least one must be given; a choice must be one of the question's; text has a length limit and no
    control characters. Questions not asked are ignored."""
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key in asked:
        q = QUESTIONS.get(key)
        if q is None:
            continue
        value = data.get(key)
        if q.kind == "one":
            if value in (None, ""):
                clean[key] = None
            elif not isinstance(value, str) or value not in q.options:
                errors[key] = ["Choose one of the answers"]
            else:
                clean[key] = value
        elif q.kind == "many":
            values = _as_list(value)
            if any(not isinstance(v, str) or v not in q.options for v in values) or len(values) > len(q.options):
                errors[key] = ["Choose from the answers given"]
            else:
                clean[key] = [k for k in q.options if k in values]  # the set's order, each once
        else:
            if value is not None and not isinstance(value, str):
                errors[key] = ["Enter your answer as text"]
                continue
            text = (value or "").strip()
            problem = text_problem(text, multiline=q.kind == "text") if text else None
            if problem:
                errors[key] = [problem]
            elif len(text) > q.max_len:
                errors[key] = [f"Your answer must be {q.max_len} characters or fewer (it has {len(text)})"]
            else:
                clean[key] = text or None
    if not errors and not any(clean.get(k) for k in clean):
        errors["_form"] = ["Answer at least one question before you send the survey"]
    return clean, errors


def check_contact(consent: bool, data: Mapping[str, Any]) -> tuple[dict[str, Optional[str]], dict[str, list[str]]]:
    """Contact details are kept only with consent. Without it, none may be given (nothing is kept that the
    person did not agree to); with it, a name and an e-mail address or a phone number."""
    clean: dict[str, Optional[str]] = {}
    errors: dict[str, list[str]] = {}
    for field in CONTACT_FIELDS:
        value = data.get(field)
        if value is not None and not isinstance(value, str):
            errors[field] = ["Enter this as text"]
            continue
        text = (value or "").strip()
        problem = text_problem(text, multiline=False) if text else None
        if problem:
            errors[field] = [problem]
        elif len(text) > CONTACT_MAX[field]:
            errors[field] = [f"This must be {CONTACT_MAX[field]} characters or fewer"]
        clean[field] = text or None
    if errors:
        return clean, errors
    given = any(clean.values())
    if not consent:
        if given:
            errors["consent"] = ["Tick the box if you want us to contact you, or leave your contact details empty"]
        return {f: None for f in CONTACT_FIELDS}, errors
    if not clean["contact_name"]:
        errors["contact_name"] = ["Enter your name, so that the learning rep knows who to ask for"]
    if not clean["contact_email"] and not clean["contact_phone"]:
        errors["contact_email"] = ["Enter an e-mail address or a phone number, so that we can contact you"]
    if clean["contact_email"] and not EMAIL.match(clean["contact_email"]):
        errors["contact_email"] = ["Enter an e-mail address in the correct format, like name@example.org"]
    if clean["contact_phone"] and not PHONE.match(clean["contact_phone"]):
        errors["contact_phone"] = ["Enter a phone number, like 07700 900 982"]
    return clean, errors


Shown = Union[int, str]


def small(count: int, threshold: int) -> Shown:
    """A count shown in the results: 1 to threshold - 1 as "<threshold" (zero stays 0)."""
    if threshold < 3:
        raise ValueError("The suppression threshold must be 3 or more: '<2' would show the count.")
    return f"<{threshold}" if 0 < count < threshold else count


def response_rate(responses: int, staff: Optional[int]) -> Optional[float]:
    """Responses as a percentage of the staff, to one decimal place; None when the staff number is not known."""
    if not staff or staff <= 0:
        return None
    return round(responses * 100.0 / staff, 1)

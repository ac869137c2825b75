"""The clause library: load clause sets from ``agreements/`` and build a draft agreement.

A clause set is a folder under the library (``agreements/unison-model-2026/``) holding a
``set.toml`` and one ``NN-slug.toml`` per clause. Each clause has a heading, an ``applies_when``
condition and a text with ``{placeholders}``; the builder keeps the clauses that apply, numbers
them 1..n and fills the placeholders from plain values (see :func:`agreement_values`). A
placeholder without a value is never printed blank: it becomes a visible marker
("[not yet agreed: number of ULR places]") and the clause is listed in ``Document.flagged``.

The file format and the ``applies_when`` language are described in ``agreements/README.md``.
Everything here is pure: no database writes, no request; an app context is only used to read
``AGREEMENT_CLAUSES_PATH``.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional

from ..core.templating import uk_date
from .models import (
    COURSE_CATEGORIES,
    KINDS,
    LEARNER_TIME,
    MEETING_FREQUENCIES,
    SCHOOLS_SCOPES,
    STATUSES,
)

DEFAULT_PATH = Path(__file__).resolve().parent.parent.parent / "agreements"

#: placeholder -> what it is, in words ("[not yet agreed: <label>]", "<Label> is not recorded")
PLACEHOLDERS: dict[str, str] = {
    "employer": "the employer",
    "branch": "the UNISON branch",
    "union_parties": "the unions party to the agreement",
    "other_unions": "the other unions",
    "services_covered": "the services covered",
    "schools_named_in": "the schools named as included",
    "schools_named_out": "the schools named as excluded",
    "ulr_places": "number of ULR places",
    "ulr_places_by_service": "ULR places in each service",
    "ulr_appointment": "how ULRs are appointed",
    "ulr_hours_per_month": "ULRs' pre-arranged time off",
    "facilities": "facilities for ULRs",
    "member_access_paid": "whether members' time with a ULR is paid",
    "learner_time_off": "learners' time off",
    "learner_time_by_course": "learners' time by type of course",
    "partnership_employer_members": "number of employer members of the partnership group",
    "partnership_union_members": "number of union members of the partnership group",
    "meeting_frequency": "how often the partnership group meets",
    "coordinator_release_days": "the co-ordinator's release",
    "learning_centre_details": "where the learning centre is and when it opens",
    "disputes_route": "the joint committee that hears unresolved disputes",
    "starts_on": "start date",
    "review_due_on": "review date",
}

#: conditions ``applies_when`` may test besides placeholders: name -> allowed values
#: (``None``: a yes/no fact), and the value used when the values dict does not say
CHOICE_FACTS: dict[str, dict[str, str]] = {
    "schools_scope": SCHOOLS_SCOPES,
    "kind": KINDS,
    "learner_time": LEARNER_TIME,
    "status": STATUSES,
}
FLAG_FACTS: dict[str, bool] = {
    "whole_employer": True,
    "equal_access": True,
    "ulr_paid_time_off": True,
    "ulr_ad_hoc_time": True,
    "member_access": True,
    "partnership_group": False,
    "coordinator": False,
    "learning_centre": False,
    "needs_analysis_learning_only": True,
    "confidentiality": True,
    "not_substitute_for_bargaining": True,
    "grievances_existing_procedures": True,
}
#: placeholders whose label is plural ("... are not recorded")
PLURAL = {"union_parties", "other_unions", "services_covered", "schools_named_in", "schools_named_out",
          "ulr_places_by_service", "facilities"}
FACT_DEFAULTS: dict[str, Any] = {
    **FLAG_FACTS, "schools_scope": "silent", "kind": "partnership", "learner_time": "not_stated", "status": "draft",
}
assert not (set(CHOICE_FACTS) | set(FLAG_FACTS)) & set(PLACEHOLDERS), "a fact and a placeholder share a name"

#: warnings the builder adds whatever the clause set: (fact, value that triggers it, message)
WARNINGS: tuple[tuple[str, Any, str], ...] = (
    ("schools_scope", "silent", "The agreement says nothing about schools. Where agreements were silent on "
     "schools, little or nothing happened in them: say whether school staff are included or excluded."),
    ("needs_analysis_learning_only", False, "The agreement does not say that the learning needs analysis is used "
     "solely for learning (never for pay, appraisal, redundancy or discipline)."),
    ("confidentiality", False, "The agreement does not promise confidentiality of individual learning needs."),
    ("not_substitute_for_bargaining", False, "The agreement does not say it is no substitute for collective bargaining."),
    ("grievances_existing_procedures", False, "The agreement does not say how grievances about learning are handled."),
)

FACILITY_WORDS = {
    "room": "a private room for confidential conversations",
    "phone": "a telephone",
    "computer": "a computer",
    "email": "e-mail",
    "printer": "a printer and photocopier",
    "noticeboard": "a noticeboard",
    "storage": "secure, lockable storage",
}
LEARNER_TIME_WORDS = {
    "paid": "learners will be given paid time off to attend courses and sit assessments",
    "matched": "the employer will give learners one hour of paid time off for each hour they study in their own time",
    "own_time": "learning will take place in learners' own time",
}
LEARNER_TIME_SHORT = {
    "paid": "paid time off",
    "matched": "matched time (an hour of paid time for each hour of own time)",
    "own_time": "learners' own time",
}

SET_FILE = "set.toml"
CLAUSE_FILE = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.toml$")
SET_CODE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
CLAUSE_KEYS = {"heading", "applies_when", "text", "extra"}
EXTRA_KEYS = {"applies_when", "text"}
SET_KEYS = {"name", "version", "description"}


class ClauseSetError(ValueError):
    """A clause set or clause file is broken; the message names the file."""


class ConditionError(ValueError):
    """An ``applies_when`` expression is not valid."""


# --------------------------------------------------------------------------- applies_when


Condition = Callable[[Mapping[str, Any]], bool]

_TOKEN = re.compile(r"\s*(?:(==|!=)|([\[\](),])|([A-Za-z0-9_]+))")


def _tokens(source: str) -> list[str]:
    out, pos = [], 0
    source = source.rstrip()
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if not match or match.end() == pos:
            raise ConditionError(f"cannot read {source[pos:].strip()!r} in {source!r}")
        out.append(match.group(match.lastindex))
        pos = match.end()
    return out


def fact(values: Mapping[str, Any], name: str) -> Any:
    """A yes/no or choice fact from the values, or its default."""
    value = values.get(name)
    return FACT_DEFAULTS[name] if value is None else value


def has_value(value: Any) -> bool:
    return value is not None and value != "" and value != []


def parse_condition(source: str) -> Condition:
    """Compile an ``applies_when`` expression into a function of the values dict.

    Grammar (lowest precedence first)::

        expr  := term ("or" term)*
        term  := factor ("and" factor)*
        factor:= "not" factor | "(" expr ")" | "always" | test
        test  := NAME | NAME ("==" | "!=") VALUE | NAME ["not"] "in" "[" VALUE ("," VALUE)* "]"

    NAME is a yes/no fact (true when the agreement says yes), a choice fact (compared with one
    of its codes) or a placeholder (true when the agreement records a value for it).
    """
    if not isinstance(source, str) or not source.strip():
        raise ConditionError("applies_when is empty (write \"always\" for a clause that always applies)")
    tokens = _tokens(source)
    pos = 0

    def peek() -> Optional[str]:
        return tokens[pos] if pos < len(tokens) else None

    def take(expected: Optional[str] = None) -> str:
        nonlocal pos
        token = peek()
        if token is None:
            raise ConditionError(f"{source!r} ends too early" + (f" (expected {expected!r})" if expected else ""))
        if expected is not None and token != expected:
            raise ConditionError(f"expected {expected!r} but found {token!r} in {source!r}")
        pos += 1
        return token

    def choice_value(name: str) -> str:
        value = take()
        if value not in CHOICE_FACTS[name]:
            allowed = ", ".join(CHOICE_FACTS[name])
            raise ConditionError(f"{value!r} is not a value of {name} (one of: {allowed})")
        return value

    def test() -> Condition:
        name = take()
        if name in {"and", "or", "not", "in", "(", ")", "[", "]", ",", "==", "!="}:
            raise ConditionError(f"expected a name but found {name!r} in {source!r}")
        if name == "always":
            return lambda values: True
        if name not in CHOICE_FACTS and name not in FLAG_FACTS and name not in PLACEHOLDERS:
            raise ConditionError(f"unknown name {name!r} in {source!r}")
        op = peek()
        negate_in = op == "not" and pos + 1 < len(tokens) and tokens[pos + 1] == "in"
        if op in {"==", "!=", "in"} or negate_in:
            if name not in CHOICE_FACTS:
                raise ConditionError(f"{name} is not a choice, so it cannot be compared (write just {name!r})")
            if negate_in:
                take("not")
            op = take()
            if op in {"==", "!="}:
                wanted = {choice_value(name)}
            else:
                take("[")
                wanted = {choice_value(name)}
                while peek() == ",":
                    take(",")
                    wanted.add(choice_value(name))
                take("]")
            positive = op in {"==", "in"} and not negate_in
            return lambda values: (fact(values, name) in wanted) == positive
        if name in CHOICE_FACTS:
            raise ConditionError(f"{name} is a choice: compare it, e.g. \"{name} == {next(iter(CHOICE_FACTS[name]))}\"")
        if name in FLAG_FACTS:
            return lambda values: bool(fact(values, name))
        return lambda values: has_value(values.get(name))

    def factor() -> Condition:
        token = peek()
        if token == "not":
            take()
            inner = factor()
            return lambda values: not inner(values)
        if token == "(":
            take("(")
            inner = expr()
            take(")")
            return inner
        return test()

    def term() -> Condition:
        parts = [factor()]
        while peek() == "and":
            take()
            parts.append(factor())
        return parts[0] if len(parts) == 1 else (lambda values: all(p(values) for p in parts))

    def expr() -> Condition:
        parts = [term()]
        while peek() == "or":
            take()
            parts.append(term())
        return parts[0] if len(parts) == 1 else (lambda values: any(p(values) for p in parts))

    result = expr()
    if pos != len(tokens):
        raise ConditionError(f"unexpected {tokens[pos]!r} in {source!r}")
    return result


def applies(source: str, values: Mapping[str, Any]) -> bool:
    """Whether an ``applies_when`` expression holds for these values."""
    return parse_condition(source)(values)


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class Passage:
    """The clause's text, or an extra paragraph group that applies on its own condition."""

    applies_when: str
    condition: Condition = field(repr=False, compare=False)
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class ClauseSpec:
    file: str
    order: int
    slug: str
    heading: str
    applies_when: str
    condition: Condition = field(repr=False, compare=False)
    passages: tuple[Passage, ...]

    def placeholders(self) -> set[str]:
        return {name for p in self.passages for para in p.paragraphs for name in PLACEHOLDER.findall(para)}


@dataclass(frozen=True)
class ClauseSet:
    code: str
    name: str
    version: str
    description: str
    clauses: tuple[ClauseSpec, ...]


def library_path(path: Optional[Path | str] = None) -> Path:
    """The clause library folder: the argument, else AGREEMENT_CLAUSES_PATH, else ``agreements/``."""
    if path is not None:
        return Path(path)
    from flask import current_app, has_app_context

    if has_app_context() and current_app.config.get("AGREEMENT_CLAUSES_PATH"):
        return Path(current_app.config["AGREEMENT_CLAUSES_PATH"])
    return DEFAULT_PATH


def _read_toml(file: Path, shown: str) -> dict[str, Any]:
    try:
        with file.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ClauseSetError(f"{shown}: not valid TOML ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise ClauseSetError(f"{shown}: not UTF-8 text") from exc


def _paragraphs(text: str) -> tuple[str, ...]:
    """Paragraphs are separated by blank lines; line breaks inside a paragraph are spaces."""
    return tuple(" ".join(block.split()) for block in re.split(r"\n\s*\n", text.strip()) if block.strip())


def _check_text(text: Any, shown: str, where: str) -> tuple[str, ...]:
    if not isinstance(text, str) or not text.strip():
        raise ClauseSetError(f"{shown}: {where} is missing or empty")
    paragraphs = _paragraphs(text)
    for para in paragraphs:
        for name in PLACEHOLDER.findall(para):
            if name not in PLACEHOLDERS:
                raise ClauseSetError(f"{shown}: unknown placeholder {{{name}}} in {where}"
                                     f" (known: {', '.join(sorted(PLACEHOLDERS))})")
        if "{" in PLACEHOLDER.sub("", para) or "}" in PLACEHOLDER.sub("", para):
            raise ClauseSetError(f"{shown}: unmatched brace in {where}: {para[:60]!r}")
    return paragraphs


def _condition(source: Any, shown: str, where: str) -> Condition:
    if not isinstance(source, str):
        raise ClauseSetError(f"{shown}: {where} must be a string such as \"always\"")
    try:
        return parse_condition(source)
    except ConditionError as exc:
        raise ClauseSetError(f"{shown}: bad {where}: {exc}") from exc


def load_clause(file: Path, shown: Optional[str] = None) -> ClauseSpec:
    shown = shown or file.name
    match = CLAUSE_FILE.match(file.name)
    if not match:
        raise ClauseSetError(f"{shown}: clause files are named NN-slug.toml, e.g. 07-ulr-time-off.toml")
    data = _read_toml(file, shown)
    unknown = set(data) - CLAUSE_KEYS
    if unknown:
        raise ClauseSetError(f"{shown}: unknown key(s) {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(CLAUSE_KEYS))})")
    heading = data.get("heading")
    if not isinstance(heading, str) or not heading.strip():
        raise ClauseSetError(f"{shown}: heading is missing or empty")
    if "applies_when" not in data:
        raise ClauseSetError(f"{shown}: applies_when is missing (write \"always\" for a clause that always applies)")
    condition = _condition(data["applies_when"], shown, "applies_when")
    passages = [Passage("always", lambda values: True, _check_text(data.get("text"), shown, "text"))]
    extras = data.get("extra", [])
    if not isinstance(extras, list):
        raise ClauseSetError(f"{shown}: extra must be an array of tables ([[extra]])")
    for i, extra in enumerate(extras, start=1):
        where = f"extra #{i}"
        if not isinstance(extra, dict):
            raise ClauseSetError(f"{shown}: {where} must be a table with applies_when and text")
        unknown = set(extra) - EXTRA_KEYS
        if unknown:
            raise ClauseSetError(f"{shown}: unknown key(s) {', '.join(sorted(unknown))} in {where}")
        if "applies_when" not in extra:
            raise ClauseSetError(f"{shown}: {where} has no applies_when")
        passages.append(Passage(extra["applies_when"], _condition(extra["applies_when"], shown, f"applies_when of {where}"),
                                _check_text(extra.get("text"), shown, f"text of {where}")))
    return ClauseSpec(file=file.name, order=int(match.group(1)), slug=match.group(2), heading=" ".join(heading.split()),
                      applies_when=data["applies_when"], condition=condition, passages=tuple(passages))


def load_set(code: str, path: Optional[Path | str] = None) -> ClauseSet:
    """Load and validate one clause set (raises :class:`ClauseSetError` naming the file)."""
    root = library_path(path)
    if not SET_CODE.match(code or ""):
        raise ClauseSetError(f"{code!r} is not a clause set code (a folder name such as unison-model-2026)")
    folder = root / code
    if not folder.is_dir():
        raise ClauseSetError(f"there is no clause set {code!r} in {root}")
    set_file = folder / SET_FILE
    if not set_file.is_file():
        raise ClauseSetError(f"{code}/{SET_FILE}: missing (every clause set needs one)")
    meta = _read_toml(set_file, f"{code}/{SET_FILE}")
    unknown = set(meta) - SET_KEYS
    if unknown:
        raise ClauseSetError(f"{code}/{SET_FILE}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("name", "version"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise ClauseSetError(f"{code}/{SET_FILE}: {key} is missing or empty")
    clauses = []
    for file in sorted(folder.iterdir()):
        if file.name == SET_FILE or file.name.startswith(".") or file.suffix != ".toml":
            continue
        clauses.append(load_clause(file, f"{code}/{file.name}"))
    if not clauses:
        raise ClauseSetError(f"{code}: the set has no clause files")
    seen: dict[int, str] = {}
    for clause in clauses:
        if clause.order in seen:
            raise ClauseSetError(f"{code}/{clause.file}: number {clause.order:02d} is also used by {seen[clause.order]}")
        seen[clause.order] = clause.file
    return ClauseSet(code=code, name=meta["name"].strip(), version=meta["version"].strip(),
                     description=" ".join(str(meta.get("description", "")).split()), clauses=tuple(clauses))


def set_codes(path: Optional[Path | str] = None) -> list[str]:
    root = library_path(path)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def load_sets(path: Optional[Path | str] = None) -> list[ClauseSet]:
    return [load_set(code, path) for code in set_codes(path)]


def list_sets(path: Optional[Path | str] = None) -> list[tuple[str, str, str]]:
    """``[(code, name, version)]`` of every clause set in the library, validated."""
    return [(s.code, s.name, s.version) for s in load_sets(path)]


# --------------------------------------------------------------------------- building


@dataclass(frozen=True)
class Part:
    """A run of a filled paragraph: plain text, or the marker for a missing value."""

    text: str
    missing: Optional[str] = None  # the placeholder name when this is a marker


@dataclass
class Clause:
    number: int
    heading: str
    paragraphs: list[str]
    parts: list[list[Part]]
    missing: list[str]
    source: str = ""

    @property
    def flagged(self) -> bool:
        return bool(self.missing)

    @property
    def missing_labels(self) -> list[str]:
        return [PLACEHOLDERS[name] for name in self.missing]


@dataclass(frozen=True)
class Flag:
    clause_number: int
    heading: str
    placeholder: str
    label: str

    @property
    def message(self) -> str:
        verb = "are" if self.placeholder in PLURAL else "is"
        return f"{self.label[0].upper()}{self.label[1:]} {verb} not recorded"

    def as_dict(self) -> dict[str, Any]:
        return {"clause": self.clause_number, "heading": self.heading, "placeholder": self.placeholder,
                "message": self.message}


@dataclass(frozen=True)
class Signatory:
    party: str
    side: str  # "employer" or "union"
    name: Optional[str] = None
    role: Optional[str] = None


@dataclass
class Document:
    title: str
    set_code: str
    set_name: str
    set_version: str
    parties: list[str]
    clauses: list[Clause]
    flagged: list[Flag]
    warnings: list[str]
    signatories: list[Signatory]
    signed_on: Optional[str] = None
    status: str = "draft"
    status_label: str = "Draft"

    @property
    def is_draft(self) -> bool:
        return self.status != "signed"

    def flagged_json(self) -> list[dict[str, Any]]:
        return [f.as_dict() for f in self.flagged]


def marker(name: str) -> str:
    return f"[not yet agreed: {PLACEHOLDERS[name]}]"


def _fill(paragraph: str, values: Mapping[str, Any], missing: list[str]) -> list[Part]:
    parts: list[Part] = []
    pos = 0
    for match in PLACEHOLDER.finditer(paragraph):
        if match.start() > pos:
            parts.append(Part(paragraph[pos:match.start()]))
        name = match.group(1)
        value = values.get(name)
        if has_value(value):
            parts.append(Part(str(value)))
        else:
            parts.append(Part(marker(name), missing=name))
            if name not in missing:
                missing.append(name)
        pos = match.end()
    if pos < len(paragraph):
        parts.append(Part(paragraph[pos:]))
    merged: list[Part] = []  # join neighbouring plain runs
    for part in parts:
        if merged and part.missing is None and merged[-1].missing is None:
            merged[-1] = Part(merged[-1].text + part.text)
        else:
            merged.append(part)
    return merged


def _check_facts(values: Mapping[str, Any]) -> None:
    for name, allowed in CHOICE_FACTS.items():
        value = values.get(name)
        if value is not None and value not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")


def build_document(set_code: str, values: Mapping[str, Any], *, path: Optional[Path | str] = None) -> Document:
    """Assemble the draft: the clauses that apply, numbered 1..n, placeholders filled or flagged."""
    _check_facts(values)
    clause_set = load_set(set_code, path)
    clauses: list[Clause] = []
    flagged: list[Flag] = []
    for spec in clause_set.clauses:
        if not spec.condition(values):
            continue
        number = len(clauses) + 1
        missing: list[str] = []
        parts = [_fill(para, values, missing)
                 for passage in spec.passages if passage.condition(values)
                 for para in passage.paragraphs]
        paragraphs = ["".join(p.text for p in para) for para in parts]
        clauses.append(Clause(number=number, heading=spec.heading, paragraphs=paragraphs, parts=parts,
                              missing=missing, source=spec.file))
        flagged.extend(Flag(number, spec.heading, name, PLACEHOLDERS[name]) for name in missing)

    warnings = [message for name, trigger, message in WARNINGS if fact(values, name) == trigger]
    employer_side, union_side = values.get("partnership_employer_members"), values.get("partnership_union_members")
    if fact(values, "partnership_group") and has_value(employer_side) and has_value(union_side) \
            and str(employer_side) != str(union_side):
        warnings.append(f"The partnership group is not balanced: {employer_side} employer members and "
                        f"{union_side} union members. Model agreements give each side the same number.")

    branch = values.get("branch") or marker("branch")
    employer = values.get("employer") or marker("employer")
    signatories = [
        Signatory(employer, "employer", values.get("employer_signatory"), values.get("employer_signatory_role")),
        Signatory(branch, "union", values.get("union_signatory"), values.get("union_signatory_role")),
    ]
    signatories += [Signatory(union, "union") for union in values.get("other_unions_list") or []]
    status = fact(values, "status")
    return Document(
        title=values.get("title") or clause_set.name,
        set_code=clause_set.code, set_name=clause_set.name, set_version=clause_set.version,
        parties=[employer, branch, *(values.get("other_unions_list") or [])],
        clauses=clauses, flagged=flagged, warnings=warnings, signatories=signatories,
        signed_on=values.get("signed_on") or None, status=status, status_label=STATUSES[status],
    )


# --------------------------------------------------------------------------- from an Agreement


def join_words(items: Iterable[str]) -> Optional[str]:
    """``["a", "b", "c"]`` -> ``"a, b and c"``; nothing -> None."""
    items = [str(i).strip() for i in items if i is not None and str(i).strip()]
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def split_unions(text: Optional[str]) -> list[str]:
    """"GMB, Unite and Unison" -> ["GMB", "Unite", "Unison"]."""
    if not text:
        return []
    return [p.strip() for p in re.split(r",|;|\band\b|&", text) if p.strip()]


def number_words(value: Any, unit: str, per: str = "") -> Optional[str]:
    """``Decimal("1.5"), "day", " a week"`` -> ``"1.5 days a week"``."""
    if value is None:
        return None
    number = Decimal(str(value)).normalize()
    if number == number.to_integral():
        number = number.quantize(Decimal(1))
    text = format(number, "f")
    return f"{text} {unit}{'' if number == 1 else 's'}{per}"


def free_text(value: Optional[str]) -> Optional[str]:
    """Text typed into the agreement, ready to sit inside a sentence (no trailing full stop)."""
    text = " ".join((value or "").split()).rstrip(".;, ")
    return text or None


def branch_name(name: Optional[str]) -> Optional[str]:
    if not name:
        return None
    return name if "unison" in name.lower() else f"{name} UNISON"


def agreement_values(agreement: Any) -> dict[str, Any]:
    """The plain values for :func:`build_document` from an Agreement and its children.

    Placeholders get human wording (or None when the agreement does not record them); facts
    keep their codes and booleans for ``applies_when``. Reads only; writes nothing.
    """
    a = agreement
    branch = branch_name(a.branch.name if a.branch is not None else None)
    employer = a.employer.name if a.employer is not None else None
    others = split_unions(a.other_unions)
    schools_in = [s.workplace.name for s in a.named_schools if s.inclusion == "in"]
    schools_out = [s.workplace.name for s in a.named_schools if s.inclusion == "out"]
    places = [f"{p.service} ({p.places})" for p in a.ulr_places_by_service]
    courses = [f"{COURSE_CATEGORIES.get(t.course_category, t.course_category)}: "
               f"{LEARNER_TIME_SHORT.get(t.arrangement, 'to be agreed')}" for t in a.learner_time_by_course]
    facilities = [FACILITY_WORDS.get(code, code) for code in (a.ulr_facilities or [])]
    if a.ulr_places is not None:
        ulr_places: Optional[str] = str(a.ulr_places)
    elif a.ulr_places_by_service:
        ulr_places = str(sum(p.places for p in a.ulr_places_by_service))
    else:
        ulr_places = None
    frequency = MEETING_FREQUENCIES.get(a.partnership_meeting_frequency or "", None)
    return {
        # facts for applies_when
        "kind": a.kind, "status": a.status, "schools_scope": a.schools_scope, "learner_time": a.learner_time_off,
        **{name: bool(getattr(a, name)) for name in FLAG_FACTS},
        # document
        "title": a.title,
        "other_unions_list": others,
        "employer_signatory": a.employer_signatory, "employer_signatory_role": a.employer_signatory_role,
        "union_signatory": a.union_signatory, "union_signatory_role": a.union_signatory_role,
        "signed_on": uk_date(a.signed_on) or None,
        # placeholders
        "employer": employer,
        "branch": branch,
        "union_parties": join_words([branch or "", *others]),
        "other_unions": join_words(others),
        "services_covered": free_text(a.services_covered),
        "schools_named_in": join_words(schools_in),
        "schools_named_out": join_words(schools_out),
        "ulr_places": ulr_places,
        "ulr_places_by_service": join_words(places),
        "ulr_appointment": free_text(a.ulr_appointment),
        "ulr_hours_per_month": number_words(a.ulr_hours_per_month, "hour", " a month"),
        "facilities": join_words(facilities),
        "member_access_paid": ("and that time will be paid at their normal rate" if a.member_access_paid
                               else "but that time will be unpaid"),
        "learner_time_off": LEARNER_TIME_WORDS.get(a.learner_time_off),
        "learner_time_by_course": "; ".join(courses) or None,
        "partnership_employer_members": (str(a.partnership_employer_members)
                                         if a.partnership_employer_members is not None else None),
        "partnership_union_members": (str(a.partnership_union_members)
                                      if a.partnership_union_members is not None else None),
        "meeting_frequency": frequency,
        "coordinator_release_days": number_words(a.coordinator_release_days, "day", " a week"),
        "learning_centre_details": free_text(a.learning_centre_details),
        "disputes_route": free_text(a.disputes_route),
        "starts_on": uk_date(a.starts_on) or None,
        "review_due_on": uk_date(a.review_due_on) or None,
    }


__all__ = [
    "PLACEHOLDERS", "ClauseSetError", "ConditionError", "Document", "Clause", "Flag", "Signatory",
    "agreement_values", "applies", "build_document", "list_sets", "load_set", "parse_condition",
]

"""The clause library: the applies_when language, loading and validating sets, building drafts."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from ulr_app.agreements import clauses as c
from ulr_app.agreements.clauses import (
    ClauseSetError,
    ConditionError,
    applies,
    build_document,
    list_sets,
    load_set,
    parse_condition,
)

MODEL = "unison-model-2026"

# --------------------------------------------------------------------------- applies_when


@pytest.mark.parametrize("source,values,expected", [
    ("always", {}, True),
    ("  always  ", {"coordinator": False}, True),
    # yes/no facts, with the model's defaults when the values do not say
    ("partnership_group", {}, False),
    ("partnership_group", {"partnership_group": True}, True),
    ("whole_employer", {}, True),
    ("not whole_employer", {}, False),
    ("not whole_employer", {"whole_employer": False}, True),
    ("not not whole_employer", {"whole_employer": False}, False),
    # choices
    ("schools_scope == included", {"schools_scope": "included"}, True),
    ("schools_scope == included", {"schools_scope": "excluded"}, False),
    ("schools_scope == silent", {}, True),  # default
    ("schools_scope != silent", {"schools_scope": "excluded"}, True),
    ("schools_scope != silent", {"schools_scope": "silent"}, False),
    ("schools_scope in [included]", {"schools_scope": "included"}, True),
    ("schools_scope in [included, excluded]", {"schools_scope": "excluded"}, True),
    ("schools_scope in [included, excluded]", {"schools_scope": "silent"}, False),
    ("schools_scope not in [silent]", {"schools_scope": "included"}, True),
    ("schools_scope not in [silent]", {}, False),
    ("not schools_scope in [silent]", {"schools_scope": "included"}, True),
    ("kind == short_term", {"kind": "short_term"}, True),
    ("learner_time in [paid, matched]", {"learner_time": "matched"}, True),
    ("status == signed", {"status": "draft"}, False),
    # placeholders: true when there is a value
    ("schools_named_in", {"schools_named_in": "Brunswick Park Primary School"}, True),
    ("schools_named_in", {"schools_named_in": ""}, False),
    ("schools_named_in", {}, False),
    ("ulr_places", {"ulr_places": "0"}, True),
    # combinations: not > and > or
    ("coordinator and learning_centre", {"coordinator": True, "learning_centre": True}, True),
    ("coordinator and learning_centre", {"coordinator": True}, False),
    ("coordinator or learning_centre", {"learning_centre": True}, True),
    ("coordinator or learning_centre", {}, False),
    ("not coordinator and learning_centre", {"learning_centre": True}, True),
    ("not (coordinator and learning_centre)", {"coordinator": True, "learning_centre": True}, False),
    ("coordinator or learning_centre and member_access", {"coordinator": True, "member_access": False}, True),
    ("(coordinator or learning_centre) and member_access", {"coordinator": True, "member_access": False}, False),
    ("partnership_group and schools_scope == included and not whole_employer",
     {"partnership_group": True, "schools_scope": "included", "whole_employer": False}, True),
])
def test_applies_when(source, values, expected):
    assert applies(source, values) is expected


@pytest.mark.parametrize("source,message", [
    ("", "empty"),
    ("   ", "empty"),
    ("sometimes", "unknown name 'sometimes'"),
    ("schools_scope == maybe", "'maybe' is not a value of schools_scope"),
    ("schools_scope in [included, nowhere]", "'nowhere' is not a value of schools_scope"),
    ("schools_scope", "schools_scope is a choice"),
    ("coordinator == yes", "coordinator is not a choice"),
    ("ulr_places == 3", "ulr_places is not a choice"),
    ("schools_scope in [included", "ends too early"),
    ("schools_scope in included", "expected '['"),
    ("schools_scope in []", "']' is not a value of schools_scope"),
    ("and coordinator", "expected a name"),
    ("coordinator and", "ends too early"),
    ("coordinator coordinator", "unexpected 'coordinator'"),
    ("(coordinator", "ends too early"),
    ("coordinator)", "unexpected ')'"),
    ("coordinator & learning_centre", "cannot read"),
    ("schools_scope = included", "cannot read"),
])
def test_bad_applies_when(source, message):
    with pytest.raises(ConditionError, match=re.escape(message)):
        parse_condition(source)


# --------------------------------------------------------------------------- the shipped library


def test_shipped_sets_load_and_validate():
    sets = list_sets()
    assert (MODEL, "UNISON model learning agreement (2026)", "2026.1") in sets
    model = load_set(MODEL)
    assert 18 <= len(model.clauses) <= 24
    assert model.description
    orders = [clause.order for clause in model.clauses]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    used = set().union(*(clause.placeholders() for clause in model.clauses))
    for name in ("employer", "union_parties", "ulr_places", "ulr_hours_per_month", "coordinator_release_days",
                 "partnership_employer_members", "partnership_union_members", "meeting_frequency", "review_due_on",
                 "learner_time_off", "member_access_paid", "facilities", "services_covered", "schools_named_in",
                 "schools_named_out", "learning_centre_details", "disputes_route", "starts_on"):
        assert name in used, f"the model set never uses {{{name}}}"


def test_every_element_of_a_model_agreement_is_covered():
    """domain.md section 3: each element a model learning agreement contains has a clause."""
    text = " ".join(
        (clause.heading + " " + " ".join(p for passage in clause.passages for p in passage.paragraphs)).lower()
        for clause in load_set(MODEL).clauses
    )
    for phrase in ("part-time", "shift", "term-time", "written", "six months", "168a", "facilities",
                   "partnership group", "co-ordinator", "learning centre", "solely", "pay", "appraisal",
                   "redundancy", "discipline", "confidential", "not a substitute for collective bargaining",
                   "grievance procedure", "partnership group", "review", "sign"):
        assert phrase in text, phrase


def test_readme_documents_every_placeholder_and_fact():
    readme = (c.DEFAULT_PATH / "README.md").read_text(encoding="utf-8")
    for name in c.PLACEHOLDERS:
        assert "{" + name + "}" in readme, name
    for name in [*c.FLAG_FACTS, *c.CHOICE_FACTS]:
        assert f"`{name}`" in readme, name
    assert "our own" in readme


# --------------------------------------------------------------------------- broken sets

GOOD_CLAUSE = 'heading = "Parties"\napplies_when = "always"\ntext = """\nBetween {employer} and {branch}.\n"""\n'


def make_set(root: Path, files: dict[str, str], code: str = "test-set", meta: str | None = None) -> Path:
    folder = root / code
    folder.mkdir(parents=True)
    (folder / "set.toml").write_text(meta if meta is not None else 'name = "Test set"\nversion = "1"\n',
                                     encoding="utf-8")
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    return root


@pytest.mark.parametrize("files,message", [
    ({"01-parties.toml": 'heading = "Parties"\napplies_when = "always"\ntext = """unclosed\n'},
     "test-set/01-parties.toml: not valid TOML"),
    ({"01-parties.toml": 'applies_when = "always"\ntext = "Between {employer}."\n'},
     "test-set/01-parties.toml: heading is missing or empty"),
    ({"01-parties.toml": 'heading = "  "\napplies_when = "always"\ntext = "x"\n'},
     "test-set/01-parties.toml: heading is missing or empty"),
    ({"01-parties.toml": 'heading = "Parties"\napplies_when = "always"\n'},
     "test-set/01-parties.toml: text is missing or empty"),
    ({"01-parties.toml": 'heading = "Parties"\napplies_when = "always"\ntext = "Up to {ulr_count} ULRs."\n'},
     "test-set/01-parties.toml: unknown placeholder {ulr_count} in text"),
    ({"01-parties.toml": 'heading = "Parties"\napplies_when = "always"\ntext = "Up to {ulr places} ULRs."\n'},
     "unknown placeholder {ulr places}"),
    ({"01-parties.toml": 'heading = "Parties"\napplies_when = "always"\ntext = "A { stray brace."\n'},
     "test-set/01-parties.toml: unmatched brace"),
    ({"01-parties.toml": 'heading = "Parties"\napplies_when = "schools == included"\ntext = "x"\n'},
     "test-set/01-parties.toml: bad applies_when: unknown name 'schools'"),
    ({"01-parties.toml": 'heading = "Parties"\ntext = "x"\n'},
     "test-set/01-parties.toml: applies_when is missing"),
    ({"01-parties.toml": 'heading = "Parties"\napplies_when = true\ntext = "x"\n'},
     "test-set/01-parties.toml: applies_when must be a string"),
    ({"01-parties.toml": 'heading = "Parties"\napplies_when = "always"\ntext = "x"\ntitle = "y"\n'},
     "test-set/01-parties.toml: unknown key(s) title"),
    ({"01-parties.toml": GOOD_CLAUSE + '[[extra]]\napplies_when = "coordinator =="\ntext = "x"\n'},
     "test-set/01-parties.toml: bad applies_when of extra #1"),
    ({"01-parties.toml": GOOD_CLAUSE + '[[extra]]\napplies_when = "always"\ntext = "{nope}"\n'},
     "test-set/01-parties.toml: unknown placeholder {nope} in text of extra #1"),
    ({"1-parties.toml": GOOD_CLAUSE}, "test-set/1-parties.toml: clause files are named NN-slug.toml"),
    ({"01_Parties.toml": GOOD_CLAUSE}, "test-set/01_Parties.toml: clause files are named NN-slug.toml"),
    ({"01-parties.toml": GOOD_CLAUSE, "01-scope.toml": GOOD_CLAUSE}, "number 01 is also used by 01-parties.toml"),
    ({}, "test-set: the set has no clause files"),
])
def test_broken_clause_files_give_clear_errors(tmp_path, files, message):
    make_set(tmp_path, files)
    with pytest.raises(ClauseSetError) as raised:
        load_set("test-set", tmp_path)
    assert message in str(raised.value)


@pytest.mark.parametrize("meta,message", [
    ('version = "1"\n', "test-set/set.toml: name is missing or empty"),
    ('name = "Test"\n', "test-set/set.toml: version is missing or empty"),
    ('name = "Test"\nversion = 1\n', "test-set/set.toml: version is missing or empty"),
    ('name = "Test"\nversion = "1"\nauthor = "me"\n', "test-set/set.toml: unknown key(s) author"),
    ('name = "Test\n', "test-set/set.toml: not valid TOML"),
])
def test_broken_set_toml(tmp_path, meta, message):
    make_set(tmp_path, {"01-parties.toml": GOOD_CLAUSE}, meta=meta)
    with pytest.raises(ClauseSetError, match=re.escape(message)):
        load_set("test-set", tmp_path)


def test_missing_set_toml_and_unknown_set(tmp_path):
    (tmp_path / "no-meta").mkdir()
    (tmp_path / "no-meta" / "01-parties.toml").write_text(GOOD_CLAUSE, encoding="utf-8")
    with pytest.raises(ClauseSetError, match=re.escape("no-meta/set.toml: missing")):
        list_sets(tmp_path)
    with pytest.raises(ClauseSetError, match="there is no clause set 'elsewhere'"):
        load_set("elsewhere", tmp_path)
    with pytest.raises(ClauseSetError, match="not a clause set code"):
        load_set("../etc", tmp_path)


def test_library_path_from_app_config(app, tmp_path):
    make_set(tmp_path, {"01-parties.toml": GOOD_CLAUSE}, code="branch-own")
    app.config["AGREEMENT_CLAUSES_PATH"] = str(tmp_path)
    try:
        assert list_sets() == [("branch-own", "Test set", "1")]
        document = build_document("branch-own", {"employer": "Acme Council", "branch": "Acme UNISON"})
        assert document.clauses[0].paragraphs == ["Between Acme Council and Acme UNISON."]
    finally:
        del app.config["AGREEMENT_CLAUSES_PATH"]
    assert MODEL in [code for code, _, _ in list_sets()]


# --------------------------------------------------------------------------- building a draft

FULL = {
    "title": "Learning agreement 2026",
    "employer": "London Borough of Barnet",
    "branch": "Barnet UNISON",
    "union_parties": "Barnet UNISON, GMB and Unite",
    "other_unions_list": ["GMB", "Unite"],
    "ulr_places": "12",
    "ulr_hours_per_month": "10 hours a month",
    "facilities": "a private room for confidential conversations, a telephone and e-mail",
    "member_access_paid": "and that time will be paid at their normal rate",
    "learner_time_off": "learners will be given paid time off to attend courses and sit assessments",
    "disputes_route": "the Joint Negotiating Committee (JNC)",
    "starts_on": "1 March 2026",
    "review_due_on": "1 March 2027",
    "schools_scope": "included",
    "partnership_group": True,
    "partnership_employer_members": "4",
    "partnership_union_members": "4",
    "meeting_frequency": "every three months",
    "coordinator": True,
    "coordinator_release_days": "1.5 days a week",
    "employer_signatory": "Jane Smith",
    "employer_signatory_role": "Director of HR",
    "union_signatory": "Sam Jones",
    "union_signatory_role": "Branch Secretary",
}


def headings(document):
    return [clause.heading for clause in document.clauses]


def test_placeholders_filled_and_clauses_numbered():
    document = build_document(MODEL, FULL)
    assert [clause.number for clause in document.clauses] == list(range(1, len(document.clauses) + 1))
    assert document.flagged == [] and document.warnings == []
    text = "\n".join(p for clause in document.clauses for p in clause.paragraphs)
    assert "{" not in text and "[not yet agreed" not in text
    assert "between London Borough of Barnet (“the employer”) and Barnet UNISON, GMB and Unite" in text
    assert "up to 12 ULRs" in text
    assert "released from normal duties for 1.5 days a week" in text
    assert "group of 4 employer members and 4 union members" in text
    assert "meet every three months" in text
    assert "by 1 March 2027" in text
    assert document.title == "Learning agreement 2026"
    assert document.parties == ["London Borough of Barnet", "Barnet UNISON", "GMB", "Unite"]
    assert [(s.party, s.name, s.role) for s in document.signatories] == [
        ("London Borough of Barnet", "Jane Smith", "Director of HR"), ("Barnet UNISON", "Sam Jones", "Branch Secretary"),
        ("GMB", None, None), ("Unite", None, None)]
    assert document.is_draft and document.status_label == "Draft"


def test_clauses_that_do_not_apply_are_left_out():
    bare = {**FULL, "partnership_group": False, "coordinator": False, "learning_centre": False}
    assert "Joint learning partnership group" not in headings(build_document(MODEL, bare))
    assert "Lifelong learning co-ordinator" not in headings(build_document(MODEL, bare))
    assert "Learning centre" not in headings(build_document(MODEL, bare))
    full = build_document(MODEL, {**FULL, "learning_centre": True, "learning_centre_details": "Room 4, North London Business Park"})
    assert {"Joint learning partnership group", "Lifelong learning co-ordinator", "Learning centre"} <= set(headings(full))
    # extras: the dispute goes to the partnership group only when there is one
    disputes = next(cl for cl in build_document(MODEL, bare).clauses if cl.heading.startswith("Disagreements"))
    assert not any("partnership group" in p for p in disputes.paragraphs)
    disputes = next(cl for cl in full.clauses if cl.heading.startswith("Disagreements"))
    assert any("partnership group" in p for p in disputes.paragraphs)


def test_missing_value_is_flagged_not_blank():
    document = build_document(MODEL, {**FULL, "ulr_places": None, "coordinator_release_days": ""})
    ulrs = next(cl for cl in document.clauses if cl.heading == "Union learning representatives")
    assert ulrs.missing == ["ulr_places"]
    assert "up to [not yet agreed: number of ULR places] ULRs" in ulrs.paragraphs[0]
    assert [part.missing for part in ulrs.parts[0]] == [None, "ulr_places", None]
    messages = [(flag.clause_number, flag.heading, flag.message) for flag in document.flagged]
    assert (ulrs.number, "Union learning representatives", "Number of ULR places is not recorded") in messages
    coordinator = next(cl for cl in document.clauses if cl.heading == "Lifelong learning co-ordinator")
    assert "for [not yet agreed: the co-ordinator's release] with no loss of pay" in coordinator.paragraphs[0]
    assert (coordinator.number, coordinator.heading, "The co-ordinator's release is not recorded") in messages
    assert document.flagged_json()[0] == {"clause": ulrs.number, "heading": "Union learning representatives",
                                          "placeholder": "ulr_places", "message": "Number of ULR places is not recorded"}
    for clause in document.clauses:  # no blank where a value should be
        for paragraph in clause.paragraphs:
            assert "  " not in paragraph and " ." not in paragraph and " ," not in paragraph


def test_nothing_recorded_flags_every_gap_once_per_clause():
    document = build_document(MODEL, {})
    assert document.flagged
    assert all(clause.missing == list(dict.fromkeys(clause.missing)) for clause in document.clauses)
    assert {flag.placeholder for flag in document.flagged} >= {"employer", "union_parties", "ulr_places", "starts_on"}


@pytest.mark.parametrize("scope,heading_text,warned", [
    ("included", "applies to all staff in the schools the employer maintains", False),
    ("excluded", "does not apply to staff employed in schools", False),
    ("silent", None, True),
])
def test_schools_scope(scope, heading_text, warned):
    document = build_document(MODEL, {**FULL, "schools_scope": scope, "schools_named_in": "Brunswick Park Primary School"})
    schools = [cl for cl in document.clauses if cl.heading == "Staff in schools"]
    if heading_text is None:
        assert schools == []
    else:
        assert len(schools) == 1
        assert heading_text in schools[0].paragraphs[0]
        assert "Brunswick Park Primary School" in " ".join(schools[0].paragraphs)
    silent_warning = [w for w in document.warnings if w.startswith("The agreement says nothing about schools")]
    assert bool(silent_warning) is warned


def test_named_schools_out_only_when_included():
    document = build_document(MODEL, {**FULL, "schools_scope": "included", "schools_named_out": "Argyle Primary School"})
    schools = next(cl for cl in document.clauses if cl.heading == "Staff in schools")
    assert any("does not apply to the following schools" in p and "Argyle Primary School" in p for p in schools.paragraphs)


def test_services_covered_when_not_whole_employer():
    whole = build_document(MODEL, FULL)
    assert any("everyone employed by London Borough of Barnet" in p for p in whole.clauses[1].paragraphs)
    part = build_document(MODEL, {**FULL, "whole_employer": False})
    assert part.clauses[1].missing == ["services_covered"]
    part = build_document(MODEL, {**FULL, "whole_employer": False, "services_covered": "Housing and Adult Social Care"})
    assert any("in the following services and directorates: Housing and Adult Social Care." in p
               for p in part.clauses[1].paragraphs)


def test_other_warnings():
    document = build_document(MODEL, {**FULL, "needs_analysis_learning_only": False, "partnership_union_members": "2"})
    assert "Learning needs analysis" not in headings(document)
    assert any("solely for learning" in w for w in document.warnings)
    assert any("not balanced" in w for w in document.warnings)


def test_bad_fact_value_is_refused():
    with pytest.raises(ValueError, match="schools_scope must be one of"):
        build_document(MODEL, {"schools_scope": "sometimes"})


@pytest.mark.parametrize("value,unit,per,expected", [
    (Decimal("1.5"), "day", " a week", "1.5 days a week"),
    (Decimal("1.0"), "day", " a week", "1 day a week"),
    (Decimal("2"), "day", " a week", "2 days a week"),
    (Decimal("0.5"), "day", " a week", "0.5 days a week"),
    (Decimal("10.00"), "hour", " a month", "10 hours a month"),
    (Decimal("7.50"), "hour", " a month", "7.5 hours a month"),
    (None, "day", "", None),
])
def test_number_words(value, unit, per, expected):
    assert c.number_words(value, unit, per) == expected


@pytest.mark.parametrize("items,expected", [
    ([], None), (["a"], "a"), (["a", "b"], "a and b"), (["a", "b", "c"], "a, b and c"), (["a", "", None, "b"], "a and b"),
])
def test_join_words(items, expected):
    assert c.join_words(items) == expected


@pytest.mark.parametrize("text,expected", [
    (None, []), ("", []), ("GMB", ["GMB"]), ("GMB, Unite", ["GMB", "Unite"]), ("GMB and Unite", ["GMB", "Unite"]),
    ("GMB; Unite & RCN", ["GMB", "Unite", "RCN"]),
])
def test_split_unions(text, expected):
    assert c.split_unions(text) == expected

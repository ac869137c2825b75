from datetime import date

import pytest

from ulr_app.learners import rules
from ulr_app.learners.rules import EnrolmentFacts

D = date(2026, 3, 1)


@pytest.mark.parametrize("a,b,result", [
    ("level_2", "level_1", True), ("level_1", "level_2", False), ("entry_3", "entry_2", True),
    ("level_1", "entry_3", True), ("level_1", "unlevelled", True), ("unlevelled", "pre_entry", False),
    ("level_2", None, True), (None, "level_1", False), ("level_2", "level_2", False),
])
def test_higher(a, b, result):
    assert rules.higher(a, b) is result


@pytest.mark.parametrize("current,target,dates,extra,fields", [
    (None, "enquiry", {}, {}, set()),
    ("enquiry", "referred", {}, {}, {"referred_on"}),
    ("enquiry", "referred", {"referred_on": D}, {}, set()),
    ("referred", "enrolled", {"started_on": D}, {}, set()),
    ("enrolled", "completed", {"started_on": D, "completed_on": D}, {}, {"status"}),
    ("in_progress", "completed", {"started_on": D}, {}, {"completed_on"}),
    ("in_progress", "achieved", {"started_on": D, "achieved_on": date(2026, 2, 1)}, {}, {"achieved_on"}),
    ("in_progress", "withdrawn", {"withdrawn_on": D}, {}, {"withdrawal_reason"}),
    ("in_progress", "withdrawn", {"withdrawn_on": D}, {"withdrawal_reason": "moved job"}, set()),
    ("in_progress", "break_in_learning", {"break_started_on": D}, {"break_reason": "illness"}, {"return_on"}),
    ("in_progress", "break_in_learning", {"break_started_on": D}, {"break_reason": "illness", "return_on": D}, {"return_on"}),
    ("in_progress", "break_in_learning", {"break_started_on": D}, {"break_reason": "illness", "return_on": date(2026, 4, 1)}, set()),
    ("break_in_learning", "in_progress", {"started_on": D}, {}, set()),
    ("completed", "achieved", {"achieved_on": D}, {}, set()),
    ("achieved", "in_progress", {"started_on": D}, {}, {"status"}),
    ("withdrawn", "enrolled", {"started_on": D}, {}, {"status"}),
    ("enquiry", "flying", {}, {}, {"status"}),
    # dates in order: a break cannot start before the course did, nor a withdrawal come before the referral
    ("in_progress", "break_in_learning", {"started_on": D, "break_started_on": date(2026, 2, 1)},
     {"break_reason": "illness", "return_on": date(2026, 4, 1)}, {"break_started_on"}),
    ("referred", "withdrawn", {"referred_on": D, "withdrawn_on": date(2026, 2, 1)}, {"withdrawal_reason": "moved"},
     {"withdrawn_on"}),
])
def test_transitions(current, target, dates, extra, fields):
    assert set(rules.transition_problems(current, target, dates, **extra)) == fields


@pytest.mark.parametrize("status,completed,achieved,outcome", [
    ("completed", D, None, D), ("achieved", date(2026, 2, 1), D, date(2026, 2, 1)), ("achieved", None, D, D),
    ("in_progress", None, None, None), ("withdrawn", None, None, None),
    # a date on an enrolment that is not completed or achieved makes no outcome
    ("in_progress", D, None, None), ("withdrawn", None, D, None), ("break_in_learning", D, D, None),
])
def test_outcome_counted_once_on_the_earlier_date(status, completed, achieved, outcome):
    assert rules.outcome_on(status, completed, achieved) == outcome


def test_progression():
    rtl = EnrolmentFacts(1, "unlevelled", "completed", date(2025, 1, 1), date(2025, 3, 1), None)
    sfl = EnrolmentFacts(2, "entry_3", "achieved", date(2025, 4, 1), None, date(2025, 7, 1))
    nvq = EnrolmentFacts(3, "level_2", "in_progress", date(2025, 9, 1), None, None)
    same = EnrolmentFacts(4, "entry_3", "enrolled", date(2025, 8, 1), None, None)
    assert rules.progressions([rtl, sfl, nvq, same]) == [(1, 2), (2, 3)]
    assert rules.progressions([nvq]) == []


@pytest.mark.parametrize("status,end,state", [
    ("in_progress", date(2026, 5, 1), "green"), ("in_progress", date(2026, 3, 31), "amber"),
    ("in_progress", date(2026, 2, 28), "red"), ("enrolled", D, "amber"), ("completed", date(2026, 2, 1), None),
    ("break_in_learning", date(2026, 5, 1), "amber"), ("break_in_learning", date(2026, 2, 1), "red"),
    ("in_progress", None, None),
])
def test_on_track(status, end, state):
    assert rules.on_track(status=status, planned_end_on=end, today=D) == state


def test_ladder_and_next_steps():
    reached = rules.highest_by_subject([("literacy", "entry_3"), ("literacy", "level_1"), ("numeracy", "level_2"),
                                        ("other", "unlevelled")])
    assert reached == {"literacy": "level_1", "numeracy": "level_2"}
    steps = rules.next_steps(reached)
    assert "Skills for Life English at Level 2" in steps and "HLTA status needs Level 2 English and maths" in steps
    assert "HLTA status preparation (Level 2 English and maths reached)" in rules.next_steps({"literacy": "level_2", "numeracy": "level_2"})
    assert rules.next_steps({})[0].startswith("An initial assessment")


@pytest.mark.parametrize("target,sent,refused", [
    ("completed", {"completed_on"}, set()),
    ("achieved", {"completed_on", "achieved_on"}, set()),
    ("in_progress", {"started_on"}, set()),
    ("in_progress", {"completed_on"}, {"completed_on"}),                 # still in progress: no completion date
    ("withdrawn", {"withdrawn_on", "withdrawal_reason", "achieved_on"}, {"achieved_on"}),
    ("break_in_learning", {"break_started_on", "break_reason", "return_on"}, set()),
    ("in_progress", {"return_on", "break_reason"}, {"return_on", "break_reason"}),
    ("enquiry", {"referred_on"}, {"referred_on"}),
    ("referred", {"referred_on", "started_on"}, {"started_on"}),
    ("completed", {"withdrawn_on"}, {"withdrawn_on"}),
])
def test_dates_belong_with_their_status(target, sent, refused):
    assert set(rules.out_of_place(target, sent)) == refused


# --- the ladder starts from the needs analysis (issue 12, item 5) ---------------------------------

VOC_L2 = rules.VOCATIONAL_STEPS[None]
VOC_L3 = rules.VOCATIONAL_STEPS["level_2"]
HLTA = "HLTA status preparation (Level 2 English and maths reached)"
HLTA_NEEDS = "HLTA status needs Level 2 English and maths"


@pytest.mark.parametrize("reached,assessed,esol_need,expected", [
    # the case found: assessed at Level 2 literacy and numeracy, no ESOL need, no courses yet
    ({}, {"literacy": "level_2", "numeracy": "level_2"}, False, [VOC_L2, HLTA]),
    # no needs analysis and no courses: start with an assessment, no ESOL without a recorded need
    ({}, {}, False, ["An initial assessment and a Skills for Life English course",
                     "An initial assessment and a Skills for Life maths course"]),
    # an ESOL need recorded: ESOL from Entry 1
    ({}, {"literacy": "entry_2", "numeracy": "entry_1"}, True,
     ["Skills for Life English at Entry 3", "Skills for Life maths at Entry 2", "ESOL at Entry 1, after an ESOL assessment",
      HLTA_NEEDS]),
    # ESOL reached by a course and a need recorded: the next ESOL rung
    ({"esol": "entry_3"}, {"literacy": "entry_1", "numeracy": "entry_1"}, True,
     ["Skills for Life English at Entry 2", "Skills for Life maths at Entry 2", "ESOL at Level 1", HLTA_NEEDS]),
    # ESOL courses done but no need recorded in the latest analysis: no ESOL suggestion
    ({"esol": "entry_3"}, {"literacy": "entry_1"}, False,
     ["Skills for Life English at Entry 2", "An initial assessment and a Skills for Life maths course", HLTA_NEEDS]),
    # assessed above what was achieved: start from the assessment
    ({"literacy": "entry_2"}, {"literacy": "level_1", "numeracy": "entry_3"}, False,
     ["Skills for Life English at Level 2", "Skills for Life maths at Level 1", HLTA_NEEDS]),
    # achieved above what was assessed: start from the achievement (never a lower level)
    ({"literacy": "level_2", "numeracy": "level_1"}, {"literacy": "entry_1", "numeracy": "entry_1"}, False,
     ["Skills for Life maths at Level 2", HLTA_NEEDS]),
    # assessed at Level 3 (above the Skills for Life ladder): no English step
    ({}, {"literacy": "level_3", "numeracy": "level_2"}, False, [VOC_L2, HLTA]),
    # pre-entry assessment: the first rung
    ({}, {"literacy": "pre_entry", "numeracy": "pre_entry"}, False,
     ["Skills for Life English at Entry 1", "Skills for Life maths at Entry 1", HLTA_NEEDS]),
    # vocational rungs climb from the highest vocational level reached
    ({"literacy": "level_2", "numeracy": "level_2", "other": "level_2"}, {}, False, [VOC_L3, HLTA]),
    ({"literacy": "level_2", "numeracy": "level_2", "other": "level_3"}, {}, False,
     [rules.VOCATIONAL_STEPS["level_3"], HLTA]),
    ({"literacy": "level_2", "numeracy": "level_2", "other": "level_5"}, {}, False, [rules.VOCATIONAL_STEPS["level_5"], HLTA]),
    ({"literacy": "level_2", "numeracy": "level_2", "other": "level_6"}, {}, False, [HLTA]),
    # ICT assessed does not add a step of its own; unknown levels in the analysis are ignored
    ({}, {"literacy": "level_2", "numeracy": "level_2", "ict": "level_1"}, False, [VOC_L2, HLTA]),
])
def test_next_steps_start_from_the_needs_analysis(reached, assessed, esol_need, expected):
    steps = rules.next_steps(reached, assessed=assessed, esol_need=esol_need)
    assert steps == expected
    if not esol_need:
        assert not any("ESOL" in s for s in steps)
    # never a Skills for Life level at or below where the learner stands
    at = rules.standings(reached, assessed)
    for subject, name in (("literacy", "English"), ("numeracy", "maths")):
        for step in steps:
            if step.startswith(f"Skills for Life {name} at ") and subject in at:
                label = step.rsplit(" at ", 1)[1]
                level = next(code for code in rules.LEVELS if rules.level_name(code) == label)
                assert rules.higher(level, at[subject].level)


@pytest.mark.parametrize("reached,assessed,expected", [
    ({}, {"literacy": "level_2"}, {"literacy": rules.Standing("level_2", "assessed")}),
    ({"literacy": "level_2"}, {"literacy": "level_2"}, {"literacy": rules.Standing("level_2", "achieved")}),
    ({"literacy": "level_1"}, {"literacy": "level_2"}, {"literacy": rules.Standing("level_2", "assessed")}),
    ({"literacy": "level_2"}, {"literacy": "entry_3"}, {"literacy": rules.Standing("level_2", "achieved")}),
    ({"numeracy": "entry_1"}, {"ict": "level_1", "literacy": "nonsense"},
     {"numeracy": rules.Standing("entry_1", "achieved"), "ict": rules.Standing("level_1", "assessed")}),
    ({}, {}, {}),
])
def test_standings_take_the_higher_of_achieved_and_assessed(reached, assessed, expected):
    assert rules.standings(reached, assessed) == expected


@pytest.mark.parametrize("literacy,numeracy,ict,expected", [
    ("level_2", "level_2", None, {"literacy": "level_2", "numeracy": "level_2"}),
    (None, None, None, {}),
    ("", "entry_3", "unlevelled", {"numeracy": "entry_3"}),
])
def test_assessed_levels_from_a_needs_analysis(literacy, numeracy, ict, expected):
    assert rules.assessed_levels(literacy, numeracy, ict) == expected

"""The learner page's ladder starts from the latest needs analysis (issue 12, item 5): levels assessed
count as reached for the next steps and are marked "Assessed", not "Reached"; ESOL is a next step only
where an ESOL need was recorded; the next steps never go below where the learner stands."""
from __future__ import annotations

import re

import pytest

from ulr_app.extensions import db
from ulr_app.learners import queries, rules, services
from tests.learners.helpers import course, empty_catalogue, enrolment, learner, plain, text


@pytest.fixture(autouse=True)
def _own_catalogue(app):
    empty_catalogue()


def _analysis(who, on="2026-02-01", **levels):
    na = services.record_needs_assessment(who, {"assessed_on": on, **levels})
    db.session.commit()
    return na


def _section(page: str, subject: str) -> str:
    start = page.index(f'id="ladder-{subject}"')
    end = page.index("</ol>", start)
    return page[start:end]


def _rungs(section: str) -> list[tuple[str, str]]:
    return re.findall(r'govuk-body govuk-!-margin-bottom-0">([^<]+)</span>.*?govuk-tag[^"]*">([^<]+)</strong>', section, re.S)


def _next_steps(page: str) -> list[str]:
    block = page[page.index('id="next-steps"'):]
    block = block[:block.index("</ul>")]
    return re.findall(r"<li>([^<]+)</li>", block)


def test_the_case_found_level_2_assessed_no_esol_need(login_as, world):
    sam = learner(world)
    _analysis(sam, literacy_level="level_2", numeracy_level="level_2", esol_need=False)
    response = login_as("convenor_a1").get(f"/learners/{sam.id}")
    page, words = text(response), plain(response)
    assert response.status_code == 200
    literacy = _section(page, "literacy")
    assert "English (literacy): Level 2 assessed" in plain_of(literacy)
    rungs = _rungs(literacy)
    assert ("Level 2", "Assessed") in rungs and ("Entry level 1", "Assessed") in rungs
    assert ("Level 3", "Next step") in rungs
    assert not any(state in ("Reached", "Next step") and level.startswith("Entry") for level, state in rungs)
    assert ("Level 3", "Next step") in _rungs(_section(page, "numeracy"))
    # no ESOL rung marked as a next step, and no ESOL or Entry 1 in the suggestions
    assert "Next step" not in [state for _l, state in _rungs(_section(page, "esol"))]
    steps = _next_steps(page)
    assert steps == [rules.VOCATIONAL_STEPS[None], "HLTA status preparation (Level 2 English and maths reached)"]
    assert "Entry 1" not in " ".join(steps) and "ESOL" not in " ".join(steps)
    assert "These start from the levels assessed in the latest needs analysis, which recorded no ESOL need." in words


def plain_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


def test_only_the_latest_analysis_counts_and_an_esol_need_brings_esol(login_as, world):
    sam = learner(world)
    _analysis(sam, on="2026-01-10", literacy_level="level_2", numeracy_level="level_2")
    _analysis(sam, on="2026-03-01", literacy_level="entry_2", numeracy_level="entry_3", esol_need=True)
    lad = queries.ladder(sam)
    assert lad.assessed == {"literacy": "entry_2", "numeracy": "entry_3"} and lad.esol_need
    page = text(login_as("convenor_a1").get(f"/learners/{sam.id}"))
    steps = _next_steps(page)
    assert steps[:3] == ["Skills for Life English at Entry 3", "Skills for Life maths at Level 1",
                         "ESOL at Entry 1, after an ESOL assessment"]
    assert ("Entry level 1", "Next step") in _rungs(_section(page, "esol"))


def test_an_achievement_above_the_assessment_shows_as_reached(login_as, world):
    sam = learner(world)
    _analysis(sam, literacy_level="entry_1", numeracy_level="level_1")
    enrolment(sam, course("Functional Skills English Level 1", level="level_1"), "achieved")
    page = text(login_as("convenor_a1").get(f"/learners/{sam.id}"))
    literacy = _section(page, "literacy")
    assert "English (literacy): Level 1 reached" in plain_of(literacy)
    assert ("Level 1", "Reached") in _rungs(literacy) and ("Level 2", "Next step") in _rungs(literacy)
    numeracy = _section(page, "numeracy")
    assert "Maths (numeracy): Level 1 assessed" in plain_of(numeracy)
    assert ("Level 1", "Assessed") in _rungs(numeracy)
    assert _next_steps(page)[:2] == ["Skills for Life English at Level 2", "Skills for Life maths at Level 2"]


def test_without_an_analysis_the_ladder_is_as_before(login_as, world):
    sam = learner(world)
    page, words = (lambda r: (text(r), plain(r)))(login_as("convenor_a1").get(f"/learners/{sam.id}"))
    assert "Assessed" not in page and "next-steps-from" not in page
    assert ("Entry level 1", "Next step") in _rungs(_section(page, "literacy"))
    assert "Next step" not in [state for _l, state in _rungs(_section(page, "esol"))]
    assert _next_steps(page) == ["An initial assessment and a Skills for Life English course",
                                 "An initial assessment and a Skills for Life maths course"]

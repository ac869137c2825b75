"""Equality monitoring over real records, with small counts suppressed."""
from __future__ import annotations

import pytest

from ulr_app.core.errors import NotAllowed
from ulr_app.extensions import db
from ulr_app.reports import figures

from . import helpers as h
from .test_rules import brute_force_possible

START, END = h.d("2026-04-01"), h.d("2026-09-30")


@pytest.fixture
def scene(world):
    c = h.course()
    people = ([dict(staff_category="learning_support", gender="Female", contract="term_time_only", age_band="25-34")] * 8
              + [dict(staff_category="site", gender="Male", contract="full_year", age_band="50-64")] * 3
              + [dict(staff_category=None, gender=None, contract=None)])
    for fields in people:
        h.enrolment(h.learner(world, **fields), c, started_on="2026-05-01")
    h.enrolment(h.learner(world, staff_category="site"), c, started_on="2026-10-01")  # outside the range
    h.enrolment(h.learner(world, "a2", workplace="school_a2", staff_category="site"), c, started_on="2026-05-01")
    merged = h.learner(world, staff_category="site", merged_into_id=None)
    h.enrolment(merged, c, started_on="2026-05-01")
    merged.merged_into_id = h.learner(world).id  # a merged duplicate (its enrolment left behind here) is not counted
    db.session.commit()


def test_raw_counts(world, scene):
    raw = figures.equality_raw(world.users.convenor_a1, branch_id=world.branches.a1.id, start=START, end=END)
    assert raw["total"] == 12
    assert raw["by"]["staff_category"] == {"learning_support": 8, "pupil_welfare": 0, "specialist_technical": 0,
                                           "administrative": 0, "site": 3, "non_school": 0, "not_recorded": 1}
    assert raw["by"]["gender"] == {"Female": 8, "Male": 3, "not_recorded": 1}
    assert raw["by"]["contract"] == {"full_year": 3, "term_time_only": 8, "not_recorded": 1}
    assert raw["by"]["disability"] == {"not_recorded": 12}
    for cells in raw["by"].values():
        assert sum(cells.values()) == raw["total"]
    region = figures.equality_raw(world.users.organiser_a, region_id=world.regions.a.id, start=START, end=END)
    assert region["total"] == 13
    rows = db.session.scalars(figures.equality_records(world.users.convenor_a1, branch_id=world.branches.a1.id,
                                                       start=START, end=END)).all()
    assert len(rows) == 12


def test_suppressed(world, scene):
    got = figures.equality(world.users.convenor_a1, branch_id=world.branches.a1.id, start=START, end=END, threshold=5)
    staff = got["by"]["staff_category"]
    assert staff["site"] == "<5" and staff["not_recorded"] == "<5" and staff["pupil_welfare"] == 0
    assert got["by"]["disability"] == {"not_recorded": 12}
    raw = figures.equality_raw(world.users.convenor_a1, branch_id=world.branches.a1.id, start=START, end=END)
    possible, _totals = brute_force_possible(got["total"], got["by"], 5, raw["total"] + 2)
    assert possible and all(len(values) >= 2 for values in possible.values())


def test_only_convenors_and_above(world, scene):
    with pytest.raises(NotAllowed):
        figures.equality(world.users.ulr_a1, start=START, end=END)


def test_statements_do_not_grow(world, count_queries):
    c = h.course()
    h.enrolment(h.learner(world, gender="Female"), c, started_on="2026-05-01")
    with count_queries() as small:
        figures.equality(world.users.convenor_a1, start=START, end=END)
    for i in range(10):
        h.enrolment(h.learner(world, gender="Female"), c, started_on="2026-05-01")
    with count_queries() as big:
        got = figures.equality(world.users.convenor_a1, start=START, end=END)
    assert got["total"] == 11
    assert small.count == big.count

"""Schools coverage as of a date: agreements in force by schools scope, the silent-without-activity
rule, schools covered and with a ULR, learners from schools, time off in the 12 months."""
from __future__ import annotations

import pytest
from werkzeug.exceptions import NotFound

from ulr_app.extensions import db
from ulr_app.reports import figures

from . import helpers as h

AS_OF = h.d("2026-12-07")  # the 12 months: 8 December 2025 to 7 December 2026


def cover(user, **kw):
    return figures.schools_coverage(user, as_of=kw.pop("as_of", AS_OF), **kw)


@pytest.fixture
def scene(world):
    academy = h.workplace(world, establishment_type="Academy converter", name="Barnet Academy")
    h.agreement(world, schools_scope="included", signed_on="2025-06-01")           # a1: in force
    h.agreement(world, schools_scope="excluded", signed_on="2024-01-01", expires_on="2026-06-01")  # expired
    h.agreement(world, schools_scope="excluded", status="draft", signed_on=None)   # not signed
    h.agreement(world, schools_scope="excluded", signed_on="2026-12-08")           # signed after the date
    h.agreement(world, "a2", schools_scope="silent", signed_on="2025-01-01", status="under_review")
    h.agreement(world, "b1", schools_scope="excluded", signed_on="2025-01-01")
    # a2's school: a ULR stood down the day before the 12 months began; a course that ended before them
    h.rep(world, "a2", workplace="school_a2", appointed_on="2024-01-01", stood_down_on="2025-12-07")
    gone = h.learner(world, "a2", workplace="school_a2", staff_category="site")
    h.enrolment(gone, h.course(), status="completed", started_on="2025-09-01", completed_on="2025-12-07")
    # a1: a ULR in post at the school, one at the housing service, one stood down
    h.rep(world, workplace="school_a1", appointed_on="2026-01-05")
    h.rep(world, workplace="service_a1", appointed_on="2026-01-05")
    h.rep(world, workplace="school_a1", appointed_on="2025-01-05", stood_down_on="2026-12-01")
    h.rep(world, workplace="school_a1", appointed_on="2026-12-08")  # not yet appointed
    ta = h.learner(world, staff_category="learning_support")
    h.enrolment(ta, h.course(), started_on="2026-03-01")
    h.enrolment(h.learner(world, staff_category=None), h.course(), started_on="2026-03-01")
    h.learner(world, staff_category="site")  # never enrolled
    h.enrolment(h.learner(world, workplace="service_a1", staff_category="non_school"), h.course(), started_on="2026-03-01")
    # time off in the 12 months: two at the school (one refused, one partly granted), one refused at the service
    h.request(world, requested_on="2026-02-01", status="refused", decided_on="2026-02-10", refusal_reason="cover")
    h.request(world, requested_on="2026-03-01", status="partly_granted", decided_on="2026-03-10", hours_granted="1")
    h.request(world, workplace="service_a1", requested_on="2025-12-08", status="refused", decided_on="2025-12-20")
    h.request(world, requested_on="2025-12-07", status="refused", decided_on="2025-12-20")  # before the 12 months
    return academy


def test_region_figures(world, scene):
    got = cover(world.users.organiser_a, region_id=world.regions.a.id)
    assert got["agreements"] == {"included": 1, "excluded": 0, "silent": 1, "silent_without_school_activity": 1}
    assert got["schools"] == 3  # Barnet's school and academy, Camden's school
    assert got["schools_covered"] == 1  # the academy's trust employs its staff; Camden's agreement is silent
    assert got["schools_with_ulr"] == 1
    assert got["school_based_ulrs"] == 1
    assert got["learners_from_schools"]["learning_support"] == 1
    assert got["learners_from_schools"]["not_recorded"] == 1
    assert sum(got["learners_from_schools"].values()) == 2
    assert got["time_off"] == {"school": {"requests": 2, "refused": 1}, "other": {"requests": 1, "refused": 1}}
    assert got["as_of"] == "2026-12-07"


def test_branch_and_other_region(world, scene):
    a2 = cover(world.users.convenor_a2, region_id=world.regions.a.id, branch_id=world.branches.a2.id)
    assert a2["agreements"] == {"included": 0, "excluded": 0, "silent": 1, "silent_without_school_activity": 1}
    assert a2["schools"] == 1 and a2["time_off"]["school"]["requests"] == 0
    b = cover(world.users.organiser_b, region_id=world.regions.b.id)
    assert b["agreements"]["excluded"] == 1 and b["schools"] == 1 and b["schools_covered"] == 0


def test_a_ulr_in_post_on_the_first_day_of_the_12_months_is_school_activity(world, scene):
    h.rep(world, "a2", workplace="school_a2", appointed_on="2024-01-01", stood_down_on="2025-12-08")
    got = cover(world.users.organiser_a, region_id=world.regions.a.id)
    assert got["agreements"]["silent_without_school_activity"] == 0


def test_a_learner_active_inside_the_12_months_is_school_activity(world, scene):
    h.enrolment(h.learner(world, "a2", workplace="school_a2"), h.course(), status="completed",
                started_on="2025-09-01", completed_on="2025-12-08")
    assert cover(world.users.organiser_a, region_id=world.regions.a.id)["agreements"][
        "silent_without_school_activity"] == 0


def test_an_earlier_date_sees_what_was_in_force_then(world, scene):
    got = cover(world.users.organiser_a, region_id=world.regions.a.id, as_of=h.d("2026-05-31"))
    assert got["agreements"]["excluded"] == 1  # not yet expired on 31 May 2026
    assert got["agreements"]["silent_without_school_activity"] == 0  # the ULR was still in post in the 12 months


def test_a_school_named_out_is_not_covered(world):
    h.agreement(world, schools_scope="included", named=[(world.workplaces.school_a1, "out")])
    assert cover(world.users.convenor_a1)["schools_covered"] == 0
    h.agreement(world, schools_scope="excluded", named=[(world.workplaces.school_a1, "in")])
    assert cover(world.users.convenor_a1)["schools_covered"] == 1


def test_records_match_the_figures(world, scene):
    for key, scope in (("organiser_a", {"region_id": world.regions.a.id}), ("convenor_a1", {"branch_id": world.branches.a1.id}),
                       ("admin", {})):
        user = getattr(world.users, key)
        got = cover(user, **scope)
        expected = {"included": got["agreements"]["included"], "excluded": got["agreements"]["excluded"],
                    "silent": got["agreements"]["silent"],
                    "silent_without_school_activity": got["agreements"]["silent_without_school_activity"],
                    "schools": got["schools"], "schools_covered": got["schools_covered"],
                    "schools_with_ulr": got["schools_with_ulr"], "schools_without_ulr": got["schools"] - got["schools_with_ulr"],
                    "school_based_ulrs": got["school_based_ulrs"],
                    "learners_from_schools": sum(got["learners_from_schools"].values()),
                    "time_off_school": got["time_off"]["school"]["requests"],
                    "time_off_other": got["time_off"]["other"]["requests"]}
        for figure, n in expected.items():
            rows = db.session.scalars(figures.schools_coverage_records(user, figure, as_of=AS_OF, **scope)).all()
            assert len(rows) == n, (key, figure)
    with pytest.raises(NotFound):
        figures.schools_coverage_records(world.users.admin, "nonsense", as_of=AS_OF)


def test_statements_do_not_grow(world, count_queries):
    h.agreement(world, schools_scope="silent")
    h.rep(world)
    h.enrolment(h.learner(world), h.course(), started_on="2026-03-01")
    h.request(world, requested_on="2026-02-01", status="refused", decided_on="2026-02-10")
    with count_queries() as small:
        cover(world.users.convenor_a1)
    for _ in range(10):
        h.agreement(world, schools_scope="silent")
        h.workplace(world)
        h.rep(world)
        h.enrolment(h.learner(world), h.course(), started_on="2026-03-01")
        h.request(world, requested_on="2026-02-01", status="refused", decided_on="2026-02-10")
    with count_queries() as big:
        got = cover(world.users.convenor_a1)
    assert got["agreements"]["silent"] == 11 and got["schools"] == 11
    assert small.count == big.count


@pytest.mark.parametrize("key, scope, as_of", [
    ("organiser_a", "region_a", "2026-12-07"),
    ("organiser_a", "region_a", "2026-05-31"),
    ("organiser_b", "region_b", "2026-12-07"),
    ("convenor_a2", "branch_a2", "2026-12-07"),
    ("convenor_a1", None, "2026-12-07"),
    ("admin", None, "2026-12-07"),
])
def test_the_home_page_headline_counts_as_the_report_does(world, scene, count_queries, key, scope, as_of):
    """The organiser's home page shows a few coverage figures from one statement: each is the report's."""
    where = {"region_a": {"region_id": world.regions.a.id}, "region_b": {"region_id": world.regions.b.id},
             "branch_a2": {"region_id": world.regions.a.id, "branch_id": world.branches.a2.id}}.get(scope, {})
    user = getattr(world.users, key)
    user.role  # the user's row, loaded before counting
    with count_queries() as counted:
        headline = figures.schools_coverage_headline(user, as_of=h.d(as_of), **where)
    full = cover(user, as_of=h.d(as_of), **where)
    assert headline == {"as_of": full["as_of"], "agreements": full["agreements"], "schools": full["schools"],
                        "schools_with_ulr": full["schools_with_ulr"]}
    assert counted.count == 1


def test_the_organisers_home_page_shows_the_reports_figures(world, scene, login_as):
    from datetime import date
    import re

    full = figures.schools_coverage(world.users.organiser_a, region_id=world.regions.a.id, as_of=date.today())
    page = login_as("organiser_a").get("/").get_data(as_text=True)
    section = page[page.index('id="schools-coverage-headline"'):]
    numbers = re.findall(r'app-card__number">([^<]+)<', section)[:3]
    a = full["agreements"]
    assert numbers == [str(a["silent_without_school_activity"]), str(full["schools"] - full["schools_with_ulr"]),
                       f'{a["included"]} / {a["excluded"]} / {a["silent"]}']
    assert f'of {full["schools"]} schools with no ULR in post' in section


def test_the_organisers_home_page_keeps_its_figures_until_a_record_changes(world, scene, login_as, count_queries):
    """The headline is kept as the reports are (reports/cache.py): asked again, it is not counted again; a
    new school in the region is counted at once."""
    import re

    def schools_shown(page: str) -> int:
        section = page[page.index('id="schools-coverage-headline"'):]
        return int(re.search(r"of ([\d,]+) schools with no ULR in post", section).group(1).replace(",", ""))

    c = login_as("organiser_a")
    with count_queries() as first:
        before = schools_shown(c.get("/").get_data(as_text=True))
    with count_queries() as again:
        assert schools_shown(c.get("/").get_data(as_text=True)) == before
    assert again.count == first.count - 1  # the headline's one statement
    h.workplace(world, "a1", kind="school")
    assert schools_shown(c.get("/").get_data(as_text=True)) == before + 1

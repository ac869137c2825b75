"""Report figures kept while nothing changes (reports/cache.py, core/generation.py; issue 13): the same report
asked again is not worked out again; any committed change to a record (by the ORM, a bulk insert through the
session, a consent withdrawn) moves the data generation on and the next request works it out afresh; the
app's bookkeeping (the audit trail) and a rollback do not; documents are kept per user and for a limited
time, and what a page does with one never reaches the one kept."""
from __future__ import annotations

from datetime import date

from sqlalchemy import insert

from tests.reports import helpers as h
from ulr_app.core import audit, generation
from ulr_app.extensions import db
from ulr_app.learners.models import Learner
from ulr_app.reports import cache

URL = "/reports/equality?from=2026-04-01&to=2027-03-31&format=csv"


def _learner(world, branch: str, ethnicity: str) -> None:
    who = h.learner(world, branch, workplace=f"school_{branch}" if branch == "a1" else None, ethnicity=ethnicity)
    h.enrolment(who, h.course(), started_on="2026-05-01")


def _get(client, count_queries) -> tuple[str, int]:
    with count_queries() as q:
        answer = client.get(URL)
    assert answer.status_code == 200
    return answer.get_data(as_text=True), q.count


def test_a_report_is_kept_until_a_record_changes(world, login_as, count_queries):
    _learner(world, "a1", "White British")
    c = login_as("convenor_a1")
    first, worked_out = _get(c, count_queries)
    again, kept = _get(c, count_queries)
    assert again == first and kept < worked_out  # the same figures without the report's statements
    assert "Kurdish" not in first
    _learner(world, "a1", "Kurdish")  # committed through the ORM: the generation moves on
    after, recounted = _get(c, count_queries)
    assert "Kurdish" in after and recounted == worked_out


def test_a_bulk_insert_through_the_session_moves_the_generation_on(world):
    before = generation.current(db.session)
    db.session.execute(insert(Learner), [{"branch_id": world.branches.a1.id, "name": "Bulk Learner", "version": 1}])
    db.session.commit()
    assert generation.current(db.session) == before + 1


def test_bookkeeping_and_rollbacks_leave_the_generation_alone(world):
    before = generation.current(db.session)
    audit.record(db.session, "export", object_type="report", summary="Downloaded a report")
    db.session.commit()
    assert generation.current(db.session) == before
    db.session.add(Learner(branch_id=world.branches.a1.id, name="Never Saved"))
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert generation.current(db.session) == before
    db.session.add(Learner(branch_id=world.branches.a1.id, name="Saved"))
    db.session.commit()
    assert generation.current(db.session) == before + 1


def test_documents_are_kept_per_user(world, login_as, count_queries):
    _learner(world, "a1", "Kurdish")
    _learner(world, "a2", "Polish")
    a1, a2 = login_as("convenor_a1"), login_as("convenor_a2")
    mine, _n = _get(a1, count_queries)
    theirs, worked_out = _get(a2, count_queries)  # the same URL and parameters, another user: their own figures
    assert "Kurdish" in mine and "Polish" not in mine
    assert "Polish" in theirs and "Kurdish" not in theirs
    assert worked_out > 3


def test_documents_are_kept_for_a_limited_time(world, login_as, count_queries, monkeypatch):
    _learner(world, "a1", "Kurdish")
    c = login_as("convenor_a1")
    _body, worked_out = _get(c, count_queries)
    monkeypatch.setattr(cache, "KEEP_SECONDS", 0)
    _body, again = _get(c, count_queries)
    assert again == worked_out


def test_pages_and_downloads_only_read_the_documents_kept(world, login_as, programmes):
    """The document kept is handed back itself (not a copy): showing it, downloading it and the quarterly
    return's page, again and again, leave every kept document as it was built."""
    import copy

    _learner(world, "a1", "Kurdish")
    p = h.project(world, programmes["ulf"], targets={("FY2026-Q1", "learners_engaged"): 4})
    c = login_as("organiser_a")
    urls = (URL, URL.replace("&format=csv", ""), "/reports/time-off?from=2026-04-01&to=2027-03-31",
            "/reports/time-off?from=2026-04-01&to=2027-03-31&format=csv", f"/projects/{p.id}/returns/FY2026-Q1")
    for url in urls:
        assert c.get(url).status_code == 200
    built = {key: copy.deepcopy(doc) for key, (_at, doc) in cache._kept.items()}
    assert len(built) == 5
    for url in urls:  # served from what was kept
        assert c.get(url).status_code == 200
    assert {key: doc for key, (_at, doc) in cache._kept.items()} == built


def test_a_savepoint_rolled_back_leaves_the_changes_before_it_counted(world):
    """The generation moves on in the committing transaction itself; a savepoint rolled back inside it forgets
    neither the changes made before it nor that they need a new generation."""
    before = generation.current(db.session)
    db.session.add(Learner(branch_id=world.branches.a1.id, name="Kept Learner"))
    db.session.flush()
    savepoint = db.session.begin_nested()
    db.session.add(Learner(branch_id=world.branches.a1.id, name="Dropped Learner"))
    db.session.flush()
    savepoint.rollback()
    db.session.commit()
    assert generation.current(db.session) == before + 1

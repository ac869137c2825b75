"""Tribunal deadlines for a page: the nearest ``limit`` made into notices and how many there are in all,
the same as the full list's first ones (the full list is what `flask reminders` sends)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app

from tests.reports import helpers as h
from ulr_app.extensions import db
from ulr_app.timeoff import reminders
from ulr_app.timeoff import rules as timeoff_rules


def _decided_for(deadline_in: int, today: date) -> date:
    """A refusal date whose tribunal deadline is ``deadline_in`` days from today (by the rule itself)."""
    commencement = current_app.config["ERA_2025_COMMENCEMENT"]
    for back in range(60, 400):
        decided = today - timedelta(days=back)
        last = timeoff_rules.tribunal_last_day(kind="ulr_duties", failure_on=decided, commencement_on=commencement)
        if last == today + timedelta(days=deadline_in):
            return decided
    raise AssertionError("no refusal date gives that deadline")


def test_the_page_shows_the_nearest_and_counts_them_all(world):
    today = date.today()
    for days in (9, 2, 5, 20):  # the last is outside the 14 days
        h.request(world, status="refused", refusal_reason="cover", requested_on=today - timedelta(days=200),
                  decided_on=_decided_for(days, today))
    db.session.commit()
    branches = [world.branches.a1.id]
    every = reminders.tribunal_deadline_reminders(today, branch_ids=branches)
    shown, counts = reminders.tribunal_deadline_reminders_page(today, branch_ids=branches, limit=2)
    assert counts == {"tribunal_deadline": 3}
    assert [n.due_on for n in shown] == [today + timedelta(days=2), today + timedelta(days=5)]
    assert [n.key for n in shown] == [n.key for n in sorted(every, key=lambda n: n.due_on)][:2]
    assert reminders.tribunal_deadline_reminders_page(today, branch_ids=[world.branches.b1.id]) == ([], {})


def test_the_home_page_works_out_the_refusals_deadlines_once_for_its_count_and_its_reminders(world, login_as,
                                                                                              count_queries):
    """A convenor's and an organiser's home page count the open refusals and list the tribunal deadlines
    within 14 days from one reading of the refusals' five columns (issue 13: it was read twice), and say
    the same as the page function that works them out itself."""
    from ulr_app.timeoff import queries

    today = date.today()
    for days in (9, 2, 20):  # the last is outside the 14 days, but is an open refusal all the same
        h.request(world, status="refused", refusal_reason="cover", requested_on=today - timedelta(days=200),
                  decided_on=_decided_for(days, today))
    db.session.commit()
    mine = [world.branches.a1.id]
    deadlines = queries.refusal_deadlines(
        db.select(queries.TimeOffRequest.id).where(queries.TimeOffRequest.branch_id.in_(mine)), today)
    assert reminders.tribunal_deadline_reminders_page(today, branch_ids=mine, refusal_deadlines=deadlines) == \
        reminders.tribunal_deadline_reminders_page(today, branch_ids=mine)
    for key in ("convenor_a1", "organiser_a"):
        client = login_as(key)
        with count_queries() as q:
            page = client.get("/").get_data(as_text=True)
        reads = [s for s in q.statements if "acas_ec_certificate_on" in s and "time_off_request.location" not in s]
        assert len(reads) == 1, (key, reads)
        assert "Tribunal claim deadlines within 14 days" in page, key
        assert page.count('href="/time-off/') >= 2, key

"""A list page counts its rows only up to COUNT_CAP (or to the end of the page asked for): past it the
page says "more than N" and offers previous and next, not numbered pages; the record lists behind a
report's figures count exactly."""
from __future__ import annotations

import re

import pytest
from flask import g

from ulr_app.cases import services as case_services
from ulr_app.cases.rules import KINDS
from ulr_app.core import pagination
from ulr_app.extensions import db


def _plain(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


@pytest.fixture
def seven_cases(world):
    g.audit_actor_label = "test set-up"
    for n in range(7):
        case_services.create_case({"kind": next(iter(KINDS)), "summary": f"Rota clash {n}"}, world.branches.a1,
                                  world.users.convenor_a1)
    db.session.commit()


def test_under_the_cap_the_count_is_exact_with_numbered_pages(login_as, seven_cases):
    page = login_as("convenor_a1").get("/cases?per_page=3").get_data(as_text=True)
    assert "Showing 1 to 3 of 7 cases" in _plain(page)
    assert 'aria-label="Page 3"' in page and "more than" not in page


def test_past_the_cap_the_page_says_more_than_and_goes_on(login_as, seven_cases, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 4)
    client = login_as("convenor_a1")
    first = client.get("/cases?per_page=2").get_data(as_text=True)
    assert "Showing 1 to 2 of more than 4 cases" in _plain(first)
    assert 'rel="next"' in first and 'aria-label="Page 2"' not in first  # no numbered last page
    # a page past the cap counts to its own end: page 3 of 2 a page (rows 5 and 6) knows there is a 7th
    third = client.get("/cases?per_page=2&page=3").get_data(as_text=True)
    assert "Showing 5 to 6 of more than 6 cases" in _plain(third) and 'rel="next"' in third
    last = client.get("/cases?per_page=2&page=4").get_data(as_text=True)
    assert "Showing 7 to 7 of 7 cases" in _plain(last) and 'rel="next"' not in last


def test_the_count_reads_no_more_rows_than_the_cap(app, seven_cases, count_queries, world, monkeypatch):
    from ulr_app.cases import queries

    monkeypatch.setattr(pagination, "COUNT_CAP", 4)
    with app.test_request_context("/cases?per_page=2"):
        with count_queries() as counted:
            page = pagination.paginate(queries.case_list(world.users.admin))
        assert (page.total, page.more, page.has_next) == (4, True, True)
        assert any(re.search(r"LIMIT", s) for s in counted.statements if "count(*)" in s)
        exact = pagination.paginate(queries.case_list(world.users.admin), exact=True)
        assert exact.total >= 7 and not getattr(exact, "more", False)


def test_the_case_lists_status_counts_stop_at_the_cap(login_as, seven_cases, monkeypatch):
    client = login_as("convenor_a1")
    counts = re.search(r'id="case-counts">([^<]+)<', client.get("/cases").get_data(as_text=True)).group(1)
    assert counts.startswith("7 open,")
    monkeypatch.setattr(pagination, "COUNT_CAP", 4)
    counts = re.search(r'id="case-counts">([^<]+)<', client.get("/cases").get_data(as_text=True)).group(1)
    assert counts == "more than 4 open, 0 waiting, 0 closed"


def test_what_needs_doing_counts_follow_ups_up_to_the_cap(login_as, world, monkeypatch):
    """The home page's follow-up groups are counted up to COUNT_CAP too (a national region has 7,500 due):
    "more than N" past it, the exact number under it, and the notices shown are the soonest either way."""
    from datetime import date, timedelta

    from ulr_app.cases import reminders as case_reminders
    from ulr_app.contacts.models import FollowUp

    g.audit_actor_label = "test set-up"
    today = date.today()
    case = case_services.create_case({"kind": next(iter(KINDS)), "summary": "Rota clash"}, world.branches.a1,
                                     world.users.convenor_a1)
    mine = [world.branches.a1.id]
    due_before = case_reminders.follow_up_reminders_page(today, branch_ids=mine)[1].get("follow_up_due", 0)
    for n in range(6):  # six overdue, two more due this week
        db.session.add(FollowUp(case_id=case.id, title=f"Chase {n}", due_on=today - timedelta(days=n + 1)))
    for n in range(2):
        db.session.add(FollowUp(case_id=case.id, title=f"Call {n}", due_on=today + timedelta(days=n + 1)))
    db.session.commit()
    exact = case_reminders.follow_up_reminders_page(today, branch_ids=mine, limit=3)
    capped = case_reminders.follow_up_reminders_page(today, branch_ids=mine, limit=3, count_cap=4)
    assert exact[1] == {"follow_up_overdue": 6, "follow_up_due": due_before + 2}
    assert capped[1] == {"follow_up_overdue": 5, "follow_up_due": due_before + 2}  # 5: more than 4
    assert [n.key for n in capped[0]] == [n.key for n in exact[0]]
    monkeypatch.setattr(pagination, "COUNT_CAP", 4)
    page = _plain(login_as("convenor_a1").get("/").get_data(as_text=True))
    assert "Overdue follow-ups (more than 4)" in page and f"Follow-ups due this week ({due_before + 2})" in page
    assert "These are the 20 due soonest" not in page
    monkeypatch.setattr(pagination, "COUNT_CAP", 1000)
    assert "Overdue follow-ups (6)" in _plain(login_as("convenor_a1").get("/").get_data(as_text=True))

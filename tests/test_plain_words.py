"""Plain words (issue 12, item 10): a ULR's menu has only what they use, no column repeats their own name,
the agreements list marks an overdue review, Acas dates are named in words, the signed-in line and the
back link sit inside landmarks."""
from __future__ import annotations

from datetime import date, timedelta

from ulr_app.extensions import db
from tests.reports import helpers as h


def test_a_ulr_menu_and_lists_leave_out_what_they_do_not_use(world, login_as):
    mine = h.rep(world, name="Ulr Barnet")
    mine.user_id = world.users.ulr_a1.id
    h.learner(world, name="In my caseload", rep_id=mine.id)
    db.session.commit()
    page = login_as("ulr_a1").get("/learners").get_data(as_text=True)
    menu = page[page.index('id="navigation"'):page.index("</nav>", page.index('id="navigation"'))]
    assert "Learners" in menu and "Branches" not in menu and "Employers" not in menu
    assert '<th scope="col" class="govuk-table__header">ULR</th>' not in page
    convenor = login_as("convenor_a1").get("/learners").get_data(as_text=True)
    assert '<th scope="col" class="govuk-table__header">ULR</th>' in convenor
    assert "Branches" in convenor


def test_the_agreements_list_marks_an_overdue_review(world, login_as):
    late = h.agreement(world, title="Late review")
    late.review_due_on = date.today() - timedelta(days=3)
    fine = h.agreement(world, title="Fine review")
    fine.review_due_on = date.today() + timedelta(days=90)
    db.session.commit()
    page = login_as("convenor_a1").get("/agreements").get_data(as_text=True)
    row = page[page.index("Late review"):page.index("</tr>", page.index("Late review"))]
    assert "Review overdue" in row
    row = page[page.index("Fine review"):page.index("</tr>", page.index("Fine review"))]
    assert "Review overdue" not in row


def test_landmarks_hold_the_signed_in_line_and_the_back_link(world, login_as):
    page = login_as("convenor_a1").get("/agreements/new").get_data(as_text=True)
    assert 'role="region" aria-label="Your account"' in page
    assert '<nav aria-label="Back">' in page
    request = h.request(world, status="refused", decided_on="2026-05-05", refusal_reason="cover")
    detail = login_as("convenor_a1").get(f"/time-off/{request.id}").get_data(as_text=True)
    assert "Day A" not in detail and "Day B" not in detail

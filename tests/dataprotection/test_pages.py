"""Subject access request pages: the register, new and edit (errors named by field, nothing half-saved),
one request with its due date worked out and its timeline, "find everything about this person" within
scope, the bank holidays page, and the convenor's home page."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

from sqlalchemy import func, select

from tests.learners.helpers import CONSENT
from ulr_app.dataprotection.models import BankHoliday, SubjectAccessRequest
from ulr_app.extensions import db

from .helpers import make_sar


def _plain(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def _listed(response) -> list[int]:
    return [int(i) for i in re.findall(r'href="/subject-access-requests/(\d+)"', response.get_data(as_text=True))]


def _count(model=SubjectAccessRequest) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def _fresh(ident):
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(SubjectAccessRequest, ident)


def _long(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _uk(d: date) -> str:
    return f"{d.day} {d.month} {d.year}"


def test_register_lists_tags_and_filters(login_as, world):
    today = date.today()
    overdue = make_sar(world.branches.a1, person_name="Olive Overdue", received_on=(today - timedelta(days=40)).isoformat())
    soon = make_sar(world.branches.a1, person_name="Sam Soon", received_on=(today - timedelta(days=27)).isoformat())
    later = make_sar(world.branches.a1, person_name="Lee Later", received_on=today.isoformat())
    done = make_sar(world.branches.a1, person_name="Ann Answered", received_on=(today - timedelta(days=60)).isoformat())
    from ulr_app.dataprotection import services

    services.update_request(done, {"status": "answered", "answered_on": today.isoformat()}, version=done.version)
    other = make_sar(world.branches.a2, person_name="Camden Person")
    db.session.commit()
    c = login_as("convenor_a1")
    response = c.get("/subject-access-requests")
    page = _plain(response)
    assert response.status_code == 200
    assert _listed(response) == [done.id, overdue.id, soon.id, later.id]  # soonest due first
    assert "Olive Overdue" in page and "Overdue" in page and "Due soon" in page and "Camden Person" not in page
    assert _listed(c.get("/subject-access-requests?due=overdue")) == [overdue.id]
    assert _listed(c.get("/subject-access-requests?due=due_soon")) == [soon.id]
    assert _listed(c.get("/subject-access-requests?status=answered")) == [done.id]
    assert c.get("/subject-access-requests?status=nonsense&due=x&branch_id=abc").status_code == 200
    organiser = login_as("organiser_a")
    assert set(_listed(organiser.get("/subject-access-requests"))) == {done.id, overdue.id, soon.id, later.id, other.id}
    assert _listed(organiser.get(f"/subject-access-requests?branch_id={world.branches.a2.id}")) == [other.id]
    assert "Record a subject access request" not in _plain(organiser.get("/subject-access-requests"))


def test_new_request_then_edit(login_as, world):
    c = login_as("convenor_a1")
    received = date.today() - timedelta(days=1)
    response = c.submit("/subject-access-requests/new", {"person_name": "Pat Example", "received_on": _uk(received),
                                                         "extension_months": "0", "status": "open"})
    assert response.status_code == 302, _plain(response)
    sar = db.session.scalars(select(SubjectAccessRequest)).one()
    assert sar.branch_id == world.branches.a1.id and sar.received_on == received
    page = _plain(c.get(f"/subject-access-requests/{sar.id}"))
    assert f"Due by {_long(sar.due_on)}" in page
    assert f"The clock starts on the day the request was received: {_long(received)}." in page
    assert "Request received on" in page  # the timeline
    url = f"/subject-access-requests/{sar.id}/edit"
    response = c.submit(url, {"person_name": "Pat Example", "received_on": _uk(received), "extension_months": "2",
                              "extension_reason": "Records held in three places", "status": "open",
                              "version": str(sar.version)})
    assert response.status_code == 302
    sar = _fresh(sar.id)
    assert sar.extension_months == 2 and sar.due_on > received + timedelta(days=80)
    assert "Deadline extended by 2 months: Records held in three places" in _plain(c.get(f"/subject-access-requests/{sar.id}"))


def test_bad_input_names_each_field_and_saves_nothing(login_as, world):
    c = login_as("convenor_a1")
    future = date.today() + timedelta(days=3)
    response = c.submit("/subject-access-requests/new", {"person_name": "", "received_on": _uk(future),
                                                         "extension_months": "1", "status": "answered",
                                                         "answered_on": "31 2 2026"})
    assert response.status_code == 400
    page = _plain(response)
    assert "Name of the person asking: Enter the name of the person who asked" in page
    assert "Date the request was received: This date cannot be in the future" in page
    assert "Reason for the extension: Enter why the deadline is extended" in page
    assert "Date answered: Enter the date the request was answered as a real date, for example 31 3 2026" in page
    assert _count() == 0
    # an edit whose answer date is before the receipt: refused, the request unchanged
    sar = make_sar(world.branches.a1, received_on=(date.today() - timedelta(days=5)).isoformat())
    db.session.commit()
    before = (sar.version, sar.status, sar.due_on)
    response = c.submit(f"/subject-access-requests/{sar.id}/edit", {
        "person_name": "Pat Example", "received_on": _uk(sar.received_on), "extension_months": "0", "status": "answered",
        "answered_on": _uk(sar.received_on - timedelta(days=1)), "version": str(sar.version)})
    assert response.status_code == 400
    assert "Date answered: The request cannot be answered before it was received" in _plain(response)
    sar = _fresh(sar.id)
    assert (sar.version, sar.status, sar.due_on) == before
    # someone else's branch: 404, nothing changed
    theirs = make_sar(world.branches.a2)
    db.session.commit()
    assert c.get(f"/subject-access-requests/{theirs.id}").status_code == 404
    assert c.submit(f"/subject-access-requests/{theirs.id}/edit", {"person_name": "X", "version": "1"},
                    page="/subject-access-requests").status_code == 404
    assert _fresh(theirs.id).person_name == "Pat Example"


def test_find_everything_about_a_person_within_scope(login_as, world):
    from ulr_app.cases import services as case_services
    from ulr_app.learners import services as learner_services

    mine = learner_services.create_learner({"name": "Robin Quartz", "email": "robin@example.org", **CONSENT},
                                           branch=world.branches.a1, not_duplicate=True)
    theirs = learner_services.create_learner({"name": "Robin Quartz", "email": "robin.q@example.org", **CONSENT},
                                             branch=world.branches.a2, not_duplicate=True)
    case = case_services.create_case({"kind": "learner_support", "summary": "Help with maths", "learner_id": mine.id,
                                      "opened_on": date.today().isoformat()}, world.branches.a1)
    case_services.add_activity(case, {"kind": "note", "happened_on": date.today().isoformat(),
                                      "text": "Rang Robin about the course"})
    other_case = case_services.create_case({"kind": "other", "summary": "Robin Quartz asked about Camden",
                                            "opened_on": date.today().isoformat()}, world.branches.a2)
    sar = make_sar(world.branches.a1, person_name="Robin Quartz", learner_id=mine.id)
    db.session.commit()
    c = login_as("convenor_a1")
    response = c.get(f"/subject-access-requests/{sar.id}/find")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="/learners/{mine.id}"' in text and f'href="/learners/{theirs.id}"' not in text
    assert f'href="/cases/{case.id}"' in text and f'href="/cases/{other_case.id}"' not in text
    page = _plain(response)
    assert "Rang Robin about the course" in page
    assert "Help with maths" in page
    # by e-mail only
    response = c.get(f"/subject-access-requests/{sar.id}/find?name=&email=ROBIN@example.org&learner_id=")
    assert f'href="/learners/{mine.id}"' in response.get_data(as_text=True)
    # the organiser of the region sees both branches' records
    organiser = login_as("organiser_a")
    text = organiser.get(f"/subject-access-requests/{sar.id}/find").get_data(as_text=True)
    assert f'href="/learners/{theirs.id}"' in text and f'href="/cases/{other_case.id}"' in text
    # a learner number that is not a number: a clear error
    response = c.get(f"/subject-access-requests/{sar.id}/find?name=&email=&learner_id=abc")
    assert response.status_code == 400
    assert "Enter the learner record number as a whole number" in _plain(response)


def test_find_query_count_does_not_grow(login_as, world, count_queries):
    from ulr_app.learners import services as learner_services

    sar = make_sar(world.branches.a1, person_name="Morgan")
    learner_services.create_learner({"name": "Morgan One"}, branch=world.branches.a1, not_duplicate=True)
    db.session.commit()
    c = login_as("convenor_a1")
    url = f"/subject-access-requests/{sar.id}/find"
    c.get(url)
    with count_queries() as few:
        c.get(url)
    for n in range(2, 8):
        learner_services.create_learner({"name": f"Morgan {n}"}, branch=world.branches.a1, not_duplicate=True)
    db.session.commit()
    with count_queries() as many:
        assert "Morgan 7" in _plain(c.get(url))
    assert many.count == few.count, many.statements


def test_bank_holidays_page(login_as, world):
    c = login_as("admin")
    page = _plain(c.get("/subject-access-requests/bank-holidays"))
    assert "8 May 2020: Early May bank holiday (VE day)" in page
    response = c.submit("/subject-access-requests/bank-holidays", {"holiday_on": "2 1 2031", "name": "New Year's Day (substitute day)"})
    assert response.status_code == 302
    assert _count(BankHoliday) == 1
    response = c.submit("/subject-access-requests/bank-holidays", {"holiday_on": "4 1 2031", "name": ""})
    assert response.status_code == 400
    page = _plain(response)
    assert "Name: Enter the name of the bank holiday" in page and "Date: A bank holiday falls on a weekday" in page
    assert _count(BankHoliday) == 1


def test_home_page_shows_requests_due_within_a_week_or_overdue(login_as, world):
    today = date.today()
    overdue = make_sar(world.branches.a1, person_name="Olive Overdue", received_on=(today - timedelta(days=40)).isoformat())
    soon = make_sar(world.branches.a1, person_name="Sam Soon", received_on=(today - timedelta(days=27)).isoformat())
    make_sar(world.branches.a1, person_name="Lee Later", received_on=today.isoformat())
    make_sar(world.branches.a2, person_name="Camden Person", received_on=(today - timedelta(days=40)).isoformat())
    db.session.commit()
    response = login_as("convenor_a1").get("/")
    text = response.get_data(as_text=True)
    page = _plain(response)
    assert "Subject access requests overdue or due within 7 days" in page
    assert "Olive Overdue" in page and "Sam Soon" in page and "Lee Later" not in page and "Camden Person" not in page
    assert f'href="/subject-access-requests/{overdue.id}"' in text and f'href="/subject-access-requests/{soon.id}"' in text


def test_reminders_source(world):
    from ulr_app.core import reminders

    today = date.today()
    overdue = make_sar(world.branches.a1, person_name="Olive Overdue", received_on=(today - timedelta(days=40)).isoformat())
    make_sar(world.branches.a1, person_name="Lee Later", received_on=today.isoformat())
    notices = [n for n in reminders.due(today) if n.record and n.record[0] == "subject_access_request"]
    assert [(n.record[1], n.kind) for n in notices] == [(overdue.id, "sar_overdue")]
    assert notices[0].key == f"subject_access_request:{overdue.id}:overdue:{overdue.due_on.isoformat()}"
    assert "Olive Overdue's subject access request was due by" in notices[0].message
    assert [n for n in reminders.due(today, [world.branches.a2.id]) if n.record and n.record[0] == "subject_access_request"] == []

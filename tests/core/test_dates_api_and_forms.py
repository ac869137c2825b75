"""The date rule gives the same answer on the API (422 naming the field) and on the pages."""
from __future__ import annotations

from datetime import date, timedelta

from ulr_app.contacts.models import Activity
from ulr_app.extensions import db
from ulr_app.learners.models import Enrolment
from tests.api.conftest import api_as, token_for  # noqa: F401  (the API token clients)
from tests.api.helpers import assert_error
from tests.api.learner_helpers import day, enrolments_of, learners_of


def test_api_refuses_unbelievable_enrolment_dates(api_as, world):
    es = enrolments_of(world)
    api = api_as("convenor_a1")
    path = f"/enrolments/{es.a1.id}"
    for referred_on, message in (("1985-06-01", "This date must be in 1990 or later"),
                                 ("1899-06-01", "This date must be in 1990 or later"),
                                 (day(-1), "This date cannot be in the future"),
                                 (day(31), "This date cannot be before the learner's consent")):
        error = assert_error(api.patch(path, json={"version": 1, "status": "referred", "referred_on": referred_on}),
                             422, "validation_failed", fields=("referred_on",))
        assert error["fields"]["referred_on"][0].startswith(message), (referred_on, error)
    db.session.expire_all()
    assert db.session.get(Enrolment, es.a1.id).status == "enquiry"  # nothing saved


def test_api_refuses_a_planned_end_more_than_ten_years_ahead(api_as, world):
    es = enrolments_of(world)
    far = (date.today() + timedelta(days=366 * 10 + 3)).isoformat()
    error = assert_error(api_as("convenor_a1").patch(f"/enrolments/{es.a1.id}", json={
        "version": 1, "status": "referred", "referred_on": day(1), "planned_end_on": far}),
        422, "validation_failed", fields=("planned_end_on",))
    assert "more than 10 years ahead" in error["fields"]["planned_end_on"][0]


def test_the_contact_form_refuses_a_date_before_1990(login_as, world):
    learner = learners_of(world).a1
    before = db.session.query(Activity).count()
    c = login_as("convenor_a1")
    url = f"/learners/{learner.id}"
    response = c.submit(f"{url}/contacts", {"kind": "call", "happened_on": "1 1 1985", "text": "Rang them"}, page=url)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This date must be in 1990 or later" in page and 'value="1 1 1985"' in page
    assert db.session.query(Activity).count() == before

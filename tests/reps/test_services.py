"""ULR appointment services: validation, the one-notice rule, computed state, scope."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from ulr_app.core.errors import ValidationFailed
from ulr_app.core.permissions import visible
from ulr_app.extensions import db
from ulr_app.reps import queries, services
from ulr_app.reps.models import Rep


def _rep(world, **kw):
    data = {"name": "Pat Jones", "email": "pat.jones@example.org", "employer_id": world.employers.a1.id,
            "workplace_id": world.workplaces.school_a1.id, "appointed_on": "2026-06-01", "notice_given_on": "2026-06-02",
            "training_route": "will_train", "will_train_notice_on": "2026-06-02", **kw}
    return services.create_rep(data, branch=world.branches.a1)


def test_state_is_computed(world):
    rep = _rep(world)
    s = queries.state(rep, date(2026, 11, 23))
    assert (s.status, s.eligible_for_paid_time_off, s.training_deadline, s.school_based) == (
        "training_due", True, date(2026, 12, 2), True)
    assert s.training_warning and s.days_left == 9
    assert queries.state(rep, date(2026, 12, 3)).status == "lapsed"


def test_second_will_be_trained_notice_is_refused_with_the_reason(world):
    _rep(world)
    with pytest.raises(ValidationFailed) as info:
        _rep(world, employer_id=world.employers.a1.id, appointed_on="2026-07-01", notice_given_on="2026-07-01",
             will_train_notice_on="2026-07-01", email="PAT.JONES@example.org")
    assert "only one 'will be trained' notice" in info.value.fields["will_train_notice_on"][0]


def test_changing_the_notice_date_counts_as_a_second_notice_except_for_an_admin(world):
    rep = _rep(world)
    with pytest.raises(ValidationFailed) as info:
        services.update_rep(rep, {"will_train_notice_on": "2026-07-01"}, actor=world.users.convenor_a1)
    assert "ask an administrator" in info.value.fields["will_train_notice_on"][0]
    services.update_rep(rep, {"will_train_notice_on": "2026-06-03"}, actor=world.users.admin)
    assert rep.will_train_notice_on == date(2026, 6, 3)


@pytest.mark.parametrize("data,field", [
    ({"name": ""}, "name"), ({"appointed_on": ""}, "appointed_on"), ({"appointed_on": "2026-02-30"}, "appointed_on"),
    ({"notice_given_on": "2026-05-01"}, "notice_given_on"), ({"training_route": "maybe"}, "training_route"),
    ({"employer_id": "x"}, "employer_id"), ({"workplace_id": None, "employer_id": 99999}, "employer_id"),
    ({"training_completion_notified_on": "2026-07-01"}, "trained_on"), ({"email": "nope"}, "email"),
    ({"trained_on": "2026-07-02", "training_completion_notified_on": "2026-07-01"}, "training_completion_notified_on"),
    ({"training_route": "already_trained"}, "will_train_notice_on"), ({"appointed_on": "2099-01-01"}, "appointed_on"),
    ({"shoe_size": 9}, "shoe_size"),
])
def test_bad_input(world, data, field):
    with pytest.raises(ValidationFailed) as info:
        _rep(world, **data)
    assert field in info.value.fields
    db.session.rollback()
    assert db.session.scalars(select(Rep)).first() is None


def test_workplace_must_belong_to_the_employer(world):
    with pytest.raises(ValidationFailed) as info:
        _rep(world, workplace_id=world.workplaces.school_a2.id)
    assert "workplace_id" in info.value.fields


def test_scope(world):
    mine = _rep(world, user_id=world.users.ulr_a1.id, email="ulr.barnet@example.org")
    other = _rep(world, name="Other", email="other@example.org", will_train_notice_on=None, training_route="already_trained")
    db.session.commit()
    ids = lambda u: set(db.session.scalars(visible(select(Rep.id), u)))  # noqa: E731
    assert ids(world.users.ulr_a1) == {mine.id}
    assert ids(world.users.convenor_a1) == {mine.id, other.id}
    assert ids(world.users.convenor_a2) == set()
    assert ids(world.users.organiser_a) == {mine.id, other.id} and ids(world.users.organiser_b) == set()

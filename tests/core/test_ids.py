"""Record ids past what the database can hold (2**31 - 1) never reach it: a URL with one is a 404
for every method, one in a query string is ignored, one in a form is a clear error. Before, SQLite
raised OverflowError (a 500) on most pages given such a number."""
from __future__ import annotations

import random
import re

import pytest

from ulr_app import _at_most
from ulr_app.core.forms import NOT_A_CHOICE
from ulr_app.core.validation import MAX_ID, db_id

HUGE = ["2147483648", "99999999999999999999"]
ID_PARAMS = ["branch_id", "region_id", "employer_id", "workplace_id", "rep_id", "owner_id", "learner_id",
             "course_id", "time_off_request_id", "from_rep_id", "object_id", "page", "per_page"]


@pytest.mark.parametrize("limit", [0, 1, 9, 10, 11, 99, 100, 101, 305, 999, 1000, 2024, 65535, 99999, 100000, MAX_ID])
def test_the_id_pattern_matches_exactly_the_numbers_up_to_its_limit(limit):
    pattern = re.compile(_at_most(limit) + r"\Z")
    rng = random.Random(limit)
    values = set(range(0, min(limit, 2000) + 50)) | {limit, limit + 1, limit * 10, limit + 10**6}
    values |= {rng.randint(0, limit * 3 + 10) for _ in range(2000)}
    wrong = [v for v in values if bool(pattern.match(str(v))) != (v <= limit)]
    assert wrong == []
    assert not pattern.match("007") and not pattern.match("-1") and not pattern.match("1e3")


@pytest.mark.parametrize("value, ok", [(1, True), ("42", True), (MAX_ID, True), (MAX_ID + 1, False), (0, False),
                                       (-3, False), (True, False), ("x", False), ("1.5", False), (10**30, False)])
def test_db_id(value, ok):
    if ok:
        assert db_id(value) == int(value)
    else:
        with pytest.raises(ValueError):
            db_id(value)


def test_every_route_with_a_huge_id_is_a_404_for_every_method(app, login_as, world):
    from tests.api.helpers import new_token

    client = login_as("admin")
    bearer = {"Authorization": f"Bearer {new_token(world.users.admin)}"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        for huge in HUGE:
            url = re.sub(r"<int:[a-z_]+>", huge, rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                headers = bearer if rule.endpoint.startswith("api.") else {}
                response = client.open(url, method=method, headers=headers)
                assert response.status_code == 404, (method, url, response.status_code)
                checked += 1
    assert checked > 100  # every page and API route with an id


def test_huge_ids_in_query_strings_are_ignored_on_every_page(app, login_as, world):
    """Every GET page without path arguments, with each id filter (and the page number) far too large."""
    query = "&".join(f"{name}={HUGE[1]}" for name in ID_PARAMS)
    for role in ("admin", "convenor_a1", "ulr_a1"):
        client = login_as(role)
        for rule in app.url_map.iter_rules():
            if rule.arguments or "GET" not in rule.methods or rule.endpoint.startswith(("api.", "static")):
                continue
            response = client.get(f"{rule.rule}?{query}")
            assert response.status_code < 500, (role, rule.rule, response.status_code)


@pytest.mark.parametrize("url, data, field", [
    ("/cases/new", {"kind": "other", "summary": "Huge", "owner_id": HUGE[1]}, "owner_id"),
    ("/cases/new", {"kind": "other", "summary": "Huge", "learner_id": HUGE[0]}, "learner_id"),
    ("/cases/new", {"kind": "other", "summary": "Huge", "workplace_id": "abc"}, "workplace_id"),
    ("/learners/new", {"name": "Huge", "workplace_id": HUGE[1]}, "workplace_id"),
])
def test_huge_or_nonsense_ids_in_a_form_are_a_clear_error(login_as, world, url, data, field):
    from sqlalchemy import func, select

    from ulr_app.cases.models import Case
    from ulr_app.extensions import db
    from ulr_app.learners.models import Learner

    before = (db.session.scalar(select(func.count(Case.id))), db.session.scalar(select(func.count(Learner.id))))
    response = login_as("convenor_a1").submit(url, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert NOT_A_CHOICE in page and f'href="#{field}"' in page
    assert (db.session.scalar(select(func.count(Case.id))), db.session.scalar(select(func.count(Learner.id)))) == before

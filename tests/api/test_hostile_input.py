"""Hostile input (issue 13, item 8): control characters and broken characters refused with 400/422 and a clear
message everywhere (API bodies and query strings, page forms and addresses, uploads' names, leaving nothing on
disk); a ULR names only learners of their caseload; a moved branch moves its users; unbelievable dates refused."""
from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ulr_app.accounts.models import User
from ulr_app.agreements.models import AgreementDocument
from ulr_app.cases.models import Case
from ulr_app.core.validation import text_problem
from ulr_app.extensions import db
from ulr_app.learners.models import Learner
from ulr_app.organisation import services as org
from ulr_app.timeoff.models import TimeOffRequest

from .helpers import agreements_of, assert_error, audit_entries, fresh, reps_of, world_ids
from .learner_helpers import CONSENT, learners_of

HOSTILE = ["\ud800", "a\udfffb", "a\x00b", "bell\x07", "esc\x1b[31m", "del\x7f", "c1\x85", "\ufffe"]


def _count(model) -> int:
    fresh()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("value", ["plain", "two\nlines\ttab\r\n", "émoji 😀 and ‘quotes’"])
def test_ordinary_text_is_fine(value):
    assert text_problem(value) is None


@pytest.mark.parametrize("value", HOSTILE)
def test_control_and_broken_characters_are_named(value):
    assert text_problem(value)
    assert text_problem({"k": [value]}) and text_problem({value: "x"})
    assert text_problem("tab\there", multiline=False) and text_problem("two\nlines", multiline=False)


@pytest.mark.parametrize("value", HOSTILE)
def test_api_bodies_refuse_them_with_422_naming_the_field(api_as, world, value):
    learners_of(world)
    api = api_as("convenor_a1")
    before = (_count(Learner), _count(Case))
    for path, body, name in (
            ("/learners", {"name": f"Jo {value}", "workplace_id": world.workplaces.service_a1.id}, "name"),
            ("/learners", {"name": "Jo", "job_title": value, **CONSENT}, "job_title"),
            ("/cases", {"kind": "other", "summary": value}, "summary"),
            ("/cases", {"kind": "other", "summary": "Fine", "details": f"x{value}"}, "details")):
        error = assert_error(api.post(path, json=body), 422, "validation_failed", fields=(name,))
        assert "character" in error["fields"][name][0]
    learner = learners_of(world).a1
    fresh()
    version = db.session.get(Learner, learner.id).version
    assert_error(api.patch(f"/learners/{learner.id}", json={"version": version, "name": value}), 422,
                 "validation_failed", fields=("name",))
    assert (_count(Learner), _count(Case)) == before


def test_api_refuses_them_in_field_names_lists_and_query_strings(api_as, world):
    api = api_as("convenor_a1")
    assert_error(api.post("/cases", json={"kind": "other", "summary": "x", "\ud800": 1}), 400, "bad_request")
    learner = learners_of(world).a1
    needs = {"learner_id": learner.id, "assessed_on": date.today().isoformat(), "barriers": ["cover\x00"]}
    assert_error(api.post("/needs_assessments", json=needs), 422, "validation_failed", fields=("barriers",))
    for query in ("name=a%00b", "name=%1B", "name=a%7Fb", "branch_id=1%00"):
        error = assert_error(api.get(f"/learners?{query}"), 400, "bad_request")
        assert error["fields"], query
    # a lone surrogate sent as (invalid) UTF-8 bytes rather than as an escape: the same 422
    raw = b'{"kind": "other", "summary": "\xed\xa0\x80"}'
    assert_error(api.post("/cases", data=raw, headers={"Content-Type": "application/json"}), 422, "validation_failed",
                 fields=("summary",))


def test_pages_refuse_them_in_addresses_and_forms(login_as, world):
    c = login_as("convenor_a1")
    for url in ("/learners?name=a%00b", "/learners?name=%1B", "/employers?q=%7F", "/cases?q=%00"):
        response = c.get(url)
        assert response.status_code == 400, url
        assert "control character" in response.get_data(as_text=True), url
    # a one-line box: no control characters, tabs or line breaks; a text area keeps its line breaks
    response = c.submit("/learners/new", {"name": "Jo\x07 Bloggs", "workplace_id": world.workplaces.service_a1.id})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Remove the control character" in page
    response = c.submit("/learners/new", {"name": "Jo\nBloggs", "workplace_id": world.workplaces.service_a1.id})
    assert response.status_code == 400 and "Keep this to one line" in response.get_data(as_text=True)
    response = c.submit("/learners/new", {"name": "Jo\x00Bloggs", "workplace_id": world.workplaces.service_a1.id})
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)
    assert _count(Learner) == 0


def test_the_database_never_stores_them(app, world):
    """The last line, below every page and the API: a flush holding one fails with the field named."""
    from ulr_app.core.errors import ValidationFailed

    branch = world.branches.a1
    branch.name = "Barnet\x00"
    with pytest.raises(ValidationFailed) as caught:
        db.session.flush()
    assert "name" in caught.value.fields
    db.session.rollback()


def test_an_upload_named_with_nul_is_refused_and_leaves_nothing_on_disk(login_as, world, app):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    agreement = agreements_of(world).a1
    c = login_as("convenor_a1")
    url = f"/agreements/{agreement.id}/signed-copy"
    folder = Path(app.instance_path) / "agreements" / str(agreement.id)
    before = sorted(folder.rglob("*")) if folder.exists() else []
    for name in ("evil\x00.pdf", "evil\x1b.pdf", "tab\tname.pdf", "line\nbreak.pdf"):
        upload = FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename=name, content_type="application/pdf")
        boundary, body = encode_multipart({"csrf_token": c.token(url), "signed_copy": upload})
        response = c.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
        assert response.status_code == 400, name
        if "\n" not in name:  # a line break ends the part's header: no file arrives at all ("Choose the ...")
            assert "control character" in response.get_data(as_text=True), name
    assert _count(AgreementDocument) == 0
    assert (sorted(folder.rglob("*")) if folder.exists() else []) == before


def test_the_upload_service_refuses_the_name_and_a_failed_save_removes_its_file(app, world):
    from ulr_app.agreements import services
    from ulr_app.core.errors import ValidationFailed

    agreement = agreements_of(world).a1
    folder = Path(app.instance_path) / "agreements" / str(agreement.id)
    before = set(folder.rglob("*"))  # an earlier test's agreement may have had the same id (and left files)
    with pytest.raises(ValidationFailed) as caught:
        services.upload_signed(agreement, b"%PDF-1.4\n", "bad\x00name.pdf")
    assert "signed_copy" in caught.value.fields
    assert set(folder.rglob("*")) == before  # nothing written for the refused name
    services.upload_signed(agreement, b"%PDF-1.4\n%%EOF\n", "good.pdf")
    written = [p for p in folder.rglob("*.pdf") if p not in before]
    assert written
    db.session.rollback()  # the request failed later on: the file goes with its row
    assert not any(p.exists() for p in written)


# --- a ULR names only learners of their caseload ----------------------------------------------------

def _release(rep, learner_id, **kw):
    return {"kind": "learner_release", "rep_id": rep.id, "learner_id": learner_id, "workplace_id": rep.workplace_id,
            "purpose": "course_attendance", "course": "ESOL Entry 3", "duration_hours": 2, "location": "College",
            "starts_at": f"{(date.today() + timedelta(days=20)).isoformat()}T09:00:00Z", **kw}


def test_a_ulr_names_only_learners_of_their_caseload(api_as, world):
    learners, rep = learners_of(world), reps_of(world).a1
    api = api_as("ulr_a1")
    before = _count(TimeOffRequest)
    answers = []
    for learner_id in (learners.a1_other.id, learners.a2.id, learners.b1.id, 999999):
        error = assert_error(api.post("/time_off_requests", json=_release(rep, learner_id)), 404, "not_found")
        answers.append(error["message"].replace(str(learner_id), "N"))
    assert len(set(answers)) == 1  # the same answer whether the learner exists or not
    assert _count(TimeOffRequest) == before
    made = api.post("/time_off_requests", json=_release(rep, learners.a1.id))
    assert made.status_code == 201, made.json
    item = made.json
    assert_error(api.patch(f"/time_off_requests/{item['id']}",
                           json={"version": item["version"], "learner_id": learners.a1_other.id}), 404, "not_found")
    fresh()
    assert db.session.get(TimeOffRequest, item["id"]).learner_id == learners.a1.id
    # the branch's convenor may name any learner of the branch
    convenor = api_as("convenor_a1")
    assert convenor.post("/time_off_requests", json=_release(reps_of(world).a1_other, learners.a1_other.id)
                         ).status_code == 201


def test_a_ulr_page_form_shows_it_on_the_learner_field(login_as, world):
    from ulr_app.timeoff import services
    from ulr_app.timeoff.services import UNSEEN_LEARNER

    learners, rep = learners_of(world), reps_of(world).a1
    with pytest.raises(services.LearnerNotFound) as caught:
        services.create_request(_release(rep, learners.a1_other.id), branch=world.branches.a1,
                                created_by=world.users.ulr_a1)
    assert caught.value.fields == {"learner_id": [UNSEEN_LEARNER]}
    db.session.rollback()


# --- regions follow branches -----------------------------------------------------------------------

def test_moving_a_branch_moves_its_users(api_as, world):
    api = api_as("admin")
    branch = world.branches.a1
    response = api.patch(f"/branches/{branch.id}", json={"version": branch.version, "region_id": world.regions.b.id})
    assert response.status_code == 200, response.json
    fresh()
    for key in ("convenor_a1", "ulr_a1"):
        user = db.session.get(User, getattr(world.users, key).id)
        assert user.region_id == world.regions.b.id, key
        entries = audit_entries("user_account", user.id, "update")
        assert entries[-1].changes == {"region_id": [world.regions.a.id, world.regions.b.id]}
    assert db.session.get(User, world.users.convenor_a2.id).region_id == world.regions.a.id


def test_a_user_patch_with_another_region_than_the_branchs_is_refused(api_as, world):
    api = api_as("admin")
    user = world.users.convenor_a1
    error = assert_error(api.patch(f"/users/{user.id}", json={"version": user.version, "region_id": world.regions.b.id}),
                         422, "validation_failed", fields=("region_id",))
    assert "branch's region" in error["fields"]["region_id"][0]
    fresh()
    assert db.session.get(User, user.id).region_id == world.regions.a.id
    ok = api.patch(f"/users/{user.id}", json={"version": user.version, "region_id": world.regions.a.id,
                                              "branch_id": world.branches.a2.id})
    assert ok.status_code == 200, ok.json
    # moving the user to a branch of another region takes that region with it
    moved = api.patch(f"/users/{user.id}", json={"version": ok.json["version"], "branch_id": world.branches.b1.id})
    assert moved.status_code == 200 and moved.json["region_id"] == world.regions.b.id


def test_organisation_service_moves_users_too(app, world):
    org.update_branch(world.branches.b1, {"region_id": world.regions.a.id})
    db.session.flush()
    assert db.session.get(User, world.users.convenor_b1.id).region_id == world.regions.a.id
    db.session.rollback()


# --- dates nobody can believe ------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_unbelievable_dates_are_refused_by_the_api(api_as, world, value):
    learners = learners_of(world)
    api = api_as("convenor_a1")
    assert_error(api.post("/learners", json={"name": "Old Date", "workplace_id": world.workplaces.service_a1.id,
                                             **CONSENT, "consent_on": value}), 422, "validation_failed",
                 fields=("consent_on",))
    assert_error(api.post("/cases", json={"kind": "other", "summary": "Old", "opened_on": value}), 422,
                 "validation_failed", fields=("opened_on",))
    assert_error(api.post("/needs_assessments", json={"learner_id": learners.a1.id, "assessed_on": value}), 422,
                 "validation_failed", fields=("assessed_on",))
    rep = reps_of(world).a1
    assert_error(api.post("/time_off_requests", json=_release(rep, learners.a1.id, requested_on=value)), 422,
                 "validation_failed", fields=("requested_on",))


def test_no_api_write_stores_a_date_before_1900(app, api_as, world):
    """Every writable date of every resource, sent as 0001-01-01 in a PATCH of a real record (and in a POST
    where the resource can be created): never stored; refused with a 4xx naming the field or the state rule."""
    from ulr_app.api.common import OPERATIONS, RESOURCES

    ids = world_ids(world)
    api = api_as("admin")
    by_resource = {}
    for methods in OPERATIONS.values():
        for op in methods.values():
            if op.resource is not None and op.action in ("create", "update"):
                by_resource.setdefault(op.resource.name, {})[op.action] = op
    checked = 0
    for name, ops in sorted(by_resource.items()):
        res = RESOURCES[name]
        id_name = next((k for k in ids if k.removesuffix("_id") == res.title.lower()
                        or k == f"{name.removesuffix('s')}_id"), None)
        for field, spec in res.writable.items():
            if spec.type != "date":
                continue
            if "update" in ops and id_name:
                path = f"/{name}/{ids[id_name]}"
                current = api.get(path)
                assert current.status_code == 200, path
                response = api.patch(path, json={"version": current.json.get("version", 1), field: "0001-01-01"})
                assert 400 <= response.status_code < 500, (path, field, response.status_code, response.json)
                assert api.get(path).json.get(field) != "0001-01-01", (path, field)
                checked += 1
            if "create" in ops:
                response = api.post(f"/{name}", json={field: "0001-01-01"})
                assert 400 <= response.status_code < 500, (name, field)
    assert checked >= 15, checked

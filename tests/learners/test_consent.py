"""Consent as records with a history (issue 14 item 1): the services, the pages, the API, the no-contact
lists and reminders, and withdrawal erasing the covered fields on the pages, the API, and the equality
report's CSV and PDF."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.api.conftest import api_as, token_for  # noqa: F401  (the API fixtures)
from tests.api.helpers import assert_error
from ulr_app.cases.models import FollowUp
from ulr_app.cases.reminders import follow_up_reminders
from ulr_app.core.audit_models import AuditEntry
from ulr_app.core.errors import ValidationFailed
from ulr_app.core.timeline import TimelineEntry
from ulr_app.extensions import db
from ulr_app.learners import caseload, consent, queries
from ulr_app.learners.models import Learner, LearnerConsent

from .helpers import TODAY, count, learner, long, plain, text, uk

EQUALITY = {"gender": "Woman", "ethnicity": "Kurdish", "disability": "Yes", "age_band": "35-44"}
YESTERDAY = TODAY - timedelta(days=1)


def _rows(who: Learner) -> dict[str, LearnerConsent]:
    return {c.purpose: c for c in consent.consents_of(who)}


def _withdraw(who, purpose, on=None, **kw):
    out = consent.withdraw(who, {"purpose": purpose, "withdrawn_on": (on or TODAY).isoformat(), **kw})
    db.session.commit()
    return out


# --- services -------------------------------------------------------------------------------------

def test_recording_consent_on_the_learner_gives_records_contact_and_equality_consents(world):
    sam = learner(world, **EQUALITY)
    rows = _rows(sam)
    assert set(rows) == {"records", "contact", "equality"}
    assert rows["records"].given_on == date(2026, 1, 5) and rows["records"].method == "not_recorded"
    assert rows["records"].note == sam.consent_scope
    assert rows["equality"].given_on == date(2026, 1, 5)
    assert consent.in_force(sam) == {"records", "contact", "equality"}
    pat = learner(world, name="Pat Brown", consent=False)
    assert _rows(pat) == {}
    # the date of consent corrected on the form corrects the consent (and the contact consent given with it)
    from ulr_app.learners import services
    services.update_learner(sam, {"consent_on": "2026-01-10", "consent_scope": "Records only"})
    db.session.commit()
    rows = _rows(sam)
    assert rows["records"].given_on == rows["contact"].given_on == date(2026, 1, 10)
    assert rows["records"].note == "Records only"
    assert len(consent.consents_of(sam)) == 3


def test_give_consent_records_how_when_and_who_and_is_audited(world):
    sam = learner(world)
    convenor = world.users.convenor_a1
    row = consent.give(sam, {"purpose": "sharing", "method": "verbal", "given_on": YESTERDAY.isoformat(),
                             "shared_with": "Barnet College", "taken_by_name": "Pat Jones"}, actor=convenor)
    db.session.commit()
    assert (row.purpose, row.method, row.shared_with, row.taken_by_id, row.taken_by_name) == (
        "sharing", "verbal", "Barnet College", convenor.id, "Pat Jones")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "learner_consent",
                                                        AuditEntry.object_id == row.id)).one()
    assert entry.action == "create" and "Barnet College" in entry.summary
    assert any("Barnet College" in e.text for e in db.session.scalars(
        select(TimelineEntry).where(TimelineEntry.object_type == "learner", TimelineEntry.object_id == sam.id)))


@pytest.mark.parametrize("data, field", [
    ({"purpose": "marketing", "method": "online", "given_on": "2026-02-01"}, "purpose"),
    ({"purpose": "contact", "method": "carrier pigeon", "given_on": "2026-02-01"}, "method"),
    ({"purpose": "contact", "method": "online", "given_on": "2099-01-01"}, "given_on"),
    ({"purpose": "contact", "method": "online", "given_on": "not a date"}, "given_on"),
    ({"purpose": "contact", "method": "online", "given_on": "2026-02-01"}, "purpose"),  # already in force
    ({"purpose": "sharing", "method": "online", "given_on": "2026-02-01"}, "shared_with"),
    ({"purpose": "contact", "method": "online", "given_on": "2026-02-01", "colour": "red"}, "colour"),
])
def test_give_consent_bad_input_saves_nothing(world, data, field):
    sam = learner(world)
    before = count(LearnerConsent), count(AuditEntry)
    with pytest.raises(ValidationFailed) as exc:
        consent.give(sam, data)
    assert field in exc.value.fields
    db.session.rollback()
    assert (count(LearnerConsent), count(AuditEntry)) == before


def test_no_other_consent_without_consent_to_keep_the_record(world):
    pat = learner(world, name="Pat Brown", consent=False)
    with pytest.raises(ValidationFailed) as exc:
        consent.give(pat, {"purpose": "contact", "method": "online", "given_on": "2026-02-01"})
    assert "Record consent to keep their record first" in exc.value.fields["purpose"][0]
    db.session.rollback()
    consent.give(pat, {"purpose": "records", "method": "paper_form", "given_on": "2026-02-01", "note": "Form 12"})
    db.session.commit()
    # the learner's consent date is this consent's (the API's consent_on and consent_scope)
    assert (pat.consent_on, pat.consent_scope) == (date(2026, 2, 1), "Form 12")


@pytest.mark.parametrize("data, field", [
    ({"purpose": "contact", "withdrawn_on": "2025-12-31"}, "withdrawn_on"),  # before the consent (5 January 2026)
    ({"purpose": "contact", "withdrawn_on": "2099-01-01"}, "withdrawn_on"),  # in the future
    ({"purpose": "contact"}, "withdrawn_on"),
    ({"purpose": "marketing", "withdrawn_on": "2026-02-01"}, "purpose"),     # unknown purpose
    ({"purpose": "sharing", "withdrawn_on": "2026-02-01"}, "purpose"),       # none given
    ({"purpose": "contact", "withdrawn_on": "2026-02-01", "consent_id": 999999}, "consent_id"),
])
def test_withdraw_bad_input_changes_nothing(world, data, field):
    sam = learner(world, **EQUALITY)
    before = count(AuditEntry), count(TimelineEntry)
    with pytest.raises(ValidationFailed) as exc:
        consent.withdraw(sam, data)
    assert field in exc.value.fields
    db.session.rollback()
    assert (count(AuditEntry), count(TimelineEntry)) == before
    assert all(c.withdrawn_on is None for c in consent.consents_of(sam))
    assert db.session.get(Learner, sam.id).ethnicity == "Kurdish"


def test_withdrawing_equality_erases_the_fields_and_the_audit_trails_copies(world):
    sam = learner(world, **EQUALITY)
    # a copy of a value an audit entry kept (as an older version of the app, or a careless caller, could)
    db.session.add(AuditEntry(actor_label="test", action="update", object_type="learner", object_id=sam.id,
                              summary="old", changes={"ethnicity": [None, "Kurdish"], "name": ["A", "B"]}))
    db.session.commit()
    done = _withdraw(sam, "equality", YESTERDAY, note="Phoned the branch")
    assert [c.purpose for c in done] == ["equality"]
    withdrawal = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "learner_consent",
                                                             AuditEntry.action == "withdraw")).one()
    assert withdrawal.object_id == done[0].id and withdrawal.changes["withdrawn_on"] == [None, YESTERDAY.isoformat()]
    db.session.expire_all()
    sam = db.session.get(Learner, sam.id)
    assert all(getattr(sam, f) is None for f in EQUALITY)
    stored = [e.changes for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "learner", AuditEntry.object_id == sam.id)) if e.changes]
    assert not any("Kurdish" in str(c) for c in stored)
    assert {"ethnicity": consent.WITHDRAWN, "name": ["A", "B"]} in stored
    assert consent.in_force(sam) == {"records", "contact"}
    assert _rows(sam)["equality"].withdrawn_on == YESTERDAY
    # afterwards the fields cannot be filled in again until consent is given again
    from ulr_app.learners import services
    with pytest.raises(ValidationFailed) as exc:
        services.update_learner(sam, {"ethnicity": "Kurdish"})
    assert "withdrew consent to equality monitoring" in exc.value.fields["ethnicity"][0]
    db.session.rollback()
    consent.give(sam, {"purpose": "equality", "method": "online", "given_on": TODAY.isoformat()})
    services.update_learner(sam, {"ethnicity": "Turkish"})
    db.session.commit()
    assert sam.ethnicity == "Turkish"


def test_withdrawing_records_withdraws_everything(world):
    sam = learner(world, **EQUALITY)
    done = _withdraw(sam, "records")
    assert {c.purpose for c in done} == {"records", "contact", "equality"}
    assert consent.in_force(sam) == frozenset()
    assert sam.ethnicity is None
    assert consent.withdrawn_on(sam, "records") == TODAY
    from ulr_app.learners import services
    with pytest.raises(ValidationFailed) as exc:
        services.record_needs_assessment(sam, {"assessed_on": TODAY.isoformat()})
    assert "the record must now be erased" in exc.value.fields["learner_id"][0]


# --- contact: the no-contact lists, the follow-ups, e-mail ------------------------------------------

def test_a_learner_who_withdrew_contact_is_on_no_list_and_cannot_be_emailed(world):
    convenor = world.users.convenor_a1
    sam = learner(world, email="sam@example.org")
    pat = learner(world, name="Pat Brown")
    for who in (sam, pat):
        db.session.add(FollowUp(learner_id=who.id, title="Next contact", due_on=TODAY - timedelta(days=3)))
    db.session.commit()
    quiet, total = caseload.no_recent_contact(convenor)
    assert {q.learner.id for q in quiet} == {sam.id, pat.id} and total == 2
    assert consent.may_contact(sam)
    _withdraw(sam, "contact")
    quiet, total = caseload.no_recent_contact(convenor)
    assert [q.learner.id for q in quiet] == [pat.id] and total == 1
    assert [f.learner_id for f in caseload.overdue_follow_ups(convenor)] == [pat.id]
    assert [n.record for n in follow_up_reminders(TODAY)] == [("learner", pat.id)]
    assert not consent.may_contact(sam) and consent.may_contact(pat)
    ids = set(db.session.scalars(select(Learner.id).where(queries.contactable(TODAY))))
    assert pat.id in ids and sam.id not in ids


def test_no_contact_list_page_and_home_leave_them_out(world, login_as):
    sam = learner(world)
    pat = learner(world, name="Pat Brown")
    _withdraw(sam, "contact")
    c = login_as("convenor_a1")
    page = text(c.get("/learners?no_contact=1"))
    assert f'href="/learners/{pat.id}"' in page and f'href="/learners/{sam.id}"' not in page
    assert "Do not contact: consent to contact was withdrawn" in plain(c.get(f"/learners/{sam.id}"))


# --- pages -----------------------------------------------------------------------------------------

def test_the_consent_section_and_recording_a_consent(world, login_as):
    sam = learner(world)
    c = login_as("convenor_a1")
    page = plain(c.get(f"/learners/{sam.id}"))
    assert "Consent" in page and "Keeping their learning records" in page and "In force" in page
    assert "Given 5 January 2026 How: Not recorded (given before consent history was kept)" in page
    response = c.submit(f"/learners/{sam.id}/consent/new", {"purpose": "sharing", "method": "paper_form",
                                                              "given_on": uk(YESTERDAY), "shared_with": "Barnet College"})
    assert response.status_code == 302
    page = plain(c.get(f"/learners/{sam.id}"))
    assert f"Sharing their record with a named learning provider or funder: Barnet College" in page
    assert f"Given {long(YESTERDAY)} How: On a paper form" in page
    assert f"Taken by {world.users.convenor_a1.name}" in page


def test_record_consent_bad_input_shows_the_error_at_the_field(world, login_as):
    sam = learner(world)
    c = login_as("convenor_a1")
    before = count(LearnerConsent)
    response = c.submit(f"/learners/{sam.id}/consent/new", {"purpose": "sharing", "method": "",
                                                              "given_on": "32 13 2026"})
    assert response.status_code == 400
    page = plain(response)
    assert "Choose how the learner gave their consent" in page
    assert "Enter the provider or funder the record may be shared with" in page
    assert "as a real date" in page
    assert count(LearnerConsent) == before


def test_withdraw_equality_page_confirms_then_erases_everywhere(world, login_as, api_as):
    sam = learner(world, **EQUALITY)
    c = login_as("convenor_a1")
    assert "Kurdish" in text(c.get(f"/learners/{sam.id}"))
    confirm = c.get(f"/learners/{sam.id}/consent/withdraw?purpose=equality")
    assert confirm.status_code == 200
    words = plain(confirm)
    assert "Their gender, ethnicity, disability and age band are erased now" in words
    assert "cannot be brought back" in words
    assert 'name="csrf_token"' in text(confirm)
    assert db.session.get(Learner, sam.id).ethnicity == "Kurdish"  # nothing happens on GET
    response = c.submit(f"/learners/{sam.id}/consent/withdraw?purpose=equality", {"withdrawn_on": uk(TODAY)})
    assert response.status_code == 302
    page = text(c.get(f"/learners/{sam.id}"))
    assert "Kurdish" not in page and "35-44" not in page and "Woman" not in page
    assert f"Withdrawn {long(TODAY)}" in plain(c.get(f"/learners/{sam.id}"))
    links = text(c.get(f"/learners/{sam.id}"))
    assert f"/learners/{sam.id}/consent/withdraw?purpose=contact" in links
    assert f"/learners/{sam.id}/consent/withdraw?purpose=equality" not in links  # withdrawn already
    item = api_as("convenor_a1").get(f"/learners/{sam.id}").json
    assert all(item[f] is None for f in EQUALITY)
    assert item["equality_recorded"] == {f: False for f in sorted(EQUALITY)}
    # the form says so, and refuses them again, at the field
    assert f"withdrew consent to equality monitoring on {long(TODAY)}" in plain(c.get(f"/learners/{sam.id}/edit"))
    token = c.token(f"/learners/{sam.id}/edit")
    bad = c.post(f"/learners/{sam.id}/edit", data={"csrf_token": token, "name": sam.name, "consent_on": "5 1 2026",
                                                   "consent_scope": sam.consent_scope, "ethnicity": "Kurdish",
                                                   "workplace_id": sam.workplace_id, "version": sam.version})
    assert bad.status_code == 400
    assert "withdrew consent to equality monitoring on" in plain(bad)
    db.session.expire_all()
    assert db.session.get(Learner, sam.id).ethnicity is None


@pytest.mark.parametrize("date_typed, message", [
    ("1 1 2025", "The date of withdrawal cannot be before the consent was given"),
    ("1 1 2099", "cannot be in the future"),
    ("", "Enter the date the learner withdrew their consent"),
])
def test_withdraw_page_bad_dates(world, login_as, date_typed, message):
    sam = learner(world, **EQUALITY)
    c = login_as("convenor_a1")
    response = c.submit(f"/learners/{sam.id}/consent/withdraw?purpose=equality", {"withdrawn_on": date_typed})
    assert response.status_code == 400
    assert message in plain(response)
    db.session.expire_all()
    assert db.session.get(Learner, sam.id).ethnicity == "Kurdish"
    assert all(c.withdrawn_on is None for c in consent.consents_of(sam))


def test_withdraw_page_unknown_purpose_or_consent_or_learner_outside_scope_is_404(world, login_as):
    sam = learner(world)
    other = learner(world, "a2", name="Camden Person", workplace="school_a2")
    c = login_as("convenor_a1")
    assert c.get(f"/learners/{sam.id}/consent/withdraw?purpose=marketing").status_code == 404
    assert c.get(f"/learners/{sam.id}/consent/withdraw").status_code == 404
    assert c.get(f"/learners/{sam.id}/consent/withdraw?purpose=contact&consent_id=999999").status_code == 404
    assert c.get(f"/learners/{other.id}/consent/withdraw?purpose=contact").status_code == 404
    assert c.submit(f"/learners/{other.id}/consent/withdraw?purpose=contact", {"withdrawn_on": uk(TODAY)},
                    page=f"/learners/{sam.id}").status_code == 404
    assert all(c.withdrawn_on is None for c in consent.consents_of(other))


def test_records_withdrawn_banner_links_to_erasure_when_there_is_one(world, login_as, app):
    sam = learner(world)
    c = login_as("convenor_a1")
    c.submit(f"/learners/{sam.id}/consent/withdraw?purpose=records", {"withdrawn_on": uk(TODAY)})
    page = plain(c.get(f"/learners/{sam.id}"))
    assert f"Consent to keep this record was withdrawn on {long(TODAY)}: the record must now be erased" in page
    page_html = text(c.get(f"/learners/{sam.id}"))
    assert "Log a contact" not in page_html and "Record a needs analysis" not in page_html
    has_erase = "learners.erase" in app.view_functions
    assert (f'href="/learners/{sam.id}/erase"' in text(c.get(f"/learners/{sam.id}"))) is has_erase


# --- the API ---------------------------------------------------------------------------------------

def test_api_consent_fields_keep_working_and_equality_after_withdrawal_is_422(world, api_as):
    api = api_as("convenor_a1")
    made = api.post("/learners", json={"name": "Ann Api", "workplace_id": world.workplaces.school_a1.id,
                                       "consent_on": "2026-02-01", "consent_scope": "Records and contact",
                                       "ethnicity": "Kurdish"})
    assert made.status_code == 201, made.get_data(as_text=True)
    who = db.session.get(Learner, made.json["id"])
    assert set(_rows(who)) == {"records", "contact", "equality"}
    _withdraw(who, "equality")
    item = api.get(f"/learners/{who.id}").json
    assert item["ethnicity"] is None and item["consent_on"] == "2026-02-01"
    by_purpose = {c["purpose"]: c for c in item["consents"]}
    assert set(by_purpose) == {"records", "contact", "equality"}
    assert by_purpose["records"]["given_on"] == "2026-02-01" and by_purpose["records"]["withdrawn_on"] is None
    assert by_purpose["records"]["taken_by_id"] == world.users.convenor_a1.id
    assert by_purpose["equality"]["withdrawn_on"] == TODAY.isoformat()
    listed = {i["id"]: i for i in api.get("/learners").json["items"]}
    assert listed[who.id]["consents"] == item["consents"]
    # read only
    assert_error(api.patch(f"/learners/{who.id}", json={"consents": [], "version": item["version"]}), 422,
                 "validation_failed", fields=("consents",))
    error = assert_error(api.patch(f"/learners/{who.id}", json={"ethnicity": "Kurdish", "version": item["version"]}),
                         422, "validation_failed", fields=("ethnicity",))
    assert "withdrew consent to equality monitoring" in error["fields"]["ethnicity"][0]
    db.session.expire_all()
    assert db.session.get(Learner, who.id).ethnicity is None
    # emptying them, or changing anything else, is fine
    ok = api.patch(f"/learners/{who.id}", json={"job_title": "Cook", "gender": None, "version": item["version"]})
    assert ok.status_code == 200, ok.get_data(as_text=True)


# --- the equality report: CSV and PDF --------------------------------------------------------------

def _report_learners(world, n=10):
    from ulr_app.learners import services
    course = services.create_course({"title": "Consent report course", "category": "skills_for_life"})
    made = []
    for i in range(n):
        who = learner(world, name=f"Report learner {i}", **EQUALITY)
        services.enrol(who, {"course_id": course.id, "status": "enrolled", "started_on": "2026-05-01"})
        made.append(who)
    db.session.commit()
    return made


def _csv(c) -> dict[str, str]:
    body = c.get("/reports/equality?from=2026-04-01&to=2027-03-31&format=csv").get_data(as_text=True)
    return {r[0]: r[1] for r in csv.reader(io.StringIO(body.lstrip("\ufeff"))) if len(r) == 2}


def test_withdrawn_equality_leaves_the_equality_report_csv_and_pdf(world, login_as):
    made = _report_learners(world)
    c = login_as("convenor_a1")
    assert _csv(c)["Kurdish"] == "10"
    for who in made[:5]:
        _withdraw(who, "equality")
    shown = _csv(c)
    assert shown["Kurdish"] == "5"
    from ulr_app.reports import builders, exports
    doc = builders.build("equality", {"from": "2026-04-01", "to": "2027-03-31", "branch_id": world.branches.a1.id,
                                      "region_id": None}, world.users.convenor_a1)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    pdf = subprocess.run(["pdftotext", "-layout", "-", "-"], input=exports.to_pdf(doc), capture_output=True,
                         check=True, timeout=60).stdout.decode("utf-8")
    import re
    assert re.search(r"Kurdish\s+5\b", pdf), pdf


@pytest.mark.parametrize("withdrawn_on", ("keep", "duplicate"))
def test_merging_moves_the_consents_and_never_brings_withdrawn_equality_back(world, withdrawn_on):
    from ulr_app.learners import services
    keep = learner(world, **EQUALITY)
    duplicate = learner(world, name="Sam Okafor", **EQUALITY)
    _withdraw(keep if withdrawn_on == "keep" else duplicate, "equality")
    moved = services.merge_learners(keep, duplicate)
    db.session.commit()
    assert moved["consents"] == 3
    assert keep.ethnicity is None
    assert len(consent.consents_of(keep)) == 6 and consent.consents_of(duplicate) == []
    assert consent.in_force(keep) == {"records", "contact"}  # the same person withdrew it on one record


def test_a_learner_from_before_the_consent_history_shows_their_consent_date(world, login_as):
    from tests.reports import helpers as report_helpers
    old = report_helpers.learner(world, name="Bulk Loaded")  # inserted directly, as the national demo data is
    page = plain(login_as("convenor_a1").get(f"/learners/{old.id}"))
    assert "Consent to keep their record and to contact them given on 5 January 2026 (recorded before" in page
    assert consent.may_contact(old)


def test_the_learner_form_records_the_consents(world, login_as):
    c = login_as("convenor_a1")
    response = c.submit("/learners/new", {"name": "Fay Form", "workplace_id": world.workplaces.school_a1.id,
                                          "consent_on": "5 2 2026", "consent_scope": "Records and contact"})
    assert response.status_code == 302, plain(response)
    fay = db.session.scalars(select(Learner).where(Learner.name == "Fay Form")).one()
    rows = _rows(fay)
    assert set(rows) == {"records", "contact"}
    assert rows["records"].given_on == date(2026, 2, 5) and rows["records"].taken_by_id == world.users.convenor_a1.id
    token = c.token(f"/learners/{fay.id}/edit")
    response = c.post(f"/learners/{fay.id}/edit", data={
        "csrf_token": token, "name": "Fay Form", "workplace_id": world.workplaces.school_a1.id, "consent_on": "5 2 2026",
        "consent_scope": "Records and contact", "age_band": "25-34", "version": fay.version})
    assert response.status_code == 302, plain(response)
    db.session.expire_all()
    assert set(_rows(fay)) == {"records", "contact", "equality"} and _rows(fay)["equality"].given_on == TODAY

"""Learning agreement pages: forms with bad input, lifecycle, named schools, ULR places, coverage
and its CSV, documents (draft PDF, signed copy) and who may see them, the list's filters and
counts, and the home page reminders."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from ulr_app.agreements import services
from ulr_app.agreements.models import Agreement, AgreementDocument, AgreementLearnerTime, AgreementSchool, AgreementUlrPlace
from ulr_app.core.audit_models import AuditEntry
from ulr_app.core.timeline import TimelineEntry
from ulr_app.extensions import db
from ulr_app.organisation import services as org

#: what the new-agreement form sends when every question keeps its starting answer
FORM = {
    "title": "Barnet learning agreement 2026", "kind": "partnership", "other_unions": "", "whole_employer": "yes",
    "services_covered": "", "schools_scope": "included", "equal_access": "yes", "ulr_places": "12", "ulr_appointment": "",
    "ulr_paid_time_off": "yes", "ulr_hours_per_month": "7.5", "ulr_ad_hoc_time": "yes", "ulr_facilities": ["room", "email"],
    "member_access": "yes", "member_access_paid": "no", "learner_time_off": "matched", "partnership_group": "yes",
    "partnership_employer_members": "4", "partnership_union_members": "4", "partnership_meeting_frequency": "quarterly",
    "coordinator": "no", "coordinator_release_days": "", "learning_centre": "no", "learning_centre_details": "",
    "needs_analysis_learning_only": "yes", "confidentiality": "yes", "not_substitute_for_bargaining": "yes",
    "grievances_existing_procedures": "yes", "disputes_route": "", "employer_signatory": "", "employer_signatory_role": "",
    "union_signatory": "", "union_signatory_role": "", "starts_on": "", "signed_on": "", "review_due_on": "", "expires_on": "",
}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _new(world, branch="a1", **extra) -> Agreement:
    b = getattr(world.branches, branch)
    e = getattr(world.employers, branch)
    a = services.create_agreement({"title": f"{b.name} learning agreement", "employer_id": e.id, **extra}, branch=b)
    db.session.commit()
    return a


def _form_of(a: Agreement, **changes) -> dict:
    from ulr_app.agreements.forms import AgreementForm

    data = AgreementForm.initial(a)
    data.pop("branch_id")
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update({"version": str(a.version), **changes})
    return data


def _text(response) -> str:
    return response.get_data(as_text=True)


def _sign(a: Agreement) -> None:
    services.update_agreement(a, {"signed_on": "2026-03-01", "employer_signatory": "Chief Executive",
                                  "union_signatory": "Branch Secretary", "review_due_on": "2027-03-01"})
    services.change_status(a, "negotiating")
    services.change_status(a, "signed")
    db.session.commit()


# --- create and edit ----------------------------------------------------------------------

def test_convenor_creates_an_agreement_through_the_form(login_as, world):
    c = login_as("convenor_a1")
    page = _text(c.get("/agreements/new"))
    assert 'name="branch_id"' not in page  # a convenor's agreements are their branch's
    assert "London Borough of Barnet" in page and "London Borough of Camden" not in page
    response = c.submit("/agreements/new", {**FORM, "employer_id": world.employers.a1.id})
    assert response.status_code == 302, _text(response)
    a = db.session.scalars(select(Agreement)).one()
    assert response.headers["Location"].endswith(f"/agreements/{a.id}")
    assert (a.branch_id, a.employer_id) == (world.branches.a1.id, world.employers.a1.id)
    assert (a.status, a.schools_scope) == ("draft", "included")
    assert (a.ulr_places, str(a.ulr_hours_per_month), a.ulr_facilities) == (12, "7.50", ["room", "email"])
    assert a.member_access_paid is False and a.partnership_group is True and a.partnership_meeting_frequency == "quarterly"
    page = _text(c.get(f"/agreements/{a.id}"))
    assert "Barnet learning agreement 2026" in page and "Agreement created as a draft" in page
    assert "A private room, E-mail" in page and "Draft" in page
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "agreement")).one()
    assert entry.actor_id == world.users.convenor_a1.id


@pytest.mark.parametrize("changes,message,kept", [
    ({"title": ""}, "Enter the title", None),
    ({"title": "x" * 201}, "The title must be 200 characters or fewer", None),
    ({"ulr_places": "twelve"}, "Enter a whole number from 0 to 500", "twelve"),
    ({"ulr_hours_per_month": "lots"}, "Enter a number from 0 to 200", "lots"),
    ({"review_due_on": "31/02/2026"}, "as a real date, for example 31 3 2026", "31/02/2026"),
    ({"signed_on": "next Tuesday"}, "as a real date, for example 31 3 2026", "next Tuesday"),
    ({"starts_on": "1/4/2026", "expires_on": "2026-03-01"}, "The expiry date must be after the agreement starts", "1/4/2026"),
    ({"whole_employer": "no"}, "Name the services or directorates", None),
    ({"schools_scope": "sometimes"}, "Choose one of", None),
    ({"ulr_facilities": ["jacuzzi"]}, "Choose facilities from the list", None),
    ({"employer_id": ""}, "Choose the employer", None),
    ({"whole_employer": ""}, "Answer whether it covers the whole employer", None),
])
def test_new_agreement_bad_input(login_as, world, changes, message, kept):
    c = login_as("convenor_a1")
    data = {**FORM, "employer_id": world.employers.a1.id, "other_unions": "GMB & Unite", **changes}
    response = c.submit("/agreements/new", data)
    page = _text(response)
    assert response.status_code == 400
    assert "There is a problem" in page and message in page, page[:3000]
    assert "<title>Error: " in page
    assert "GMB &amp; Unite" in page  # what was typed elsewhere is kept
    if kept:
        assert f'value="{kept}"' in page
    assert _count(Agreement) == 0


def test_convenor_cannot_use_another_branchs_employer(login_as, world):
    c = login_as("convenor_a1")
    response = c.submit("/agreements/new", {**FORM, "employer_id": world.employers.a2.id})
    assert response.status_code == 400
    assert "Choose one of the employers this branch deals with" in _text(response)
    assert _count(Agreement) == 0


def test_admin_chooses_the_branch_and_one_of_its_employers(login_as, world):
    c = login_as("admin")
    page = _text(c.get("/agreements/new"))
    assert 'name="branch_id"' in page and "Newcastle City" in page
    response = c.submit("/agreements/new", {**FORM, "branch_id": "", "employer_id": world.employers.a1.id})
    assert response.status_code == 400 and "Choose the branch" in _text(response)
    response = c.submit("/agreements/new", {**FORM, "branch_id": world.branches.b1.id, "employer_id": world.employers.a1.id})
    assert response.status_code == 400 and "Choose one of the employers this branch deals with" in _text(response)
    assert _count(Agreement) == 0
    response = c.submit("/agreements/new", {**FORM, "branch_id": world.branches.b1.id, "employer_id": world.employers.b1.id})
    assert response.status_code == 302
    assert db.session.scalars(select(Agreement)).one().branch_id == world.branches.b1.id


def test_edit_saves_a_diff_and_keeps_typed_values_on_error(login_as, world):
    a = _new(world)
    c = login_as("convenor_a1")
    page = _text(c.get(f"/agreements/{a.id}/edit"))
    assert 'value="Barnet learning agreement"' in page and 'name="version" value="1"' in page
    assert 'id="section-signatures"' in page and "For example, 31 3 2026" in page
    response = c.submit(f"/agreements/{a.id}/edit", _form_of(a, union_signatory="Jo Bloggs", review_due_on="30/2/2027"))
    assert response.status_code == 400
    page = _text(response)
    assert "as a real date" in page and 'value="Jo Bloggs"' in page and 'value="30/2/2027"' in page
    db.session.expire_all()
    assert db.session.get(Agreement, a.id).union_signatory is None

    response = c.submit(f"/agreements/{a.id}/edit", _form_of(a, union_signatory="Jo Bloggs", review_due_on="28/2/2027",
                                                             schools_scope="excluded"))
    assert response.status_code == 302
    db.session.expire_all()
    a = db.session.get(Agreement, a.id)
    assert (a.union_signatory, a.review_due_on, a.schools_scope, a.version) == ("Jo Bloggs", date(2027, 2, 28), "excluded", 2)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert set(entry.changes) == {"union_signatory", "review_due_on", "schools_scope"}


def test_edit_with_a_stale_version_answers_409(login_as, world):
    a = _new(world)
    c = login_as("convenor_a1")
    response = c.submit(f"/agreements/{a.id}/edit", _form_of(a, title="Renamed", version="7"))
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Agreement, a.id).title == "Barnet learning agreement"


def test_readers_get_403_on_every_change_page(login_as, world):
    a = _new(world)
    for who in ("organiser_a", "ulr_a1"):
        c = login_as(who)
        assert c.get(f"/agreements/{a.id}").status_code == 200
        for path in ("edit", "status", "schools", "places", "signed-copy"):
            assert c.get(f"/agreements/{a.id}/{path}").status_code == 403, (who, path)
        assert c.get("/agreements/new").status_code == 403
        page = _text(c.get(f"/agreements/{a.id}"))
        assert "Change the agreement" not in page and f"/agreements/{a.id}/edit" not in page


def test_out_of_scope_agreements_are_404(login_as, world):
    camden = _new(world, "a2")
    newcastle = _new(world, "b1")
    c = login_as("convenor_a1")
    for path in ("", "/edit", "/status", "/schools", "/places", "/coverage", "/coverage.csv", "/draft", "/signed-copy"):
        assert c.get(f"/agreements/{camden.id}{path}").status_code == 404, path
    assert login_as("organiser_a").get(f"/agreements/{camden.id}").status_code == 200
    assert login_as("organiser_a").get(f"/agreements/{newcastle.id}/coverage").status_code == 404
    assert login_as("ulr_a1").get(f"/agreements/{camden.id}").status_code == 404


# --- status -------------------------------------------------------------------------------

def test_status_page_offers_only_allowed_changes_and_confirms(login_as, world):
    a = _new(world)
    c = login_as("convenor_a1")
    page = _text(c.get(f"/agreements/{a.id}/status"))
    assert 'value="negotiating"' in page and 'value="terminated"' in page and 'value="signed"' not in page
    # not on offer from draft: refused as a choice, nothing changes
    response = c.submit(f"/agreements/{a.id}/status", {"status": "signed", "version": "1"})
    assert response.status_code == 400 and "Choose one of the statuses listed" in _text(response)
    response = c.submit(f"/agreements/{a.id}/status", {"status": "", "version": "1"})
    assert response.status_code == 400 and "Choose the new status" in _text(response)
    # step 1 shows a confirmation; nothing has changed yet
    response = c.submit(f"/agreements/{a.id}/status",
                        {"status": "negotiating", "note": "First meeting on 3 March", "version": "1"})
    page = _text(response)
    assert response.status_code == 200 and "Mark Barnet learning agreement as negotiating?" in page
    assert 'name="confirm" value="yes"' in page and "First meeting on 3 March" in page
    db.session.expire_all()
    assert db.session.get(Agreement, a.id).status == "draft"
    # step 2 changes it, with the note on the timeline
    response = c.submit(f"/agreements/{a.id}/status", {"status": "negotiating", "note": "First meeting on 3 March",
                                                       "version": "1", "confirm": "yes"}, page=f"/agreements/{a.id}/status")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Agreement, a.id).status == "negotiating"
    page = _text(c.get(f"/agreements/{a.id}"))
    assert "Status changed from draft to negotiating: First meeting on 3 March" in page


def test_signing_without_the_details_lists_them_with_links_to_the_edit_page(login_as, world):
    a = _new(world)
    services.change_status(a, "negotiating")
    db.session.commit()
    c = login_as("convenor_a1")
    for extra in ({}, {"confirm": "yes"}):  # whether caught before the confirmation or by the service after it
        response = c.submit(f"/agreements/{a.id}/status",
                            {"status": "signed", "note": "At the JNC", "version": str(a.version), **extra})
        page = _text(response)
        assert response.status_code == 400
        assert "Before it can be marked signed" in page
        for field, message in (("signed_on", "Enter the date the agreement was signed"),
                               ("employer_signatory", "Enter who signed for the employer"),
                               ("union_signatory", "Enter who signed for the union"),
                               ("review_due_on", "Enter the date the agreement is due for review")):
            assert f'href="/agreements/{a.id}/edit#{field}">{message}</a>' in page
        assert "At the JNC" in page  # the note typed is kept
    db.session.expire_all()
    assert db.session.get(Agreement, a.id).status == "negotiating"


def test_lifecycle_through_the_pages_to_terminated(login_as, world):
    a = _new(world)
    services.change_status(a, "negotiating")
    db.session.commit()
    _sign_form = _form_of(a, signed_on="2026-03-01", employer_signatory="Chief Executive", union_signatory="Branch Secretary",
                          review_due_on="2027-03-01")
    c = login_as("convenor_a1")
    assert c.submit(f"/agreements/{a.id}/edit", _sign_form).status_code == 302
    db.session.expire_all()
    a = db.session.get(Agreement, a.id)
    for target in ("signed", "under_review", "signed", "terminated"):
        page = _text(c.submit(f"/agreements/{a.id}/status", {"status": target, "version": str(a.version)}))
        if target == "terminated":
            assert "This cannot be undone" in page
        response = c.submit(f"/agreements/{a.id}/status", {"status": target, "version": str(a.version), "confirm": "yes"},
                            page=f"/agreements/{a.id}/status")
        assert response.status_code == 302, (target, _text(response)[:2000])
        db.session.expire_all()
        a = db.session.get(Agreement, a.id)
        assert a.status == target
    page = _text(c.get(f"/agreements/{a.id}/status"))
    assert "cannot change status" in page
    kinds = [e.kind for e in db.session.scalars(select(TimelineEntry).where(TimelineEntry.object_id == a.id))]
    assert kinds.count("status_changed") == 5
    assert _count(AuditEntry) >= 7


def test_stale_status_change_answers_409(login_as, world):
    a = _new(world)
    c = login_as("convenor_a1")
    response = c.submit(f"/agreements/{a.id}/status", {"status": "negotiating", "version": "5", "confirm": "yes"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Agreement, a.id).status == "draft"


# --- named schools, places ----------------------------------------------------------------

def _schools(world, n: int, *, kind="Community school", employer="a1") -> list:
    made = [org.create_workplace({"employer_id": getattr(world.employers, employer).id, "name": f"School {i:03d}",
                                  "kind": "school", "urn": 400000 + i, "establishment_type": kind})
            for i in range(n)]
    db.session.commit()
    return made


def test_named_schools_in_and_out(login_as, world):
    a = _new(world, schools_scope="included")
    academy = org.create_workplace({"employer_id": world.employers.a1.id, "name": "Barnet Academy", "kind": "school",
                                    "urn": 136000, "establishment_type": "Academy converter"})
    db.session.commit()
    school = world.workplaces.school_a1
    c = login_as("convenor_a1")
    page = _text(c.get(f"/agreements/{a.id}/schools"))
    assert "Barnet Academy" in page and "Brunswick Park Primary School" in page
    shown = [academy.id, school.id]
    response = c.submit(f"/agreements/{a.id}/schools", {"shown": shown, "named_in": [academy.id], "named_out": [school.id]})
    assert response.status_code == 302
    named = {s.workplace_id: s.inclusion for s in db.session.scalars(select(AgreementSchool))}
    assert named == {academy.id: "in", school.id: "out"}
    coverage = _text(c.get(f"/agreements/{a.id}/coverage"))
    assert "the academy trust employs the staff, so the trust must agree too" in coverage
    assert "Named in the agreement as not covered" in coverage


def test_named_schools_bad_input_keeps_the_ticks(login_as, world):
    a = _new(world)
    school = world.workplaces.school_a1
    c = login_as("convenor_a1")
    response = c.submit(f"/agreements/{a.id}/schools", {"shown": [school.id], "named_in": [school.id], "named_out": [school.id]})
    page = _text(response)
    assert response.status_code == 400 and "A school cannot be both named in and named out" in page
    assert page.count("checked") == 2
    response = c.submit(f"/agreements/{a.id}/schools", {"shown": [school.id], "named_in": [world.workplaces.school_b1.id]})
    assert response.status_code == 400 and "Choose schools of this employer" in _text(response)
    response = c.submit(f"/agreements/{a.id}/schools", {"shown": [school.id], "named_in": ["x"]})
    assert response.status_code == 400 and "Choose schools from the list" in _text(response)
    assert _count(AgreementSchool) == 0


def test_named_schools_search_leaves_schools_out_of_view_alone(login_as, world):
    a = _new(world)
    schools = _schools(world, 300)
    services.set_named_schools(a, [schools[5].id], [schools[250].id])
    db.session.commit()
    c = login_as("convenor_a1")
    page = _text(c.get(f"/agreements/{a.id}/schools?q=School+01"))
    assert "School 010" in page and "School 019" in page and "School 020" not in page and "Find schools" in page
    assert "10 of 301 schools match" in page
    url = f"/agreements/{a.id}/schools?q=School+01"
    shown = [s.id for s in schools[10:20]]
    response = c.submit(url, {"shown": shown, "named_in": [schools[12].id]})
    assert response.status_code == 302
    named = {s.workplace_id: s.inclusion for s in db.session.scalars(select(AgreementSchool))}
    assert named == {schools[5].id: "in", schools[12].id: "in", schools[250].id: "out"}


def test_ulr_places_and_learners_time(login_as, world):
    a = _new(world)
    c = login_as("convenor_a1")
    page = _text(c.get(f"/agreements/{a.id}/places"))
    assert 'id="service-0"' in page and 'id="time-esol"' in page
    data = {"rows": "3", "service-0": "Housing", "places-0": "2", "service-1": "Children's services", "places-1": "3",
            "service-2": "", "places-2": "", "time-esol": "paid", "time-vocational": "matched"}
    assert c.submit(f"/agreements/{a.id}/places", data).status_code == 302
    db.session.expire_all()
    a = db.session.get(Agreement, a.id)
    assert [(p.service, p.places) for p in a.ulr_places_by_service] == [("Housing", 2), ("Children's services", 3)]
    assert {t.course_category: t.arrangement for t in a.learner_time_by_course} == {"esol": "paid", "vocational": "matched"}
    page = _text(c.get(f"/agreements/{a.id}"))
    assert "Housing: 2" in page and "ESOL: paid time off" in page


@pytest.mark.parametrize("rows,message", [
    ({"service-0": "Housing", "places-0": "lots"}, "Enter the number of ULR places for Housing (1 to 100)"),
    ({"service-0": "Housing", "places-0": "0"}, "Enter the number of ULR places for Housing (1 to 100)"),
    ({"service-0": "", "places-0": "3"}, "Name each service or directorate"),
    ({"service-0": "Housing", "places-0": "1", "service-1": "housing", "places-1": "2"}, "Name each service only once"),
    ({"service-0": "Housing", "places-0": "1", "time-esol": "sometimes"}, "Choose an arrangement for each course type"),
])
def test_ulr_places_bad_input(login_as, world, rows, message):
    a = _new(world)
    c = login_as("convenor_a1")
    response = c.submit(f"/agreements/{a.id}/places", {"rows": "3", **rows})
    page = _text(response)
    assert response.status_code == 400 and message in page and "There is a problem" in page
    assert 'value="Housing"' in page or 'value=""' in page
    if rows.get("places-0") == "lots":
        assert 'value="lots"' in page
    assert _count(AgreementUlrPlace) == 0 and _count(AgreementLearnerTime) == 0


# --- coverage and its CSV -----------------------------------------------------------------

def test_coverage_page_and_summary(login_as, world):
    a = _new(world, schools_scope="included")
    org.create_workplace({"employer_id": world.employers.a1.id, "name": "Barnet Academy", "kind": "school",
                          "urn": 136000, "establishment_type": "Academy converter"})
    db.session.commit()
    c = login_as("ulr_a1")  # readers see coverage too
    page = _text(c.get(f"/agreements/{a.id}"))
    assert "See each of the 2 schools and why" in page and "This agreement says nothing about schools" not in page
    page = _text(c.get(f"/agreements/{a.id}/coverage"))
    assert "Academy: the academy trust employs the staff" in page
    assert "The council employs the staff and the agreement includes schools" in page
    page = _text(c.get(f"/agreements/{a.id}/coverage?show=not_covered"))
    assert "Barnet Academy" in page and "Brunswick Park Primary School" not in page
    assert "Name schools in or out" not in page  # readers cannot change it


def test_silent_agreement_shows_the_warning(login_as, world):
    a = _new(world)  # schools scope defaults to silent
    page = _text(login_as("organiser_a").get(f"/agreements/{a.id}"))
    assert "This agreement says nothing about schools." in page and "Unclear" in page


def _csv_rows(response) -> list[list[str]]:
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_coverage_csv(login_as, world):
    a = _new(world, schools_scope="included", title="=Barnet, 2026")
    org.create_workplace({"employer_id": world.employers.a1.id, "name": "=HYPERLINK(\"http://evil.example\",\"Click\")",
                                 "kind": "school", "urn": 136002, "establishment_type": "Foundation school", "town": "@Barnet"})
    academy = org.create_workplace({"employer_id": world.employers.a1.id, "name": "Ståhl Academy", "kind": "school",
                                    "urn": 136003, "establishment_type": "Academy sponsor led"})
    services.set_named_schools(a, [], [academy.id])
    db.session.commit()
    response = login_as("convenor_a1").get(f"/agreements/{a.id}/coverage.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(rf'filename=schools-coverage-{a.id}-barnet-2026-\d{{4}}-\d{{2}}-\d{{2}}\.csv', disposition), disposition
    rows = _csv_rows(response)
    assert rows[0] == ["URN", "School", "Type of school", "Phase", "Town", "Postcode", "Employer of record",
                       "Named in agreement", "Covered", "Why"]
    by_urn = {r[0]: r for r in rows[1:]}
    assert len(by_urn) == 3
    assert by_urn["136002"][1] == "'=HYPERLINK(\"http://evil.example\",\"Click\")"  # a formula is shown as text
    assert by_urn["136002"][4] == "'@Barnet"
    assert by_urn["136002"][8] == "Covered" and "governing body" in by_urn["136002"][9]
    assert by_urn["136003"][1] == "Ståhl Academy" and by_urn["136003"][7:9] == ["Named out", "Not covered"]
    assert by_urn["101309"][8] == "Covered"


# --- documents ----------------------------------------------------------------------------

def test_document_download_only_in_scope(login_as, world):
    a = _new(world)
    doc = services.record_generated(a, b"%PDF-1.7 draft one", clause_set="unison-model-2026", flagged=[])
    other = _new(world, "a2")
    db.session.commit()
    url = f"/agreements/{a.id}/documents/{doc.id}"
    for who in ("convenor_a1", "ulr_a1", "organiser_a", "admin"):
        response = login_as(who).get(url)
        assert response.status_code == 200, who
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "no-store" in response.headers["Cache-Control"]
        assert response.data == b"%PDF-1.7 draft one"
    for who in ("convenor_a2", "convenor_b1", "organiser_b", "ulr_b1"):
        assert login_as(who).get(url).status_code == 404, who
    # a document reached through another agreement's address is not found either
    assert login_as("admin").get(f"/agreements/{other.id}/documents/{doc.id}").status_code == 404
    assert login_as("admin").get(f"/agreements/{a.id}/documents/999999").status_code == 404


def test_upload_signed_copy(login_as, world):
    a = _new(world)
    c = login_as("convenor_a1")
    url = f"/agreements/{a.id}/signed-copy"
    page = _text(c.get(url))
    assert 'enctype="multipart/form-data"' in page and "smaller than 10 MB" in page
    for files, message in [
        ({}, "Choose the signed copy to upload"),
        ({"signed_copy": (io.BytesIO(b""), "signed.pdf")}, "The selected file is empty"),
        ({"signed_copy": (io.BytesIO(b"GIF89a not a pdf"), "signed.pdf")}, "The selected file must be a PDF"),
    ]:
        response = c.submit(url, files, page=url, content_type="multipart/form-data")
        assert response.status_code == 400, message
        assert message in _text(response) and "There is a problem" in _text(response)
    assert _count(AgreementDocument) == 0
    response = c.submit(url, {"signed_copy": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "Barnet signed.pdf")},
                        content_type="multipart/form-data")
    assert response.status_code == 302
    doc = db.session.scalars(select(AgreementDocument)).one()
    assert (doc.kind, doc.original_name) == ("signed", "Barnet signed.pdf")
    page = _text(c.get(f"/agreements/{a.id}"))
    assert "Signed copy 1" in page and "Signed copy uploaded (Barnet signed.pdf)" in page
    download = c.get(f"/agreements/{a.id}/documents/{doc.id}")
    assert download.data == b"%PDF-1.4\n%%EOF\n"


def _post_file(c, url: str, content: bytes, filename: str):
    """A multipart POST with the body built here (the test client would spool a big one to an
    unclosed temporary file)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    upload = FileStorage(io.BytesIO(content), filename=filename, content_type="application/pdf")
    boundary, body = encode_multipart({"csrf_token": c.token(url), "signed_copy": upload})
    return c.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_too_large_uploads_get_a_clear_message(login_as, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "AGREEMENT_UPLOAD_MAX_BYTES", 2 * 1024 * 1024)
    a = _new(world)
    c = login_as("convenor_a1")
    url = f"/agreements/{a.id}/signed-copy"
    # over the service's limit, under the request's: the form says so
    response = _post_file(c, url, b"%PDF-" + b"0" * (2 * 1024 * 1024), "big.pdf")
    assert response.status_code == 400 and "The file must be smaller than 2 MB" in _text(response)
    # far over: refused before the form is read, but still the upload page with the message
    response = _post_file(c, url, b"%PDF-" + b"0" * (3 * 1024 * 1024), "huge.pdf")
    page = _text(response)
    assert response.status_code == 413
    assert "The file must be smaller than 2 MB" in page and "Upload the signed copy" in page and "There is a problem" in page
    assert _count(AgreementDocument) == 0


class FakeDocuments:
    """Stands in for ulr_app.agreements.documents: the page's flow, whatever the PDF builder does."""

    class Flag:
        def as_dict(self):
            return {"clause": 5, "heading": "ULRs", "placeholder": "ulr_places",
                    "message": "Number of ULR places is not recorded"}

    class Document:
        def flagged_json(self):
            return [FakeDocuments.Flag().as_dict()]

    calls: list = []

    @classmethod
    def draft_html(cls, agreement, set_code):
        cls.calls.append(("html", set_code))
        return f"<p class='govuk-body'>Draft of {agreement.title} from {set_code} &amp; more</p>"

    @classmethod
    def draft_pdf(cls, agreement, set_code):
        cls.calls.append(("pdf", set_code))
        return b"%PDF-1.7 fake", cls.Document()


def _run_jobs(app, monkeypatch):
    """Jobs run in a thread of this process here (no Redis)."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)


def _finished_job(response):
    from ulr_app.core import jobs as core_jobs
    from ulr_app.core.jobs_models import Job

    assert response.status_code == 302, _text(response)[:2000]
    match = re.search(r"/jobs/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    core_jobs.wait_for_threads()
    db.session.expire_all()
    return db.session.get(Job, int(match.group(1)))


def test_draft_page_and_generate_pdf_flow(app, login_as, world, monkeypatch):
    from ulr_app.agreements import jobs

    _run_jobs(app, monkeypatch)
    monkeypatch.setattr(jobs, "documents_module", lambda: FakeDocuments)
    monkeypatch.setattr("ulr_app.agreements.views._clause_sets",
                        lambda: [("model-a", "Model A", "1"), ("model-b", "Model B", "2")])
    a = _new(world)
    c = login_as("convenor_a1")
    page = _text(c.get(f"/agreements/{a.id}/draft"))
    assert "Draft of Barnet learning agreement from model-a &amp; more" in page and "Generate PDF" in page
    page = _text(c.get(f"/agreements/{a.id}/draft?clause_set=model-b"))
    assert "from model-b" in page
    assert c.get(f"/agreements/{a.id}/draft?clause_set=nonsense").status_code == 404
    # the PDF is made in the background: the convenor is sent to the job's page
    job = _finished_job(c.submit(f"/agreements/{a.id}/draft/pdf", {"clause_set": "model-b"},
                                 page=f"/agreements/{a.id}/draft"))
    assert (job.kind, job.status, job.user_id) == ("agreement_pdf", "done", world.users.convenor_a1.id)
    assert job.title == "Draft of Barnet learning agreement (PDF)"
    doc = db.session.scalars(select(AgreementDocument)).one()
    assert (doc.kind, doc.clause_set, doc.flagged_clauses[0]["placeholder"]) == ("generated", "model-b", "ulr_places")
    # the document and its timeline line are the convenor's, not the worker's
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.summary.like("Generated draft%"))).one()
    assert entry.actor_id == world.users.convenor_a1.id
    page = _text(c.get(f"/jobs/{job.id}"))
    assert "Download" in page and f'href="/agreements/{a.id}"' in page and "Back to Barnet learning agreement" in page
    download = c.get(f"/jobs/{job.id}/download")
    assert download.headers["Content-Type"] == "application/pdf" and download.data == b"%PDF-1.7 fake"
    kept = c.get(f"/agreements/{a.id}/documents/{doc.id}")
    assert kept.status_code == 200 and kept.data == b"%PDF-1.7 fake"
    # someone else cannot fetch the convenor's file (404, as if it were not there)
    assert login_as("convenor_a2").get(f"/jobs/{job.id}/download").status_code == 404
    # a clause set that is not in the library is refused before any job is queued
    response = c.submit(f"/agreements/{a.id}/draft/pdf", {"clause_set": "nonsense"}, page=f"/agreements/{a.id}/draft")
    assert response.status_code == 302 and "/jobs/" not in response.headers["Location"]
    assert _count(AgreementDocument) == 1
    # readers read the draft but cannot generate one
    page = _text(login_as("ulr_a1").get(f"/agreements/{a.id}/draft"))
    assert "Draft of" in page and "Generate PDF" not in page


def test_a_pdf_job_fails_in_plain_words_and_keeps_nothing(app, login_as, world, monkeypatch):
    from ulr_app.agreements import jobs

    class Broken(FakeDocuments):
        @classmethod
        def draft_pdf(cls, agreement, set_code):
            raise ValueError("the clause set has no schools clause")

    _run_jobs(app, monkeypatch)
    monkeypatch.setattr(jobs, "documents_module", lambda: Broken)
    monkeypatch.setattr("ulr_app.agreements.views._clause_sets", lambda: [("model-a", "Model A", "1")])
    a = _new(world)
    c = login_as("convenor_a1")
    job = _finished_job(c.submit(f"/agreements/{a.id}/draft/pdf", {"clause_set": "model-a"},
                                 page=f"/agreements/{a.id}/draft"))
    assert job.status == "failed"
    assert job.message == "The draft could not be made: the clause set has no schools clause"
    assert _count(AgreementDocument) == 0
    assert "the clause set has no schools clause" in _text(c.get(f"/jobs/{job.id}"))


def test_a_pdf_job_for_someone_who_lost_the_agreement_makes_nothing(app, login_as, world, monkeypatch):
    """Between asking and the job running, the convenor moved branch: nothing is made."""
    from ulr_app.agreements import jobs
    from ulr_app.core import jobs as core_jobs

    _run_jobs(app, monkeypatch)
    monkeypatch.setattr(jobs, "documents_module", lambda: FakeDocuments)
    a = _new(world)
    convenor = world.users.convenor_a1
    with app.test_request_context("/"):
        job = jobs.start_pdf_job(a, "model-a", convenor)
    convenor.branch_id = world.branches.a2.id
    db.session.commit()  # the job starts once this commits
    core_jobs.wait_for_threads()
    db.session.expire_all()
    job = db.session.get(type(job), job.id)
    assert job.status == "failed" and "can no longer change this agreement" in job.message
    assert _count(AgreementDocument) == 0


def test_draft_page_without_the_builder(app, login_as, world, monkeypatch):
    from ulr_app.agreements import jobs

    _run_jobs(app, monkeypatch)
    monkeypatch.setattr(jobs, "documents_module", lambda: None)
    a = _new(world)
    c = login_as("convenor_a1")
    assert "not available yet" in _text(c.get(f"/agreements/{a.id}/draft"))
    response = c.submit(f"/agreements/{a.id}/draft/pdf", {"clause_set": "x"}, page=f"/agreements/{a.id}/draft")
    assert response.status_code == 302 and _count(AgreementDocument) == 0


def test_draft_from_the_real_clause_library(app, login_as, world, monkeypatch):
    pytest.importorskip("ulr_app.agreements.documents")
    _run_jobs(app, monkeypatch)
    a = _new(world, schools_scope="included", ulr_places=12)
    c = login_as("convenor_a1")
    page = _text(c.get(f"/agreements/{a.id}/draft"))
    assert "Generate PDF" in page and "app-agreement-draft" in page
    sets = re.findall(r'name="clause_set" value="([^"]+)"', page)
    assert sets
    job = _finished_job(c.submit(f"/agreements/{a.id}/draft/pdf", {"clause_set": sets[0]},
                                 page=f"/agreements/{a.id}/draft"))
    assert job.status == "done", job.message
    download = c.get(f"/jobs/{job.id}/download")
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "draft-1.pdf" in download.headers["Content-Disposition"]
    page = _text(c.get(f"/agreements/{a.id}"))
    assert "Draft 1" in page and "Draft document 1 generated" in page


# --- the list -----------------------------------------------------------------------------

def test_list_filters_and_the_three_counts(login_as, world):
    _new(world, schools_scope="included", title="Barnet main agreement")
    _new(world, schools_scope="silent", title="Barnet catering agreement")
    _new(world, "a2", schools_scope="excluded", title="Camden agreement")
    _new(world, "b1", schools_scope="included", title="Newcastle agreement")
    c = login_as("organiser_a")
    page = _text(c.get("/agreements"))
    numbers = [(n, words.strip()) for n, words in re.findall(r'<span class="app-card__number">(\d+)</span> ([a-z ]+)', page)]
    assert numbers == [("1", "include schools"), ("1", "exclude schools"), ("1", "say nothing about schools")]
    assert "Barnet main agreement" in page and "Camden agreement" in page and "Newcastle" not in page
    assert "schools_scope=included" in page  # each number is a link that filters the list
    page = _text(c.get("/agreements?schools_scope=silent"))
    assert "Barnet catering agreement" in page and "Barnet main agreement" not in page
    assert 'aria-current="true"' in page
    page = _text(c.get(f"/agreements?branch_id={world.branches.a2.id}"))
    assert "Camden agreement" in page and "Barnet main" not in page
    assert re.findall(r'app-card__number">(\d+)', page) == ["0", "1", "0"]
    page = _text(c.get(f"/agreements?employer_id={world.employers.a1.id}&status=draft&q=catering"))
    assert "Barnet catering agreement" in page and "Barnet main agreement" not in page
    page = _text(c.get("/agreements?status=signed"))
    assert "No agreements match your filters" in page
    page = _text(c.get("/agreements?status=nonsense&schools_scope=nonsense&branch_id=x"))
    assert "Camden agreement" in page
    page = _text(login_as("convenor_a1").get("/agreements"))
    assert re.findall(r'app-card__number">(\d+)', page) == ["1", "0", "1"] and "Camden" not in page
    assert 'id="branch_id"' not in page  # one branch: no branch filter


def test_list_query_count_does_not_grow(login_as, world, count_queries):
    _new(world)
    c = login_as("admin")
    c.get("/agreements")
    with count_queries() as few:
        c.get("/agreements")
    for i in range(15):
        branch = "a1" if i % 3 == 0 else "a2" if i % 3 == 1 else "b1"
        _new(world, branch, title=f"Agreement {i}", schools_scope=("included", "excluded", "silent")[i % 3])
    with count_queries() as many:
        page = c.get("/agreements")
    assert "Agreement 14" in _text(page)
    assert many.count == few.count, many.statements


# --- home page reminders ------------------------------------------------------------------

def test_home_pages_list_agreement_reminders(login_as, world):
    due = _new(world, title="Due agreement")
    services.update_agreement(due, {"signed_on": date.today() - timedelta(days=300), "employer_signatory": "A",
                                    "union_signatory": "B", "review_due_on": date.today() + timedelta(days=30)})
    services.change_status(due, "negotiating")
    services.change_status(due, "signed")
    stale = _new(world, title="Forgotten draft")
    stale.last_activity_at = datetime.now(timezone.utc) - timedelta(days=100)
    fresh = _new(world, title="Fresh draft")
    db.session.commit()
    page = _text(login_as("convenor_a1").get("/"))
    assert "Nothing needs your attention yet" not in page
    # the same notices as `flask reminders`, grouped, each linking to its agreement (issue 12)
    assert f'href="/agreements/{due.id}">Due agreement</a>' in page
    assert "Review of &#39;Due agreement&#39; is due in 30 days" in page
    assert f'href="/agreements/{stale.id}">Forgotten draft</a>' in page
    assert "The draft &#39;Forgotten draft&#39; has not been touched for 100 days" in page
    assert page.index("Agreement reviews") < page.index("Draft agreements untouched for 90 days")
    assert "Fresh draft" not in page and fresh.id
    page = _text(login_as("organiser_a").get("/"))
    assert "Due agreement" in page and "Forgotten draft" in page
    assert "Due agreement" not in _text(login_as("convenor_a2").get("/"))
    assert "Due agreement" not in _text(login_as("organiser_b").get("/"))
    page = _text(login_as("convenor_a1").get(f"/agreements/{due.id}"))
    assert "is due in 30 days" in page


def test_home_page_without_reminders_keeps_its_empty_state(login_as, world):
    _new(world)
    assert "Nothing needs your attention yet" in _text(login_as("convenor_a1").get("/"))


def test_menu_marks_agreements_on_every_agreement_page(login_as, world):
    a = _new(world)
    c = login_as("convenor_a1")
    for path in ("/agreements", "/agreements/new", f"/agreements/{a.id}", f"/agreements/{a.id}/status",
                 f"/agreements/{a.id}/coverage", f"/agreements/{a.id}/schools"):
        page = _text(c.get(path))
        assert re.search(r'href="/agreements" aria-current="page"><strong[^>]*>Agreements</strong>', page), path
    assert 'href="/agreements">Agreements</a>' in _text(login_as("ulr_a1").get("/"))

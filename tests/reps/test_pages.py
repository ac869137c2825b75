"""ULR appointment pages: the list (filters, status tags), one ULR (state in plain words, the
deadline's workings), new / edit / stand down with bad input and the one-notice rule, scope,
the letters (notice and time-off request: text read back with pdftotext, stored with a hash and on
the timeline, downloads scoped to their record), and facility time (page and CSV)."""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from ulr_app.agreements import services as agreement_services
from ulr_app.core.validation import date_input
from ulr_app.core import documents
from ulr_app.core.dates import add_months
from ulr_app.core.documents import StoredDocument
from ulr_app.core.periods import containing
from ulr_app.core.periods import parse as parse_period
from ulr_app.core.templating import uk_date
from ulr_app.core.timeline import TimelineEntry
from ulr_app.extensions import db
from ulr_app.reps import letters as rep_letters
from ulr_app.reps import services
from ulr_app.reps.models import Rep
from ulr_app.timeoff import letters as timeoff_letters
from ulr_app.timeoff import services as timeoff_services

TODAY = date.today()

# skipped without poppler-utils, except in CI (.ci/run sets ULR_REQUIRE_PDFTOTEXT=1 and installs it)
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None and not os.environ.get("ULR_REQUIRE_PDFTOTEXT"),
                                     reason="pdftotext not installed (apt-get install poppler-utils)")


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=60)
    return " ".join(out.stdout.decode("utf-8").split())


def _text(response) -> str:
    return response.get_data(as_text=True)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _days(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


def _rep(world, branch="a1", *, workplace="school_a1", **kw) -> Rep:
    b = getattr(world.branches, branch)
    data = {"name": "Pat Jones", "email": "pat.jones@example.org", "employer_id": getattr(world.employers, branch).id,
            "workplace_id": getattr(world.workplaces, workplace).id if workplace else None,
            "appointed_on": _days(40), "notice_given_on": _days(35), "training_route": "will_train",
            "will_train_notice_on": _days(35), **kw}
    rep = services.create_rep(data, branch=b)
    db.session.commit()
    return rep


#: what the new-ULR form sends for a good appointment (employer and workplace added per test)
FORM = {"name": "Sam Patel", "email": "sam.patel@example.org", "user_id": "", "appointed_on": _days(30),
        "notice_given_on": _days(20), "training_route": "will_train", "will_train_notice_on": _days(20),
        "training_course": "UNISON ULR Stage 1", "trained_on": "", "training_completion_notified_on": "", "notes": ""}


def _form(world, **changes) -> dict:
    return {**FORM, "employer_id": world.employers.a1.id, "workplace_id": world.workplaces.school_a1.id, **changes}


# --- new and edit -------------------------------------------------------------------------

def test_convenor_adds_a_ulr_through_the_form(login_as, world):
    c = login_as("convenor_a1")
    page = _text(c.get("/reps/new"))
    assert "London Borough of Barnet" in page and "London Borough of Camden" not in page
    assert "Brunswick Park Primary School" in page and "Argyle Primary School" not in page  # the employer's workplaces
    assert "ulr.barnet@example.org" in page and "ulr.newcastle@example.org" not in page  # the branch's ULR logins
    assert "Only one such notice can ever be given" in page  # the date hints
    response = c.submit("/reps/new", _form(world, user_id=world.users.ulr_a1.id))
    assert response.status_code == 302, _text(response)
    rep = db.session.scalars(select(Rep)).one()
    assert response.headers["Location"].endswith(f"/reps/{rep.id}")
    assert (rep.branch_id, rep.user_id, rep.training_course) == (world.branches.a1.id, world.users.ulr_a1.id, "UNISON ULR Stage 1")
    page = _text(c.get(f"/reps/{rep.id}"))
    assert "Sam Patel added as a ULR." in page and "Appointed as ULR on" in page


@pytest.mark.parametrize("changes,message,field", [
    ({"name": ""}, "Enter the ULR&#39;s name", "name"),
    ({"appointed_on": ""}, "Enter the date of appointment", "appointed_on"),
    ({"appointed_on": "31/02/2026"}, "Enter the date of appointment as a real date, for example 31 3 2026", "appointed_on"),
    ({"notice_given_on": (TODAY + timedelta(days=3)).isoformat()}, "This date cannot be in the future", "notice_given_on"),
    ({"email": "not-an-address"}, "Enter an e-mail address in the correct format", "email"),
    ({"training_route": ""}, "Choose whether the ULR is already trained or will be trained", "training_route"),
    ({"training_route": "already_trained"}, "An already-trained ULR needs no &#39;will be trained&#39; notice",
     "will_train_notice_on"),
    ({"training_completion_notified_on": _days(5)}, "Enter when the training was completed", "trained_on"),
    ({"employer_id": ""}, "Choose the employer", "employer_id"),
    ({"name": "x" * 121}, "The ULR&#39;s name must be 120 characters or fewer", "name"),
])
def test_new_ulr_bad_input(login_as, world, changes, message, field):
    c = login_as("convenor_a1")
    response = c.submit("/reps/new", _form(world, **changes), page="/reps/new")
    page = _text(response)
    assert response.status_code == 400
    assert message in page
    assert f'id="{field}-error"' in page  # on the field, and in the summary above
    assert "There is a problem" in page and page.startswith("<!DOCTYPE html>") and "<title>Error: " in page
    assert _count(Rep) == 0
    kept = {k: v for k, v in _form(world, **changes).items() if k in ("name", "email", "training_course", "appointed_on")}
    for name, value in kept.items():
        if value and len(str(value)) < 100:
            assert f'value="{value}"' in page, name  # what was typed is kept


def test_another_branchs_employer_or_workplace_is_refused(login_as, world):
    c = login_as("convenor_a1")
    response = c.submit("/reps/new", _form(world, employer_id=world.employers.a2.id, workplace_id=""), page="/reps/new")
    assert response.status_code == 400 and "Choose one of the employers this branch deals with" in _text(response)
    response = c.submit("/reps/new", _form(world, workplace_id=world.workplaces.school_a2.id), page="/reps/new")
    assert response.status_code == 400 and "Choose a workplace of this employer" in _text(response)
    response = c.submit("/reps/new", _form(world, user_id=world.users.ulr_b1.id), page="/reps/new")
    assert response.status_code == 400 and "Choose a login from this branch" in _text(response)
    assert _count(Rep) == 0


def test_a_second_will_be_trained_notice_is_refused_on_the_field(login_as, world):
    _rep(world, email="sam.patel@example.org", will_train_notice_on=_days(200), notice_given_on=_days(200),
         appointed_on=_days(210))
    c = login_as("convenor_a1")
    # the same person appointed again (e.g. at another workplace): a new "will be trained" notice is refused
    response = c.submit("/reps/new", _form(world, email="Sam.Patel@example.org", workplace_id=world.workplaces.service_a1.id),
                        page="/reps/new")
    page = _text(response)
    assert response.status_code == 400
    error = re.search(r'<p id="will_train_notice_on-error" class="govuk-error-message">(.*?)</p>', page, re.S)
    assert error and "only one &#39;will be trained&#39; notice" in error.group(1) and "Record the completed training instead" in error.group(1)
    assert "s.168A" not in error.group(1)  # plain words in errors (issue 12)
    assert 'value="Sam.Patel@example.org"' in page
    assert _count(Rep) == 1


def test_edit_keeps_the_one_notice_and_only_an_admin_corrects_it(login_as, world):
    rep = _rep(world)
    c = login_as("convenor_a1")
    page = _text(c.get(f"/reps/{rep.id}/edit"))
    assert f'value="{date_input(rep.will_train_notice_on)}"' in page and 'name="version"' in page
    data = _form(world, name="Pat Jones", email="pat.jones@example.org", appointed_on=rep.appointed_on.isoformat(),
                 notice_given_on=rep.notice_given_on.isoformat(), will_train_notice_on=_days(10), version=rep.version)
    response = c.submit(f"/reps/{rep.id}/edit", data)
    assert response.status_code == 400
    assert "ask an administrator to correct it" in _text(response)
    assert f'value="{_days(10)}"' in _text(response)  # kept as typed
    db.session.refresh(rep)
    assert rep.will_train_notice_on == TODAY - timedelta(days=35)
    admin = login_as("admin")
    response = admin.submit(f"/reps/{rep.id}/edit", {**data, "will_train_notice_on": _days(34)})
    assert response.status_code == 302, _text(response)
    db.session.refresh(rep)
    assert rep.will_train_notice_on == TODAY - timedelta(days=34)


def test_edit_saves_and_a_stale_version_is_409(login_as, world):
    rep = _rep(world)
    c = login_as("convenor_a1")
    data = _form(world, name="Pat Jones-Smith", email="pat.jones@example.org", appointed_on=rep.appointed_on.isoformat(),
                 notice_given_on=rep.notice_given_on.isoformat(), will_train_notice_on=rep.will_train_notice_on.isoformat(),
                 training_course="UNISON ULR Stage 1", version=rep.version)
    response = c.submit(f"/reps/{rep.id}/edit", data)
    assert response.status_code == 302, _text(response)
    db.session.refresh(rep)
    assert rep.name == "Pat Jones-Smith"
    assert "Changed the name and the training course" in _text(c.get(f"/reps/{rep.id}"))
    assert c.submit(f"/reps/{rep.id}/edit", {**data, "name": "Stale"}).status_code == 409


def test_admin_chooses_the_branch_first(login_as, world):
    c = login_as("admin")
    page = _text(c.get("/reps/new"))
    assert "Newcastle City" in page and 'name="name"' not in page
    response = c.get("/reps/new?branch_id=")
    assert response.status_code == 400 and "Choose the branch that appoints the ULR" in _text(response)
    page = _text(c.get(f"/reps/new?branch_id={world.branches.a2.id}"))
    assert "London Borough of Camden" in page and "London Borough of Barnet" not in page
    url = f"/reps/new?branch_id={world.branches.a2.id}"
    response = c.submit(url, _form(world, employer_id=world.employers.a2.id, workplace_id=world.workplaces.school_a2.id))
    assert response.status_code == 302, _text(response)
    assert db.session.scalars(select(Rep)).one().branch_id == world.branches.a2.id


# --- stand down ---------------------------------------------------------------------------

def test_stand_down_confirms_with_a_date(login_as, world):
    rep = _rep(world)
    c = login_as("convenor_a1")
    page = _text(c.get(f"/reps/{rep.id}/stand-down"))
    # filled in as people type dates (31 3 2026), not as 2026-03-31 (issue 12, item 8)
    assert "Stand down Pat Jones?" in page and f'value="{TODAY.day} {TODAY.month} {TODAY.year}"' in page
    assert TODAY.isoformat() not in page and "For example, 31 3 2026" in page
    url = f"/reps/{rep.id}/stand-down"
    for typed, message in (("", "Enter the date they stood down"), ("last week", "as a real date"),
                           (_days(60), "They cannot stand down before they were appointed")):
        response = c.submit(url, {"stood_down_on": typed, "version": rep.version})
        assert response.status_code == 400 and message in _text(response), typed
        assert f'value="{typed}"' in _text(response)
        db.session.refresh(rep)
        assert rep.stood_down_on is None
    response = c.submit(url, {"stood_down_on": _days(1), "version": rep.version})
    assert response.status_code == 302
    page = _text(c.get(f"/reps/{rep.id}"))
    assert "Stood down on" in page and "Can have paid time off: no" in page
    assert f"Stood down on {date.fromisoformat(_days(1)).day} " in page  # the timeline, as a sentence


# --- list and one ULR ---------------------------------------------------------------------

def _statuses(world):
    """One ULR in each state today (dates relative to today)."""
    soon_notice = add_months(TODAY, -6) + timedelta(days=9)  # deadline in about 9 days
    reps = {
        "lapsed": _rep(world, name="Lee Lapsed", email="lee@example.org", appointed_on=_days(300),
                       notice_given_on=_days(290), will_train_notice_on=_days(290)),
        "warning": _rep(world, name="Wyn Warning", email="wyn@example.org", appointed_on=soon_notice.isoformat(),
                        notice_given_on=soon_notice.isoformat(), will_train_notice_on=soon_notice.isoformat(),
                        workplace="service_a1"),
        "due": _rep(world, name="Dee Due", email="dee@example.org", appointed_on=_days(30), notice_given_on=_days(30),
                    will_train_notice_on=_days(30)),
        "active": _rep(world, name="Ash Active", email="ash@example.org", training_route="already_trained",
                       will_train_notice_on=None, trained_on=_days(50), training_completion_notified_on=_days(35),
                       training_course="UNISON ULR Stage 1", workplace=None),
        "appointed": _rep(world, name="Abe Appointed", email="abe@example.org", notice_given_on=None,
                          will_train_notice_on=None),
        "stood_down": _rep(world, name="Sid Stood", email="sid@example.org", stood_down_on=_days(2)),
        "camden": _rep(world, "a2", workplace="school_a2", name="Cam Camden", email="cam@example.org"),
    }
    return reps


def test_the_list_shows_status_tags_and_filters(login_as, world):
    reps = _statuses(world)
    c = login_as("convenor_a1")
    page = _text(c.get("/reps"))
    assert "Cam Camden" not in page  # another branch
    rows = {name: row for name, row in re.findall(r'<tr class="govuk-table__row">\s*<td class="govuk-table__cell"><a [^>]*>([^<]+)</a>(.*?)</tr>', page, re.S)}
    assert 'govuk-tag--red">Lapsed' in rows["Lee Lapsed"]
    assert "Training due" in rows["Wyn Warning"] and "days left" in rows["Wyn Warning"]
    assert "Deadline within a month" in rows["Wyn Warning"] and "Deadline within a month" not in rows["Dee Due"]
    assert 'govuk-tag--green">Active' in rows["Ash Active"]
    assert ">Yes<" in rows["Dee Due"] and ">No<" in rows["Wyn Warning"]  # school-based
    deadline = add_months(TODAY - timedelta(days=30), 6)
    assert uk_date(deadline) in rows["Dee Due"]
    lapsed = _text(c.get("/reps?status=lapsed"))
    assert "Lee Lapsed" in lapsed and "Dee Due" not in lapsed
    assert "Wyn Warning" not in _text(c.get("/reps?workplace_kind=school"))
    assert "Wyn Warning" in _text(c.get("/reps?workplace_kind=service"))
    found = _text(c.get("/reps?q=ASH"))
    assert "Ash Active" in found and "Lee Lapsed" not in found
    assert "No ULRs match your filters." in _text(c.get(f"/reps?employer_id={world.employers.a2.id}"))
    assert _text(c.get("/reps?status=bogus&workplace_kind=bogus")).count("govuk-table__row") == 1 + 6  # ignored
    page2 = _text(c.get("/reps?per_page=2&page=2"))
    assert "Showing 3 to 4 of 6 ULRs" in page2
    assert len(reps) == 7


def test_the_list_costs_the_same_queries_for_more_ulrs(login_as, world, count_queries):
    c = login_as("convenor_a1")
    for i in range(2):
        _rep(world, name=f"Early {i}", email=f"early{i}@example.org")
    c.get("/reps")
    with count_queries() as few:
        c.get("/reps")
    for i in range(8):
        _rep(world, name=f"Late {i}", email=f"late{i}@example.org", workplace="service_a1" if i % 2 else "school_a1")
    with count_queries() as many:
        c.get("/reps")
    assert many.count == few.count


def test_a_ulr_page_says_the_state_in_plain_words(login_as, world):
    reps = _statuses(world)
    c = login_as("convenor_a1")
    due = reps["due"]
    deadline = add_months(due.will_train_notice_on, 6)
    page = _text(c.get(f"/reps/{due.id}"))
    assert f"Can have paid time off: yes, until {uk_date(deadline)} unless training is completed and the employer told" in page
    assert f"{uk_date(due.will_train_notice_on)} + 6 months = {uk_date(deadline)}" in page
    assert "How the training deadline was worked out" in page and "(s.168A(5))" in page
    assert "Generate the notice letter" in page and "that they will be trained within six months" in page
    assert f"/time-off?rep_id={due.id}" in page
    lapsed = _text(c.get(f"/reps/{reps['lapsed'].id}"))
    assert "Can have paid time off: no, the training deadline has passed" in lapsed and "govuk-warning-text" in lapsed
    warning = _text(c.get(f"/reps/{reps['warning'].id}"))
    assert "Complete the training and tell the employer in writing before then." in warning
    active = _text(c.get(f"/reps/{reps['active'].id}"))
    assert "Can have paid time off: yes" in active and "How the training deadline was worked out" not in active
    appointed = _text(c.get(f"/reps/{reps['appointed'].id}"))
    assert "Can have paid time off: not yet" in appointed and "has not yet given the employer written notice" in appointed


def test_who_sees_which_ulr(login_as, world):
    mine = _rep(world, user_id=world.users.ulr_a1.id)
    other = _rep(world, name="Other Barnet", email="other@example.org")
    camden = _rep(world, "a2", workplace="school_a2", name="Cam Camden", email="cam@example.org")
    ulr = login_as("ulr_a1")
    page = _text(ulr.get("/reps"))
    assert "Pat Jones" in page and "Other Barnet" not in page and "Add a ULR" not in page
    assert ulr.get(f"/reps/{mine.id}").status_code == 200
    assert "Change the details" not in _text(ulr.get(f"/reps/{mine.id}"))
    assert ulr.get(f"/reps/{other.id}").status_code == 404
    for path in (f"/reps/{mine.id}/edit", f"/reps/{mine.id}/stand-down", "/reps/new"):
        assert ulr.get(path).status_code == 403, path
    organiser = login_as("organiser_a")
    assert organiser.get(f"/reps/{camden.id}").status_code == 200
    assert organiser.get(f"/reps/{camden.id}/edit").status_code == 403
    assert login_as("organiser_b").get(f"/reps/{camden.id}").status_code == 404
    convenor = login_as("convenor_a2")
    assert convenor.get(f"/reps/{mine.id}").status_code == 404
    assert convenor.get(f"/reps/{mine.id}/edit").status_code == 404
    assert login_as("admin").get("/reps/999999").status_code == 404


# --- letters ------------------------------------------------------------------------------

@needs_pdftotext
def test_the_notice_letter_is_generated_stored_and_on_the_timeline(login_as, world, tmp_path):
    rep = _rep(world, training_course="UNISON ULR Stage 1")
    c = login_as("convenor_a1")
    response = c.submit(f"/reps/{rep.id}/notice-letter", {}, page=f"/reps/{rep.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/reps/{rep.id}#letters")
    doc = db.session.scalars(select(StoredDocument)).one()
    assert (doc.object_type, doc.object_id, doc.kind, doc.number) == ("rep", rep.id, "ulr_notice", 1)
    stored = documents.path_of(doc).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == doc.sha256 and stored.startswith(b"%PDF-")
    page = _text(c.get(f"/reps/{rep.id}"))
    assert "Notice letter 1 to London Borough of Barnet generated (will be trained within six months)" in page
    assert doc.sha256[:16] in page and f"/documents/{doc.id}" in page
    download = c.get(f"/documents/{doc.id}")
    assert download.status_code == 200 and download.mimetype == "application/pdf" and download.data == stored
    assert "attachment" in download.headers["Content-Disposition"]
    text = pdf_text(stored, tmp_path)
    notice_on = rep.will_train_notice_on
    for words in ("UNISON Barnet branch", "London Borough of Barnet", uk_date(TODAY), "Dear Sir or Madam,",
                  "Written notice of a union learning representative: Pat Jones", "section 168A(3)(a)",
                  "Trade Union and Labour Relations (Consolidation) Act 1992", "Brunswick Park Primary School",
                  f"As we told you in writing on {uk_date(notice_on)}, under section 168A(4)(b)",
                  f"end on {uk_date(add_months(notice_on, 6))}", "it is not a further one (section 168A(5)",
                  "(UNISON ULR Stage 1)", "Acas Code of Practice 3", "Time off for trade union duties and activities (2010)",
                  "section 170", "Convenor Barnet", "Branch education convenor, UNISON Barnet branch"):
        assert words in text, words
    # a second letter is number 2, kept beside the first
    c.submit(f"/reps/{rep.id}/notice-letter", {}, page=f"/reps/{rep.id}")
    assert [d.number for d in documents.documents_of(db.session, rep)] == [2, 1]


@needs_pdftotext
def test_the_notice_letter_says_what_the_data_says_about_training(app, world, tmp_path):
    trained = _rep(world, name="Ash Active", email="ash@example.org", training_route="already_trained",
                   will_train_notice_on=None, trained_on=_days(50), training_completion_notified_on=_days(35),
                   training_course="TUC ULR course")
    text = pdf_text(rep_letters.notice_pdf(trained, signed_by="Chris Convenor", signed_role="Branch education convenor"), tmp_path)
    assert "has undergone sufficient training" in text and "TUC ULR course, completed on " + uk_date(trained.trained_on) in text
    assert "section 168A(4)(a)" in text and "168A(4)(b)" not in text
    after = _rep(world, name="Tay Trained", email="tay@example.org", trained_on=_days(5), training_completion_notified_on=_days(1),
                 training_course="UNISON ULR Stage 1")
    text = pdf_text(rep_letters.notice_pdf(after, signed_by="Chris", signed_role="Convenor"), tmp_path)
    assert "has now completed that training (UNISON ULR Stage 1) on " + uk_date(after.trained_on) in text
    assert "section 168A(4)(c)" in text
    fresh = _rep(world, name="Nia New", email="nia@example.org", will_train_notice_on=None, notice_given_on=None)
    text = pdf_text(rep_letters.notice_pdf(fresh, signed_by="Chris", signed_role="Convenor"), tmp_path)
    assert "We give you notice in writing under section 168A(4)(b)" in text
    assert f"that is by {uk_date(add_months(TODAY, 6))}" in text


def test_letter_text_is_escaped(app, world):
    rep = _rep(world, name="<b>Bold</b> & Co", email="bold@example.org")
    html = rep_letters.notice_html(rep, signed_by="<script>x</script>", signed_role="Convenor")
    assert "<b>Bold</b>" not in html and "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html and "<script>x" not in html


def _request(world, rep, **kw):
    data = {"kind": "ulr_training", "purpose": "ulr_training", "rep_id": rep.id, "workplace_id": world.workplaces.school_a1.id,
            "starts_at": "2027-01-12T09:30", "duration_hours": "3.5", "location": "UNISON Centre, 130 Euston Road",
            "course": "UNISON ULR Stage 2", "requested_on": _days(0), **kw}
    r = timeoff_services.create_request(data, branch=rep.branch)
    db.session.commit()
    return r


@needs_pdftotext
def test_the_time_off_letter_is_generated_from_the_request(login_as, world, tmp_path):
    rep = _rep(world)
    r = _request(world, rep)
    c = login_as("convenor_a1")
    page = _text(c.get(f"/reps/{rep.id}"))
    assert f'action="/letters/time-off/{r.id}"' in page
    response = c.submit(f"/letters/time-off/{r.id}", {"next": f"/reps/{rep.id}#time-off"}, page=f"/reps/{rep.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/reps/{rep.id}#time-off")
    doc = db.session.scalars(select(StoredDocument)).one()
    assert (doc.object_type, doc.object_id, doc.kind) == ("time_off_request", r.id, "time_off_letter")
    stored = documents.path_of(doc).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == doc.sha256
    entries = db.session.scalars(select(TimelineEntry).where(TimelineEntry.object_type == "time_off_request",
                                                             TimelineEntry.object_id == r.id)).all()
    assert any(e.kind == "document_generated" and "Request letter 1" in e.text for e in entries)
    page = _text(c.get(f"/reps/{rep.id}"))
    assert f"/documents/{doc.id}" in page and "Request letter 1 generated." in page
    text = pdf_text(stored, tmp_path)
    for words in ("Request for time off: ULR training for Pat Jones", "Training for the ULR role", "UNISON ULR Stage 2",
                  "UNISON Centre, 130 Euston Road", "Tuesday 12 January 2027 at 9:30am", "3.5 hours",
                  "section 168A", "section 169", "section 168", "Acas Code of Practice 3",
                  "states its purpose, location, timing and duration and gives details of the course", "Convenor Barnet"):
        assert words in text, words
    # an outside address to go back to is never followed
    response = c.submit(f"/letters/time-off/{r.id}", {"next": "https://evil.example/"}, page=f"/reps/{rep.id}")
    assert "evil.example" not in response.headers["Location"]
    assert c.get(response.headers["Location"]).status_code == 200


@needs_pdftotext
def test_time_off_letters_for_each_kind_cite_the_right_basis(app, world, tmp_path):
    rep = _rep(world)
    duties = _request(world, rep, kind="ulr_duties", purpose="promoting_learning", course="", reason="Learning at Work week stall")
    text = pdf_text(timeoff_letters.request_letter_pdf(duties, signed_by="Chris", signed_role="Convenor"), tmp_path)
    assert "Promoting the value of learning" in text and "to carry out the functions of a ULR" in text
    assert "Learning at Work week stall" in text and "Course" not in text.split("Purpose")[1].split("Location")[0]
    access = _request(world, rep, kind="member_access", purpose="accessing_ulr", course="", paid_requested=True)
    text = pdf_text(timeoff_letters.request_letter_pdf(access, signed_by="Chris", signed_role="Convenor"), tmp_path)
    assert "section 170" in text and "We ask that the time is paid." in text and "168A" not in text
    release = _request(world, rep, kind="learner_release", purpose="course_attendance", rep_id=None,
                       course="Functional Skills English Level 1")
    text = pdf_text(timeoff_letters.request_letter_pdf(release, signed_by="Chris", signed_role="Convenor"), tmp_path)
    assert "Time off to study on a course is not a statutory right" in text
    assert "There is no learning agreement in force between us yet" in text and "section 170" not in text
    a = agreement_services.create_agreement({"title": "Barnet learning agreement", "employer_id": world.employers.a1.id,
                                             "learner_time_off": "matched"}, branch=world.branches.a1)
    _sign(a)
    text = pdf_text(timeoff_letters.request_letter_pdf(release, signed_by="Chris", signed_role="Convenor"), tmp_path)
    assert "under our learning agreement with you (Barnet learning agreement)" in text
    assert "matched (employer hour for each own-time hour)" in text


def test_only_editors_generate_letters(login_as, world):
    rep = _rep(world, user_id=world.users.ulr_a1.id)
    r = _request(world, rep)
    ulr = login_as("ulr_a1")
    assert ulr.submit(f"/reps/{rep.id}/notice-letter", {}, page=f"/reps/{rep.id}").status_code == 403
    assert ulr.submit(f"/letters/time-off/{r.id}", {}, page=f"/reps/{rep.id}").status_code == 403
    assert "Generate" not in _text(ulr.get(f"/reps/{rep.id}"))
    other = login_as("convenor_a2")
    assert other.submit(f"/letters/time-off/{r.id}", {}, page="/reps").status_code == 404
    assert other.submit(f"/reps/{rep.id}/notice-letter", {}, page="/reps").status_code == 404
    assert _count(StoredDocument) == 0


def test_downloads_are_scoped_to_the_record(login_as, world):
    mine = _rep(world, user_id=world.users.ulr_a1.id)
    doc = documents.store(db.session, mine, "ulr_notice", "Notice", b"%PDF-1.7 mine")
    r = _request(world, mine)
    letter = documents.store(db.session, r, "time_off_letter", "Letter", b"%PDF-1.7 request")
    other = _rep(world, name="Other", email="other@example.org")
    theirs = documents.store(db.session, other, "ulr_notice", "Notice", b"%PDF-1.7 theirs")
    stray = StoredDocument(object_type="agreement", object_id=1, kind="x", title="x", number=1, sha256="0" * 64,
                           stored_as="documents/agreement/1/x.pdf", size_bytes=1)
    db.session.add(stray)
    db.session.commit()
    ulr = login_as("ulr_a1")
    assert ulr.get(f"/documents/{doc.id}").data == b"%PDF-1.7 mine"
    assert ulr.get(f"/documents/{letter.id}").data == b"%PDF-1.7 request"
    assert ulr.get(f"/documents/{theirs.id}").status_code == 404
    assert login_as("convenor_a1").get(f"/documents/{theirs.id}").status_code == 200
    for who in ("convenor_a2", "organiser_b"):
        c = login_as(who)
        assert c.get(f"/documents/{doc.id}").status_code == 404, who
        assert c.get(f"/documents/{letter.id}").status_code == 404, who
    admin = login_as("admin")
    assert admin.get(f"/documents/{stray.id}").status_code == 404  # not a record type the documents page knows
    assert admin.get("/documents/999999").status_code == 404
    documents.path_of(doc).unlink()
    assert admin.get(f"/documents/{doc.id}").status_code == 404  # the file is gone


# --- facility time ------------------------------------------------------------------------

def _sign(a) -> None:
    agreement_services.update_agreement(a, {"signed_on": "2026-03-01", "employer_signatory": "Chief Executive",
                                            "union_signatory": "Branch Secretary", "review_due_on": "2027-03-01"})
    agreement_services.change_status(a, "negotiating")
    agreement_services.change_status(a, "signed")
    db.session.commit()


def _decided(world, rep, starts, hours, status, *, granted=None):
    r = timeoff_services.create_request({"kind": "ulr_duties", "purpose": "arranging_learning", "rep_id": rep.id,
                                         "workplace_id": world.workplaces.school_a1.id, "starts_at": starts,
                                         "duration_hours": hours, "location": "Staff room",
                                         "requested_on": "2026-09-01"}, branch=rep.branch)
    timeoff_services.submit(r, requested_on=date(2026, 9, 1))
    if status != "submitted":
        decision = {"status": status, "decided_on": date(2026, 9, 10), "paid": True if status != "refused" else None,
                    "refusal_reason": "cover" if status != "granted" else None}
        if granted is not None:
            decision["hours_granted"] = granted
        timeoff_services.record_decision(r, decision)
    return r


@pytest.fixture
def facility(world):
    """Two Barnet ULRs with requests in FY2026-Q3 (October to December 2026); a signed agreement
    with 5 hours a month; a Camden ULR with no agreement."""
    busy = _rep(world, name="Bea Busy", email="bea@example.org", appointed_on="2026-01-05", notice_given_on="2026-01-06",
                training_route="already_trained", will_train_notice_on=None, trained_on="2026-01-06",
                training_completion_notified_on="2026-01-07")
    quiet = _rep(world, name="Quin Quiet", email="quin@example.org", appointed_on="2026-01-05", notice_given_on="2026-01-06",
                 training_route="already_trained", will_train_notice_on=None, trained_on="2026-01-06",
                 training_completion_notified_on="2026-01-07")
    camden = _rep(world, "a2", workplace="school_a2", name="Cam Camden", email="cam@example.org", appointed_on="2026-01-05",
                  notice_given_on="2026-01-06", will_train_notice_on="2026-01-06")
    _decided(world, busy, "2026-10-05T09:00", "10", "granted")
    _decided(world, busy, "2026-10-20T09:00", "4", "refused")
    _decided(world, busy, "2026-11-03T13:00", "6", "partly_granted", granted="2")
    _decided(world, busy, "2026-09-28T09:00", "7", "granted")  # the quarter before
    _decided(world, quiet, "2026-11-10T09:00", "3", "refused")
    _decided(world, quiet, "2026-12-01T09:00", "2", "submitted")
    a = agreement_services.create_agreement({"title": "Barnet learning agreement", "employer_id": world.employers.a1.id,
                                             "ulr_hours_per_month": "5"}, branch=world.branches.a1)
    _sign(a)
    return {"busy": busy, "quiet": quiet, "camden": camden}


def test_facility_time_per_ulr_and_period(login_as, world, facility):
    c = login_as("convenor_a1")
    page = _text(c.get("/reps/facility-time?period=FY2026-Q3"))
    assert "Facility time: October to December 2026" in page and "FY2026-Q3 (" not in page
    # the quarter is chosen by name from a list (the old ?period= codes keep working)
    assert '<option value="FY2026-Q3" selected>October to December 2026</option>' in page
    assert '<input class="govuk-input' not in page.split('id="period"')[0][-200:]
    rows = dict(re.findall(r'<a class="govuk-link" href="/reps/\d+">([^<]+)</a>(.*?)</tr>', page, re.S))
    numbers = lambda row: re.findall(r'govuk-table__cell--numeric">([\d.]+)', row)  # noqa: E731
    assert numbers(rows["Bea Busy"]) == ["3", "20", "12", "8", "15"]  # requests, requested, granted, refused, agreed
    assert "Over by 5 hours" in rows["Bea Busy"]
    assert numbers(rows["Quin Quiet"]) == ["2", "5", "0", "3", "15"]
    assert "Within" in rows["Quin Quiet"] and "Refused within the agreed hours" in rows["Quin Quiet"]
    assert "Cam Camden" not in page
    month = _text(c.get("/reps/facility-time?period=2026-10"))
    rows = dict(re.findall(r'<a class="govuk-link" href="/reps/\d+">([^<]+)</a>(.*?)</tr>', month, re.S))
    assert numbers(rows["Bea Busy"]) == ["2", "14", "10", "4", "5"] and "Over by 9 hours" in rows["Bea Busy"]
    year = _text(c.get("/reps/facility-time?period=FY2026"))
    rows = dict(re.findall(r'<a class="govuk-link" href="/reps/\d+">([^<]+)</a>(.*?)</tr>', year, re.S))
    assert numbers(rows["Bea Busy"]) == ["4", "27", "19", "8", "60"] and "Within" in rows["Bea Busy"]
    admin = _text(login_as("admin").get(f"/reps/facility-time?period=FY2026-Q3&branch_id={world.branches.a2.id}"))
    assert "Cam Camden" in admin and "No learning agreement in force" in admin and "Bea Busy" not in admin
    # on the ULR's own page: this quarter and this financial year
    page = _text(c.get(f"/reps/{facility['busy'].id}"))
    from ulr_app.timeoff.facility_views import period_name

    assert f'Quarter: {period_name(containing(TODAY, "quarter"))}' in page
    assert f'Financial year: {period_name(containing(TODAY, "year"))}' in page and "FY20" not in re.sub(r"<[^>]+>", " ", page)
    if containing(TODAY, "year").code == "FY2026":
        assert "60" in page and "Within" in page


def test_facility_time_csv(login_as, world, facility):
    c = login_as("convenor_a1")
    response = c.get("/reps/facility-time.csv?period=FY2026-Q3")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "facility-time-fy2026-q3" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    busy = next(r for r in rows if r["ULR"] == "Bea Busy")
    assert (busy["Hours requested"], busy["Hours granted"], busy["Hours refused"]) == ("20.00", "12.00", "8.00")
    assert (busy["Agreed hours for the period"], busy["Against the agreement"], busy["Hours over"]) == ("15.00", "Over", "5.00")
    assert (busy["From"], busy["To"], busy["Period"]) == ("2026-10-01", "2026-12-31", "FY2026-Q3")
    assert {r["ULR"] for r in rows} == {"Bea Busy", "Quin Quiet"}
    assert c.get("/reps/facility-time.csv?period=Q3").status_code == 400


def test_facility_time_bad_period(login_as, world, facility):
    c = login_as("convenor_a1")
    for typed in ("Q3 2026", "FY2026-Q5", "2026-13", "FY1999"):
        response = c.get(f"/reps/facility-time?period={typed}")
        page = _text(response)
        assert response.status_code == 400
        assert "Choose the period from the list" in page
        assert 'href="#period"' in page and "Bea Busy" not in page and "FY2026-Q3" not in page.split("<main")[1].split("<select")[0]


def test_facility_time_scope(login_as, world, facility):
    ulr = login_as("ulr_a1")
    assert "Bea Busy" not in _text(ulr.get("/reps/facility-time?period=FY2026-Q3"))
    organiser = _text(login_as("organiser_b").get("/reps/facility-time?period=FY2026-Q3"))
    assert "Bea Busy" not in organiser and "Cam Camden" not in organiser
    organiser = _text(login_as("organiser_a").get("/reps/facility-time?period=FY2026-Q3"))
    assert "Bea Busy" in organiser and "Cam Camden" in organiser


@pytest.mark.parametrize("who", ["admin", "organiser_a", "convenor_a1", "ulr_a1"])
def test_every_role_reads_the_lists(login_as, world, who):
    c = login_as(who)
    for path in ("/reps", "/reps/facility-time", "/reps/facility-time?period=FY2026"):
        assert c.get(path).status_code == 200, path


def test_periods():
    p = parse_period("FY2026-Q3")
    assert (p.start, p.end, p.months) == (date(2026, 10, 1), date(2026, 12, 31), 3)
    q4 = parse_period("fy2026-q4")
    assert (q4.code, q4.start, q4.end) == ("FY2026-Q4", date(2027, 1, 1), date(2027, 3, 31))
    y = parse_period("FY2026")
    assert (y.start, y.end, y.months) == (date(2026, 4, 1), date(2027, 3, 31), 12)
    m = parse_period("2028-02")
    assert (m.end, m.months, m.previous().code, m.next().code) == (date(2028, 2, 29), 1, "2028-01", "2028-03")
    assert parse_period("FY2026-Q1").previous().code == "FY2025-Q4" and q4.next().code == "FY2027-Q1"
    for bad in ("", "2026", "2026-00", "FY2026-Q0", "FY26", "2026-1-1", None):
        assert parse_period(bad) is None, bad

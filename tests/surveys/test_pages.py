"""Survey pages: making a survey through its form (bad input: messages at the fields, nothing saved), opening
it after a confirmation, the public answering page (no sign-in; CSRF on; a closed survey says so plainly;
hostile input stored as text and shown escaped; the honeypot; a flood answered 429 with a plain page), the
results with small-number suppression as page, PDF, CSV and XLSX, the poster PDF, and "which schools have
we surveyed"."""
from __future__ import annotations

import io
import re
import subprocess

import pytest
from sqlalchemy import func, select

from tests.surveys.helpers import answer, make_rep, make_survey
from ulr_app.extensions import db
from ulr_app.learners.models import Learner
from ulr_app.surveys.models import Survey, SurveyResponse

HOSTILE = "<script>alert('x')</script> =HYPERLINK(\"http://evil.example\") & \"quotes\""


def _responses() -> int:
    return db.session.scalar(select(func.count()).select_from(SurveyResponse))


def test_a_convenor_makes_a_survey_and_opens_it(world, login_as):
    rep = make_rep(world, "a1", world.users.ulr_a1)
    db.session.commit()
    c = login_as("convenor_a1")
    page = c.get("/surveys/new").get_data(as_text=True)
    assert "Brunswick Park Primary School" in page and "Atkinson Road" not in page  # the branch's workplaces only
    bad = c.submit("/surveys/new", {"title": "", "rep_id": str(rep.id), "questions": ["barriers"]})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "Enter the survey&#39;s title" in text and "Choose at least one workplace the survey is for" in text
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 0
    got = c.submit("/surveys/new", {"title": "Learning at Brunswick Park", "rep_id": str(rep.id),
                                    "workplace_ids": [str(world.workplaces.school_a1.id)],
                                    "questions": ["staff_category", "barriers", "comments"],
                                    "wording_barriers": "What gets in the way of learning?"})
    assert got.status_code == 302
    survey = db.session.scalars(select(Survey)).one()
    assert survey.wording == {"barriers": "What gets in the way of learning?"}
    page = c.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert f"/s/{survey.token}" in page and "Download the A4 poster (PDF)" in page and "is a draft" in page
    confirm = c.get(f"/surveys/{survey.id}/status/open").get_data(as_text=True)
    assert "Open the survey?" in confirm
    assert c.submit(f"/surveys/{survey.id}/status/open", {"version": str(survey.version)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).status == "open"
    # the answering page asks the chosen questions in the survey's words, and only those
    public = c.get(f"/s/{survey.token}").get_data(as_text=True)
    assert "What gets in the way of learning?" in public and "What kinds of learning interest you?" not in public


def test_an_organiser_reads_but_does_not_change(world, login_as):
    survey = make_survey(world, "a2")
    db.session.commit()
    c = login_as("organiser_a")
    page = c.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "Change the survey" not in page and "Close the survey" not in page
    assert c.get(f"/surveys/{survey.id}/edit").status_code == 403


def _answer_page(client, survey):
    response = client.get(f"/s/{survey.token}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_answering_needs_no_sign_in_and_keeps_csrf(world, client):
    survey = make_survey(world)
    db.session.commit()
    page = _answer_page(client, survey)
    assert 'name="csrf_token"' in page and "Sign in" not in re.sub(r"<header.*?</header>", "", page, flags=re.S)
    without_token = client.post(f"/s/{survey.token}", data={"staff_category": "site"})
    assert without_token.status_code == 400 and _responses() == 0
    sent = client.submit(f"/s/{survey.token}", {"staff_category": "site", "barriers": ["cover", "childcare"],
                                                "workplace_id": str(world.workplaces.school_a1.id)})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/s/{survey.token}/thanks")
    assert "Thank you" in client.get(sent.headers["Location"]).get_data(as_text=True)
    assert _responses() == 1


def test_a_bad_answer_shows_the_message_at_the_field_and_keeps_what_was_typed(world, client):
    survey = make_survey(world)
    db.session.commit()
    got = client.submit(f"/s/{survey.token}", {"comments": "Evenings are best", "consent": "y",
                                               "contact_name": "Sam Cook",
                                               "workplace_id": str(world.workplaces.school_a1.id)})
    page = got.get_data(as_text=True)
    assert got.status_code == 400
    assert "Enter an e-mail address or a phone number, so that we can contact you" in page
    assert "Evenings are best" in page and 'value="Sam Cook"' in page
    assert _responses() == 0 and db.session.scalar(select(func.count()).select_from(Learner)) == 0
    empty = client.submit(f"/s/{survey.token}", {})
    assert empty.status_code == 400 and "Answer at least one question before you send the survey" in empty.get_data(as_text=True)


@pytest.mark.parametrize("status,words", [("closed", "This survey is closed"), ("draft", "This survey has not started yet")])
def test_a_survey_not_open_says_so_plainly(world, client, status, words):
    survey = make_survey(world, status=status)
    db.session.commit()
    got = client.get(f"/s/{survey.token}")
    page = got.get_data(as_text=True)
    assert got.status_code == 200 and words in page and "<form method=\"post\" action=\"/s/" not in page
    posted = client.submit(f"/s/{survey.token}", {"staff_category": "site"}, page="/sign-in")
    assert posted.status_code == 409 and words in posted.get_data(as_text=True) and _responses() == 0


def test_an_unknown_link_is_not_found(client):
    assert client.get("/s/not-a-real-token").status_code == 404
    assert client.get("/s/" + "x" * 60).status_code == 404


def test_hostile_input_is_stored_as_text_and_shown_escaped(world, client, login_as):
    survey = make_survey(world)
    db.session.commit()
    sent = client.submit(f"/s/{survey.token}", {"comments": HOSTILE, "job_role": "<b>cook</b>",
                                                "workplace_id": str(world.workplaces.school_a1.id)})
    assert sent.status_code == 302
    stored = db.session.scalars(select(SurveyResponse)).one()
    assert stored.comments == HOSTILE and stored.job_role == "<b>cook</b>"
    c = login_as("convenor_a1")
    page = c.get(f"/surveys/{survey.id}/results").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    csv = c.get(f"/surveys/{survey.id}/results?format=csv").get_data(as_text=True)
    assert HOSTILE.replace('"', '""') in csv  # as text (it starts with "<": no formula guard needed)


def test_a_formula_in_a_comment_is_guarded_in_the_csv(world, login_as):
    survey = make_survey(world)
    answer(survey, comments="=HYPERLINK(\"http://evil.example\")")
    db.session.commit()
    csv = login_as("convenor_a1").get(f"/surveys/{survey.id}/results?format=csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv


@pytest.mark.parametrize("field,value,message", [
    ("comments", "x" * 2001, "Your answer must be 2000 characters or fewer (it has 2001)"),
    ("comments", "bad\x00nul", "Remove the NUL character: text cannot hold one"),
    ("job_role", "j" * 121, "Your answer must be 120 characters or fewer (it has 121)"),
    ("staff_category", "astronaut", "Choose one of the answers"),
])
def test_oversized_or_broken_answers_are_refused_at_the_field(world, client, field, value, message):
    survey = make_survey(world)
    db.session.commit()
    got = client.submit(f"/s/{survey.token}", {field: value, "workplace_id": str(world.workplaces.school_a1.id)})
    assert got.status_code == 400 and message in got.get_data(as_text=True)
    assert _responses() == 0


def test_the_honeypot_is_thanked_and_nothing_is_kept(world, client):
    survey = make_survey(world)
    db.session.commit()
    page = _answer_page(client, survey)
    assert re.search(r'<div hidden><label for="website">', page)
    got = client.submit(f"/s/{survey.token}", {"staff_category": "site", "website": "http://spam.example",
                                               "workplace_id": str(world.workplaces.school_a1.id)})
    assert got.status_code == 302 and got.headers["Location"].endswith("/thanks")
    assert _responses() == 0


def test_a_flood_from_one_address_is_answered_429_with_a_plain_page(world, app, client):
    from ulr_app.accounts import throttle

    throttle.reset()
    app.config["SURVEY_LIMIT_PER_ADDRESS"] = "3 per hour"
    try:
        survey = make_survey(world)
        db.session.commit()
        data = {"staff_category": "site", "workplace_id": str(world.workplaces.school_a1.id)}
        for _ in range(3):
            assert client.submit(f"/s/{survey.token}", data).status_code == 302
        flooded = client.submit(f"/s/{survey.token}", data)
        page = flooded.get_data(as_text=True)
        assert flooded.status_code == 429
        assert "Too many answers from your connection" in page and "Please wait an hour and try again" in page
        assert _responses() == 3
        other = app.test_client()  # another address is not held up
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', other.get(f"/s/{survey.token}").get_data(as_text=True))
        ok = other.post(f"/s/{survey.token}", data={**data, "csrf_token": token.group(1)},
                        environ_base={"REMOTE_ADDR": "198.51.100.99"})
        assert ok.status_code == 302 and _responses() == 4
    finally:
        app.config["SURVEY_LIMIT_PER_ADDRESS"] = "10 per hour"
        throttle.reset()


def test_a_full_survey_says_so(world, app, client):
    app.config["SURVEY_MAX_RESPONSES"] = 1
    try:
        survey = make_survey(world)
        answer(survey, staff_category="site")
        db.session.commit()
        assert "This survey is full" in client.get(f"/s/{survey.token}").get_data(as_text=True)
        posted = client.submit(f"/s/{survey.token}", {"staff_category": "site"}, page="/sign-in")
        assert posted.status_code == 429 and _responses() == 1
    finally:
        app.config["SURVEY_MAX_RESPONSES"] = 2000


def test_consent_through_the_page_makes_an_enquiry(world, client):
    rep = make_rep(world, "a1", world.users.ulr_a1)
    survey = make_survey(world, rep=rep)
    db.session.commit()
    got = client.submit(f"/s/{survey.token}", {"course_types": ["esol"], "consent": "y", "contact_name": "Sam Cook",
                                               "contact_email": "sam@example.org",
                                               "workplace_id": str(world.workplaces.school_a1.id)})
    assert got.status_code == 302 and "contact=1" in got.headers["Location"]
    learner = db.session.scalars(select(Learner)).one()
    assert learner.rep_id == rep.id and learner.email == "sam@example.org"
    assert "will get in touch" in client.get(got.headers["Location"]).get_data(as_text=True)


def _results_survey(world):
    survey = make_survey(world)
    school, service = world.workplaces.school_a1.id, world.workplaces.service_a1.id
    for _ in range(7):
        answer(survey, staff_category="learning_support", course_types=["vocational", "esol"], barriers=["cover"],
               workplace_id=school)
    for _ in range(2):
        answer(survey, staff_category="site", course_types=["esol"], barriers=["childcare"], workplace_id=service)
    from ulr_app.surveys import services

    services.set_staff_counts(survey, {school: "35", service: "20"})
    db.session.commit()
    return survey


def test_results_are_suppressed_where_small(world, login_as):
    survey = _results_survey(world)
    c = login_as("convenor_a1")
    got = c.get(f"/surveys/{survey.id}/results")
    page = got.get_data(as_text=True)
    assert got.status_code == 200
    assert 'data:image/svg+xml;base64,' in page  # the charts
    plain = re.sub(r"<[^>]+>", " ", page)
    plain = re.sub(r"\s+", " ", plain)
    # 7 learning support staff shown; the 2 site staff are "<5", and with the total shown one more count is hidden
    assert "Learning support 7" in plain or "Learning support c" in plain
    assert re.search(r"Site (&lt;5|c) ", plain)
    assert not re.search(r"Site 2 ", plain)
    assert "Barnet Housing &lt;5 20" in plain or "Barnet Housing c 20" in plain  # no rate from a hidden count
    assert "Childcare &lt;5" in plain and "ESOL 9" in plain
    # by staff category: a category whose count is hidden is hidden there too (7 would give it away)
    row = re.search(r"Interest by course type and staff category.*? ESOL ((?:\S+ ){7})", plain).group(1).split()
    assert row[0] == "c" and row[4] in ("&lt;5", "c") and "7" not in row
    # one workplace
    one = c.get(f"/surveys/{survey.id}/results?workplace_id={world.workplaces.school_a1.id}").get_data(as_text=True)
    assert "Brunswick Park Primary School" in one and "Barnet Housing" not in re.sub(r"<select.*?</select>", "", one, flags=re.S)
    assert c.get(f"/surveys/{survey.id}/results?workplace_id={world.workplaces.school_b1.id}").status_code == 404


def test_results_as_csv_xlsx_and_pdf(world, login_as, tmp_path):
    survey = _results_survey(world)
    c = login_as("convenor_a1")
    csv = c.get(f"/surveys/{survey.id}/results?format=csv")
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    text = csv.get_data(as_text=True)
    assert "Barriers by staff category" in text and "Preferred times by staff category" in text
    assert "Interest by course type and level wanted" in text
    assert "Interest by course type" in text and "<5" in text and ",2\r\n" not in text.split("Staff category")[1].split("\r\n\r\n")[0]
    xlsx = c.get(f"/surveys/{survey.id}/results?format=xlsx")
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert "Barriers" in book.sheetnames
    sheet = book["Barriers"]
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["Cover"] == 7 and values["Childcare"] == "<5"
    pdf = c.get(f"/surveys/{survey.id}/results?format=pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    from ulr_app.core.audit_models import AuditEntry

    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "export")) == 3


def test_branch_results_and_scope(world, login_as):
    _results_survey(world)
    c = login_as("convenor_a1")
    page = c.get("/surveys/results").get_data(as_text=True)
    assert "Survey results for the branch" in page and "Barnet branch, every survey" in page
    assert c.get(f"/surveys/results?branch_id={world.branches.a2.id}").status_code == 404
    organiser = login_as("organiser_a")
    assert organiser.get(f"/surveys/results?branch_id={world.branches.a1.id}").status_code == 200
    assert organiser.get(f"/surveys/results?branch_id={world.branches.b1.id}").status_code == 404


def test_the_poster_pdf_has_the_link_and_a_qr_code(world, login_as, tmp_path):
    survey = make_survey(world, title="Learning at Brunswick Park")
    db.session.commit()
    got = login_as("convenor_a1").get(f"/surveys/{survey.id}/poster.pdf")
    assert got.status_code == 200 and got.headers["Content-Type"] == "application/pdf"
    path = tmp_path / "poster.pdf"
    path.write_bytes(got.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Learning at Brunswick Park" in text and f"/s/{survey.token}" in text
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\n", info) and "595.276 x 841.89" in info  # one A4 page
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(tmp_path / "poster")], check=True)
    from PIL import Image

    image = Image.open(next(tmp_path.glob("poster*.png"))).convert("L")
    dark = sum(count for value, count in enumerate(image.histogram()) if value < 128)
    assert dark > image.width * image.height * 0.05  # the QR code's dark modules are drawn


def test_which_schools_have_we_surveyed(world, login_as):
    survey = make_survey(world, title="Spring survey")
    answer(survey, staff_category="site", workplace_id=world.workplaces.school_a1.id)
    db.session.commit()
    c = login_as("convenor_a1")
    page = c.get("/surveys/surveyed-schools").get_data(as_text=True)
    assert "Brunswick Park Primary School" in page and "Spring survey" in page
    assert "Barnet Housing" not in page  # a council service is not a school
    assert "0 schools of the branch" in page
    assert c.get(f"/surveys/surveyed-schools?branch_id={world.branches.b1.id}").status_code == 404
    coverage = c.get("/reports/schools-coverage").get_data(as_text=True)
    assert "/surveys/surveyed-schools" in coverage and "Which schools have we surveyed, and when" in coverage


def test_a_ulr_makes_their_own_survey_and_sees_only_theirs(world, login_as):
    c = login_as("ulr_a1")
    page = c.get("/surveys/new").get_data(as_text=True)
    assert "Your login is not linked to a ULR appointment yet" in page
    own = make_rep(world, "a1", world.users.ulr_a1, name="Jo Rep")
    colleague_survey = make_survey(world, title="A colleague's survey")  # another ULR of the branch follows it up
    db.session.commit()
    page = c.get("/surveys/new").get_data(as_text=True)
    assert f'<option selected value="{own.id}">Jo Rep</option>' in page or f'value="{own.id}" selected' in page
    got = c.submit("/surveys/new", {"title": "My survey", "rep_id": str(own.id),
                                    "workplace_ids": [str(world.workplaces.school_a1.id)], "questions": ["barriers"]})
    assert got.status_code == 302
    listed = c.get("/surveys").get_data(as_text=True)
    assert "My survey" in listed and "A colleague&#39;s survey" not in listed
    assert c.get(f"/surveys/{colleague_survey.id}").status_code == 404


def test_a_huge_answer_is_refused_at_the_field_and_nothing_kept(world, client):
    survey = make_survey(world)
    db.session.commit()
    got = client.submit(f"/s/{survey.token}", {"comments": "x" * 600_000,
                                               "workplace_id": str(world.workplaces.school_a1.id)})
    assert got.status_code == 400 and _responses() == 0
    assert "Your answer must be 2000 characters or fewer (it has 600000)" in got.get_data(as_text=True)

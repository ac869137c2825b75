"""Letters an employer takes seriously: the time-off request letter and the ULR notice come from the
branch (its address, phone and e-mail), go to the workplace's head teacher or manager by name
("Dear Sir or Madam" only when no name is known), are dated, and the request letter asks for a reply
by a stated date. The PDF text is read back with pdftotext; a rendered page is checked as an image."""
from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date, datetime, timedelta

import pytest

from ulr_app.core.templating import uk_date
from ulr_app.extensions import db
from ulr_app.organisation import services as org_services
from ulr_app.organisation.letters import letterhead, recipient
from ulr_app.reps import letters as rep_letters
from ulr_app.reps import services as rep_services
from ulr_app.timeoff import letters, services

TODAY = date.today()
ADDRESS = "UNISON Barnet Branch\nBuilding 4, North London Business Park\nOakleigh Road South\nLondon N11 1NP"

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None and not os.environ.get("ULR_REQUIRE_PDFTOTEXT"),
                                     reason="pdftotext not installed (apt-get install poppler-utils)")
needs_pdftoppm = pytest.mark.skipif(shutil.which("pdftoppm") is None and not os.environ.get("ULR_REQUIRE_PDFTOTEXT"),
                                    reason="pdftoppm not installed (apt-get install poppler-utils)")


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=60)
    return " ".join(out.stdout.decode("utf-8").split())


def _days(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


@pytest.fixture
def branch(world):
    org_services.update_branch_contact(world.branches.a1, {"address": ADDRESS, "phone": "020 8359 2000",
                                                            "email": "learning@barnet-unison.example.org"})
    db.session.commit()
    return world.branches.a1


def _name_the_head(world, name="Ms Priya Shah", role="Head teacher"):
    org_services.update_workplace(world.workplaces.school_a1, {"contact_name": name, "contact_role": role})
    db.session.commit()


@pytest.fixture
def rep(world):
    r = rep_services.create_rep({"name": "Pat Jones", "employer_id": world.employers.a1.id,
                                 "workplace_id": world.workplaces.school_a1.id, "appointed_on": _days(40),
                                 "notice_given_on": _days(35), "training_route": "will_train",
                                 "will_train_notice_on": _days(35)}, branch=world.branches.a1)
    db.session.commit()
    return r


def _request(world, rep, starts: date, **kw):
    data = {"kind": "ulr_training", "purpose": "ulr_training", "rep_id": rep.id, "workplace_id": world.workplaces.school_a1.id,
            "starts_at": f"{starts.isoformat()}T09:30", "duration_hours": "6", "location": "UNISON Centre, 130 Euston Road",
            "course": "UNISON ULR Stage 2", "requested_on": TODAY.isoformat(), **kw}
    r = services.create_request(data, branch=world.branches.a1)
    db.session.commit()
    return r


def _letter(r, today=TODAY) -> bytes:
    return letters.request_letter_pdf(r, signed_by="Chris Convenor", signed_role="Branch education convenor", today=today)


# --- the reply-by rule ----------------------------------------------------------------------

@pytest.mark.parametrize("starts_in,reply_in", [
    (60, 7),   # far off: 7 days from the letter
    (14, 7),   # both rules give the same day
    (12, 5),   # 7 days before the start comes first
    (9, 2),    # still at least 2 days to reply
    (8, 7),    # too short: the day before the time off
    (3, 2),
    (1, 0),    # tomorrow: reply today
    (0, 0),    # never before the letter's date
    (-2, 0),
])
def test_reply_by(starts_in, reply_in):
    today = date(2026, 12, 7)
    assert letters.reply_by(today, today + timedelta(days=starts_in)) == today + timedelta(days=reply_in)


# --- the recipient and the letterhead ---------------------------------------------------------

def test_recipient_named_or_not(world):
    school = world.workplaces.school_a1
    anonymous = recipient(world.employers.a1, school)
    assert anonymous["salutation"] == "Dear Sir or Madam" and anonymous["close"] == "Yours faithfully"
    assert anonymous["lines"][:3] == ["The Head Teacher", "Brunswick Park Primary School", "London Borough of Barnet"]
    _name_the_head(world)
    named = recipient(world.employers.a1, school)
    assert named["salutation"] == "Dear Ms Priya Shah" and named["close"] == "Yours sincerely"
    assert named["lines"][:4] == ["Ms Priya Shah", "Head teacher", "Brunswick Park Primary School", "London Borough of Barnet"]
    assert recipient(world.employers.a1)["lines"] == ["The Head of Human Resources", "London Borough of Barnet"]


def test_letterhead(world, branch):
    head = letterhead(branch)
    assert head["address_lines"] == ADDRESS.splitlines()
    assert (head["phone"], head["email"]) == ("020 8359 2000", "learning@barnet-unison.example.org")
    assert letterhead(world.branches.b1)["address_lines"] == []


# --- the time-off request letter ---------------------------------------------------------------

@needs_pdftotext
def test_request_letter_names_the_recipient_and_the_branch(world, branch, rep, tmp_path):
    _name_the_head(world)
    starts = TODAY + timedelta(days=30)
    text = pdf_text(_letter(_request(world, rep, starts)), tmp_path)
    for words in ("UNISON Barnet branch", "Building 4, North London Business Park", "Oakleigh Road South", "London N11 1NP",
                  "Phone: 020 8359 2000", "E-mail: learning@barnet-unison.example.org",
                  "Ms Priya Shah Head teacher Brunswick Park Primary School London Borough of Barnet",
                  "Dear Ms Priya Shah,", "Yours sincerely,", uk_date(TODAY),
                  f"Please reply by {uk_date(TODAY + timedelta(days=7))}",
                  f"Please reply in writing by {uk_date(TODAY + timedelta(days=7))}, by e-mail to "
                  "learning@barnet-unison.example.org or by post to the address above",
                  "to discuss the request, please phone 020 8359 2000",
                  "Request for time off: ULR training for Pat Jones", "UNISON ULR Stage 2", "6 hours",
                  "the law gives a union learning representative the right to reasonable paid time off to be trained",
                  "section 168A", "Acas Code of Practice 3", "Chris Convenor"):
        assert words in text, words
    assert "Dear Sir or Madam" not in text and "Yours faithfully" not in text
    assert f"{starts:%A} {starts.day} {starts:%B %Y} at 9:30am" in text


@needs_pdftotext
def test_request_letter_without_a_name_or_branch_details(world, rep, tmp_path):
    starts = TODAY + timedelta(days=10)  # 7 days before the start comes first: 3 days from the letter
    text = pdf_text(_letter(_request(world, rep, starts)), tmp_path)
    assert "Dear Sir or Madam," in text and "Yours faithfully," in text
    assert "The Head Teacher Brunswick Park Primary School" in text
    assert f"Please reply by {uk_date(TODAY + timedelta(days=3))}" in text
    assert "Phone:" not in text and "E-mail:" not in text and "by post to the address above" not in text


@needs_pdftotext
def test_every_kind_has_the_plain_words_basis(world, branch, rep, tmp_path):
    starts = TODAY + timedelta(days=30)
    duties = _request(world, rep, starts, kind="ulr_duties", purpose="promoting_learning", course="")
    assert "the right to reasonable paid time off to do the job" in pdf_text(_letter(duties), tmp_path)
    access = _request(world, rep, starts + timedelta(days=1), kind="member_access", purpose="accessing_ulr", course="")
    assert "the right to reasonable time off to see their union learning representative" in pdf_text(_letter(access), tmp_path)
    release = _request(world, rep, starts + timedelta(days=2), kind="learner_release", purpose="course_attendance",
                       rep_id=None, course="Functional Skills English Level 1")
    text = pdf_text(_letter(release), tmp_path)
    assert "Why we are asking" in text and "Time off to study on a course is not a statutory right" in text


def test_letter_text_is_escaped(world, branch, rep):
    _name_the_head(world, name="<b>Bold</b> & Co", role="<script>x</script>")
    html = letters.request_letter_html(_request(world, rep, TODAY + timedelta(days=30)), signed_by="C", signed_role="R")
    assert "<b>Bold</b>" not in html and "<script>x" not in html and "Dear &lt;b&gt;Bold&lt;/b&gt; &amp; Co," in html


@needs_pdftoppm
def test_the_request_letter_renders_as_one_clean_page(world, branch, rep, tmp_path):
    """Looked at as an image: one A4 page, not blank."""
    _name_the_head(world)
    path = tmp_path / "letter.pdf"
    path.write_bytes(_letter(_request(world, rep, TODAY + timedelta(days=30))))
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(path), str(tmp_path / "page")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1  # the whole letter on one page
    data = pages[0].read_bytes()
    assert data.startswith(b"\x89PNG")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert abs(height / width - 297 / 210) < 0.02  # A4 portrait
    assert len(data) > 5000  # ink on the page (a blank page compresses to almost nothing)


# --- the ULR notice letter -------------------------------------------------------------------

@needs_pdftotext
def test_notice_letter_names_the_recipient_and_the_branch(world, branch, rep, tmp_path):
    _name_the_head(world, name="Mr Tom Okafor", role="Head teacher")
    text = pdf_text(rep_letters.notice_pdf(rep, signed_by="Chris Convenor", signed_role="Convenor"), tmp_path)
    for words in ("London N11 1NP", "Phone: 020 8359 2000", "Mr Tom Okafor Head teacher Brunswick Park Primary School",
                  "Dear Mr Tom Okafor,", "Yours sincerely,", uk_date(TODAY),
                  "Please acknowledge this notice in writing, by e-mail to learning@barnet-unison.example.org",
                  "Written notice of a union learning representative: Pat Jones"):
        assert words in text, words
    assert "Dear Sir or Madam" not in text


@needs_pdftotext
def test_notice_letter_without_a_workplace_goes_to_the_employer(world, tmp_path):
    rep = rep_services.create_rep({"name": "Sam Patel", "employer_id": world.employers.a1.id, "workplace_id": None,
                                   "appointed_on": _days(10), "training_route": "will_train"}, branch=world.branches.a1)
    db.session.commit()
    text = pdf_text(rep_letters.notice_pdf(rep, signed_by="Chris", signed_role="Convenor"), tmp_path)
    assert "The Head of Human Resources London Borough of Barnet" in text
    assert "Dear Sir or Madam," in text and "Yours faithfully," in text

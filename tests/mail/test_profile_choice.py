"""Each user chooses on their account page: a daily reminder e-mail (the default) or none."""
from __future__ import annotations

from sqlalchemy import select

from ulr_app.accounts.models import User
from ulr_app.core.audit_models import AuditEntry
from ulr_app.extensions import db


def _choice(user) -> str:
    db.session.rollback()
    return db.session.get(User, user.id).email_reminders


def test_the_default_is_a_daily_e_mail_and_the_profile_shows_it(world, login_as):
    page = login_as("convenor_a1").get("/profile").get_data(as_text=True)
    assert "Reminder e-mails" in page
    assert 'type="radio" value="digest" checked>' in page and 'type="radio" value="none">' in page
    assert "Do you want reminder e-mails?</legend>" in " ".join(page.split()).replace("? </legend>", "?</legend>")
    assert _choice(world.users.convenor_a1) == "digest"


def test_choosing_none_is_saved_and_audited(world, login_as):
    client = login_as("convenor_a1")
    response = client.submit("/profile/email-reminders", {"email_reminders": "none"}, page="/profile")
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile#email-reminders")
    assert _choice(world.users.convenor_a1) == "none"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "user_account",
                                                        AuditEntry.object_id == world.users.convenor_a1.id)
                               .order_by(AuditEntry.id.desc())).first()
    assert "No reminder e-mails" in entry.summary and "email_reminders" in (entry.changes or {})
    assert "You will get no reminder e-mails." in client.get("/profile").get_data(as_text=True)
    client.submit("/profile/email-reminders", {"email_reminders": "digest"}, page="/profile")
    assert _choice(world.users.convenor_a1) == "digest"


def test_a_bad_choice_is_refused_at_the_field_and_nothing_changes(world, login_as):
    client = login_as("convenor_a1")
    for data in ({}, {"email_reminders": "weekly"}, {"email_reminders": ""}):
        response = client.submit("/profile/email-reminders", data, page="/profile")
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "There is a problem" in page
        assert "Error:</span> Choose whether you want a daily reminder e-mail" in page
        assert _choice(world.users.convenor_a1) == "digest"


def test_the_form_needs_its_csrf_token(world, login_as):
    client = login_as("convenor_a1")
    response = client.post("/profile/email-reminders", data={"email_reminders": "none"})
    assert response.status_code == 400
    assert _choice(world.users.convenor_a1) == "digest"

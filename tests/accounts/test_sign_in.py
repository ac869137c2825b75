"""Signing in and out, server-side sessions, throttling and passwords."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.conftest import PASSWORD
from ulr_app.accounts.models import User, UserSession
from ulr_app.core.audit_models import AuditEntry
from ulr_app.core.models import utcnow
from ulr_app.extensions import db


def _session_rows(user_id):
    db.session.expire_all()
    return db.session.scalars(select(UserSession).where(UserSession.user_id == user_id)).all()


def test_sign_in_gives_a_new_session_id(client, world):
    client.get("/sign-in")
    before = client.get_cookie("ulr_session").value
    client.login(world.users.convenor_a1.email)
    after = client.get_cookie("ulr_session").value
    assert before != after
    rows = _session_rows(world.users.convenor_a1.id)
    assert len(rows) == 1 and rows[0].revoked_at is None
    # a second sign-in makes a second, different session row
    other = type(client)(client.app.test_client())
    other.login(world.users.convenor_a1.email)
    rows = _session_rows(world.users.convenor_a1.id)
    assert len({r.token_hash for r in rows}) == 2


def test_wrong_password_is_refused_with_a_clear_message_and_audited(client, world):
    response = client.submit("/sign-in", {"email": world.users.admin.email, "password": "wrong password!!"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The e-mail address or password is not correct" in page
    assert 'value="admin@example.org"' in page  # what was typed is kept (not the password)
    assert "wrong password!!" not in page
    assert client.get("/").status_code == 302
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in_failed")).one()
    assert "admin@example.org" in entry.summary and "wrong" not in (entry.summary + str(entry.changes))


def test_empty_form_shows_both_errors(client, world):
    page = client.submit("/sign-in", {"email": "", "password": ""}).get_data(as_text=True)
    assert "Enter your e-mail address" in page and "Enter your password" in page
    assert "govuk-error-summary" in page


def test_unknown_email_and_disabled_user_cannot_sign_in(client, world):
    assert client.submit("/sign-in", {"email": "nobody@example.org", "password": PASSWORD}).status_code == 200
    user = db.session.get(User, world.users.ulr_a1.id)
    user.active = False
    db.session.commit()
    response = client.submit("/sign-in", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200 and client.get("/").status_code == 302


def test_sign_out_ends_the_session_on_the_server(client, world):
    client.login(world.users.admin.email)
    cookie = client.get_cookie("ulr_session").value
    assert client.logout().status_code == 302
    # replaying the old cookie does not bring the session back
    replay = type(client)(client.app.test_client())
    replay.set_cookie("ulr_session", cookie)
    assert replay.get("/").status_code == 302
    assert all(r.revoked_at is not None for r in _session_rows(world.users.admin.id))


def test_sign_out_needs_post_with_csrf(login_as):
    c = login_as("admin")
    assert c.get("/sign-out").status_code == 405
    assert c.post("/sign-out").status_code == 400  # no CSRF token
    assert c.get("/").status_code == 200


def test_disabling_a_user_ends_their_sessions_at_once(login_as, world):
    ulr = login_as("ulr_a1")
    assert ulr.get("/").status_code == 200
    admin = login_as("admin")
    url = f"/admin/users/{world.users.ulr_a1.id}/disable"
    assert admin.submit(url).status_code == 302
    assert ulr.get("/").status_code == 302
    assert ulr.submit("/sign-in", {"email": world.users.ulr_a1.email, "password": PASSWORD}).status_code == 200
    assert ulr.get("/").status_code == 302


def test_password_change_ends_other_sessions_but_keeps_this_one(login_as, world, make_client):
    phone = login_as("convenor_a1")
    laptop = login_as("convenor_a1")
    response = laptop.submit("/profile/password", {"current_password": PASSWORD, "new_password": "a much longer new passphrase"},
                             page="/profile")
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    fresh = make_client()
    fresh.login(world.users.convenor_a1.email, "a much longer new passphrase")


def test_password_change_bad_input(login_as):
    c = login_as("convenor_a1")
    page = c.submit("/profile/password", {"current_password": "not it", "new_password": "a much longer new passphrase"},
                    page="/profile")
    assert page.status_code == 400 and "Your current password is not correct" in page.get_data(as_text=True)
    page = c.submit("/profile/password", {"current_password": PASSWORD, "new_password": "short"}, page="/profile")
    assert "at least 12 characters" in page.get_data(as_text=True)
    assert c.get("/").status_code == 200  # still signed in, old password still works
    c.logout()
    c.login("convenor.barnet@example.org", PASSWORD)


def test_idle_session_times_out(login_as, world, app):
    c = login_as("organiser_a")
    row = _session_rows(world.users.organiser_a.id)[0]
    row.last_seen_at = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    db.session.commit()
    response = c.get("/employers")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert "next=" in response.headers["Location"]
    page = c.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed out because you had not done anything for a while" in page
    assert _session_rows(world.users.organiser_a.id)[0].revoked_reason == "timed_out"


def test_activity_keeps_the_session_alive(login_as, world, app):
    c = login_as("organiser_a")
    row = _session_rows(world.users.organiser_a.id)[0]
    row.last_seen_at = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] - 1)
    db.session.commit()
    assert c.get("/").status_code == 200
    assert _session_rows(world.users.organiser_a.id)[0].last_seen_at > utcnow() - timedelta(minutes=1)


def test_login_throttled_per_account(make_client, world, app):
    attacker = make_client()
    email = world.users.admin.email
    limit = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    for _ in range(limit):
        assert attacker.submit("/sign-in", {"email": email, "password": "guess guess guess"}).status_code == 200
    blocked = attacker.submit("/sign-in", {"email": email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many sign-in attempts" in blocked.get_data(as_text=True)
    # another account from the same address is not blocked by this account's limit
    other = make_client()
    other.login(world.users.convenor_a1.email)


def test_login_throttled_per_address(make_client, world, app):
    c = make_client()
    limit = int(app.config["LOGIN_LIMIT_PER_ADDRESS"].split()[0])
    for n in range(limit):
        c.submit("/sign-in", {"email": f"user{n}@example.org", "password": "guess guess guess"})
    blocked = c.submit("/sign-in", {"email": world.users.admin.email, "password": PASSWORD})
    assert blocked.status_code == 429


def test_successful_sign_ins_do_not_count_towards_the_limit(make_client, world, app):
    limit = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    for _ in range(limit + 2):
        c = make_client()
        c.login(world.users.admin.email)


def test_next_only_redirects_inside_the_site(client, world):
    token = client.token()
    response = client.post("/sign-in?next=https://evil.example/x", data={"csrf_token": token, "email": world.users.admin.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"
    client.logout()
    token = client.token()
    response = client.post("/sign-in?next=/employers", data={"csrf_token": token, "email": world.users.admin.email, "password": PASSWORD})
    assert response.headers["Location"] == "/employers"


def test_passwords_are_argon2id(world):
    user = db.session.get(User, world.users.admin.id)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_forms_without_csrf_token_are_refused(client, world):
    response = client.post("/sign-in", data={"email": world.users.admin.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_a_signed_in_request_reads_its_session_and_user_in_one_statement(login_as, world, count_queries):
    """The session row is checked on every request (revocation, idle time-out) and brings its user with it:
    one statement, not two (issue 13: one round trip fewer on every page)."""
    client = login_as("convenor_a1")
    with count_queries() as q:
        assert client.get("/agreements").status_code == 200
    reads = [s for s in q.statements if "FROM user_session" in s]
    assert len(reads) == 1 and "user_account" in reads[0]
    assert not [s for s in q.statements if s.lstrip().startswith("SELECT") and "FROM user_account" in s
                and "user_session" not in s and "WHERE user_account.id = " in s]

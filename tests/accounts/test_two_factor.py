"""Two-factor sign-in (issue 14 item 6): set-up with a QR code and its first code, ten single-use
recovery codes, the code step of signing in (limited, each code once), the roles that must use it,
confirming who you are before changing e-mail, password or second factor, and an administrator's reset."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from ulr_app.accounts import two_factor
from ulr_app.accounts.models import RecoveryCode, User, UserSession
from ulr_app.core.audit_models import AuditEntry
from ulr_app.extensions import db


class Clock:
    """The time two_factor sees, moved on by hand (so 'a code works once' can be tested without waiting)."""

    def __init__(self):
        self.now = datetime.now(timezone.utc).replace(microsecond=0)

    def advance(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(two_factor, "utcnow", lambda: c.now)
    return c


@pytest.fixture
def required(app, monkeypatch):
    """Switch the production default on: administrators, organisers and convenors must use it."""
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_ROLES", ("admin", "regional_organiser", "branch_convenor"))


def code_at(secret: str, clock: Clock, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now + timedelta(seconds=30 * steps))


def enrol(c, clock) -> tuple[str, list[str]]:
    """Set up two-factor sign-in through the pages; (the secret shown, the recovery codes shown)."""
    page = c.get("/profile/two-factor/set-up").get_data(as_text=True)
    secret = re.search(r'id="setup-key"[^>]*><code>([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    response = c.submit("/profile/two-factor/set-up", {"code": code_at(secret, clock)})
    assert response.status_code == 200, response.get_data(as_text=True)
    shown = response.get_data(as_text=True)
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", shown)
    return secret, codes


def user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalars(select(User).where(User.email == email)).one()


def sign_in_with_code(c, email: str, code: str):
    first = c.submit("/sign-in", {"email": email, "password": PASSWORD})
    assert first.status_code == 302 and first.headers["Location"].endswith("/sign-in/code")
    return c.submit("/sign-in/code", {"code": code})


def test_set_up_shows_a_local_qr_code_and_the_key_then_ten_recovery_codes(login_as, world, clock):
    c = login_as("ulr_a1")  # optional for ULRs: they may set it up
    profile = c.get("/profile").get_data(as_text=True)
    assert "Set up two-factor sign-in" in profile
    page = c.get("/profile/two-factor/set-up").get_data(as_text=True)
    assert '<svg aria-hidden="true"' in page and "<path" in page  # drawn here, inline: no image fetched
    assert "data:image" not in page and "http" not in page.split("<svg", 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", "")
    assert "QR code holding your setup key" in page  # said in words too
    secret, codes = enrol(c, clock)
    assert len(codes) == 10 and len(set(codes)) == 10
    u = user(world.users.ulr_a1.email)
    assert u.totp_secret == secret and u.totp_enabled_at is not None and u.has_two_factor
    stored = db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == u.id)).all()
    assert len(stored) == 10 and all(code.replace("-", "") not in s.code_hash for s in stored for code in codes)
    # the secret is never shown again, nor written to the audit log
    assert secret not in c.get("/profile").get_data(as_text=True)
    assert secret not in c.get("/profile/two-factor").get_data(as_text=True)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "user_account")).all()
    assert any("set up two-factor sign-in" in e.summary for e in entries)
    assert not any(secret in (e.summary + str(e.changes)) for e in entries)


def test_a_wrong_first_code_turns_nothing_on(login_as, world, clock):
    c = login_as("ulr_a1")
    c.get("/profile/two-factor/set-up")
    for typed, message in (("000000", "The code is not correct"), ("12", "Enter the 6-digit code"),
                           ("", "Enter the 6-digit code")):
        response = c.submit("/profile/two-factor/set-up", {"code": typed})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    u = user(world.users.ulr_a1.email)
    assert not u.has_two_factor and u.totp_secret is None
    assert db.session.scalar(select(db.func.count()).select_from(RecoveryCode)) == 0


def test_signing_in_asks_for_the_code_after_the_password(login_as, make_client, world, clock):
    email = world.users.ulr_a1.email
    secret, _codes = enrol(login_as("ulr_a1"), clock)
    c = make_client()
    first = c.submit("/sign-in?next=/profile", {"email": email, "password": PASSWORD})
    assert first.headers["Location"].endswith("/sign-in/code")
    assert c.get("/profile").status_code == 302  # not signed in yet: the password alone is not enough
    wrong = c.submit("/sign-in/code", {"code": "000000"})
    assert wrong.status_code == 200 and "The code is not correct" in wrong.get_data(as_text=True)
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.summary == f"Wrong two-factor code for {email}")).one()
    ok = c.submit("/sign-in/code", {"code": code_at(secret, clock, 1)})
    assert ok.status_code == 302 and ok.headers["Location"] == "/profile"
    assert c.get("/profile").status_code == 200
    assert user(email).last_login_at is not None


def test_a_code_works_once(login_as, make_client, world, clock):
    email = world.users.ulr_a1.email
    secret, _ = enrol(login_as("ulr_a1"), clock)
    code = code_at(secret, clock, 1)
    assert sign_in_with_code(make_client(), email, code).status_code == 302
    again = sign_in_with_code(make_client(), email, code)  # someone who saw it over a shoulder
    assert again.status_code == 200 and "The code is not correct" in again.get_data(as_text=True)
    # nor an earlier one; the next step's code works
    assert sign_in_with_code(make_client(), email, code_at(secret, clock, 0)).status_code == 200
    clock.advance(30)
    assert sign_in_with_code(make_client(), email, code_at(secret, clock, 1)).status_code == 302


def test_the_same_code_twice_at_once_passes_once(app, world, clock):
    u = world.users.ulr_a1
    secret = two_factor.new_secret()
    two_factor.enable(u, secret, code_at(secret, clock))
    db.session.commit()
    code = code_at(secret, clock, 1)
    first = db.session.get(User, u.id)
    assert two_factor.check_totp(first, code)
    # a second request that read the row before the first one's UPDATE: the conditional UPDATE refuses it
    first.totp_last_step = None
    from sqlalchemy.orm.attributes import set_committed_value

    set_committed_value(first, "totp_last_step", None)
    assert not two_factor.check_totp(first, code)


def test_a_recovery_code_signs_in_once(login_as, make_client, world, clock):
    email = world.users.ulr_a1.email
    _secret, codes = enrol(login_as("ulr_a1"), clock)
    c = make_client()
    response = sign_in_with_code(c, email, codes[3].upper().replace("-", " "))
    assert response.status_code == 302
    assert "You have 9 left" in c.get("/").get_data(as_text=True)
    assert sign_in_with_code(make_client(), email, codes[3]).status_code == 200  # used up
    assert sign_in_with_code(make_client(), email, codes[4]).status_code == 302
    assert two_factor.recovery_codes_left(user(email)) == 8


def test_wrong_codes_count_against_the_sign_in_limit(app, login_as, make_client, world, clock):
    email = world.users.ulr_a1.email
    _secret, _ = enrol(login_as("ulr_a1"), clock)
    c = make_client()
    c.submit("/sign-in", {"email": email, "password": PASSWORD})
    limit = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    for _ in range(limit):
        assert c.submit("/sign-in/code", {"code": "000000"}, page="/sign-in/code").status_code == 200
    assert c.submit("/sign-in/code", {"code": "000000"}, page="/sign-in/code").status_code == 429
    # locked: even the right code (or the right password) does not get in now
    again = make_client()
    assert again.submit("/sign-in", {"email": email, "password": PASSWORD}).status_code == 429
    assert again.get("/profile").status_code == 302


def test_the_code_step_expires(login_as, make_client, world, clock, monkeypatch):
    from ulr_app.accounts import views

    email = world.users.ulr_a1.email
    enrol(login_as("ulr_a1"), clock)
    c = make_client()
    c.submit("/sign-in", {"email": email, "password": PASSWORD})
    monkeypatch.setattr(views, "PENDING_SECONDS", -1)
    page = c.get("/sign-in/code")
    assert page.status_code == 200 and "Sign in again" in page.get_data(as_text=True)


def test_required_roles_are_sent_to_set_up_after_the_password(required, make_client, world, clock):
    c = make_client()
    response = c.login(world.users.convenor_a1.email)
    assert response.headers["Location"].endswith("/profile/two-factor/set-up")
    for url in ("/", "/learners", "/profile", "/cases"):
        blocked = c.get(url)
        assert blocked.status_code == 302 and blocked.headers["Location"].endswith("/profile/two-factor/set-up"), url
    _secret, codes = enrol(c, clock)
    assert len(codes) == 10
    assert c.get("/learners").status_code == 200
    # a ULR is not made to
    ulr = make_client()
    assert not ulr.login(world.users.ulr_a1.email).headers["Location"].endswith("/set-up")
    assert ulr.get("/learners").status_code == 200


def test_a_setting_requires_it_for_everyone(app, monkeypatch, make_client, world):
    monkeypatch.setitem(app.config, "TWO_FACTOR_FOR_ALL", True)
    c = make_client()
    assert c.login(world.users.ulr_a1.email).headers["Location"].endswith("/profile/two-factor/set-up")
    assert c.get("/learners").headers["Location"].endswith("/profile/two-factor/set-up")


def test_api_tokens_do_not_need_a_second_factor(required, app, world):
    from ulr_app.accounts import services

    _token, secret = services.create_token(world.users.convenor_a1, "spreadsheet")
    db.session.commit()
    response = app.test_client().get("/api/v1/learners", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_required_roles_cannot_turn_it_off_but_ulrs_can(required, make_client, login_as, world, clock):
    c = make_client()
    c.login(world.users.convenor_a1.email)
    enrol(c, clock)
    page = c.get("/profile/two-factor").get_data(as_text=True)
    assert "Turn off two-factor sign-in" not in page and "cannot be turned off" in page
    c.submit("/profile/two-factor/turn-off", page="/profile/two-factor")
    assert user(world.users.convenor_a1.email).has_two_factor
    u = login_as("ulr_a1")
    enrol(u, clock)
    response = u.submit("/profile/two-factor/turn-off", page="/profile/two-factor")
    assert response.status_code == 302
    assert not user(world.users.ulr_a1.email).has_two_factor
    assert db.session.scalar(select(db.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == world.users.ulr_a1.id)) == 0


def test_new_recovery_codes_replace_the_old_ones(login_as, make_client, world, clock):
    c = login_as("ulr_a1")
    _secret, old = enrol(c, clock)
    page = c.submit("/profile/two-factor/recovery-codes", page="/profile/two-factor").get_data(as_text=True)
    new = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    assert sign_in_with_code(make_client(), world.users.ulr_a1.email, old[0]).status_code == 200
    assert sign_in_with_code(make_client(), world.users.ulr_a1.email, new[0]).status_code == 302


# --- confirming who you are -------------------------------------------------------------

def _forget_confirmation(c) -> None:
    with c.c.session_transaction() as s:
        s["confirmed_at"] = (datetime.now(timezone.utc) - timedelta(minutes=16)).timestamp()


def test_changing_password_email_or_second_factor_needs_a_recent_confirmation(login_as, world, clock):
    c = login_as("ulr_a1")
    secret, _ = enrol(c, clock)  # straight after signing in: no need to confirm again
    _forget_confirmation(c)
    for url, data in (("/profile/password", {"current_password": PASSWORD, "new_password": "a brand new passphrase"}),
                      ("/profile/email", {"email": "new.address@example.org"}),
                      ("/profile/two-factor/turn-off", {}), ("/profile/two-factor/recovery-codes", {})):
        response = c.submit(url, data, page="/profile")
        assert response.status_code == 302 and "/profile/confirm" in response.headers["Location"], url
    assert c.get("/profile/two-factor/set-up").headers["Location"].startswith("/profile/confirm")
    u = user(world.users.ulr_a1.email)
    assert u.email == "ulr.barnet@example.org" and u.has_two_factor
    # the password alone is not enough for someone with a second factor; a wrong one changes nothing
    url = "/profile/confirm?next=/profile"
    for data, message in (({"password": "wrong password!"}, "Your password is not correct"),
                          ({"password": PASSWORD}, "Enter the 6-digit code"),
                          ({"password": PASSWORD, "code": "000000"}, "The code is not correct")):
        response = c.submit(url, data)
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert c.submit("/profile/email", {"email": "new.address@example.org"}, page="/profile").status_code == 302
    assert user("ulr.barnet@example.org")
    response = c.submit(url, {"password": PASSWORD, "code": code_at(secret, clock, 1)})
    assert response.status_code == 302 and response.headers["Location"] == "/profile"
    response = c.submit("/profile/email", {"email": "New.Address@Example.org"}, page="/profile")
    assert response.status_code == 302
    assert user("new.address@example.org").id == world.users.ulr_a1.id


def test_changing_email_bad_input_changes_nothing(login_as, world):
    c = login_as("ulr_a1")
    for typed, message in (("not an address", "E-mail address: Enter an e-mail address in the correct format"),
                           (world.users.convenor_a1.email, "A user with this e-mail address already exists"),
                           ("", "Enter your new e-mail address")):
        response = c.submit("/profile/email", {"email": typed}, page="/profile")
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and message.split(": ")[-1] in page, typed
    assert user(world.users.ulr_a1.email).version == world.users.ulr_a1.version


def test_confirming_counts_wrong_passwords(app, login_as, world):
    c = login_as("ulr_a1")
    limit = int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    statuses = [c.submit("/profile/confirm", {"password": "wrong password!"}).status_code for _ in range(limit + 1)]
    assert statuses[:limit] == [400] * limit and statuses[-1] == 429


# --- an administrator resets it ---------------------------------------------------------

def test_an_administrator_resets_a_lost_second_factor(required, make_client, login_as, world, clock):
    c = make_client()
    c.login(world.users.convenor_a1.email)
    enrol(c, clock)
    admin = make_client()
    admin.login(world.users.admin.email)  # the admin, too, must set it up first
    enrol(admin, clock)
    uid = world.users.convenor_a1.id
    page = admin.get(f"/admin/users/{uid}").get_data(as_text=True)
    assert "Reset two-factor sign-in" in page and "On since" in page
    confirm = admin.get(f"/admin/users/{uid}/reset-two-factor").get_data(as_text=True)
    assert "will set it up again when they next sign in" in confirm
    response = admin.submit(f"/admin/users/{uid}/reset-two-factor")
    assert response.status_code == 302
    u = user(world.users.convenor_a1.email)
    assert not u.has_two_factor and u.totp_secret is None and u.totp_last_step is None
    assert db.session.scalar(select(db.func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == uid)) == 0
    assert db.session.scalar(select(db.func.count()).select_from(UserSession).where(
        UserSession.user_id == uid, UserSession.revoked_at.is_(None))) == 0
    assert c.get("/learners").status_code == 302  # signed out at once
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.summary.like("Two-factor sign-in of%reset by%"))).one()
    assert entry.object_id == uid and entry.actor_id == world.users.admin.id
    # next sign-in: the password, then set-up again
    again = make_client()
    assert again.login(world.users.convenor_a1.email).headers["Location"].endswith("/profile/two-factor/set-up")

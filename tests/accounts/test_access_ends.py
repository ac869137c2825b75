"""API tokens expire and show their last use; access ends when a role ends (issue 14 item 5): a
disabled user's tokens stop at once, and a convenor moved to another branch loses the old one's
records at once, on the pages and through the API."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tests.learners.helpers import learner
from ulr_app.accounts import services
from ulr_app.accounts.models import ApiToken, User
from ulr_app.core.models import utcnow
from ulr_app.extensions import db


def _api(app, secret, url="/api/v1/learners"):
    with app.app_context():  # its own context and database session, as each request has in production
        return app.test_client().get(url, headers={"Authorization": f"Bearer {secret}"})


def _token(u, name="spreadsheet"):
    token, secret = services.create_token(u, name)
    db.session.commit()
    return token, secret


def test_a_token_expires_after_the_configured_days(app, monkeypatch, world, login_as):
    monkeypatch.setitem(app.config, "API_TOKEN_DAYS", 30)
    token, secret = _token(world.users.convenor_a1)
    assert timedelta(days=29, hours=23) < token.expires_at - utcnow() <= timedelta(days=30)
    assert _api(app, secret).status_code == 200
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = _api(app, secret)
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorised"
    page = login_as("convenor_a1").get("/profile").get_data(as_text=True)
    assert "Expired" in page and "Expires" in page


def test_the_default_is_a_year(app, world):
    token, _ = _token(world.users.convenor_a1)
    assert timedelta(days=364) < token.expires_at - utcnow() <= timedelta(days=365)


def test_last_use_is_written_at_most_once_a_minute_without_bumping_versions(app, world, login_as, count_queries):
    u = world.users.convenor_a1
    token, secret = _token(u)
    version = db.session.get(User, u.id).version
    assert _api(app, secret).status_code == 200
    db.session.expire_all()
    first = db.session.get(ApiToken, token.id).last_used_at
    assert first is not None
    assert _api(app, secret).status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at == first  # within the minute: not written again
    earlier = first - timedelta(minutes=2)
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=earlier))
    db.session.commit()
    assert _api(app, secret).status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at > earlier
    assert db.session.get(User, u.id).version == version
    page = login_as("convenor_a1").get("/profile").get_data(as_text=True)
    assert "Never" not in page.split("spreadsheet", 1)[1].split("</tr>")[0]  # the last use is shown


def test_a_disabled_users_tokens_stop_at_once(app, world, login_as):
    u = world.users.convenor_a1
    token, secret = _token(u)
    _other, other_secret = _token(u, "second")
    assert _api(app, secret).status_code == 200
    admin = login_as("admin")
    assert admin.submit(f"/admin/users/{u.id}/disable").status_code == 302
    assert _api(app, secret).status_code == 401
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    # even a token the disabling did not revoke (say, written at the same moment) is refused: the check
    # is on the user, on every request
    db.session.execute(update(ApiToken).where(ApiToken.user_id == u.id).values(revoked_at=None))
    db.session.commit()
    assert _api(app, other_secret).status_code == 401


def test_a_convenor_moved_to_another_branch_loses_the_old_one_at_once(app, world, login_as):
    u = world.users.convenor_a1
    old = learner(world, "a1", name="Old Branch Learner")
    new = learner(world, "a2", name="New Branch Learner", workplace="school_a2")
    _token_row, secret = _token(u)
    convenor = login_as("convenor_a1")
    assert convenor.get(f"/learners/{old.id}").status_code == 200
    assert _api(app, secret, f"/api/v1/learners/{old.id}").status_code == 200
    admin = login_as("admin")
    page = admin.get(f"/admin/users/{u.id}/edit").get_data(as_text=True)
    version = page.split('name="version" value="')[1].split('"')[0]
    response = admin.submit(f"/admin/users/{u.id}/edit", {
        "name": u.name, "email": u.email, "role": "branch_convenor", "branch_id": world.branches.a2.id,
        "active": "y", "version": version}, page=f"/admin/users/{u.id}/edit")
    assert response.status_code == 302
    # the API token now acts for the new branch only
    assert _api(app, secret, f"/api/v1/learners/{old.id}").status_code == 404
    assert _api(app, secret, f"/api/v1/learners/{new.id}").status_code == 200
    assert old.id not in {item["id"] for item in _api(app, secret).json["items"]}
    # the old session ended (its scope changed); a new one sees only the new branch
    assert convenor.get(f"/learners/{old.id}").status_code == 302
    again = login_as("convenor_a1")
    assert again.get(f"/learners/{old.id}").status_code == 404
    assert again.get(f"/learners/{new.id}").status_code == 200
    assert "Old Branch Learner" not in again.get("/learners").get_data(as_text=True)

"""Bearer-token authentication: the only way in, for the request only, never the cookie session."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from ulr_app.accounts import services as account_services
from ulr_app.accounts.models import ApiToken
from ulr_app.extensions import db

from .helpers import Api, assert_error, fresh, new_token


def assert_unauthorised(response, *, cookie_sent: bool = False):
    assert_error(response, 401, "unauthorised")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    if not cookie_sent:  # (Flask re-sends a permanent session cookie it received, unchanged)
        assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path", ["/regions", "/employers", "/users", "/workplaces/1", "/branches/1"])
def test_no_token_is_401(anonymous, world, path):
    assert_unauthorised(anonymous.get(path))


def test_no_token_on_writes_is_401_not_a_csrf_error(anonymous, world):
    """The API is CSRF-exempt because it never trusts cookies: no token, no entry."""
    assert_unauthorised(anonymous.post("/branches", json={"name": "X", "region_id": world.regions.a.id}))
    assert_unauthorised(anonymous.patch(f"/employers/{world.employers.a1.id}", json={"version": 1, "name": "X"}))


def test_unknown_api_path_without_token_is_401(anonymous, world):
    assert_unauthorised(anonymous.get("/no-such-thing"))


@pytest.mark.parametrize("header", [
    "Bearer not-a-real-token",
    "Bearer ",
    "Bearer",
    "Basic YWRtaW46cGFzc3dvcmQ=",
    "Token ulr_abc",
    "Bearer " + "x" * 5000,
])
def test_bad_token_is_401(client, world, header):
    response = client.get("/api/v1/regions", headers={"Authorization": header})
    assert_unauthorised(response)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_good_token_works_and_sets_no_cookie(api_as, world):
    api = api_as("organiser_a")
    response = api.get("/regions")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_scheme_is_case_insensitive(client, world):
    secret = new_token(world.users.admin)
    assert client.get("/api/v1/regions", headers={"Authorization": f"bearer {secret}"}).status_code == 200


def test_last_used_is_recorded(api_as, world):
    api = api_as("admin")
    assert api.get("/regions").status_code == 200
    fresh()
    token = db.session.scalars(select(ApiToken).where(ApiToken.user_id == world.users.admin.id)).one()
    assert token.last_used_at is not None


def test_revoked_token_is_401(make_client, world):
    token, secret = account_services.create_token(world.users.admin, "soon revoked")
    db.session.commit()
    api = Api(make_client(), secret)
    assert api.get("/regions").status_code == 200
    account_services.revoke_token(db.session.get(ApiToken, token.id))
    db.session.commit()
    assert_unauthorised(api.get("/regions"))


def test_disabled_users_token_is_401(make_client, world):
    """Even a token that somehow escaped revocation stops working when its user is disabled."""
    secret = new_token(world.users.convenor_a1)
    api = Api(make_client(), secret)
    assert api.get("/employers").status_code == 200
    fresh()
    db.session.get(type(world.users.convenor_a1), world.users.convenor_a1.id).active = False
    db.session.commit()
    assert_unauthorised(api.get("/employers"))


def test_disabling_through_the_api_revokes_the_users_tokens(api_as, make_client, world):
    victim = Api(make_client(), new_token(world.users.ulr_a1))
    assert victim.get("/regions").status_code == 200
    admin = api_as("admin")
    user = admin.get(f"/users/{world.users.ulr_a1.id}").json
    assert admin.patch(f"/users/{user['id']}", json={"version": user["version"], "active": False}).status_code == 200
    assert_unauthorised(victim.get("/regions"))
    fresh()
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == world.users.ulr_a1.id)).all()
    assert tokens and all(t.revoked_at is not None for t in tokens)


def test_token_from_the_command_line_works(runner, make_client, world):
    result = runner.invoke(args=["users", "token", world.users.organiser_b.email])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("ulr_")
    api = Api(make_client(), secret)
    response = api.get("/regions")
    assert response.status_code == 200
    assert [r["id"] for r in response.json["items"]] == [world.regions.b.id]


def test_a_signed_in_browser_session_is_not_enough(login_as, world):
    """A page session cookie alone gets 401 from the API, for reads and writes alike."""
    browser = login_as("admin")
    assert browser.get("/").status_code == 200
    assert_unauthorised(browser.get("/api/v1/regions"), cookie_sent=True)
    assert_unauthorised(browser.post("/api/v1/branches", json={"name": "Sneaky", "region_id": world.regions.a.id}),
                        cookie_sent=True)
    assert browser.get("/").status_code == 200  # and the browser session is untouched


def test_token_user_does_not_leak_into_page_requests(api_as, make_client, world):
    api = api_as("admin")
    assert api.get("/regions").status_code == 200
    # the same browser-less client, and a fresh one, asking for a page: not signed in
    assert api.client.get("/").status_code == 302
    assert make_client().get("/").status_code == 302


def test_openapi_document_is_public(anonymous, world):
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"] == "3.1.0"


def test_the_token_acts_as_its_user_in_the_audit_trail(api_as, world):
    from .helpers import audit_entries

    api = api_as("admin")
    response = api.post("/branches", json={"name": "Enfield", "region_id": world.regions.a.id})
    assert response.status_code == 201, response.json
    entries = audit_entries("branch", response.json["id"], "create")
    assert len(entries) == 1
    assert entries[0].actor_id == world.users.admin.id
    assert entries[0].actor_label == "Ada Admin <admin@example.org>"

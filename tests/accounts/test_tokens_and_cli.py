"""API tokens on the profile page, and the users CLI commands."""
from __future__ import annotations

from sqlalchemy import select

from tests.conftest import PASSWORD
from ulr_app.accounts.models import ApiToken, User
from ulr_app.extensions import db


def test_create_and_revoke_a_token_on_the_profile_page(login_as, world):
    c = login_as("convenor_a1")
    page = c.submit("/profile/tokens", {"name": "branch spreadsheet"}, page="/profile").get_data(as_text=True)
    assert "Copy this token now" in page
    token = db.session.scalars(select(ApiToken)).one()
    assert token.name == "branch spreadsheet" and token.user_id == world.users.convenor_a1.id
    secret = page.split('id="new-token">')[1].split("<")[0]
    assert secret.startswith("ulr_") and token.token_hash != secret
    assert secret not in c.get("/profile").get_data(as_text=True)  # shown once only
    assert c.submit(f"/profile/tokens/{token.id}/revoke", page="/profile").status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None


def test_token_name_is_required(login_as):
    c = login_as("convenor_a1")
    response = c.submit("/profile/tokens", {"name": "  "}, page="/profile")
    assert response.status_code == 400
    assert "Enter a name for the token" in response.get_data(as_text=True)
    assert db.session.scalars(select(ApiToken)).first() is None


def test_users_create_prints_a_password_that_works(runner, world, client):
    result = runner.invoke(args=["users", "create", "--email", "New.Person@Example.org", "--name", "New Person",
                                 "--role", "branch_convenor", "--branch-id", str(world.branches.a2.id)])
    assert result.exit_code == 0, result.output
    password = result.output.split("Password: ")[1].strip()
    user = db.session.scalars(select(User).where(User.email == "new.person@example.org")).one()
    assert user.branch_id == world.branches.a2.id and user.region_id == world.regions.a.id
    client.login("new.person@example.org", password)


def test_users_create_password_from_stdin(runner, world, client):
    result = runner.invoke(args=["users", "create", "--email", "a@example.org", "--name", "A", "--role", "admin",
                                 "--password-stdin"], input="a long enough passphrase\n")
    assert result.exit_code == 0, result.output
    assert "Password:" not in result.output
    client.login("a@example.org", "a long enough passphrase")


def test_users_create_bad_input(runner, world):
    cases = [
        (["--email", "not-an-email", "--name", "X", "--role", "admin"], "correct format"),
        (["--email", world.users.admin.email, "--name", "X", "--role", "admin"], "already exists"),
        (["--email", "b@example.org", "--name", "X", "--role", "regional_organiser"], "region"),
        (["--email", "b@example.org", "--name", "X", "--role", "learning_rep", "--branch-id", "99999"], "branch"),
        (["--email", "b@example.org", "--name", "", "--role", "admin"], "name"),
    ]
    before = db.session.scalar(select(db.func.count()).select_from(User))
    for args, message in cases:
        result = runner.invoke(args=["users", "create", *args])
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, (args, result.output)
    result = runner.invoke(args=["users", "create", "--email", "c@example.org", "--name", "C", "--role", "boss"])
    assert result.exit_code == 2
    result = runner.invoke(args=["users", "create", "--email", "c@example.org", "--name", "C", "--role", "admin",
                                 "--password-stdin"], input="short\n")
    assert result.exit_code == 1 and "12 characters" in result.output
    assert db.session.scalar(select(db.func.count()).select_from(User)) == before


def test_users_token(runner, world):
    result = runner.invoke(args=["users", "token", world.users.organiser_a.email])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert secret.startswith("ulr_")
    token = db.session.scalars(select(ApiToken)).one()
    assert token.user_id == world.users.organiser_a.id and secret not in token.token_hash
    result = runner.invoke(args=["users", "token", "nobody@example.org"])
    assert result.exit_code == 1 and "No user" in result.output


def test_no_default_admin_password(app):
    assert db.session.scalars(select(User)).first() is None


def test_password_is_not_accepted_with_another_users_email(client, world):
    response = client.submit("/sign-in", {"email": world.users.convenor_a2.email, "password": PASSWORD + "x"})
    assert response.status_code == 200 and client.get("/").status_code == 302

"""Administrators manage users through the pages; bad input keeps what was typed."""
from __future__ import annotations

from sqlalchemy import select

from ulr_app.accounts.models import User
from ulr_app.core.audit_models import AuditEntry
from ulr_app.extensions import db


def _count():
    return db.session.scalar(select(db.func.count()).select_from(User))


def test_admin_creates_a_user_and_sees_the_password_once(login_as, world, make_client):
    admin = login_as("admin")
    response = admin.submit("/admin/users/new", {"name": "Sam Patel", "email": "sam.patel@example.org", "role": "learning_rep",
                                                 "branch_id": world.branches.a2.id, "active": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "User added" in page
    password = page.split('id="new-password">')[1].split("<")[0]
    user = db.session.scalars(select(User).where(User.email == "sam.patel@example.org")).one()
    assert user.role == "learning_rep" and user.branch_id == world.branches.a2.id
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "user_account",
                                                        AuditEntry.object_id == user.id)).one()
    assert entry.action == "create" and entry.actor_id == world.users.admin.id
    assert "password_hash" not in (entry.changes or {})
    make_client().login("sam.patel@example.org", password)


def test_user_form_bad_input_keeps_what_was_typed(login_as, world):
    admin = login_as("admin")
    before = _count()
    cases = [
        ({"name": "", "email": "x@example.org", "role": "admin"}, "Enter the person&#39;s name"),
        ({"name": "X", "email": "nope", "role": "admin"}, "correct format"),
        ({"name": "X", "email": world.users.ulr_a1.email, "role": "admin"}, "already exists"),
        ({"name": "X", "email": "x@example.org", "role": ""}, "Choose a role"),
        ({"name": "X", "email": "x@example.org", "role": "regional_organiser"}, "Choose the region"),
        ({"name": "X", "email": "x@example.org", "role": "branch_convenor"}, "Choose the branch"),
        ({"name": "Typed Name", "email": "x@example.org", "role": "learning_rep", "branch_id": "999999"}, "Choose the branch"),
    ]
    for data, message in cases:
        response = admin.submit("/admin/users/new", data)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, data
        assert message in page, (data, message)
        assert "There is a problem" in page
        if data["name"]:
            assert f'value="{data["name"]}"' in page
    assert _count() == before


def test_edit_user_changes_scope_and_audits_the_diff(login_as, world):
    admin = login_as("admin")
    uid = world.users.ulr_a1.id
    page = admin.get(f"/admin/users/{uid}/edit").get_data(as_text=True)
    version = page.split('name="version" value="')[1].split('"')[0]
    response = admin.submit(f"/admin/users/{uid}/edit", {"name": "Renamed Rep", "email": world.users.ulr_a1.email,
                                                         "role": "learning_rep", "branch_id": world.branches.a2.id,
                                                         "active": "y", "version": version}, page=f"/admin/users/{uid}/edit")
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, uid)
    assert user.name == "Renamed Rep" and user.branch_id == world.branches.a2.id
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "update", AuditEntry.object_id == uid)).one()
    assert entry.changes["name"][1] == "Renamed Rep"
    assert entry.changes["branch_id"] == [world.branches.a1.id, world.branches.a2.id]


def test_stale_edit_is_refused_with_409(login_as, world):
    admin = login_as("admin")
    uid = world.users.ulr_a1.id
    response = admin.submit(f"/admin/users/{uid}/edit", {"name": "X", "email": world.users.ulr_a1.email, "role": "learning_rep",
                                                         "branch_id": world.branches.a1.id, "active": "y", "version": "0"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(User, uid).name != "X"


def test_admin_cannot_disable_themselves(login_as, world):
    admin = login_as("admin")
    response = admin.submit(f"/admin/users/{world.users.admin.id}/disable")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, world.users.admin.id).active


def test_disable_asks_for_confirmation_first(login_as, world):
    admin = login_as("admin")
    page = admin.get(f"/admin/users/{world.users.ulr_a1.id}/disable").get_data(as_text=True)
    assert "They will be signed out at once" in page
    db.session.expire_all()
    assert db.session.get(User, world.users.ulr_a1.id).active


def test_reset_password_shows_a_new_one_that_works(login_as, world, make_client):
    admin = login_as("admin")
    victim = login_as("ulr_a1")
    page = admin.submit(f"/admin/users/{world.users.ulr_a1.id}/reset-password").get_data(as_text=True)
    password = page.split('id="new-password">')[1].split("<")[0]
    assert victim.get("/").status_code == 302  # signed out everywhere
    make_client().login(world.users.ulr_a1.email, password)


def test_user_list_search_and_filters(login_as, world):
    admin = login_as("admin")
    page = admin.get("/admin/users?q=barnet").get_data(as_text=True)
    assert "convenor.barnet@example.org" in page and "convenor.camden@example.org" not in page
    page = admin.get("/admin/users?role=regional_organiser").get_data(as_text=True)
    assert "organiser.london@example.org" in page and "convenor.barnet@example.org" not in page
    page = admin.get("/admin/users?q=zzzz").get_data(as_text=True)
    assert "No users match your search" in page


def test_audit_log_lists_and_filters(login_as, world):
    admin = login_as("admin")
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "Created branch Barnet" in page
    page = admin.get("/admin/audit?action=sign_in").get_data(as_text=True)
    assert "signed in" in page and "Created branch Barnet" not in page
    page = admin.get("/admin/audit?object_type=branch").get_data(as_text=True)
    assert "Created branch Barnet" in page and "Created employer" not in page
    response = admin.get("/admin/audit?from=yesterday")
    assert response.status_code == 200 and "Enter a real date, like 31 3 2026" in response.get_data(as_text=True)
    page = admin.get("/admin/audit?from=2000-01-01&to=2000-01-02").get_data(as_text=True)
    assert "Nothing in the audit log matches" in page
    # dates are typed the house way (the ISO dates of older links still work); no YYYY-MM-DD shown
    page = admin.get("/admin/audit?from=1 1 2000&to=2 January 2000").get_data(as_text=True)
    assert "Nothing in the audit log matches" in page and "YYYY" not in page and "For example, 31 3 2026" in page
    assert "Enter a real date, like 31 3 2026" in admin.get("/admin/audit?to=31 2 2026").get_data(as_text=True)

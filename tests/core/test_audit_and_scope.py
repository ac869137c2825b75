"""The audit trail masks special-category data; visible() is the one scope path."""
from __future__ import annotations

from sqlalchemy import select

from ulr_app.core import audit
from ulr_app.core.permissions import visible
from ulr_app.extensions import db
from ulr_app.organisation.models import Branch, Employer, Region, Workplace


class _Fake:
    __tablename__ = "fake"
    __special_category__ = frozenset({"ethnicity"})
    __secret_fields__ = frozenset({"password_hash"})


def test_special_category_values_are_masked_and_secrets_hidden():
    out = audit.masked_changes(_Fake, {"ethnicity": ("White British", "Black Caribbean"),
                                       "password_hash": ("a", "b"), "name": ("A", "B")})
    assert out["ethnicity"] == audit.MASK
    assert "White British" not in str(out) and "Black Caribbean" not in str(out)
    assert out["password_hash"] == "[changed]"
    assert out["name"] == ["A", "B"]


def test_apply_changes_returns_only_real_changes(world):
    branch = db.session.get(Branch, world.branches.a1.id)
    assert audit.apply_changes(branch, {"name": "Barnet"}, ["name"]) == {}
    assert audit.apply_changes(branch, {"name": "Barnet Local Government"}, ["name"]) == {"name": ("Barnet", "Barnet Local Government")}
    db.session.rollback()


def test_change_and_audit_entry_are_in_one_transaction(world):
    from ulr_app.core.audit_models import AuditEntry
    from ulr_app.organisation import services

    before = db.session.scalar(select(db.func.count()).select_from(AuditEntry))
    services.update_branch(db.session.get(Branch, world.branches.a1.id), {"name": "Changed"})
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)) == before
    assert db.session.get(Branch, world.branches.a1.id).name == "Barnet"


def _ids(model, user):
    return set(db.session.scalars(visible(select(model.id), user)))


def test_visible_scopes_each_role(world):
    u, w = world.users, world
    assert _ids(Region, u.organiser_a) == {w.regions.a.id}
    assert _ids(Branch, u.organiser_a) == {w.branches.a1.id, w.branches.a2.id}
    assert _ids(Branch, u.convenor_a1) == {w.branches.a1.id}
    assert _ids(Employer, u.convenor_a1) == {w.employers.a1.id}
    assert _ids(Employer, u.organiser_b) == {w.employers.b1.id}
    assert _ids(Workplace, u.ulr_a1) == {w.workplaces.school_a1.id, w.workplaces.service_a1.id}
    assert _ids(Workplace, u.admin) >= {w.workplaces.school_b1.id, w.workplaces.school_a2.id}


def test_visible_sees_nothing_for_unknown_models_and_anonymous(world):
    from flask_login import AnonymousUserMixin

    from ulr_app.core.audit_models import AuditEntry

    assert _ids(AuditEntry, world.users.convenor_a1) == set()
    assert _ids(Branch, AnonymousUserMixin()) == set()

"""Test data built through the real services (so the audit trail is exercised too)."""
from __future__ import annotations

from types import SimpleNamespace

from flask import g
from sqlalchemy import select

from ulr_app.accounts import services as account_services
from ulr_app.extensions import db
from ulr_app.organisation import services as org
from ulr_app.organisation.models import Region

PASSWORD = "correct horse battery staple"


def region(code: str) -> Region:
    return db.session.scalars(select(Region).where(Region.code == code)).one()


def user(email: str, role: str, *, region_id=None, branch_id=None, name=None, active=True):
    u = account_services.create_user(
        {"email": email, "name": name or email.split("@")[0].replace(".", " ").title(), "role": role,
         "region_id": region_id, "branch_id": branch_id, "active": active},
        password=PASSWORD,
    )
    return u


def build_world() -> SimpleNamespace:
    """Two regions; region A has branches A1 and A2, region B has B1.

    Each branch deals with one council with a school and (A1) a service. Users: an admin, an
    organiser per region, a convenor and a ULR in A1, a convenor in A2 and B1.
    """
    g.audit_actor_label = "test set-up"
    ra, rb = region("greater_london"), region("northern")
    a1 = org.create_branch({"name": "Barnet", "region_id": ra.id})
    a2 = org.create_branch({"name": "Camden", "region_id": ra.id})
    b1 = org.create_branch({"name": "Newcastle City", "region_id": rb.id})
    ea1 = org.create_employer({"name": "London Borough of Barnet", "kind": "local_authority", "la_code": "302"}, branch=a1)
    ea2 = org.create_employer({"name": "London Borough of Camden", "kind": "local_authority", "la_code": "202"}, branch=a2)
    eb1 = org.create_employer({"name": "Newcastle upon Tyne City Council", "kind": "local_authority", "la_code": "391"}, branch=b1)
    school_a1 = org.create_workplace({"employer_id": ea1.id, "name": "Brunswick Park Primary School", "kind": "school",
                                      "urn": 101309, "establishment_type": "Community school", "phase": "Primary"})
    service_a1 = org.create_workplace({"employer_id": ea1.id, "name": "Barnet Housing", "kind": "service", "service": "Housing"})
    school_a2 = org.create_workplace({"employer_id": ea2.id, "name": "Argyle Primary School", "kind": "school",
                                      "urn": 100008, "establishment_type": "Community school", "phase": "Primary"})
    school_b1 = org.create_workplace({"employer_id": eb1.id, "name": "Atkinson Road Primary Academy", "kind": "school",
                                      "urn": 108495, "establishment_type": "Academy converter", "phase": "Primary"})
    users = SimpleNamespace(
        admin=user("admin@example.org", "admin", name="Ada Admin"),
        organiser_a=user("organiser.london@example.org", "regional_organiser", region_id=ra.id),
        organiser_b=user("organiser.northern@example.org", "regional_organiser", region_id=rb.id),
        convenor_a1=user("convenor.barnet@example.org", "branch_convenor", branch_id=a1.id),
        convenor_a2=user("convenor.camden@example.org", "branch_convenor", branch_id=a2.id),
        convenor_b1=user("convenor.newcastle@example.org", "branch_convenor", branch_id=b1.id),
        ulr_a1=user("ulr.barnet@example.org", "learning_rep", branch_id=a1.id),
        ulr_b1=user("ulr.newcastle@example.org", "learning_rep", branch_id=b1.id),
    )
    db.session.commit()
    return SimpleNamespace(
        regions=SimpleNamespace(a=ra, b=rb),
        branches=SimpleNamespace(a1=a1, a2=a2, b1=b1),
        employers=SimpleNamespace(a1=ea1, a2=ea2, b1=eb1),
        workplaces=SimpleNamespace(school_a1=school_a1, service_a1=service_a1, school_a2=school_a2, school_b1=school_b1),
        users=users,
    )

"""Shared set-up for the funding tests: projects in the world's regions."""
from __future__ import annotations

from itertools import count

from flask import g

from ulr_app.extensions import db
from ulr_app.funding import services

_numbers = count(1)


def project(world, programmes, *, branch=None, region=None, starts_on="2026-04-01", ends_on="2027-03-31",
            programme="ulf", user=None, **extra):
    """A committed project (by default: ULF, branch-less in region A, FY2026 Q1 to Q4)."""
    g.audit_actor_label = "test set-up"
    region = region or (branch.region if branch is not None else world.regions.a)
    if user is None:
        user = world.users.organiser_a if region.id == world.regions.a.id else world.users.organiser_b
    p = services.create_project({"programme_id": programmes[programme].id, "name": f"Project {next(_numbers)}",
                                 "branch_id": branch.id if branch is not None else None, "starts_on": starts_on,
                                 "ends_on": ends_on, **extra}, user=user)
    db.session.commit()
    return p

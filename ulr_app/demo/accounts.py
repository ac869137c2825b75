"""Demo data: the users and their logins.

An administrator, an organiser for each region, a convenor and two ULRs for each branch:
believable people with example.org e-mails, drawn from the seed. Passwords are the one thing NOT
drawn from the seed: they come from ``secrets`` on every build, so nobody can work them out from
the code (there is no default password). Demo data is for development, demonstrations and
benchmarks, never a live instance.
"""
from __future__ import annotations

import os
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional

from flask import current_app
from sqlalchemy import func, select

from ..accounts import services as account_services
from ..accounts.models import User
from ..accounts.passwords import hash_password, password_problems
from ..core.errors import ServiceError
from ..core.models import utcnow
from ..extensions import db
from ..organisation.models import Branch, Employer, Workplace
from .world import FIRST_NAMES, SURNAMES, BranchPlan, DemoWorld, Plan, UserPlan, _rng

ULRS_PER_BRANCH = 2
PASSWORD_WORDS = (
    "anchor", "apron", "atlas", "badge", "banner", "basil", "beacon", "birch", "bramble", "bridge",
    "brook", "cable", "canal", "candle", "canvas", "castle", "cedar", "chalk", "cider", "clover",
    "cobalt", "comet", "copper", "coral", "cotton", "crane", "crystal", "daisy", "delta", "ember",
    "falcon", "fern", "fiddle", "flint", "forest", "fossil", "garnet", "ginger", "glacier", "granite",
    "harbour", "hazel", "heron", "holly", "island", "ivory", "jasper", "juniper", "kettle", "lantern",
    "larch", "lemon", "linen", "maple", "marble", "meadow", "mirror", "moss", "nectar", "nutmeg",
    "oak", "orbit", "orchard", "otter", "paddle", "pebble", "pepper", "pilot", "pine", "plum",
    "quartz", "quill", "raven", "ribbon", "river", "robin", "saffron", "sage", "sail", "signal",
    "silver", "sparrow", "spruce", "storm", "summit", "thistle", "thunder", "timber", "tulip", "velvet",
    "violet", "walnut", "willow", "winter", "wren", "yarrow",
)


# --- the plan ---------------------------------------------------------------------------

class _People:
    """Unique, believable people with example.org e-mails (seeded) and passwords (not seeded)."""

    def __init__(self, seed: int):
        self.names = _rng(seed, "people")
        self.passwords = secrets.SystemRandom()
        self.taken: set[str] = set()

    def _password(self, email: str) -> str:
        while True:
            password = "-".join(self.passwords.choice(PASSWORD_WORDS) for _ in range(4))
            if not password_problems(password, email=email):
                return password

    def make(self, role: str, *, region_code=None, branch_key=None) -> UserPlan:
        while True:
            name = f"{self.names.choice(FIRST_NAMES)} {self.names.choice(SURNAMES)}"
            email = re.sub(r"[^a-z.]", "", name.lower().replace(" ", ".")) + "@example.org"
            if email not in self.taken:
                break
        self.taken.add(email)
        return UserPlan(role, name, email, self._password(email), region_code, branch_key)


def plan_users(seed: int, branches: list[BranchPlan]) -> list[UserPlan]:
    """The demo logins: an administrator, an organiser for each region, a convenor and
    :data:`ULRS_PER_BRANCH` ULRs for each branch (people from the seed, passwords from ``secrets``)."""
    region_codes = list(dict.fromkeys(b.region_code for b in branches))
    people = _People(seed)
    users = [people.make("admin")]
    users += [people.make("regional_organiser", region_code=code) for code in region_codes]
    users += [people.make("branch_convenor", branch_key=b.key) for b in branches]
    users += [people.make("learning_rep", branch_key=b.key) for b in branches for _ in range(ULRS_PER_BRANCH)]
    return users


# --- writing the plan -------------------------------------------------------------------

def check_empty(plan: Plan) -> None:
    """Demo data goes into a database without an organisation and without the demo users."""
    for model, what in ((Branch, "branches"), (Employer, "employers"), (Workplace, "workplaces")):
        if db.session.scalar(select(func.count()).select_from(model)):
            raise ServiceError(f"The database already has {what}: demo data can only be loaded into an "
                               "empty database (use --if-empty to skip it quietly).")
    emails = [u.email for u in plan.users]
    taken = set()
    for start in range(0, len(emails), 500):
        taken.update(db.session.scalars(select(User.email).where(func.lower(User.email).in_(emails[start:start + 500]))))
    if taken:
        raise ServiceError(f"Demo users already exist: {', '.join(sorted(taken)[:5])}")


def _hash_all(passwords: list[str]) -> list[str]:
    """argon2 hashes, a few at a time (argon2 releases the GIL): ~470 users at national scale."""
    app = current_app._get_current_object()

    def one(password: str) -> str:
        with app.app_context():
            return hash_password(password)

    if len(passwords) < 8:
        return [hash_password(p) for p in passwords]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(one, passwords))


def apply_accounts(plan: Plan, world: DemoWorld, known: Optional[dict[str, str]] = None) -> None:
    """The users, each with the hash of their password (argon2, a few at a time; a password in
    ``known`` is not hashed again)."""
    known = known or {}
    missing = [u.password for u in plan.users if u.password not in known]
    fresh = iter(_hash_all(missing))
    hashes = [known[u.password] if u.password in known else next(fresh) for u in plan.users]
    for u, password_hash in zip(plan.users, hashes):
        user = account_services.create_user({
            "email": u.email, "name": u.name, "role": u.role,
            "region_id": world.regions[u.region_code].id if u.region_code else None,
            "branch_id": world.branches[u.branch_key].id if u.branch_key else None,
        })
        user.password_hash, user.password_changed_at = password_hash, utcnow()
        world.users[u.email] = user
    db.session.flush()


def _convenors(world: "DemoWorld") -> dict[int, Any]:
    out: dict[int, Any] = {}
    for user in world.users.values():
        if user.role == "branch_convenor" and user.branch_id is not None:
            out.setdefault(user.branch_id, user)
    return out

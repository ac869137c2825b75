"""Demo data: the ULRs.

Three ULRs per branch, in every status on the build date (:data:`PROFILE_STATUS`): the branch's
two demo ULR logins and one person without a login; a minority based in schools ("Time to
train": almost none are). Dated from the build date, so every status, the training-deadline
warning and the reminders show on the day the demo is built.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Optional

from ..extensions import db
from ..reps import rules as rep_rules
from ..reps import services as rep_services
from .organisation import _council_workplaces, _workplace_ids
from .world import (FIRST_NAMES, SURNAMES, BranchPlan, DemoWorld, UserPlan, WorkplacePlan, WorkplaceRef, _ref,
                    _rng)

#: each branch's ULRs, by branch in turn: (a demo login or an extra person, profile, where they are based).
#: "Time to train": almost no ULRs are based in schools, so only a minority here are.
REP_PATTERNS = (
    (("login", "active_trained", "service"), ("login", "training_due_warning", "service"),
     ("extra", "active_completed", "school")),
    (("login", "active_completed", "service"), ("login", "training_due", "service"), ("extra", "stood_down", "service")),
    (("login", "active_trained", "service"), ("login", "active_completed", "service"), ("extra", "lapsed", "school")),
    (("login", "training_due", "service"), ("login", "active_trained", "service"), ("extra", "appointed", "service")),
)
PROFILE_STATUS = {"active_trained": "active", "active_completed": "active", "training_due": "training_due",
                  "training_due_warning": "training_due", "lapsed": "lapsed", "appointed": "appointed",
                  "stood_down": "stood_down"}
ULR_COURSE = "ULR stage 1: the role of the union learning rep (UNISON)"


@dataclass(frozen=True)
class RepPlan:
    """A ULR appointment as the branch recorded it (dates as YYYY-MM-DD, relative to the build date)."""

    key: str
    branch_key: str
    employer_key: str
    workplace: WorkplaceRef
    name: str
    email: Optional[str]
    #: the demo login that is this ULR (None: no login)
    user_email: Optional[str]
    #: the status on the build date (what the dates were chosen to give)
    status: str
    school_based: bool
    #: create_rep's dates and training fields, as (name, value) pairs
    values: tuple[tuple[str, Any], ...]

    def field(self, name: str) -> Any:
        return dict(self.values).get(name)


def _rep_dates(profile: str, today: date, rng: random.Random) -> dict[str, Optional[date]]:
    """The dates that give ``profile`` its status on ``today`` (checked against the rules)."""
    ago = lambda n: today - timedelta(days=n)  # noqa: E731
    later = lambda d, n: d + timedelta(days=n)  # noqa: E731
    if profile == "active_trained":  # trained before appointment (an approved course or experience)
        appointed = ago(rng.randint(500, 900))
        return {"appointed_on": appointed, "notice_given_on": later(appointed, 3), "training_route": "already_trained",
                "trained_on": ago((today - appointed).days + rng.randint(200, 700)),
                "training_completion_notified_on": later(appointed, 3)}
    if profile == "active_completed":  # trained within the six months, and the employer told
        appointed = ago(rng.randint(250, 700))
        notice = later(appointed, 5)
        trained = later(notice, rng.randint(50, 150))
        return {"appointed_on": appointed, "notice_given_on": notice, "will_train_notice_on": notice,
                "trained_on": trained, "training_completion_notified_on": later(trained, rng.randint(3, 10))}
    if profile == "training_due":
        appointed = ago(rng.randint(40, 90))
        notice = later(appointed, rng.randint(2, 6))
        return {"appointed_on": appointed, "notice_given_on": notice, "will_train_notice_on": notice}
    if profile == "training_due_warning":  # the training deadline falls within a month of today
        target = later(today, rng.randint(10, 24))
        back = 150
        while rep_rules.training_deadline(ago(back)) > target:
            back += 1
        notice = ago(back)
        return {"appointed_on": ago(back + rng.randint(1, 5)), "notice_given_on": notice, "will_train_notice_on": notice}
    if profile == "lapsed":  # the six months passed without training
        appointed = ago(rng.randint(300, 420))
        notice = later(appointed, 5)
        return {"appointed_on": appointed, "notice_given_on": notice, "will_train_notice_on": notice}
    if profile == "appointed":  # the union has not told the employer yet
        return {"appointed_on": ago(rng.randint(5, 20))}
    if profile == "stood_down":
        appointed = ago(rng.randint(800, 1100))
        return {"appointed_on": appointed, "notice_given_on": later(appointed, 3), "training_route": "already_trained",
                "trained_on": ago((today - appointed).days + 100), "training_completion_notified_on": later(appointed, 3),
                "stood_down_on": ago(rng.randint(60, 150))}
    raise ValueError(profile)


def _new_person(rng: random.Random, taken: set[str]) -> tuple[str, str]:
    while True:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        email = re.sub(r"[^a-z.]", "", name.lower().replace(" ", ".")) + "@example.org"
        if email not in taken:
            taken.add(email)
            return name, email


def _reps(seed: int, branches: list[BranchPlan], workplaces: list[WorkplacePlan], users: list[UserPlan],
          today: date) -> tuple[RepPlan, ...]:
    """Three ULRs per branch, in every status on ``today``: the branch's two demo ULR logins and one
    person without a login; a minority based in schools. The first branch's second ULR has a
    training deadline within a month of ``today`` (the reminder and the warning show)."""
    rng, names = _rng(seed, "reps"), _rng(seed, "rep names")
    taken = {u.email for u in users}
    by_kind = _council_workplaces(workplaces)
    logins: dict[str, list[UserPlan]] = {}
    for u in users:
        if u.role == "learning_rep" and u.branch_key:
            logins.setdefault(u.branch_key, []).append(u)
    out = []
    for index, branch in enumerate(branches):
        council = f"council:{branch.key.split(':', 1)[1]}"
        services, schools = by_kind.get((council, "service"), []), by_kind.get((council, "school"), [])
        if not services:
            continue
        mine = list(logins.get(branch.key, []))
        for slot, (who, profile, where) in enumerate(REP_PATTERNS[index % len(REP_PATTERNS)], start=1):
            if profile == "training_due_warning" and index:
                profile = "training_due"  # one warning in the whole demo is enough
            school = where == "school" and bool(schools)
            workplace = rng.choice(schools) if school else services[(index + slot) % len(services)]
            if who == "login" and mine:
                user = mine.pop(0)
                name, email, user_email = user.name, user.email, user.email
            else:
                (name, email), user_email = _new_person(names, taken), None
            dates = _rep_dates(profile, today, rng)
            route = dates.pop("training_route", "will_train")
            status = rep_rules.status(rep_rules.RepFacts(training_route=route, **{
                f: dates.get(f) for f in ("appointed_on", "notice_given_on", "will_train_notice_on", "trained_on",
                                          "training_completion_notified_on", "stood_down_on")}), today)
            assert status == PROFILE_STATUS[profile], (profile, status)
            values = {"training_route": route, **{k: v.isoformat() for k, v in dates.items() if v is not None}}
            if dates.get("trained_on") or dates.get("will_train_notice_on"):
                values["training_course"] = ULR_COURSE
            out.append(RepPlan(key=f"rep:{branch.key}:{slot}", branch_key=branch.key, employer_key=council,
                               workplace=_ref(workplace), name=name, email=email, user_email=user_email, status=status,
                               school_based=school, values=tuple(values.items())))
    return tuple(out)


def _in_post(rep: RepPlan, day: date) -> bool:
    """Appointed, the employer told, and not yet stood down on ``day``."""
    notice, stood_down = rep.field("notice_given_on"), rep.field("stood_down_on")
    return (notice is not None and date.fromisoformat(notice) <= day
            and (stood_down is None or date.fromisoformat(stood_down) > day))


# --- writing the plan -------------------------------------------------------------------

def _apply_reps(plans: tuple[RepPlan, ...], world: DemoWorld) -> None:
    """The ULRs as a convenor would have recorded them: appointed, then the training milestones and
    any standing down on their timelines."""
    if not plans:
        return
    employer_ids = {key: e.id for key, e in world.employers.items()}
    workplace_ids = _workplace_ids({r.workplace for r in plans}, world)
    later = ("trained_on", "training_completion_notified_on", "stood_down_on")
    for r in plans:
        values = dict(r.values)
        rep = rep_services.create_rep({
            **{k: v for k, v in values.items() if k not in later}, "name": r.name, "email": r.email,
            "employer_id": employer_ids[r.employer_key], "workplace_id": workplace_ids[r.workplace],
            "user_id": world.users[r.user_email].id if r.user_email else None}, branch=world.branches[r.branch_key])
        milestones = {k: values[k] for k in later if values.get(k)}
        if milestones:
            rep_services.update_rep(rep, milestones)
        world.reps[r.key] = rep
    db.session.flush()

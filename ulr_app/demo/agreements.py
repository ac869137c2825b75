"""Demo data: learning agreements in every status and schools scope.

Modelled on what "Time to train" found; among them one modelled on the Barnet UNISON / London
Borough of Barnet partnership agreement. Each is written as a convenor would have made it: a draft
with its clauses, named schools, ULR places and learners' time, then taken through the lifecycle
(:data:`STATUS_PATHS`), signatures recorded just before it is signed. One signed agreement's
review falls due 40 days after the build date, so the reminders have something "due soon"; an
overdue review and a stale draft stay so on any later day.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Optional

from sqlalchemy import select

from ..agreements import services as agreement_services
from ..extensions import db
from ..organisation.models import Workplace
from .world import FIRST_NAMES, REFERENCE_DATE, SURNAMES, BranchPlan, DemoWorld, EmployerPlan, WorkplacePlan, _rng


@dataclass(frozen=True)
class AgreementPlan:
    """A learning agreement, the way a convenor would have recorded it (dates as YYYY-MM-DD)."""

    key: str
    branch_key: str
    employer_key: str
    #: where it ends up; it gets there through the lifecycle (:data:`STATUS_PATHS`)
    status: str
    #: create_agreement's fields (title, kind, schools_scope, ...), as (name, value) pairs
    values: tuple[tuple[str, Any], ...]
    #: signed_on, signatories, review and expiry dates: recorded just before it is signed
    signature: tuple[tuple[str, Any], ...] = ()
    named_in: tuple[int, ...] = ()  # URNs
    named_out: tuple[int, ...] = ()
    ulr_places_by_service: tuple[tuple[str, int], ...] = ()
    learner_time_by_course: tuple[tuple[str, str], ...] = ()
    #: status -> the note on its timeline entry
    notes: tuple[tuple[str, str], ...] = ()
    #: nobody has touched it since this day (a stale draft); None: it was last touched when built
    last_activity_on: Optional[str] = None

    @property
    def title(self) -> str:
        return dict(self.values)["title"]

    def field(self, name: str) -> Any:
        return {**dict(self.values), **dict(self.signature)}.get(name)


#: the status changes that take a new draft to each status (rules.TRANSITIONS allows each step)
STATUS_PATHS = {
    "draft": (),
    "negotiating": ("negotiating",),
    "signed": ("negotiating", "signed"),
    "under_review": ("negotiating", "signed", "under_review"),
    "expired": ("negotiating", "signed", "expired"),
    "terminated": ("negotiating", "signed", "terminated"),
}
#: national scale: how many councils per region get an agreement besides the small world's four
AGREEMENTS_PER_REGION = 3
#: national scale: (status, schools scope) by turn, so every region has a mixture
GENERIC_AGREEMENTS = (
    ("signed", "included"), ("signed", "silent"), ("negotiating", "excluded"), ("under_review", "silent"),
    ("draft", "included"), ("expired", "silent"), ("terminated", "excluded"), ("signed", "excluded"),
)
BARNET_ULR_PLACES = (("Housing", 2), ("Environment", 2), ("Children's services", 3), ("Adult social care", 2),
                     ("Resources", 1))
BARNET_LEARNER_TIME = (("skills_for_life", "paid"), ("vocational", "matched"), ("higher_education", "own_time"))
#: the safeguards every model agreement has (and the services' defaults say so anyway)
DISPUTES_ROUTE = ("Disputes go first to the learning partnership group and, if not resolved there, to the "
                  "Joint Negotiating Committee (JNC).")


def _day(offset: int, base: date = REFERENCE_DATE) -> str:
    return (base + timedelta(days=offset)).isoformat()


class _Signatories:
    """Believable names for who signed (seeded, from their own RNG)."""

    def __init__(self, seed: int):
        self.rng = _rng(seed, "agreements")

    def name(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)}"

    def signature(self, branch: BranchPlan, *, signed: int, review: int, expires: int, base: date = REFERENCE_DATE,
                  employer_role: str = "Director of Human Resources") -> tuple[tuple[str, Any], ...]:
        return (("signed_on", _day(signed, base)), ("review_due_on", _day(review, base)),
                ("expires_on", _day(expires, base)),
                ("employer_signatory", self.name()), ("employer_signatory_role", employer_role),
                ("union_signatory", self.name()), ("union_signatory_role", f"Branch Secretary, {branch.name} UNISON"))


def _schools_of(schools: list[WorkplacePlan], employer_key: str, establishment_type: str, n: int) -> tuple[int, ...]:
    return tuple(sorted(s.urn for s in schools if s.employer_key == employer_key
                        and s.establishment_type == establishment_type and s.urn)[:n])


def _agreements(seed: int, branches: list[BranchPlan], employers: list[EmployerPlan], schools: list[WorkplacePlan],
                today: date) -> tuple[AgreementPlan, ...]:
    """Learning agreements in every status and schools scope, modelled on what "Time to train" found.

    The small world's four councils (and each region's trust and contractor) get bespoke ones,
    among them one modelled on the Barnet UNISON / London Borough of Barnet partnership agreement;
    at national scale the first few other councils of each region get one each as well.

    Reminders: Newcastle's review is overdue and the contractor's draft has been left untouched
    since well before REFERENCE_DATE (both stay so on any later day); Gateshead's review falls
    due 40 days after ``today``.
    """
    by_key = {e.key: e for e in employers}
    branch_by_key = {b.key: b for b in branches}
    people = _Signatories(seed)
    out: list[AgreementPlan] = []

    def add(key: str, employer_key: str, status: str, values: dict, **kw: Any) -> None:
        employer = by_key.get(employer_key)
        if employer is None:
            return
        out.append(AgreementPlan(key=key, branch_key=employer.branch_keys[0], employer_key=employer_key, status=status,
                                 values=tuple(values.items()), **kw))

    def branch_of(employer_key: str) -> Optional[BranchPlan]:
        employer = by_key.get(employer_key)
        return branch_by_key[employer.branch_keys[0]] if employer else None

    if (barnet := branch_of("council:302")) is not None:
        add("agreement:barnet", "council:302", "signed", {
            "title": "Barnet UNISON and London Borough of Barnet learning agreement",
            "kind": "partnership", "schools_scope": "included", "whole_employer": True, "equal_access": True,
            "ulr_places": sum(n for _s, n in BARNET_ULR_PLACES),
            "ulr_appointment": "ULRs are elected or appointed under UNISON rules; the branch tells Human Resources "
                               "in writing who they are, and when they are trained.",
            "ulr_paid_time_off": True, "ulr_hours_per_month": "7.5", "ulr_ad_hoc_time": True,
            "ulr_facilities": ["room", "phone", "computer", "email", "printer", "noticeboard"],
            "member_access": True, "member_access_paid": True, "learner_time_off": "matched",
            "partnership_group": True, "partnership_employer_members": 4, "partnership_union_members": 4,
            "partnership_meeting_frequency": "quarterly",
            "coordinator": True, "coordinator_release_days": "1",
            "learning_centre": True,
            "learning_centre_details": "A learning centre with computers and a ULR drop-in, open to all staff, "
                                       "schools' support staff included, on early, late and term-time shifts.",
            "needs_analysis_learning_only": True, "confidentiality": True, "not_substitute_for_bargaining": True,
            "grievances_existing_procedures": True, "disputes_route": DISPUTES_ROUTE,
            "starts_on": _day(-300),
        }, signature=people.signature(barnet, signed=-300, review=430, expires=795),
            ulr_places_by_service=BARNET_ULR_PLACES, learner_time_by_course=BARNET_LEARNER_TIME,
            notes=(("signed", "Signed at the Joint Negotiating Committee"),))

    if (camden := branch_of("council:202")) is not None:
        add("agreement:camden", "council:202", "under_review", {
            "title": "Camden learning agreement", "kind": "partnership", "schools_scope": "excluded",
            "ulr_places": 4, "learner_time_off": "own_time", "member_access_paid": False,
            "partnership_group": True, "partnership_employer_members": 3, "partnership_union_members": 3,
            "partnership_meeting_frequency": "twice_yearly", "ulr_facilities": ["room", "phone"],
            "disputes_route": DISPUTES_ROUTE,
        }, signature=people.signature(camden, signed=-1000, review=-20, expires=460),
            named_in=_schools_of(schools, "council:202", "Community special school", 2),
            notes=(("under_review", "Review opened at the partnership group: the branch wants schools included"),))

    trust_london = by_key.get("trust:greater_london")
    if trust_london is not None:
        add("agreement:trust:greater_london", trust_london.key, "negotiating", {
            "title": f"{trust_london.name} learning partnership", "kind": "partnership", "schools_scope": "included",
            "ulr_places": 3, "learner_time_off": "matched", "partnership_group": True,
            "partnership_employer_members": 2, "partnership_union_members": 2,
            "partnership_meeting_frequency": "bimonthly",
        }, notes=(("negotiating", "First draft sent to the trust's HR director"),))

    contractor = by_key.get("contractor:greater_london")
    if contractor is not None:
        add("agreement:contractor:greater_london", contractor.key, "draft", {
            "title": f"{contractor.name.removesuffix(' Ltd')}: food hygiene and NVQ Level 2 for kitchen staff",
            "kind": "short_term", "schools_scope": "silent", "learner_time_off": "not_stated",
            "partnership_group": False,
        }, last_activity_on=_day(-120))

    if (newcastle := branch_of("council:391")) is not None:
        add("agreement:newcastle", "council:391", "signed", {
            "title": "Newcastle City Council and UNISON learning agreement", "kind": "partnership",
            "schools_scope": "silent", "ulr_places": 6, "learner_time_off": "own_time",
            "partnership_group": True, "partnership_employer_members": 3, "partnership_union_members": 3,
            "partnership_meeting_frequency": "twice_yearly", "ulr_facilities": ["room", "computer", "email"],
            "disputes_route": DISPUTES_ROUTE,
        }, signature=people.signature(newcastle, signed=-800, review=-45, expires=300))
        add("agreement:newcastle:pilot", "council:391", "terminated", {
            "title": "Newcastle depots ULR pilot", "kind": "short_term", "schools_scope": "excluded",
            "whole_employer": False, "services_covered": "Environment; Housing repairs", "ulr_places": 2,
            "learner_time_off": "paid",
        }, signature=people.signature(newcastle, signed=-600, review=-235, expires=130,
                                      employer_role="Head of Environmental Services"),
            notes=(("terminated", "Ended early when the depots' work was contracted out"),))

    if (gateshead := branch_of("council:390")) is not None:
        add("agreement:gateshead:2019", "council:390", "expired", {
            "title": "Gateshead Council learning agreement 2019", "kind": "partnership", "schools_scope": "silent",
            "ulr_places": 3, "learner_time_off": "not_stated",
        }, signature=people.signature(gateshead, signed=-2400, review=-1700, expires=-1000),
            notes=(("expired", "Lapsed: not renewed after the council's restructure"),))
        add("agreement:gateshead", "council:390", "signed", {
            "title": "Gateshead Council and Gateshead UNISON learning agreement", "kind": "partnership",
            "schools_scope": "included", "ulr_places": 8, "learner_time_off": "paid", "member_access_paid": True,
            "partnership_group": True, "partnership_employer_members": 3, "partnership_union_members": 3,
            "partnership_meeting_frequency": "quarterly", "coordinator": True, "coordinator_release_days": "0.5",
            "disputes_route": DISPUTES_ROUTE,
        }, signature=people.signature(gateshead, signed=-700, review=40, expires=770, base=today),
            named_out=_schools_of(schools, "council:390", "Voluntary aided school", 2),
            learner_time_by_course=(("skills_for_life", "paid"), ("esol", "paid"), ("vocational", "matched")),
            notes=(("signed", "Signed by the Leader of the Council and the branch secretary"),))

    trust_north = by_key.get("trust:northern")
    if trust_north is not None:
        add("agreement:trust:northern", trust_north.key, "draft", {
            "title": f"{trust_north.name} learning agreement", "kind": "partnership", "schools_scope": "included",
            "ulr_places": 4, "learner_time_off": "matched",
        })

    # national scale: a few more councils per region, in turn through the statuses and scopes
    bespoke = {"council:302", "council:202", "council:391", "council:390"}
    turn = 0
    for region_code in dict.fromkeys(b.region_code for b in branches):
        councils = [e for e in employers if e.kind == "local_authority" and e.region_code == region_code
                    and e.key not in bespoke][:AGREEMENTS_PER_REGION]
        for council in councils:
            status, scope = GENERIC_AGREEMENTS[turn % len(GENERIC_AGREEMENTS)]
            branch = branch_by_key[council.branch_keys[0]]
            signature = () if status in ("draft", "negotiating") else people.signature(
                branch, signed=-200 - 30 * (turn % 12), review=165 + 7 * turn % 200, expires=900)
            if status == "expired":
                signature = people.signature(branch, signed=-1500, review=-900, expires=-400)
            add(f"agreement:{council.key}", council.key, status, {
                "title": f"{council.name} and {branch.name} UNISON learning agreement", "kind": "partnership",
                "schools_scope": scope, "ulr_places": 2 + turn % 7,
                "learner_time_off": ("paid", "matched", "own_time", "not_stated")[turn % 4],
            }, signature=signature)
            turn += 1
    return tuple(out)


# --- writing the plan -------------------------------------------------------------------

def _apply_agreements(plans: tuple[AgreementPlan, ...], world: DemoWorld) -> None:
    """Each agreement as a convenor would have made it: created as a draft with its clauses, its
    named schools, ULR places and learners' time set, then taken through the lifecycle, the
    signatures recorded just before it is signed (so the audit trail and timeline tell the story)."""
    urns = {urn for p in plans for urn in p.named_in + p.named_out}
    workplace_ids = dict(db.session.execute(
        select(Workplace.urn, Workplace.id).where(Workplace.urn.in_(urns))).tuples().all())
    for p in plans:
        agreement = agreement_services.create_agreement(
            {**dict(p.values), "employer_id": world.employers[p.employer_key].id}, branch=world.branches[p.branch_key])
        if p.named_in or p.named_out:
            agreement_services.set_named_schools(agreement, [workplace_ids[u] for u in p.named_in],
                                                 [workplace_ids[u] for u in p.named_out])
        if p.ulr_places_by_service:
            agreement_services.set_ulr_places(agreement, p.ulr_places_by_service)
        if p.learner_time_by_course:
            agreement_services.set_learner_time(agreement, dict(p.learner_time_by_course))
        notes = dict(p.notes)
        for status in STATUS_PATHS[p.status]:
            if status == "signed" and agreement.signed_on is None:
                agreement_services.update_agreement(agreement, dict(p.signature))
            agreement_services.change_status(agreement, status, note=notes.get(status, ""))
        if p.last_activity_on:
            agreement.last_activity_at = datetime.combine(date.fromisoformat(p.last_activity_on), time(10),
                                                          tzinfo=timezone.utc)
        world.agreements[p.key] = agreement
    db.session.flush()

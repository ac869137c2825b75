"""`flask demo-data`: the deterministic demo world."""
from __future__ import annotations

import csv
from datetime import date, timedelta
from importlib import resources

import pytest
from types import SimpleNamespace
from sqlalchemy import delete, func, select

from ulr_app import demo
from ulr_app.accounts.models import User
from ulr_app.accounts.passwords import password_problems
from ulr_app.core.audit_models import AuditEntry
from ulr_app.core.errors import ServiceError
from ulr_app.extensions import db
from ulr_app.organisation.models import Branch, Employer, LocalAuthority, Region, Workplace

ROLES = ["admin", "regional_organiser", "branch_convenor", "learning_rep"]


def shipped_schools() -> list[dict]:
    with resources.as_file(resources.files("ulr_app.data").joinpath("demo_schools.csv")) as path:
        with open(path, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))


def logins_from(output: str) -> list[tuple[str, str, str]]:
    lines = output.split("Demo logins (role, e-mail, password):\n", 1)[1].strip().splitlines()
    return [tuple(line.split()) for line in lines]


def run_small(runner, *args):
    result = runner.invoke(args=["demo-data", "--scale", "small", *args])
    assert result.exit_code == 0, result.output
    return result


def test_shipped_schools_file_is_small_real_and_open():
    rows = shipped_schools()
    assert 50 <= len(rows) <= 400
    assert {r["LA (code)"] for r in rows} == {"302", "202", "391", "390"}
    assert all(r["EstablishmentStatus (name)"].startswith("Open") for r in rows)
    assert len({r["URN"] for r in rows}) == len(rows)
    readme = resources.files("ulr_app.data").joinpath("README.md").read_text(encoding="utf-8")
    assert "Contains public sector information licensed under the Open Government Licence v3.0." in readme


def test_every_demo_login_signs_in(app, runner, make_client):
    logins = logins_from(run_small(runner).output)
    assert len(logins) == 15
    for _role, email, password in logins:
        assert not password_problems(password, email=email)
        make_client().login(email, password)


def test_if_empty_does_nothing_the_second_time(app, runner):
    run_small(runner, "--if-empty")
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (User, Branch, Workplace)]
    second = run_small(runner, "--if-empty")
    assert "Demo data not loaded" in second.output
    assert [db.session.scalar(select(func.count()).select_from(m)) for m in (User, Branch, Workplace)] == counts


def test_refuses_without_reference_data(app, runner):
    db.session.execute(delete(Region))
    with pytest.raises(ServiceError, match="reference load"):
        demo.check_reference_data()
    result = runner.invoke(args=["demo-data"])  # the command rolls back: the regions come back
    assert result.exit_code == 1
    assert "Reference data has not been loaded" in result.output
    assert db.session.scalar(select(func.count()).select_from(Region)) == 12
    assert db.session.scalar(select(func.count()).select_from(Branch)) == 0


def test_plan_is_deterministic_for_a_seed():
    plan = demo.plan_small(2008)
    assert plan == demo.plan_small(2008)
    assert plan.fingerprint() == demo.plan_small(2008).fingerprint()
    other = demo.plan_small(1)
    assert other != plan and other.fingerprint() != plan.fingerprint()
    # the seed changes the people, not the organisation
    assert [w.urn for w in other.workplaces] == [w.urn for w in plan.workplaces]
    assert [u.email for u in other.users] != [u.email for u in plan.users]
    emails = [u.email for u in plan.users]
    assert len(set(emails)) == len(emails)
    assert all(not password_problems(u.password, email=u.email) for u in plan.users)


def test_built_world_matches_the_plan(app, runner):
    run_small(runner, "--seed", "7")
    plan = demo.plan_small(7)
    users = db.session.scalars(select(User)).all()
    assert sorted((u.email, u.name, u.role) for u in users) == sorted((p.email, p.name, p.role) for p in plan.users)
    urns = set(db.session.scalars(select(Workplace.urn).where(Workplace.urn.is_not(None))))
    assert urns == {w.urn for w in plan.workplaces if w.urn}
    # the learners, their enrolments and the cases too (planned for the build date)
    from ulr_app.cases.models import Case
    from ulr_app.learners.models import Enrolment, Learner

    plan = demo.plan_small(7, today=date.today(), commencement_on=app.config.get("ERA_2025_COMMENCEMENT"))
    learners = db.session.scalars(select(Learner).order_by(Learner.id)).all()
    assert [(lr.name, lr.staff_category, lr.consent_on and lr.consent_on.isoformat()) for lr in learners] == [
        (p.field("name"), p.field("staff_category"), p.field("consent_on")) for p in plan.learners]
    statuses = db.session.scalars(select(Enrolment.status).order_by(Enrolment.id)).all()
    assert statuses == [e.status for p in plan.learners for e in p.enrolments]
    cases = db.session.scalars(select(Case).order_by(Case.id)).all()
    assert [(c.kind, c.status, c.opened_on.isoformat()) for c in cases] == [
        (p.kind, p.status, p.field("opened_on")) for p in plan.cases]


def write_fake_national(path):
    rows = shipped_schools()
    header = list(rows[0])
    keep = []
    for code in ("302", "391"):
        of_la = [r for r in rows if r["LA (code)"] == code]
        keep += of_la[:12] + of_la[-8:]  # the newest URNs are academies
    assert {r["EstablishmentTypeGroup (name)"] for r in keep} >= {"Academies", "Local authority maintained schools"}
    extra = [
        dict(keep[0], URN="999001", EstablishmentName="Closed Primary School", **{"EstablishmentStatus (name)": "Closed"}),
        dict(keep[0], URN="999002", EstablishmentName="Fee Paying School",
             **{"TypeOfEstablishment (name)": "Other independent school", "EstablishmentTypeGroup (name)": "Independent schools"}),
        dict(keep[0], URN="999003", EstablishmentName="School Abroad", **{"LA (code)": "704", "LA (name)": ""}),
        dict(keep[0], URN="999004", EstablishmentName="Hartlepool Primary School", **{"LA (code)": "805"}),
    ]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(keep + extra)
    return keep


def test_national_scale_from_the_configured_file(app, runner, tmp_path, monkeypatch):
    path = tmp_path / "schools.csv"
    keep = write_fake_national(path)
    monkeypatch.setenv("ULR_SCHOOLS_CSV", str(path))
    result = runner.invoke(args=["demo-data", "--scale", "national", "--fraction", "0"])
    assert result.exit_code == 0, result.output
    logins = logins_from(result.output)
    assert [r for r, _e, _p in logins] == ["admin"] + ["regional_organiser"] * 2 + ["branch_convenor"] * 3 + ["learning_rep"] * 6

    branches = db.session.scalars(select(Branch).order_by(Branch.id)).all()
    assert [b.name for b in branches] == ["Barnet", "Hartlepool", "Newcastle City"]
    councils = db.session.scalars(select(Employer).where(Employer.kind == "local_authority")).all()
    assert sorted(e.la_code for e in councils) == ["302", "391", "805"]
    urns = set(db.session.scalars(select(Workplace.urn).where(Workplace.kind == "school")))
    assert urns == {int(r["URN"]) for r in keep} | {999004}
    academies = db.session.scalars(select(Workplace).where(Workplace.establishment_type_group == "Academies")).all()
    assert academies and {a.employer.kind for a in academies} == {"academy_trust"}
    hartlepool = db.session.scalars(select(Workplace).where(Workplace.urn == 999004)).one()
    la = db.session.scalars(select(LocalAuthority).where(LocalAuthority.la_code == "805")).first()
    assert hartlepool.employer.region.ons_code == la.ons_region_code
    # learners and cases scale with the branches (fewer per branch than the small world)
    from ulr_app.cases.models import Case
    from ulr_app.demo.learners import LEARNERS_PER_BRANCH_NATIONAL
    from ulr_app.learners.models import Learner

    assert db.session.scalar(select(func.count()).select_from(Learner)) == 3 * LEARNERS_PER_BRANCH_NATIONAL
    cases = db.session.scalars(select(Case)).all()
    assert 3 <= len(cases) <= 9 and {c.kind for c in cases} >= {"time_off_dispute", "learner_support"}


def test_national_scale_without_the_file_says_where_to_put_it(app, runner, tmp_path, monkeypatch):
    monkeypatch.delenv("ULR_SCHOOLS_CSV", raising=False)
    monkeypatch.setattr(demo, "NATIONAL_SCHOOLS_FILE", tmp_path / "schools_england_2018.csv")
    result = runner.invoke(args=["demo-data", "--scale", "national", "--fraction", "0"])
    assert result.exit_code == 1
    assert "ULR_SCHOOLS_CSV" in result.output and "schools_england_2018.csv" in result.output
    monkeypatch.setenv("ULR_SCHOOLS_CSV", str(tmp_path / "nowhere.csv"))
    with pytest.raises(ServiceError, match="no file there"):
        demo.national_schools_path()
    assert db.session.scalar(select(func.count()).select_from(Branch)) == 0


def test_demo_passwords_are_not_derived_from_the_seed():
    from ulr_app.demo import plan_small

    first, second = plan_small(2008), plan_small(2008)
    assert first == second and first.fingerprint() == second.fingerprint()
    assert [u.password for u in first.users] != [u.password for u in second.users]


# --- learning agreements ------------------------------------------------------------------

def _agreements():
    from ulr_app.agreements.models import Agreement

    return {a.title: a for a in db.session.scalars(select(Agreement).order_by(Agreement.id))}


def agreements_by_id(agreements):
    return {a.id: a for a in agreements.values()}


def test_agreement_plan_is_deterministic_and_dated_from_the_reference_date():
    plan = demo.plan_small(2008)
    assert plan.agreements == demo.plan_small(2008).agreements
    by_key = {a.key: a for a in plan.agreements}
    assert by_key["agreement:gateshead"].field("review_due_on") == (demo.REFERENCE_DATE + timedelta(days=40)).isoformat()
    later = demo.plan_small(2008, today=date(2027, 5, 1))
    assert {a.key: a for a in later.agreements}["agreement:gateshead"].field("review_due_on") == "2027-06-10"
    # only that agreement moves with the build date
    changed = [a.key for a, b in zip(plan.agreements, later.agreements) if a != b]
    assert changed == ["agreement:gateshead"]
    # another seed: other signatories, the same agreements
    other = demo.plan_small(1)
    assert [(a.key, a.status, a.values) for a in other.agreements] == [(a.key, a.status, a.values) for a in plan.agreements]
    assert [a.field("union_signatory") for a in other.agreements] != [a.field("union_signatory") for a in plan.agreements]
    # named schools are schools of the agreement's employer in the plan
    schools = {w.urn: w for w in plan.workplaces if w.urn}
    for a in plan.agreements:
        for urn in a.named_in + a.named_out:
            assert schools[urn].employer_key == a.employer_key


def test_national_scale_has_a_few_agreements_per_region(app, runner, tmp_path, monkeypatch):
    from ulr_app.agreements.models import Agreement

    path = tmp_path / "schools.csv"
    write_fake_national(path)
    monkeypatch.setenv("ULR_SCHOOLS_CSV", str(path))
    result = runner.invoke(args=["demo-data", "--scale", "national", "--fraction", "0"])
    assert result.exit_code == 0, result.output
    agreements = db.session.scalars(select(Agreement)).all()
    by_branch = {}
    for a in agreements:
        by_branch.setdefault(a.branch.name, []).append(a)
    assert {"Barnet", "Newcastle City", "Hartlepool"} <= set(by_branch)
    assert "Barnet UNISON and London Borough of Barnet learning agreement" in {a.title for a in by_branch["Barnet"]}
    assert [a.title for a in by_branch["Hartlepool"]] == ["Hartlepool Council and Hartlepool UNISON learning agreement"]


# --- ULRs and time off ----------------------------------------------------------------------

def _reps_and_requests():
    from ulr_app.reps.models import Rep
    from ulr_app.timeoff.models import TimeOffRequest

    return (db.session.scalars(select(Rep).order_by(Rep.id)).all(),
            db.session.scalars(select(TimeOffRequest).order_by(TimeOffRequest.id)).all())


def test_ulr_and_time_off_plans_are_deterministic_and_dated_from_today():
    from ulr_app.reps import rules as rep_rules
    from ulr_app.timeoff import rules as time_off_rules

    plan = demo.plan_small(2008)
    again = demo.plan_small(2008)
    assert (plan.reps, plan.time_off) == (again.reps, again.time_off)
    other_seed = demo.plan_small(1)
    assert other_seed.time_off != plan.time_off
    later_day = date(2027, 3, 1)
    later = demo.plan_small(2008, today=later_day)
    assert [r.status for r in later.reps] == [r.status for r in plan.reps]
    # the ULRs' statuses hold on whatever day it is built, the requests are from the year before it
    for p, day in ((plan, demo.REFERENCE_DATE), (later, later_day)):
        for r in p.reps:
            facts = rep_rules.RepFacts(training_route=r.field("training_route"), **{
                f: date.fromisoformat(r.field(f)) if r.field(f) else None
                for f in ("appointed_on", "notice_given_on", "will_train_notice_on", "trained_on",
                          "training_completion_notified_on", "stood_down_on")})
            assert rep_rules.status(facts, day) == r.status
        for t in p.time_off:
            for name in ("requested_on", "decided_on", "acas_ec_started_on", "acas_ec_certificate_on"):
                if t.field(name):
                    assert day - timedelta(days=400) <= date.fromisoformat(t.field(name)) <= day, (t.key, name)
        deadlines = [time_off_rules.tribunal_deadline(
            kind=t.field("kind"), failure_on=date.fromisoformat(t.field("decided_on")),
            commencement_on=demo.DEFAULT_COMMENCEMENT,
            ec_started_on=date.fromisoformat(t.field("acas_ec_started_on")) if t.field("acas_ec_started_on") else None,
            ec_certificate_on=date.fromisoformat(t.field("acas_ec_certificate_on"))
            if t.field("acas_ec_certificate_on") else None).last_day
            for t in p.time_off if t.key.endswith(":open")]
        assert len(deadlines) == 4 and all(d >= day for d in deadlines)
        assert sum((d - day).days <= 14 for d in deadlines) >= 2


# --- learners and cases ---------------------------------------------------------------------

def _learner_world():
    from ulr_app.cases.models import Activity, Case, FollowUp
    from ulr_app.learners.models import Enrolment, Learner, NeedsAssessment

    return SimpleNamespace(
        learners=db.session.scalars(select(Learner).order_by(Learner.id)).all(),
        enrolments=db.session.scalars(select(Enrolment).order_by(Enrolment.id)).all(),
        assessments=db.session.scalars(select(NeedsAssessment)).all(),
        activities=db.session.scalars(select(Activity)).all(),
        follow_ups=db.session.scalars(select(FollowUp)).all(),
        cases=db.session.scalars(select(Case).order_by(Case.id)).all(),
    )


def _check_learners(w, today):
    from collections import Counter

    from ulr_app.learners import queries, rules
    from ulr_app.learners.models import STAFF_CATEGORIES

    assert 60 <= len(w.learners) <= 90
    # staff categories in the surveys' proportions: learning support most, site staff fewest
    # (recorded once the learner has consented)
    counts = Counter(lr.staff_category for lr in w.learners if lr.consent_on)
    assert set(counts) == set(STAFF_CATEGORIES)
    school = {c: n for c, n in counts.items() if c != "non_school"}
    assert max(counts, key=counts.get) == "learning_support" and counts["learning_support"] >= 0.4 * len(w.learners)
    assert min(school.values()) == school["site"] and sorted(school.values()).count(school["site"]) == 1
    for lr in w.learners:  # school staff work in schools, the rest for council services
        if lr.staff_category:
            assert lr.workplace.kind == ("service" if lr.staff_category == "non_school" else "school"), lr.name
        assert lr.branch_id in {b.id for b in lr.employer.branches}
    # consent for nearly all; a couple with their name and workplace only
    without = [lr for lr in w.learners if lr.consent_on is None]
    assert 1 <= len(without) <= 4
    for lr in without:
        assert lr.workplace_id and lr.employer_id and lr.job_title is None and lr.membership is None and lr.rep_id is None
    consented = [lr for lr in w.learners if lr.consent_on]
    assert {lr.consent_scope for lr in consented} == {
        "Contact about learning; needs analysis; course records; anonymised reports"}
    assert all(lr.job_title and lr.contract and lr.hours and lr.membership for lr in consented)
    # members and not; some joined the union after their first course began (recruitment through learning)
    assert {lr.membership for lr in consented} == {"member", "non_member"}
    assert all(lr.joined_union_on for lr in consented if lr.membership == "member")
    first_start = {}
    for e in w.enrolments:
        if e.started_on:
            first_start[e.learner_id] = min(first_start.get(e.learner_id, e.started_on), e.started_on)
    assert any(lr.joined_union_on and lr.id in first_start and lr.joined_union_on > first_start[lr.id]
               for lr in consented)
    # equality monitoring on some, not all, and partly filled in
    with_equality = [lr for lr in consented if lr.gender or lr.ethnicity or lr.disability or lr.age_band]
    assert 0.3 * len(consented) < len(with_equality) < 0.9 * len(consented)
    assert any(lr.ethnicity is None for lr in with_equality)
    # needs analyses: the barriers the surveys found most often come first
    barriers = Counter(b for na in w.assessments for b in na.barriers)
    top = sorted(barriers, key=barriers.get, reverse=True)[:3]
    assert set(top) <= {"time_release", "cover", "term_time_contract", "confidence"}
    assert all(na.literacy_level and na.numeracy_level for na in w.assessments)
    # enrolments at every status, with what each status needs
    assert {e.status for e in w.enrolments} == set(rules.STATUSES)
    assert all(e.withdrawal_reason and e.withdrawn_on for e in w.enrolments if e.status == "withdrawn")
    assert all(e.return_on and e.return_on > e.break_started_on for e in w.enrolments if e.status == "break_in_learning")
    assert all(e.achieved_on for e in w.enrolments if e.status == "achieved")
    dates = [d for e in w.enrolments for d in (e.referred_on, e.completed_on, e.achieved_on, e.withdrawn_on,
                                                 e.break_started_on) if d]
    assert max(dates) <= today and min(dates) >= today - timedelta(days=4 * 366)
    # on track: red, amber and green on the build date
    tracks = {rules.on_track(status=e.status, planned_end_on=e.planned_end_on, today=today) for e in w.enrolments}
    assert {"red", "amber", "green"} <= tracks
    # the whole ladder: Return to Learn -> Skills for Life Level 1 and 2 -> Level 2 -> Level 3, achieved
    climbed = []
    for lr in consented:
        ladder = queries.ladder(lr)
        by_id = {e.id: e for e in ladder.enrolments}
        sources = {by_id[a].course.title for a, _b in ladder.progressions}
        level_3 = [e for e in ladder.enrolments if e.course.level == "level_3" and e.status == "achieved"]
        if "Return to Learn" in sources and level_3 and ladder.reached.get("literacy") == "level_2" \
                and ladder.reached.get("numeracy") == "level_2":
            climbed.append(lr)
            steps = sorted((e for e in ladder.enrolments if e.status in ("completed", "achieved")),
                           key=lambda e: e.started_on)
            assert steps[0].course.title == "Return to Learn"
            assert len(ladder.progressions) >= 4
            assert any("HLTA" in s for s in ladder.next_steps)
            assert (today - steps[0].started_on).days <= 4 * 365
    assert len(climbed) >= 4
    # contacts: most learners; some not contacted for 90 days; follow-ups overdue and coming
    last_contact = {}
    for a in w.activities:
        if a.learner_id:
            last_contact[a.learner_id] = max(last_contact.get(a.learner_id, a.happened_on), a.happened_on)
            assert a.kind in ("note", "call", "meeting", "email", "visit") and a.by_label and a.happened_on <= today
    assert len(last_contact) >= 0.9 * len(consented)
    quiet = [lr for lr in consented if last_contact.get(lr.id, date.min) < today - timedelta(days=90)]
    assert 0.05 * len(consented) <= len(quiet) <= 0.3 * len(consented)
    on_learners = [f for f in w.follow_ups if f.learner_id]
    assert any(f.due_on < today and f.done_on is None for f in on_learners)
    assert any(f.due_on > today for f in on_learners)
    assert any(f.done_on for f in on_learners)


def _check_cases(w, today):
    from ulr_app.agreements.models import Agreement
    from ulr_app.cases.rules import KINDS, STATUSES
    from ulr_app.timeoff.models import TimeOffRequest
    from ulr_app.timeoff.rules import REFUSALS

    assert len(w.cases) >= 20
    assert {c.kind for c in w.cases} == set(KINDS)
    assert {c.status for c in w.cases} == set(STATUSES)
    for c in w.cases:
        assert c.opened_on <= today and (c.due_on is None or c.due_on >= c.opened_on)
        if c.status == "closed":
            assert c.closed_on and c.outcome and c.opened_on <= c.closed_on <= today
        else:
            assert c.closed_on is None
        assert c.owner is not None and c.owner.branch_id == c.branch_id
    assert {c.owner.role for c in w.cases} == {"branch_convenor", "learning_rep"}
    live = [c for c in w.cases if c.status != "closed" and c.due_on]
    assert any(c.due_on < today for c in live) and any(c.due_on > today for c in live)
    # a time-off dispute is linked both ways to a refused request
    disputes = [c for c in w.cases if c.kind == "time_off_dispute"]
    assert disputes and all(c.time_off_request_id for c in disputes)
    for c in disputes:
        request = db.session.get(TimeOffRequest, c.time_off_request_id)
        assert request.case_id == c.id and request.status in REFUSALS and request.branch_id == c.branch_id
    assert any(c.status != "closed" and c.due_on and c.due_on >= today for c in disputes)  # the tribunal deadline
    negotiations = [c for c in w.cases if c.kind == "agreement_negotiation"]
    assert any(db.session.get(Agreement, c.agreement_id).status in ("draft", "negotiating")
               for c in negotiations if c.agreement_id)
    assert all(c.workplace and c.workplace.kind == "school" for c in w.cases if c.kind == "school_access")
    assert all(c.learner_id and c.learner.branch_id == c.branch_id for c in w.cases if c.kind == "learner_support")
    # the follow-ups each kind plans, some done; activities on every case
    on_cases = [f for f in w.follow_ups if f.case_id]
    assert any(f.done_on for f in on_cases) and any(f.done_on is None and f.due_on < today for f in on_cases)
    assert {a.case_id for a in w.activities if a.case_id} == {c.id for c in w.cases}


def test_learner_and_case_plans_are_deterministic_and_dated_from_today():
    plan, again = demo.plan_small(2008), demo.plan_small(2008)
    assert (plan.learners, plan.cases) == (again.learners, again.cases)
    other = demo.plan_small(1)
    assert [p.field("name") for p in other.learners] != [p.field("name") for p in plan.learners]
    # everything is dated on or before the build date (but what is planned ahead)
    for day in (demo.REFERENCE_DATE, date(2027, 3, 1)):
        p = demo.plan_small(2008, today=day)
        ahead = {"planned_end_on", "return_on", "due_on", "started_on"}
        for learner in p.learners:
            values = dict(learner.values)
            for name in ("consent_on", "joined_union_on"):
                if values.get(name):
                    assert values[name] <= day.isoformat(), (learner.key, name)
            for e in learner.enrolments:
                for status, data in ((e.status, e.opening), *e.steps):
                    for name, value in data:
                        if name.endswith("_on") and name not in ahead:
                            assert value <= day.isoformat(), (learner.key, e.course, name)
            assert all(c.happened_on <= day.isoformat() for c in learner.contacts)
            assert all(a[0][1] <= day.isoformat() for a in learner.assessments)
        for case in p.cases:
            assert case.field("opened_on") <= day.isoformat()
            assert all(a.happened_on <= day.isoformat() for a in case.activities)
            assert case.closed_on is None or case.closed_on <= day.isoformat()
    # the same people on a later day, their journeys moved along with it
    later = demo.plan_small(2008, today=date(2027, 3, 1))
    assert [p.field("name") for p in later.learners] == [p.field("name") for p in plan.learners]


class TestTheSmallWorld:
    """Tests that only read the small world: it is built once for them all (conftest.small_demo)."""

    def test_small_world(self, demo_world):
        result = demo_world.result
        logins = logins_from(result.output)
        assert [role for role, _e, _p in logins] == sorted((r for r, _e, _p in logins), key=ROLES.index)
        assert {role for role, _e, _p in logins} == set(ROLES)

        branches = db.session.scalars(select(Branch).order_by(Branch.id)).all()
        assert [b.name for b in branches] == ["Barnet", "Camden", "Newcastle City", "Gateshead"]
        assert {b.region.code for b in branches} == {"greater_london", "northern"}

        councils = {e.la_code: e for e in db.session.scalars(select(Employer).where(Employer.kind == "local_authority"))}
        assert set(councils) == {"302", "202", "391", "390"}
        for branch, code in zip(branches, ["302", "202", "391", "390"]):
            assert [b.id for b in councils[code].branches] == [branch.id]
            assert councils[code].region_id == branch.region_id
        kinds = {e.kind for e in db.session.scalars(select(Employer))}
        assert {"academy_trust", "contractor"} <= kinds

        schools = db.session.scalars(select(Workplace).where(Workplace.kind == "school")).all()
        shipped = {int(r["URN"]): r for r in shipped_schools()}
        assert len(schools) >= 50
        assert {s.urn for s in schools} <= set(shipped)
        for school in schools:
            row = shipped[school.urn]
            assert school.name == row["EstablishmentName"] and school.postcode == row["Postcode"]
            assert school.la_code == row["LA (code)"] and school.phase and school.establishment_type
            if school.establishment_type_group == "Academies":
                assert school.employer.kind == "academy_trust"
            else:
                assert school.employer.kind == "local_authority" and school.employer.la_code == school.la_code
        assert any(s.establishment_type_group == "Academies" for s in schools)
        services = db.session.scalars(select(Workplace).where(Workplace.kind == "service")).all()
        assert {s.service for s in services} >= {"Housing", "Environment", "Children's services", "Adult social care", "Resources"}
        assert {s.employer.kind for s in services} == {"local_authority"}

        users = db.session.scalars(select(User)).all()
        assert sorted(u.role for u in users) == sorted(["admin"] + ["regional_organiser"] * 2
                                                      + ["branch_convenor"] * 4 + ["learning_rep"] * 8)
        assert {u.email for u in users} == {email for _r, email, _p in logins}
        assert all(u.email.endswith("@example.org") for u in users)
        convenors = [u for u in users if u.role == "branch_convenor"]
        assert sorted(u.branch_id for u in convenors) == sorted(b.id for b in branches)

        # everything is in the audit trail, as the demo data
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "create")).all()
        assert {e.actor_label for e in entries} == {"demo data"}
        assert {e.object_id for e in entries if e.object_type == "workplace"} == {s.id for s in schools} | {
            w.id for w in db.session.scalars(select(Workplace).where(Workplace.kind != "school"))}


    def test_refuses_a_database_that_has_an_organisation(self, demo_world):
        again = demo_world.app.test_cli_runner().invoke(args=["demo-data"])
        assert again.exit_code == 1
        assert "already has branches" in again.output
        assert db.session.scalar(select(func.count()).select_from(Branch)) == 4


    def test_small_world_has_agreements_in_every_status_and_scope(self, demo_world):
        from ulr_app.agreements.models import SCHOOLS_SCOPES, STATUSES

        agreements = _agreements()
        assert {a.status for a in agreements.values()} == set(STATUSES)
        assert {a.schools_scope for a in agreements.values()} == set(SCHOOLS_SCOPES)
        councils = {a.employer.la_code for a in agreements.values() if a.employer.kind == "local_authority"}
        assert councils == {"302", "202", "391", "390"}
        assert {a.employer.kind for a in agreements.values()} >= {"local_authority", "academy_trust"}
        for a in agreements.values():  # every employer is one its branch deals with
            assert a.branch_id in {b.id for b in a.employer.branches}
        named = [s for a in agreements.values() for s in a.named_schools]
        assert {s.inclusion for s in named} == {"in", "out"}
        assert all(s.workplace.kind == "school" for s in named)


    def test_the_barnet_agreement(self, demo_world):
        from ulr_app.agreements import queries
        from ulr_app.core.timeline import TimelineEntry

        a = _agreements()["Barnet UNISON and London Borough of Barnet learning agreement"]
        assert (a.branch.name, a.employer.name, a.kind, a.status, a.schools_scope) == (
            "Barnet", "London Borough of Barnet", "partnership", "signed", "included")
        assert [(p.service, p.places) for p in a.ulr_places_by_service] == [
            ("Housing", 2), ("Environment", 2), ("Children's services", 3), ("Adult social care", 2), ("Resources", 1)]
        assert a.ulr_places == 10
        assert (a.partnership_group, a.partnership_employer_members, a.partnership_union_members,
                a.partnership_meeting_frequency) == (True, 4, 4, "quarterly")
        assert a.coordinator and a.coordinator_release_days == 1 and a.learning_centre and a.learning_centre_details
        assert {t.course_category: t.arrangement for t in a.learner_time_by_course} == {
            "skills_for_life": "paid", "vocational": "matched", "higher_education": "own_time"}
        assert a.signed_on == demo.REFERENCE_DATE - timedelta(days=300)
        assert a.review_due_on == demo.REFERENCE_DATE + timedelta(days=430)
        assert a.expires_on == demo.REFERENCE_DATE + timedelta(days=795)
        assert a.employer_signatory and a.union_signatory and "Barnet UNISON" in a.union_signatory_role
        assert a.needs_analysis_learning_only and a.confidentiality and "JNC" in a.disputes_route
        # every school the council maintains is covered (the academies are the trust's, not the council's)
        council_schools = db.session.scalar(select(func.count()).select_from(Workplace).where(
            Workplace.employer_id == a.employer_id, Workplace.kind == "school"))
        assert council_schools > 50
        assert queries.coverage_summary(queries.coverage(a)) == {"covered": council_schools, "not_covered": 0, "unclear": 0}
        # made through the services: audited as the demo data, with a timeline
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "agreement",
                                                              AuditEntry.object_id == a.id)).all()
        assert {e.actor_label for e in entries} == {"demo data"} and entries[0].action == "create"
        timeline = db.session.scalars(select(TimelineEntry).where(TimelineEntry.object_type == "agreement",
                                                                  TimelineEntry.object_id == a.id)
                                      .order_by(TimelineEntry.id)).all()
        assert [t.kind for t in timeline] == ["created", "status_changed", "edited", "status_changed"]
        assert "Joint Negotiating Committee" in timeline[-1].text


    def test_the_demo_has_reminders_on_the_day_it_is_built(self, demo_world):
        from ulr_app.agreements import queries, rules

        agreements = _agreements()
        today = date.today()
        reminders = rules.reminders(queries.reminder_facts(None), today)
        by_kind = {}
        for r in reminders:
            by_kind.setdefault(r.kind, []).append(r)
        assert set(by_kind) == {"review_overdue", "review_due", "stale_draft"}
        due = [agreements_by_id(agreements)[r.agreement_id] for r in by_kind["review_due"]]
        assert [a.title for a in due] == ["Gateshead Council and Gateshead UNISON learning agreement"]
        assert due[0].review_due_on == today + timedelta(days=40)
        overdue = {agreements_by_id(agreements)[r.agreement_id].title for r in by_kind["review_overdue"]}
        assert "Newcastle City Council and UNISON learning agreement" in overdue
        stale = agreements_by_id(agreements)[by_kind["stale_draft"][0].agreement_id]
        assert stale.status == "draft" and stale.last_activity_at.date() == demo.REFERENCE_DATE - timedelta(days=120)
        # and still on a later day (the overdue and the stale ones do not depend on the build date)
        later = {r.kind for r in rules.reminders(queries.reminder_facts(None), today + timedelta(days=400))}
        assert {"review_overdue", "stale_draft"} <= later


    def test_small_world_has_ulrs_in_every_status(self, demo_world):
        from ulr_app.reps import queries, rules

        reps, _requests = _reps_and_requests()
        today = date.today()
        states = {r.id: queries.state(r, today) for r in reps}
        assert {s.status for s in states.values()} == set(rules.STATUSES)
        # "almost no ULRs are based in schools": some, but a minority
        school_based = [r for r in reps if states[r.id].school_based]
        assert 0 < len(school_based) < len(reps) / 3
        branches = db.session.scalars(select(Branch)).all()
        for branch in branches:
            assert 2 <= sum(r.branch_id == branch.id for r in reps) <= 3
        # every demo ULR login is a ULR; a few ULRs have no login
        logins = db.session.scalars(select(User).where(User.role == "learning_rep")).all()
        assert sorted(u.id for u in logins) == sorted(r.user_id for r in reps if r.user_id)
        assert all(r.email == db.session.get(User, r.user_id).email for r in reps if r.user_id)
        assert any(r.user_id is None for r in reps)
        # one ULR's training deadline falls within a month of the build date, so the warning shows
        warned = [r for r in reps if states[r.id].training_warning]
        assert len(warned) == 1 and 0 < states[warned[0].id].days_left <= 31 and warned[0].user_id
        # the training milestones went through the services: on the timeline, audited as the demo data
        from ulr_app.core.timeline import TimelineEntry

        trained = next(r for r in reps if r.training_completion_notified_on and r.will_train_notice_on)
        kinds = db.session.scalars(select(TimelineEntry.kind).where(TimelineEntry.object_type == "rep",
                                                                    TimelineEntry.object_id == trained.id)).all()
        assert kinds[0] == "created" and "milestone" in kinds
        actors = set(db.session.scalars(select(AuditEntry.actor_label).where(AuditEntry.object_type == "rep")))
        assert actors == {"demo data"}


    def test_a_year_of_time_off_requests_with_schools_refusing_more(self, demo_world):
        from ulr_app.timeoff import queries
        from ulr_app.timeoff.models import KIND_PURPOSES, KINDS

        reps, requests = _reps_and_requests()
        today = date.today()
        assert len(requests) >= 100
        assert {r.kind for r in requests} == set(KINDS)
        assert all(r.purpose in KIND_PURPOSES[r.kind] for r in requests)
        sent = [r for r in requests if r.requested_on]
        assert all(today - timedelta(days=366) <= r.requested_on <= today for r in sent)
        assert {"draft", "submitted", "granted", "partly_granted", "refused", "withdrawn"} == {r.status for r in requests}
        # notice mostly adequate, some short
        notice = [queries.state(r, today=today).notice_ok for r in sent]
        assert 0 < notice.count(False) < len(notice) * 0.3
        # schools refuse noticeably more often than council services, mostly for want of cover and for workload
        decided = [r for r in requests if r.decided_on and r.status != "withdrawn"]
        rate = {}
        for kind in ("school", "service"):
            of_kind = [r for r in decided if r.workplace.kind == kind]
            rate[kind] = sum(r.status == "refused" for r in of_kind) / len(of_kind)
        assert rate["school"] >= 0.25 and rate["service"] <= 0.15 and rate["school"] > 2 * rate["service"]
        school_reasons = [r.refusal_reason for r in decided if r.status == "refused" and r.workplace.kind == "school"]
        top_two = sorted(set(school_reasons), key=school_reasons.count, reverse=True)[:2]
        assert set(top_two) == {"cover", "workload"}
        # open refusals on the build date: some within 14 days, one with Acas early conciliation
        admin = db.session.scalars(select(User).where(User.role == "admin")).one()
        open_refusals = queries.open_refusals(admin, today)
        assert len(open_refusals) >= 3
        assert sum((s.tribunal_deadline - today).days <= 14 for _r, s in open_refusals) >= 2
        assert any(r.acas_ec_started_on for r, _s in open_refusals)
        # recorded through the services: a ULR's own requests are theirs; audited as the demo data
        by_ulr = [r for r in requests if r.created_by_id and r.rep and r.rep.user_id == r.created_by_id]
        assert by_ulr and all(r.kind in ("ulr_duties", "ulr_training") for r in by_ulr)
        actors = set(db.session.scalars(select(AuditEntry.actor_label).where(AuditEntry.object_type == "time_off_request")))
        assert actors == {"demo data"}
        # and `flask reminders` has both kinds to tell on the build date
        from ulr_app.core import reminders

        kinds = {n.kind for n in reminders.due(today)}
        assert {"training_deadline", "tribunal_deadline"} <= kinds


    def test_small_world_has_learners_and_cases(self, demo_world):
        from ulr_app.cases.models import Case
        from ulr_app.core.permissions import visible
        from ulr_app.core.timeline import TimelineEntry
        from ulr_app.learners.models import Learner

        logins = logins_from(demo_world.result.output)
        today = date.today()
        w = _learner_world()
        _check_learners(w, today)
        _check_cases(w, today)
        # the demo ULR logins have a caseload: learners assigned to them, and their own cases
        ulr_emails = [email for role, email, _p in logins if role == "learning_rep"]
        for email in ulr_emails:
            user = db.session.scalars(select(User).where(User.email == email)).one()
            assert db.session.scalars(visible(select(Learner), user)).all(), email
        first = db.session.scalars(select(User).where(User.email == ulr_emails[0])).one()
        assert len(db.session.scalars(visible(select(Learner), first)).all()) >= 5
        assert any(db.session.scalars(visible(select(Case), db.session.scalars(select(User).where(
            User.email == email)).one())).all() for email in ulr_emails)
        # recorded through the services, as the demo data: audit trail and timelines
        for kind in ("learner", "enrolment", "needs_assessment", "case_record", "activity", "follow_up"):
            actors = set(db.session.scalars(select(AuditEntry.actor_label).where(AuditEntry.object_type == kind)))
            assert actors == {"demo data"}, kind
        kinds = set(db.session.scalars(select(TimelineEntry.kind).where(TimelineEntry.object_type == "learner")))
        assert {"created", "needs_analysis", "enrolment", "contact", "follow_up"} <= kinds
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "reassign")) >= 1  # the stood-down ULR's learners were moved

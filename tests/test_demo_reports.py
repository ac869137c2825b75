"""The demo world gives every report something real (ulr_app/demo_reports.py): a ULF project with
four quarters of targets, a missed measure and its explanation, spend and a re-profile, the Go
Award standards and evidence, schools refusing time off far more often, equality monitoring with
small groups. Actual figures are counted here with plain SQL, independently of the app's code."""
from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Date, bindparam, func, select, text

from tests.test_demo import logins_from, run_small, write_fake_national
from ulr_app.demo import reports as demo_reports
from ulr_app.accounts.models import User
from ulr_app.core import periods
from ulr_app.core.audit_models import AuditEntry
from ulr_app.extensions import db
from ulr_app.funding.models import (MEASURES, GoAwardEvidence, GoAwardStandard, ProfileChange, Programme, Project,
                                    ProjectSpend, ProjectTarget)
from ulr_app.organisation.models import Branch, Employer
from ulr_app.reports.models import FundingReturn


def _quarters(today: date) -> list[periods.Period]:
    return demo_reports.project_periods(today)


def _main_project() -> Project:
    return db.session.scalars(select(Project).join(Programme).where(Programme.code == "ulf")
                              .order_by(Project.id)).first()


def _sql(query: str, **params) -> int:
    """One number from plain SQL; dates bound as dates on both backends."""
    statement = text(query).bindparams(*[bindparam(k, type_=Date) for k, v in params.items() if isinstance(v, date)])
    return db.session.execute(statement, params).scalar_one()


# every measure, counted by the definitions of domain.md section 6 (the project is for one branch)
ACTIVE = ("e.started_on IS NOT NULL AND e.started_on <= :e "
          "AND (e.completed_on IS NULL OR e.completed_on >= :s) AND (e.achieved_on IS NULL OR e.achieved_on >= :s) "
          "AND (e.withdrawn_on IS NULL OR e.withdrawn_on >= :s)")
# a learning outcome: completed or achieved, on the earlier of the two dates
OUTCOME = ("e.status IN ('completed', 'achieved') "
           "AND (e.completed_on IS NULL OR e.completed_on >= :s) AND (e.achieved_on IS NULL OR e.achieved_on >= :s) "
           "AND ((e.completed_on IS NOT NULL AND e.completed_on <= :e) "
           "OR (e.achieved_on IS NOT NULL AND e.achieved_on <= :e))")
SQL = {
    "learners_engaged": f"SELECT COUNT(DISTINCT e.learner_id) FROM enrolment e WHERE e.project_id = :p AND {ACTIVE}",
    "learning_outcomes": f"SELECT COUNT(*) FROM enrolment e WHERE e.project_id = :p AND {OUTCOME}",
    "needs_assessed": "SELECT COUNT(*) FROM needs_assessment n JOIN learner l ON l.id = n.learner_id "
                      "WHERE l.branch_id = :b AND n.assessed_on BETWEEN :s AND :e",
    "ulrs_recruited": "SELECT COUNT(*) FROM rep WHERE branch_id = :b AND appointed_on BETWEEN :s AND :e",
    "ulrs_trained": "SELECT COUNT(*) FROM rep WHERE branch_id = :b AND trained_on BETWEEN :s AND :e",
    "agreements_signed": "SELECT COUNT(*) FROM agreement WHERE branch_id = :b AND signed_on BETWEEN :s AND :e",
    "new_members": "SELECT COUNT(*) FROM learner l WHERE l.branch_id = :b AND l.joined_union_on BETWEEN :s AND :e "
                   "AND EXISTS (SELECT 1 FROM enrolment e WHERE e.learner_id = l.id AND e.project_id = :p)",
}


def actual(project: Project, measure: str, q: periods.Period) -> int:
    return _sql(SQL[measure], p=project.id, b=project.branch_id, s=q.start, e=q.end)


def targets_of(project: Project) -> dict[tuple[str, str], int]:
    return {(t.period, t.measure): t.target for t in db.session.scalars(
        select(ProjectTarget).where(ProjectTarget.project_id == project.id))}


def test_project_periods_and_target_sizing():
    assert [q.code for q in demo_reports.project_periods(date(2026, 12, 7))] == [
        "FY2026-Q1", "FY2026-Q2", "FY2026-Q3", "FY2026-Q4"]
    assert [q.code for q in demo_reports.project_periods(date(2027, 5, 1))] == [
        "FY2026-Q3", "FY2026-Q4", "FY2027-Q1", "FY2027-Q2"]
    rng = random.Random(1)
    for n in range(0, 60):
        near = demo_reports.near_target(n, rng)
        assert near == n if n <= 2 else abs(demo_reports.variance_pct(n, near)) <= 15
        missed = demo_reports.missed_target(n)
        assert demo_reports.variance_pct(n, missed) < -20
    assert demo_reports.enrolment_end(date(2026, 5, 1), None, date(2026, 4, 1)) == date(2026, 4, 1)
    assert demo_reports.active_in(date(2026, 1, 1), None, date(2026, 4, 1), date(2026, 6, 30))
    assert not demo_reports.active_in(date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 1), date(2026, 6, 30))
    assert not demo_reports.active_in(None, None, date(2026, 4, 1), date(2026, 6, 30))


def _fingerprint() -> tuple[dict, str]:
    counts = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in (
        Project, ProjectTarget, ProjectSpend, ProfileChange, FundingReturn, GoAwardStandard, GoAwardEvidence)}
    counts["linked_enrolments"] = _sql("SELECT COUNT(*) FROM enrolment WHERE project_id IS NOT NULL")
    names = dict(db.session.execute(select(Project.id, Project.name)).tuples().all())
    key = {
        "projects": [(p.name, p.programme.code, p.starts_on.isoformat(), p.ends_on.isoformat(), str(p.budget))
                     for p in db.session.scalars(select(Project).order_by(Project.name))],
        "targets": sorted((names[t.project_id], t.period, t.measure, t.target)
                          for t in db.session.scalars(select(ProjectTarget))),
        "spend": sorted((names[s.project_id], s.period, str(s.budget), str(s.actual))
                        for s in db.session.scalars(select(ProjectSpend))),
        "changes": [(c.reason, c.before, c.after, c.changed_at.isoformat())
                    for c in db.session.scalars(select(ProfileChange))],
        "returns": [(r.period, r.status, r.explanations) for r in db.session.scalars(select(FundingReturn))],
        "standards": sorted((s.code, s.status) for s in db.session.scalars(select(GoAwardStandard))),
        "evidence": sorted((e.standard_code, e.kind, e.title, e.link_type or "", e.sha256 or "")
                           for e in db.session.scalars(select(GoAwardEvidence))),
        "linked": sorted(db.session.execute(text(
            "SELECT l.name, c.title, e.started_on FROM enrolment e JOIN learner l ON l.id = e.learner_id "
            "JOIN course c ON c.id = e.course_id WHERE e.project_id IS NOT NULL")).all()),
    }
    key["linked"] = [[str(v) for v in row] for row in key["linked"]]
    return counts, hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


def test_two_builds_with_the_same_seed_are_the_same(app, runner):
    from tests.conftest import _empty_tables

    run_small(runner, "--seed", "11")
    first = _fingerprint()
    assert first[0]["project"] == 2 and first[0]["linked_enrolments"] > 0
    db.session.remove()
    _empty_tables()
    run_small(runner, "--seed", "11")
    assert _fingerprint() == first


def test_national_scale_has_a_project_in_a_few_regions(app, runner, tmp_path, monkeypatch):
    path = tmp_path / "schools.csv"
    write_fake_national(path)
    monkeypatch.setenv("ULR_SCHOOLS_CSV", str(path))
    result = runner.invoke(args=["demo-data", "--scale", "national", "--fraction", "0"])
    assert result.exit_code == 0, result.output
    projects = db.session.scalars(select(Project).order_by(Project.id)).all()
    regions = {b.region_id for b in db.session.scalars(select(Branch))}
    assert {p.programme.code for p in projects} == {"ulf"}
    assert len(projects) == min(len(regions), demo_reports.NATIONAL_PROJECT_REGIONS)
    assert len({p.region_id for p in projects}) == len(projects)
    assert all(p.branch_id and p.lead_organiser_id for p in projects)
    assert db.session.scalar(select(func.count()).select_from(ProjectTarget)) == len(projects) * 4 * len(MEASURES)
    assert [r.project_id for r in db.session.scalars(select(FundingReturn))] == [projects[0].id]
    assert db.session.scalar(select(func.count()).select_from(GoAwardStandard)) == 8


class TestTheSmallWorldsReports:
    """Tests that only read the small world: it is built once for them all (conftest.small_demo)."""

    def test_the_ulf_project_has_four_quarters_of_targets_and_a_lead(self, demo_world):
        logins = logins_from(demo_world.result.output)
        today = date.today()
        quarters = _quarters(today)
        project = _main_project()
        barnet = db.session.scalars(select(Branch).order_by(Branch.id)).first()
        assert barnet.name == "Barnet"
        assert (project.branch_id, project.region_id) == (barnet.id, barnet.region_id)
        assert project.programme.measures == list(MEASURES)
        assert (project.starts_on, project.ends_on) == (quarters[0].start, quarters[-1].end)
        assert project.budget == Decimal("48000.00")
        # the lead is the first organiser `make run` prints (the one whose region holds the project)
        first_organiser = next(email for role, email, _p in logins if role == "regional_organiser")
        lead = db.session.get(User, project.lead_organiser_id)
        assert lead.email == first_organiser and lead.region_id == project.region_id
        # the demo convenor shown first is Barnet's
        first_convenor = next(email for role, email, _p in logins if role == "branch_convenor")
        assert db.session.scalars(select(User).where(User.email == first_convenor)).one().branch_id == barnet.id
        targets = targets_of(project)
        assert set(targets) == {(q.code, m) for q in quarters for m in MEASURES}
        assert all(isinstance(v, int) and v >= 0 for v in targets.values())
        assert sum(targets[(q.code, "learners_engaged")] > 0 for q in quarters) == 4
        # the enrolments linked to it are Barnet learners' enrolments, active in its quarters
        linked = db.session.execute(text(
            "SELECT l.branch_id, e.started_on FROM enrolment e JOIN learner l ON l.id = e.learner_id "
            "WHERE e.project_id = :p"), {"p": project.id}).all()
        assert len(linked) >= 10 and {b for b, _s in linked} == {barnet.id}
        # recorded as the demo data
        for kind in ("project", "project_target", "project_spend", "project_profile_change", "funding_return",
                     "go_award_standard", "go_award_evidence"):
            actors = set(db.session.scalars(select(AuditEntry.actor_label).where(AuditEntry.object_type == kind)))
            assert actors == {"demo data"}, kind
        # the rest of the region has a region-wide Go Award project
        others = db.session.scalars(select(Project).where(Project.id != project.id)).all()
        assert [(p.programme.code, p.branch_id, p.region_id) for p in others] == [("go_award", None, barnet.region_id)]
        assert _sql("SELECT COUNT(*) FROM enrolment WHERE project_id = :p", p=others[0].id) >= 5


    def test_actuals_land_near_the_targets_but_one_measure_is_missed_and_explained(self, demo_world):
        today = date.today()
        q1, q2, *_later = _quarters(today)
        project = _main_project()
        targets = targets_of(project)
        variances = {}
        for q in (q1, q2):
            for measure in MEASURES:
                got, want = actual(project, measure, q), targets[(q.code, measure)]
                variances[(q.code, measure)] = (got, want)
                if (q.code, measure) == (q2.code, "learners_engaged"):
                    assert got < 0.8 * want, (got, want)  # clearly missed: more than 20% under
                elif want:
                    assert abs(got - want) <= 0.2 * want, (q.code, measure, got, want)
                else:
                    assert got == 0, (q.code, measure)
        # real figures: learners engaged and outcomes in both past quarters, an agreement signed
        assert all(variances[(q.code, "learners_engaged")][0] >= 5 for q in (q1, q2))
        assert all(variances[(q.code, "learning_outcomes")][0] >= 1 for q in (q1, q2))
        assert variances[(q1.code, "agreements_signed")][0] >= 1
        # the draft return for the second quarter explains the miss, and only it needs explaining
        returns = db.session.scalars(select(FundingReturn)).all()
        assert [(r.project_id, r.period, r.status) for r in returns] == [(project.id, q2.code, "draft")]
        assert set(returns[0].explanations) == {"learners_engaged"}
        assert "summer" in returns[0].explanations["learners_engaged"]
        assert returns[0].submitted_at is None and returns[0].run_id is None
        # the app's own figures agree: the organiser can submit it with that one explanation
        figures = pytest.importorskip("ulr_app.reports.figures")
        if hasattr(figures, "funding_return"):
            organiser = db.session.get(User, project.lead_organiser_id)
            second = figures.funding_return(project, q2, organiser)
            assert second["needs_explanation"] == ["learners_engaged"] and not second["spend"]["needs_explanation"]
            assert {m["code"]: m["actual"] for m in second["measures"]} == {m: v[0] for (p, m), v in variances.items()
                                                                            if p == q2.code}
            assert figures.funding_return(project, q1, organiser)["needs_explanation"] == []


    def test_budget_spend_and_the_re_profile(self, demo_world):
        today = date.today()
        quarters = _quarters(today)
        project = _main_project()
        spend = {s.period: s for s in db.session.scalars(select(ProjectSpend).where(ProjectSpend.project_id == project.id))}
        assert set(spend) == {q.code for q in quarters}
        assert sum(s.budget for s in spend.values()) == project.budget
        assert all(s.budget == s.budget.quantize(Decimal("0.01")) for s in spend.values())
        for q in quarters:
            assert (spend[q.code].actual is not None) == (q.end < today), q.code
        past = [spend[q.code] for q in quarters if q.end < today]
        assert len(past) == 2
        assert past[0].actual > past[0].budget  # the first quarter overspent
        assert past[1].actual <= past[1].budget
        assert all(s.actual == s.actual.quantize(Decimal("0.01")) for s in past)
        # one re-profile, with its reason; "after" is what the profile says now, and it moved, not added
        changes = db.session.scalars(select(ProfileChange).where(ProfileChange.project_id == project.id)).all()
        assert len(changes) == 1
        change = changes[0]
        assert "moved" in change.reason and change.changed_by_id == project.lead_organiser_id
        assert quarters[1].start <= change.changed_at.date() <= quarters[1].end
        targets = targets_of(project)
        for period, values in change.after["targets"].items():
            for measure, value in values.items():
                assert targets[(period, measure)] == value
        for period, values in change.after["spend"].items():
            assert spend[period].budget == Decimal(values["budget"])
        assert sum(Decimal(v["budget"]) for v in change.before["spend"].values()) == sum(
            Decimal(v["budget"]) for v in change.after["spend"].values())
        assert change.before != change.after


    def test_go_award_standards_and_evidence(self, demo_world):
        council = db.session.scalars(select(Employer).where(Employer.la_code == "302",
                                                            Employer.kind == "local_authority")).one()
        standards = db.session.scalars(select(GoAwardStandard)).all()
        assert {s.employer_id for s in standards} == {council.id}
        from ulr_app.funding.models import GO_AWARD_STANDARDS

        assert sorted(s.code for s in standards) == sorted(GO_AWARD_STANDARDS)
        assert Counter(s.status for s in standards) == {"met": 3, "in_progress": 3, "not_started": 2}
        evidence = db.session.scalars(select(GoAwardEvidence).order_by(GoAwardEvidence.id)).all()
        assert {e.employer_id for e in evidence} == {council.id}
        links = {e.link_type: e for e in evidence if e.kind == "link"}
        assert set(links) == {"agreement", "rep"}
        from ulr_app.agreements.models import Agreement
        from ulr_app.reps.models import Rep

        agreement = db.session.get(Agreement, links["agreement"].link_id)
        assert agreement.employer_id == council.id and agreement.status == "signed"
        rep = db.session.get(Rep, links["rep"].link_id)
        assert rep.employer_id == council.id and rep.stood_down_on is None
        documents = [e for e in evidence if e.kind == "document"]
        assert 1 <= len(documents) <= 2
        for doc in documents:
            path = Path(demo_world.app.instance_path) / doc.stored_as
            content = path.read_bytes()
            assert content.startswith(b"%PDF-") and len(content) == doc.size_bytes
            assert hashlib.sha256(content).hexdigest() == doc.sha256
            assert doc.content_type == "application/pdf" and doc.original_name.endswith(".pdf")
            assert doc.stored_as.startswith(f"goaward/{council.id}/")
        # every piece of evidence is for a standard that has started
        status = {s.code: s.status for s in standards}
        assert all(status[e.standard_code] != "not_started" for e in evidence)
        # the Go Award pages find the files where uploads are kept
        goaward = pytest.importorskip("ulr_app.funding.goaward")
        if hasattr(goaward, "evidence_path"):
            assert all(goaward.evidence_path(doc).is_file() for doc in documents)


    def test_schools_refuse_time_off_far_more_and_few_ulrs_are_school_based(self, demo_world):
        rows = db.session.execute(text(
            "SELECT w.kind, t.status FROM time_off_request t JOIN workplace w ON w.id = t.workplace_id "
            "WHERE t.status IN ('granted', 'partly_granted', 'refused')")).all()
        rate = {}
        for group, kinds in (("school", {"school"}), ("other", {"service", "other"})):
            decided = [s for k, s in rows if k in kinds]
            rate[group] = sum(s == "refused" for s in decided) / len(decided)
            assert len(decided) >= 20, group
        # "Time to train": about 40% of decided school requests refused, about 10% elsewhere
        assert 0.30 <= rate["school"] <= 0.55, rate
        assert rate["other"] <= 0.15, rate
        assert rate["school"] >= 3 * rate["other"], rate
        # ULRs: mostly not school-based (only a few are)
        reps = db.session.execute(text(
            "SELECT w.kind FROM rep r JOIN workplace w ON w.id = r.workplace_id")).scalars().all()
        assert 1 <= reps.count("school") <= len(reps) / 4
        # learners from schools in every school staff category, learning support the largest
        from_schools = Counter(db.session.execute(text(
            "SELECT l.staff_category FROM learner l JOIN workplace w ON w.id = l.workplace_id "
            "WHERE w.kind = 'school' AND l.staff_category IS NOT NULL")).scalars())
        assert set(from_schools) == {"learning_support", "pupil_welfare", "specialist_technical", "administrative", "site"}
        assert max(from_schools, key=from_schools.get) == "learning_support"


    def test_equality_monitoring_has_small_groups(self, demo_world):
        for column in ("gender", "ethnicity", "disability", "age_band"):
            counts = dict(db.session.execute(text(
                f"SELECT {column}, COUNT(*) FROM learner WHERE {column} IS NOT NULL GROUP BY {column}")).all())
            assert any(n >= 5 for n in counts.values()), column  # shown
            assert any(1 <= n < 5 for n in counts.values()), column  # suppressed as "<5"

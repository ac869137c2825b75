"""`flask reminders`: ULR training deadlines and refused time off's tribunal deadlines, each told once."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from ulr_app.core import reminders as registry
from ulr_app.core.timeline import ReminderSent
from ulr_app.extensions import db
from ulr_app.reps import services as reps
from ulr_app.reps.reminders import training_reminders
from ulr_app.timeoff import services as time_off
from ulr_app.timeoff.reminders import tribunal_deadline_reminders

TODAY = "2026-06-20"


def _sent() -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(select(ReminderSent.key)))


def run(runner, *args):
    return runner.invoke(args=["reminders", *args])


@pytest.fixture
def ulrs(world):
    """Barnet: Pat, 'will be trained' notice 10 January 2026 (deadline 10 July: within a month of TODAY), and
    Sam, notice 1 March (deadline 1 September: not yet). Newcastle: Kim, trained and the employer told."""
    made = {}
    for key, branch, employer, workplace, name, notice, extra in (
            ("pat", "a1", "a1", "school_a1", "Pat Jones", "2026-01-10", {}),
            ("sam", "a1", "a1", "service_a1", "Sam Green", "2026-03-01", {}),
            ("kim", "b1", "b1", "school_b1", "Kim Lee", "2026-01-10",
             {"trained_on": "2026-02-01", "training_completion_notified_on": "2026-02-03"})):
        made[key] = reps.create_rep({
            "name": name, "employer_id": getattr(world.employers, employer).id,
            "workplace_id": getattr(world.workplaces, workplace).id, "appointed_on": "2026-01-05",
            "notice_given_on": notice, "training_route": "will_train", "will_train_notice_on": notice, **extra},
            branch=getattr(world.branches, branch))
    db.session.commit()
    return made


def _refusal(world, rep, decided_on, *, kind="ulr_duties", claim=None, **acas):
    request = time_off.create_request({
        "kind": kind, "rep_id": rep.id if kind != "learner_release" else None, "workplace_id": rep.workplace_id,
        "purpose": {"ulr_duties": "promoting_learning", "learner_release": "course_attendance"}[kind],
        "starts_at": "2026-02-20T09:30", "duration_hours": "3", "location": "Staff room", "course": "Maths L1",
        "requested_on": "2026-02-01"}, branch=rep.branch)
    time_off.submit(request)
    time_off.record_decision(request, {"status": "refused", "decided_on": decided_on, "refusal_reason": "cover"})
    if acas or claim:
        time_off.record_acas(request, {**acas, "tribunal_claim_on": claim})
    return request


@pytest.fixture
def refusals(world, ulrs):
    """Refused on 31 March (deadline 29 June: 9 days after TODAY); on 15 May (14 August: too far); on 31 March with
    a claim presented; a learner release refused on 31 March (no statutory deadline); Newcastle: refused on
    20 March (deadline 19 June: passed)."""
    made = {
        "near": _refusal(world, ulrs["pat"], "2026-03-31"),
        "far": _refusal(world, ulrs["sam"], "2026-05-15"),
        "claimed": _refusal(world, ulrs["pat"], "2026-03-31", claim="2026-06-01"),
        "release": _refusal(world, ulrs["sam"], "2026-03-31", kind="learner_release"),
        "passed": _refusal(world, ulrs["kim"], "2026-03-20"),
    }
    db.session.commit()
    return made


def test_the_sources_are_registered():
    assert "ulr_app.reps.reminders:training_reminders" in registry.SOURCES
    assert "ulr_app.timeoff.reminders:tribunal_deadline_reminders" in registry.SOURCES
    assert training_reminders in registry.sources() and tribunal_deadline_reminders in registry.sources()


def test_training_deadline_within_a_month(world, ulrs):
    today = date(2026, 6, 20)
    notices = training_reminders(today)
    assert [(n.key, n.branch_id, n.due_on, n.subject) for n in notices] == [
        (f"rep:{ulrs['pat'].id}:training-deadline:2026-07-10", world.branches.a1.id, date(2026, 7, 10), "Pat Jones")]
    assert "20 days left" in notices[0].message and "no second 'will be trained' notice" in notices[0].message
    assert "s.168A" not in notices[0].message  # plain words (issue 12)
    assert training_reminders(date(2026, 6, 9)) == []  # more than a month before
    assert [n.subject for n in training_reminders(date(2026, 8, 5))] == ["Sam Green"]  # Pat lapsed on 11 July
    # trained and the employer told: no more reminders
    reps.update_rep(ulrs["pat"], {"trained_on": "2026-06-01", "training_completion_notified_on": "2026-06-02"})
    assert training_reminders(today) == []


def test_tribunal_deadline_within_14_days(world, refusals):
    notices = tribunal_deadline_reminders(date(2026, 6, 20))
    assert [(n.key, n.due_on) for n in notices] == [
        (f"time-off:{refusals['near'].id}:tribunal-deadline:2026-06-29", date(2026, 6, 29))]
    assert notices[0].branch_id == world.branches.a1.id
    assert "29 June 2026 (9 days left)" in notices[0].message and "Acas early conciliation" in notices[0].message
    assert "Pat Jones" in notices[0].subject and "refused on 31 March 2026" in notices[0].subject
    # 15 days before Barnet's; Newcastle's (19 June) is 5 days off then
    assert [n.key for n in tribunal_deadline_reminders(date(2026, 6, 14))] == [
        f"time-off:{refusals['passed'].id}:tribunal-deadline:2026-06-19"]
    assert [n.due_on for n in tribunal_deadline_reminders(date(2026, 6, 29))] == [date(2026, 6, 29)]
    assert tribunal_deadline_reminders(date(2026, 6, 30)) == []  # passed
    # early conciliation moves the deadline: a new reminder for the new date
    time_off.record_acas(refusals["near"], {"acas_ec_started_on": "2026-06-10", "acas_ec_certificate_on": "2026-06-15"})
    assert tribunal_deadline_reminders(date(2026, 6, 20)) == []  # 29 June + 5 days = 4 July, but at least 15 July
    assert [n.key for n in tribunal_deadline_reminders(date(2026, 7, 10))] == [
        f"time-off:{refusals['near'].id}:tribunal-deadline:2026-07-15"]


def test_printed_once_not_twice(runner, world, refusals):
    ulrs_pat = refusals["near"].rep
    first = run(runner, "--date", TODAY)
    assert first.exit_code == 0, first.output
    out = first.output
    assert "Reminders for 2026-06-20: 2 new." in out
    assert "Barnet branch. Tell: Convenor Barnet <convenor.barnet@example.org>" in out
    assert "ULR training deadline: Pat Jones (ULR appointment), due 2026-07-10." in out
    assert ("Tribunal deadline: ULR duties (Pat Jones, Brunswick Park Primary School), refused on 31 March 2026 "
            "(time-off request), due 2026-06-29. The last day to present a tribunal claim is 29 June 2026 "
            "(9 days left); Acas early conciliation must be started before then.") in out
    assert "Newcastle" not in out and "Sam Green" not in out
    assert _sent() == {f"rep:{ulrs_pat.id}:training-deadline:2026-07-10",
                       f"time-off:{refusals['near'].id}:tribunal-deadline:2026-06-29"}
    second = run(runner, "--date", TODAY)
    assert second.exit_code == 0 and second.output.strip() == "No new reminders for 2026-06-20."
    # a later day, the same deadlines: still nothing new
    assert run(runner, "--date", "2026-06-25").output.strip() == "No new reminders for 2026-06-25."
    again = run(runner, "--date", TODAY, "--all")
    assert "0 new, 2 already sent" in again.output and again.output.count("(already sent)") == 2
    assert len(_sent()) == 2


@pytest.mark.parametrize("today", [date(2026, 6, 20), date(2026, 2, 28), date(2026, 3, 31), date(2026, 8, 31),
                                   date(2026, 12, 31)])
def test_the_training_facts_are_the_rule_applied_to_every_ulr_in_training(world, today):
    """The query reads only notices whose six months can end within the month ahead; a notice on each day
    from eight months before to a week after ``today`` (month ends and clamping included) gives exactly the
    ULRs the rule warns about when asked of every ULR in training."""
    from datetime import timedelta

    from tests.reports import helpers as h
    from ulr_app.reps import queries as rep_queries
    from ulr_app.reps import rules as rep_rules
    from ulr_app.reps.models import Rep

    for back in range(-7, 245):
        notice = today - timedelta(days=back)
        h.rep(world, training_route="will_train", appointed_on=notice - timedelta(days=30),
              notice_given_on=notice - timedelta(days=20), will_train_notice_on=notice)
    db.session.commit()
    every = db.session.scalars(select(Rep).where(Rep.training_route == "will_train")).all()
    expected = {r.id for r in every if rep_rules.training_warning(rep_queries.facts(r), today)}
    got = {rep.id for rep, _deadline in rep_queries.training_reminder_facts(today)}
    assert got == expected and len(expected) >= 28

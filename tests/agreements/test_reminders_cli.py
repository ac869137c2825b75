"""`flask --app ulr_app reminders`: prints each reminder once (for a daily cron), by branch."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from ulr_app.agreements import services
from ulr_app.core import reminders as registry
from ulr_app.core.reminders import Notice
from ulr_app.core.timeline import ReminderSent
from ulr_app.extensions import db

TODAY = "2026-06-01"


def _sent() -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(select(ReminderSent.key)))


@pytest.fixture
def agreements(world):
    """Barnet: signed, review due 2026-07-01 (30 days after TODAY); Camden: a draft untouched since January;
    Newcastle: signed, review 2027 (nothing due)."""
    w = world
    made = {}
    for key, review in (("a1", "2026-07-01"), ("b1", "2027-06-01")):
        a = services.create_agreement({"title": f"{getattr(w.branches, key).name} learning agreement",
                                       "employer_id": getattr(w.employers, key).id}, branch=getattr(w.branches, key))
        services.change_status(a, "negotiating")
        services.update_agreement(a, {"signed_on": "2025-07-01", "employer_signatory": "Chief Executive",
                                      "union_signatory": "Branch Secretary", "review_due_on": review})
        services.change_status(a, "signed")
        made[key] = a
    draft = services.create_agreement({"title": "Camden catering course", "employer_id": w.employers.a2.id,
                                       "kind": "short_term"}, branch=w.branches.a2)
    draft.last_activity_at = datetime(2026, 1, 5, 12, tzinfo=timezone.utc)
    made["a2"] = draft
    db.session.commit()
    return made


def run(runner, *args):
    return runner.invoke(args=["reminders", *args])


def test_first_run_prints_and_records_then_nothing_new(runner, world, agreements):
    first = run(runner, "--date", TODAY)
    assert first.exit_code == 0, first.output
    out = first.output
    assert "Reminders for 2026-06-01: 2 new." in out
    assert "Barnet branch. Tell: Convenor Barnet <convenor.barnet@example.org>" in out
    assert ("Review due: Barnet learning agreement (learning partnership agreement), due 2026-07-01. "
            "Review of 'Barnet learning agreement' is due in 30 days.") in out
    assert "Camden branch. Tell: Convenor Camden <convenor.camden@example.org>" in out
    assert "Draft untouched: Camden catering course (short-term learning agreement), due 2026-04-05." in out
    assert "Newcastle" not in out
    assert out.index("Barnet branch") < out.index("Camden branch")
    assert _sent() == {f"agreement:{agreements['a1'].id}:review:2026-07-01",
                       f"agreement:{agreements['a2'].id}:stale-draft:2026-01-05"}

    second = run(runner, "--date", TODAY)
    assert second.exit_code == 0 and second.output.strip() == "No new reminders for 2026-06-01."
    # a later day: the same review, now overdue, is the same event: still nothing new
    assert run(runner, "--date", "2026-07-15").output.strip() == "No new reminders for 2026-07-15."
    again = run(runner, "--date", TODAY, "--all")
    assert again.exit_code == 0
    assert "0 new, 2 already sent" in again.output and again.output.count("(already sent)") == 2
    assert len(_sent()) == 2


def test_a_date_in_the_future_records_nothing_and_queues_no_e_mail(runner, world, agreements):
    """Issue 15: `--date` in the future recorded the reminders as sent, so on the day itself they were never told."""
    from datetime import timedelta

    from ulr_app.mail.models import OutboxMessage

    ahead = (date.today() + timedelta(days=400)).isoformat()
    result = run(runner, "--date", ahead)
    assert result.exit_code == 0, result.output
    assert f"Reminders for {ahead}: " in result.output and "Barnet learning agreement" in result.output
    assert (f"{ahead} is in the future: this is what will be due then. Nothing was recorded as sent and no e-mail "
            "was queued.") in result.output
    assert _sent() == set()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    # today's run still tells them
    assert "2 new" in run(runner, "--date", TODAY).output


def test_dry_run_records_nothing(runner, world, agreements):
    result = run(runner, "--date", TODAY, "--dry-run")
    assert result.exit_code == 0 and "Review due: Barnet learning agreement" in result.output
    assert "Dry run: nothing was recorded as sent." in result.output
    assert _sent() == set()
    assert "2 new" in run(runner, "--date", TODAY).output


def test_a_new_review_date_is_a_new_reminder(runner, world, agreements):
    run(runner, "--date", TODAY)
    a = db.session.merge(agreements["a1"])
    services.update_agreement(a, {"review_due_on": "2026-07-20"})
    db.session.commit()
    result = run(runner, "--date", TODAY)
    assert result.exit_code == 0
    assert "Reminders for 2026-06-01: 1 new." in result.output and "due 2026-07-20" in result.output
    assert "Camden" not in result.output
    # Barnet's convenor and London's organiser had the day's e-mail already (one a day): it waits for the next day's
    assert "1 reminder waits for tomorrow's" in result.output
    assert f"agreement:{a.id}:review:2026-07-20" not in _sent()
    next_day = run(runner, "--date", "2026-06-02")
    assert "Reminders for 2026-06-02: 1 new." in next_day.output and "E-mail: 2 reminder e-mails queued." in next_day.output
    assert f"agreement:{a.id}:review:2026-07-20" in _sent()


def test_no_reminders_at_all(runner, world):
    result = run(runner)
    assert result.exit_code == 0 and result.output.strip() == "No new reminders."
    assert _sent() == set()


@pytest.mark.parametrize("bad", ["2026-02-30", "01/06/2026", "tomorrow", "", "2026-6-1", "20260601", "2026-06-01x"])
def test_bad_date_is_a_clear_error(runner, world, agreements, bad):
    result = run(runner, "--date", bad)
    assert result.exit_code == 1
    assert "--date must be a real date as YYYY-MM-DD" in result.output
    assert "Traceback" not in result.output
    assert _sent() == set()


def test_a_branch_without_a_convenor_says_so(runner, world, agreements):
    from ulr_app.accounts import services as accounts

    convenor = db.session.merge(world.users.convenor_a1)
    accounts.update_user(convenor, {"active": False}, actor=db.session.merge(world.users.admin))
    db.session.commit()
    output = run(runner, "--date", TODAY, "--dry-run").output
    assert "Barnet branch. Tell: nobody: the branch has no active convenor" in output


def test_other_sources_can_add_reminders(runner, world, agreements, monkeypatch):
    """A later feature (ULR training deadlines, case follow-ups) adds its own source to the list."""
    calls = []

    def training_deadlines(today: date):
        calls.append(today)
        return [Notice(key="rep:1:training-deadline:2026-06-10", branch_id=world.branches.b1.id, kind="training_due",
                       label="Training deadline", subject="Sam Rep", subject_kind="ULR", due_on=date(2026, 6, 10),
                       message="Sam Rep must complete training by 10 June")]

    import sys
    import types

    module = types.ModuleType("fake_training_source")
    module.training_deadlines = training_deadlines
    monkeypatch.setitem(sys.modules, "fake_training_source", module)
    monkeypatch.setattr(registry, "SOURCES", [*registry.SOURCES, "fake_training_source:training_deadlines"])
    result = run(runner, "--date", TODAY)
    assert result.exit_code == 0 and calls == [date(2026, 6, 1)]
    assert "Reminders for 2026-06-01: 3 new." in result.output
    assert "Newcastle City branch. Tell: Convenor Newcastle <convenor.newcastle@example.org>" in result.output
    assert "Training deadline: Sam Rep (ULR), due 2026-06-10. Sam Rep must complete training by 10 June." in result.output
    assert "rep:1:training-deadline:2026-06-10" in _sent()
    assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 3

"""Retention (issue 14 item 4): the periods as rules, and `flask retention` listing, anonymising and
deleting what is past its time, respecting legal holds, one record at a time, safe to repeat."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ulr_app.accounts.models import UserSession
from ulr_app.cases.models import Case
from ulr_app.contacts.models import Activity, FollowUp
from ulr_app.core.audit_models import AuditEntry
from ulr_app.core.jobs_models import Job
from ulr_app.dataprotection import retention, rules
from ulr_app.extensions import db
from ulr_app.learners.models import Learner
from ulr_app.timeoff.models import TimeOffRequest

TODAY = date(2026, 12, 7)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


LONG_AGO = utc(2019, 1, 10, 12, 0)
LATELY = utc(2026, 6, 1, 12, 0)


# --- rules --------------------------------------------------------------------------------------

@pytest.mark.parametrize("day, years, expected", [
    (date(2026, 12, 7), 6, date(2020, 12, 7)),
    (date(2024, 2, 29), 1, date(2023, 2, 28)),   # no 29 February in 2023
    (date(2028, 2, 29), 4, date(2024, 2, 29)),
    (date(2026, 1, 31), 7, date(2019, 1, 31)),
])
def test_years_before(day, years, expected):
    assert rules.years_before(day, years) == expected


@pytest.mark.parametrize("start, years, today, expected", [
    (None, 6, TODAY, False),                          # the clock has not started (an open case)
    (date(2020, 12, 7), 6, TODAY, False),             # the last day kept is today
    (date(2020, 12, 6), 6, TODAY, True),              # one day more
    (date(2025, 12, 7), 1, TODAY, False),
    (date(2025, 12, 6), 1, TODAY, True),
    (date(2025, 2, 28), 1, date(2026, 3, 1), True),
    (date(2024, 2, 29), 1, date(2025, 2, 28), False),  # kept until 28 February in a year with no 29th
    (date(2024, 2, 29), 1, date(2025, 3, 1), True),
])
def test_past_retention(start, years, today, expected):
    assert rules.past_retention(start, years, today) is expected


@pytest.mark.parametrize("setting, expected", [
    (None, rules.RETENTION_DEFAULTS),
    ({}, rules.RETENTION_DEFAULTS),
    ({"learners": 7}, {**rules.RETENTION_DEFAULTS, "learners": 7}),
    ({"audit_entries": 10, "generated_files": 2}, {**rules.RETENTION_DEFAULTS, "audit_entries": 10, "generated_files": 2}),
])
def test_retention_years(setting, expected):
    assert rules.retention_years(setting) == expected


@pytest.mark.parametrize("setting, message", [
    ({"pupils": 3}, "Unknown record type"),
    ({"learners": 0}, "at least 1"),
    ({"learners": -2}, "at least 1"),
    ({"learners": "6"}, "whole number"),
    ({"learners": True}, "whole number"),
])
def test_retention_years_refuses_bad_settings(setting, message):
    with pytest.raises(ValueError, match=message):
        rules.retention_years(setting)


def test_defaults_are_the_issues():
    assert rules.RETENTION_DEFAULTS == {"learners": 6, "closed_cases": 6, "refused_time_off": 1, "audit_entries": 7,
                                        "sign_in_records": 1, "generated_files": 1}


# --- records ------------------------------------------------------------------------------------

def _learner(world, name, *, updated=LONG_AGO, hold=None, branch="a1"):
    learner = Learner(branch_id=getattr(world.branches, branch).id, employer_id=getattr(world.employers, branch).id,
                      name=name, email=f"{name.split()[0].lower()}@example.org", consent_on=date(2018, 5, 1),
                      consent_scope="Keeping learning records", gender="Woman", legal_hold_reason=hold,
                      created_at=updated, updated_at=updated)
    db.session.add(learner)
    db.session.flush()
    return learner


def _case(world, *, closed_on, learner=None, status="closed"):
    case = Case(branch_id=world.branches.a1.id, kind="learner_support", status=status, summary="Help with GCSE maths",
                details="Talked about her divorce", outcome="Enrolled", opened_on=closed_on - timedelta(days=30),
                closed_on=closed_on if status == "closed" else None, learner_id=learner.id if learner else None)
    db.session.add(case)
    db.session.flush()
    db.session.add(Activity(case_id=case.id, kind="note", happened_on=case.opened_on, text="Phoned Ann at home",
                            by_label="test"))
    db.session.add(FollowUp(case_id=case.id, title="Ring Ann back about her health", due_on=case.opened_on,
                            done_on=case.opened_on))
    db.session.flush()
    return case


def _refusal(world, *, decided_on, kind="ulr_duties", claim_on=None, case=None):
    request = TimeOffRequest(branch_id=world.branches.a1.id, kind=kind, workplace_id=world.workplaces.school_a1.id,
                             purpose="analysing_needs", starts_at=datetime.combine(decided_on, datetime.min.time(), tzinfo=timezone.utc),
                             duration_hours=Decimal("2"), location="Staff room", reason="Meet Ann about her dyslexia",
                             status="refused", decided_on=decided_on, refusal_reason="cover",
                             refusal_details="Head said no cover for Ann", tribunal_claim_on=claim_on,
                             case_id=case.id if case else None)
    db.session.add(request)
    db.session.flush()
    return request


def _audit(at, action="update"):
    entry = AuditEntry(at=at, actor_label="someone", action=action, object_type="learner", object_id=1,
                       summary="Changed a learner")
    db.session.add(entry)
    return entry


def _run(apply, **kw):
    return retention.run(apply=apply, today=TODAY, **kw)


def test_dry_run_lists_what_would_go_and_why_and_changes_nothing(world):
    old = _learner(world, "Olive Old")
    recent = _learner(world, "Rita Recent", updated=LATELY)
    case = _case(world, closed_on=date(2019, 3, 1))
    _audit(utc(2018, 1, 1))
    db.session.commit()

    result = _run(False)
    text = "\n".join(result.lines)
    assert f"Learner #{old.id}: would be erased: no activity for over 6 years (last on 2019-01-10)" in text
    assert f"Learner #{recent.id}" not in text
    assert f"Case #{case.id}: details would be removed: closed on 2019-03-01, over 6 years ago" in text
    assert result.done["learners"] == 1 and result.done["closed_cases"] == 1 and result.done["audit_entries"] == 1
    db.session.expire_all()
    assert db.session.get(Learner, old.id).name == "Olive Old"
    assert db.session.get(Case, case.id).details == "Talked about her divorce"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.at < utc(2019, 1, 1))) == 1


def test_apply_erases_quiet_learners_and_keeps_active_ones(world):
    old = _learner(world, "Olive Old")
    recent = _learner(world, "Rita Recent", updated=LATELY)
    with_contact = _learner(world, "Carla Contact")
    db.session.add(Activity(learner_id=with_contact.id, kind="note", happened_on=date(2025, 1, 1), text="Chat"))
    waiting = _learner(world, "Wanda Waiting")
    db.session.add(FollowUp(learner_id=waiting.id, title="Ring back", due_on=date(2019, 2, 1)))  # still open
    db.session.commit()

    result = _run(True)
    assert result.done.get("learners") == 1
    db.session.expire_all()
    erased = db.session.get(Learner, old.id)
    assert erased.name == f"Erased learner #{old.id}" and erased.email is None and erased.gender is None
    assert erased.erased_at is not None
    for kept in (recent, with_contact, waiting):
        assert db.session.get(Learner, kept.id).erased_at is None
    assert "Learners with no activity (kept 6 years): 1" in result.report()


def test_a_legal_hold_keeps_the_learner_and_says_why(world):
    held = _learner(world, "Hilda Held", hold="Tribunal claim 2301234/2019 still live")
    db.session.commit()
    for apply in (False, True):
        result = _run(apply)
        assert result.held.get("learners") == 1 and not result.done.get("learners")
        assert any("Tribunal claim 2301234/2019 still live" in line for line in result.lines)
    db.session.expire_all()
    assert db.session.get(Learner, held.id).name == "Hilda Held"
    assert "1 kept by a legal hold" in result.report()


def test_closed_cases_lose_their_text_after_six_years(world):
    old = _case(world, closed_on=date(2020, 12, 6))
    just_in_time = _case(world, closed_on=date(2020, 12, 7))
    still_open = _case(world, closed_on=date(2015, 1, 1), status="open")
    held_learner = _learner(world, "Hilda Held", hold="Grievance under way", updated=LATELY)
    held = _case(world, closed_on=date(2015, 1, 1), learner=held_learner)
    db.session.commit()

    result = _run(True)
    assert result.done.get("closed_cases") == 1 and result.held.get("closed_cases") == 1
    db.session.expire_all()
    stripped = db.session.get(Case, old.id)
    assert (stripped.summary, stripped.details, stripped.outcome) == (retention.REMOVED, None, None)
    assert (stripped.kind, stripped.status, stripped.closed_on) == ("learner_support", "closed", date(2020, 12, 6))
    assert {a.text for a in db.session.scalars(select(Activity).where(Activity.case_id == old.id))} == {retention.REMOVED}
    assert {f.title for f in db.session.scalars(select(FollowUp).where(FollowUp.case_id == old.id))} == {retention.REMOVED}
    for kept in (just_in_time, still_open, held):
        assert db.session.get(Case, kept.id).details == "Talked about her divorce"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "retention",
                                                        AuditEntry.object_id == old.id)).one()
    assert "divorce" not in str(entry.changes) and entry.actor_label == "retention (command line)"


def test_refused_time_off_loses_its_text_a_year_after_the_tribunal_deadline(world):
    # refused 1 June 2025 (three-month limit: deadline 31 August 2025): kept until 31 August 2026
    gone = _refusal(world, decided_on=date(2025, 6, 1))
    # refused 1 November 2025: deadline 31 January 2026, kept until 31 January 2027
    kept = _refusal(world, decided_on=date(2025, 11, 1))
    open_case = Case(branch_id=world.branches.a1.id, kind="time_off_dispute", status="open", summary="Dispute",
                     opened_on=date(2024, 1, 1))
    db.session.add(open_case)
    db.session.flush()
    claimed = _refusal(world, decided_on=date(2023, 6, 1), claim_on=date(2023, 8, 1), case=open_case)
    db.session.commit()

    dry = _run(False)
    assert any(f"Time-off request #{gone.id}: reason and refusal details would be removed: tribunal deadline "
               f"2025-08-31" in line for line in dry.lines)
    result = _run(True)
    assert result.done.get("refused_time_off") == 1 and result.held.get("refused_time_off") == 1
    db.session.expire_all()
    stripped = db.session.get(TimeOffRequest, gone.id)
    assert (stripped.reason, stripped.refusal_details) == (None, None)
    assert (stripped.status, stripped.refusal_reason, stripped.decided_on) == ("refused", "cover", date(2025, 6, 1))
    assert db.session.get(TimeOffRequest, kept.id).reason == "Meet Ann about her dyslexia"
    assert db.session.get(TimeOffRequest, claimed.id).refusal_details == "Head said no cover for Ann"
    assert any("tribunal claim was made on 2023-08-01" in line for line in result.lines)


def test_logs_are_deleted_by_their_own_periods(world):
    _audit(utc(2019, 12, 6))                       # over 7 years: deleted
    _audit(utc(2019, 12, 8))                       # under 7 years: kept
    _audit(utc(2025, 12, 1), action="sign_in")    # sign-in over 1 year: deleted
    _audit(utc(2026, 1, 1), action="sign_in_failed")  # under a year: kept
    old_session = UserSession(token_hash="a" * 64, user_id=world.users.admin.id, created_at=utc(2025, 1, 1),
                              last_seen_at=utc(2025, 11, 1), expires_at=utc(2025, 11, 2))
    new_session = UserSession(token_hash="b" * 64, user_id=world.users.admin.id, created_at=utc(2025, 1, 1),
                              last_seen_at=utc(2026, 12, 1), expires_at=utc(2026, 12, 2))
    db.session.add_all([old_session, new_session])
    db.session.commit()
    old_id, new_id = old_session.id, new_session.id
    before = {e.at for e in db.session.scalars(select(AuditEntry))}

    result = _run(True)
    assert result.done.get("audit_entries") == 1 and result.done.get("sign_in_records") == 2
    left = {e.at for e in db.session.scalars(select(AuditEntry))}
    assert before - left == {utc(2019, 12, 6), utc(2025, 12, 1)}
    db.session.expire_all()
    assert db.session.get(UserSession, new_id) is not None
    assert db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.id == old_id)) == 0


def test_generated_files_older_than_a_year_are_deleted_from_disk(world, app):
    from pathlib import Path

    folder = Path(app.instance_path) / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    jobs = []
    for n, made in enumerate((utc(2025, 12, 1), utc(2026, 11, 1))):
        path = folder / f"retention-{n}.pdf"
        path.write_bytes(b"%PDF-1.7 test")
        paths.append(path)
        job = Job(kind="report_pdf", title=f"Report {n}", status="done", result_path=f"jobs/retention-{n}.pdf",
                  result_name="r.pdf", created_at=made, finished_at=made)
        db.session.add(job)
        jobs.append(job)
    db.session.commit()
    old_id, new_id = jobs[0].id, jobs[1].id

    result = _run(True)
    assert result.done.get("generated_files") == 1
    assert not paths[0].exists() and paths[1].exists()
    assert db.session.get(Job, old_id) is None and db.session.get(Job, new_id) is not None


def test_a_second_run_finds_nothing_left(world):
    _learner(world, "Olive Old")
    _case(world, closed_on=date(2019, 3, 1))
    _refusal(world, decided_on=date(2024, 6, 1))
    _audit(utc(2018, 1, 1))
    db.session.commit()
    first = _run(True)
    assert sum(first.done.values()) >= 4
    second = _run(True)
    # only the audit entries the first run wrote about itself are new, and they are recent
    assert sum(second.done.values()) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "retention")) == 2


def test_a_longer_setting_keeps_records_longer(world):
    old = _learner(world, "Olive Old")  # last active January 2019: under 8 years
    db.session.commit()
    result = _run(True, settings={"learners": 8})
    assert not result.done.get("learners")
    assert db.session.get(Learner, old.id).erased_at is None
    assert "Learners with no activity (kept 8 years): 0" in result.report()


# --- the command --------------------------------------------------------------------------------

def test_command_dry_run_and_apply(world, runner):
    old = _learner(world, "Olive Old")
    db.session.commit()
    out = runner.invoke(args=["retention", "--dry-run", "--date", "2026-12-07"])
    assert out.exit_code == 0, out.output
    assert f"Learner #{old.id}: would be erased" in out.output and "Dry run: nothing was changed." in out.output
    assert "Would anonymise or delete:" in out.output
    db.session.expire_all()
    assert db.session.get(Learner, old.id).erased_at is None
    out = runner.invoke(args=["retention", "--apply", "--date", "2026-12-07"])
    assert out.exit_code == 0, out.output
    assert "Anonymised or deleted:" in out.output and "Learners with no activity (kept 6 years): 1" in out.output
    db.session.expire_all()
    assert db.session.get(Learner, old.id).erased_at is not None


@pytest.mark.parametrize("args, message", [
    ([], "Choose one: --dry-run"),
    (["--dry-run", "--apply"], "Choose one: --dry-run"),
    (["--dry-run", "--date", "2026-02-30"], "--date must be a real date"),
    (["--apply", "--date", "yesterday"], "--date must be a real date"),
])
def test_command_bad_input_changes_nothing(world, runner, args, message):
    old = _learner(world, "Olive Old")
    db.session.commit()
    out = runner.invoke(args=["retention", *args])
    assert out.exit_code != 0 and message in out.output
    db.session.expire_all()
    assert db.session.get(Learner, old.id).erased_at is None


def test_command_refuses_a_bad_setting(world, runner, app):
    app.config["RETENTION_YEARS"] = {"learners": 0}
    try:
        out = runner.invoke(args=["retention", "--apply"])
    finally:
        app.config["RETENTION_YEARS"] = {}
    assert out.exit_code != 0 and "ULR_RETENTION_YEARS" in out.output and "at least 1" in out.output


def test_setting_from_the_environment():
    from ulr_app.config import ConfigError, from_environment

    assert from_environment({"ULR_RETENTION_YEARS": "learners=7, audit_entries=10"})["RETENTION_YEARS"] == {
        "learners": 7, "audit_entries": 10}
    with pytest.raises(ConfigError, match="name=years"):
        from_environment({"ULR_RETENTION_YEARS": "learners:7"})


def test_two_runs_at_once_erase_each_record_once(world, app):
    """Two `retention --apply` at the same moment (cron twice, or a slow run meeting the next day's):
    every record is handled by exactly one of them, and nothing fails."""
    import threading

    if db.engine.dialect.name != "postgresql":
        pytest.skip("real concurrency is tested on PostgreSQL (set ULR_TEST_DATABASE_URL)")
    ids = [_learner(world, f"Olive Old{n}").id for n in range(12)]
    cases = [_case(world, closed_on=date(2019, 3, 1)).id for _ in range(6)]
    db.session.commit()
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def work(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[i] = retention.run(apply=True, today=TODAY)
            except Exception as exc:  # noqa: BLE001 - reported below
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(isinstance(r, Exception) for r in results), results
    assert sum(r.done.get("learners", 0) for r in results) == len(ids)
    assert sum(r.done.get("closed_cases", 0) for r in results) == len(cases)
    db.session.expire_all()
    assert all(db.session.get(Learner, i).erased_at is not None for i in ids)
    retention_entries = db.session.scalar(select(func.count()).select_from(AuditEntry)
                                          .where(AuditEntry.action == "retention"))
    assert retention_entries == len(cases)
    erase_entries = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "erase", AuditEntry.object_type == "learner"))
    assert erase_entries == len(ids)

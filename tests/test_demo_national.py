"""The national data set (issue 13 item 1), scaled down: ``demo-data --scale national --fraction F``.

Built on a national-style schools file of a few dozen real LAs with very different numbers of
schools (the real list takes minutes), at a small fraction of the national volume. Checks that the
bulk rows are deterministic, skewed like real life, consistent with the app's rules and scopes,
usable by the biggest branch's convenor, and that a run stopped half-way leaves nothing behind.
"""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from statistics import median

import pytest
from flask import g
from sqlalchemy import func, select

from tests.conftest import PASSWORD, _empty_tables
from ulr_app.extensions import db

SEED = 2008
TODAY = date(2026, 10, 5)
FRACTION = 0.004  # 1,000 learners, 2,400 enrolments, 400 cases, 2,000 activities
NATIONAL_FILE = Path("/work/shared/data/schools_england_2018.csv")
SHIPPED = Path(__file__).resolve().parent.parent / "ulr_app" / "data" / "schools_england_2018.csv"


def _source() -> Path:
    for path in (SHIPPED, NATIONAL_FILE):
        if path.is_file():
            return path
    pytest.skip("the national list of schools is not on this machine")


def write_national_sample(path: Path, las: int = 16) -> None:
    """``las`` LAs of the national list, each with 1 to 60 of its open schools (very uneven)."""
    with open(_source(), encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = reader.fieldnames, list(reader)
    by_la: dict[str, list[dict]] = {}
    for r in rows:
        if (r.get("EstablishmentStatus (name)") or "").lower().startswith("open"):
            by_la.setdefault(r["LA (code)"].strip(), []).append(r)
    codes = sorted(c for c in by_la if c.isdigit() and len(by_la[c]) >= 60)[:las]
    keep = []
    for i, code in enumerate(codes):
        keep += by_la[code][:60 if i % 8 == 0 else 1 + (i * 7) % 12]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(keep)


@pytest.fixture
def national_file(tmp_path, monkeypatch):
    path = tmp_path / "schools.csv"
    write_national_sample(path)
    monkeypatch.setenv("ULR_SCHOOLS_CSV", str(path))
    return path


def _build(fraction: float = FRACTION):
    from ulr_app.demo.national import build_national

    g.audit_actor_label = "demo data"
    logins = build_national(seed=SEED, today=TODAY, fraction=fraction)
    db.session.commit()
    return logins


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_national_set_is_deterministic_skewed_consistent_and_usable(app, national_file, make_client):
    from tests.test_demo_package import snapshot
    from ulr_app.accounts.models import User
    from ulr_app.cases.models import Case
    from ulr_app.contacts.models import Activity
    from ulr_app.learners import rules as learner_rules
    from ulr_app.learners.models import Enrolment, Learner, NeedsAssessment
    from ulr_app.organisation.models import Branch
    from ulr_app.reps.models import Rep
    from ulr_app.timeoff.models import STATUSES as TIME_OFF_STATUSES
    from ulr_app.timeoff.models import TimeOffRequest

    _build()
    first = snapshot()
    _empty_tables()
    logins = _build()
    assert snapshot() == first  # same seed and day: the same rows, column for column

    # the volume (the services' world plus the bulk rows)
    assert _count(Learner) >= 1_000 and _count(Enrolment) >= 2_000 and _count(NeedsAssessment) >= 950
    assert _count(Case) >= 400 and _count(Activity) >= 2_000 and _count(TimeOffRequest) >= 240
    assert len({e for _r, e, _p in logins}) == len(logins) == _count(User)
    assert len({p for _r, _e, p in logins}) == 1  # one password, hashed once, for every demo login
    assert len(set(db.session.scalars(select(User.password_hash)))) == 1

    # skewed: the largest branch has more than 10 times the learners of the median branch
    per_branch = dict(db.session.execute(select(Learner.branch_id, func.count()).group_by(Learner.branch_id)).all())
    sizes = [per_branch.get(b, 0) for b in db.session.scalars(select(Branch.id))]
    assert max(sizes) > 10 * median(sizes)
    per_rep = db.session.execute(select(func.count()).select_from(Learner).where(Learner.rep_id.is_not(None))
                                 .group_by(Learner.rep_id)).scalars().all()
    assert max(per_rep) > 5 * median(per_rep)

    # every learner is in a branch of its ULR's region (and its ULR's branch), at a workplace of its employer
    from ulr_app.organisation.models import Workplace

    rep_branch = select(Rep.branch_id).where(Rep.id == Learner.rep_id).scalar_subquery()
    assert _count(select(Learner.id).where(Learner.rep_id.is_not(None), Learner.branch_id != rep_branch).subquery()) == 0
    rep_region = (select(Branch.region_id).join(Rep, Rep.branch_id == Branch.id).where(Rep.id == Learner.rep_id)
                  .scalar_subquery())
    own_region = select(Branch.region_id).where(Branch.id == Learner.branch_id).scalar_subquery()
    assert _count(select(Learner.id).where(Learner.rep_id.is_not(None), rep_region != own_region).subquery()) == 0
    employer_of = select(Workplace.employer_id).where(Workplace.id == Learner.workplace_id).scalar_subquery()
    assert _count(select(Learner.id).where(Learner.employer_id != employer_of).subquery()) == 0

    # every enrolment keeps the rules: a known status, the dates it needs, none it must not have, in order
    for e in db.session.scalars(select(Enrolment)):
        dates = {k: getattr(e, k) for k in learner_rules.LABELS}
        assert not learner_rules.transition_problems(None, e.status, dates, withdrawal_reason=e.withdrawal_reason,
                                                     break_reason=e.break_reason, return_on=e.return_on), e.id
        sent = [k for k in learner_rules.BELONGS_WITH if getattr(e, k) is not None]
        assert not learner_rules.out_of_place(e.status, sent), e.id
        assert e.version >= 1
    learners = {lr.id: lr for lr in db.session.scalars(select(Learner))}
    for n in db.session.scalars(select(NeedsAssessment)):
        assert learners[n.learner_id].consent_on and n.assessed_on >= learners[n.learner_id].consent_on
        assert n.assessed_on <= TODAY
    for r in db.session.scalars(select(TimeOffRequest)):
        assert r.status in TIME_OFF_STATUSES
        assert (r.decided_on is not None) == (r.status in ("granted", "partly_granted", "refused", "withdrawn"))
        if r.status in ("refused", "partly_granted"):
            assert r.refusal_reason and r.refusal_details
        if r.status == "partly_granted":
            assert 0 < r.hours_granted < r.duration_hours
        if r.learner_id:
            assert learners[r.learner_id].branch_id == r.branch_id
    for c in db.session.scalars(select(Case)):
        assert (c.closed_on is not None) == (c.status == "closed") and c.opened_on <= TODAY
        assert c.closed_on is None or c.closed_on >= c.opened_on
        if c.learner_id:
            assert learners[c.learner_id].branch_id == c.branch_id
        if c.time_off_request_id:
            assert db.session.get(TimeOffRequest, c.time_off_request_id).case_id == c.id

    # the biggest branch's convenor: their pages answer 200
    biggest = max(per_branch, key=lambda b: (per_branch[b], -b))
    convenor = db.session.scalars(select(User).where(User.branch_id == biggest, User.role == "branch_convenor")
                                  .order_by(User.id)).first()
    password = next(p for _r, e, p in logins if e == convenor.email)
    client = make_client()
    client.login(convenor.email, password)
    learner = db.session.scalars(select(Learner).where(Learner.branch_id == biggest).order_by(Learner.id)).first()
    case = db.session.scalars(select(Case).where(Case.branch_id == biggest).order_by(Case.id)).first()
    request = db.session.scalars(select(TimeOffRequest).where(TimeOffRequest.branch_id == biggest)
                                 .order_by(TimeOffRequest.id)).first()
    rep = db.session.scalars(select(Rep).where(Rep.branch_id == biggest).order_by(Rep.id)).first()
    for url in ("/", "/learners", "/cases", "/time-off", "/agreements", "/reps", f"/learners/{learner.id}",
                f"/cases/{case.id}", f"/time-off/{request.id}", f"/reps/{rep.id}",
                f"/learners?q={learner.name.split()[0]}"):
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
    assert PASSWORD  # (the suite's own password is not a demo password)


def test_a_run_stopped_half_way_leaves_the_database_as_it_was(app, national_file, runner, monkeypatch):
    from ulr_app.demo import national

    tables = [t for t in db.metadata.sorted_tables]
    before = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in tables}
    calls = []
    real = national.BulkWriter._write

    def write_then_fail(self, name, columns, rows):
        calls.append(name)
        if len(calls) > 12:  # well into the bulk rows: learners, enrolments... are written already
            raise RuntimeError("killed half-way")
        return real(self, name, columns, rows)

    monkeypatch.setattr(national.BulkWriter, "_write", write_then_fail)
    monkeypatch.setattr(national, "CHUNK", 300)
    result = runner.invoke(args=["demo-data", "--scale", "national", "--fraction", str(FRACTION)])
    assert result.exit_code != 0 and isinstance(result.exception, RuntimeError)
    assert "learner" in calls and "enrolment" in calls
    db.session.rollback()
    after = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in tables}
    assert after == before


def test_the_bulk_load_keeps_the_planner_statistics_up_with_the_tables_it_fills(app, national_file):
    """PostgreSQL plans each foreign-key check of the COPYs once; planned against a parent recorded as empty it
    was a sequential scan of the parent for every child row (the national build took over 20 minutes instead of
    8). The writer analyses each table as it grows, in its transaction: afterwards the statistics know the
    rows, even where the tables had been recorded as empty before the load."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")
    from sqlalchemy import text

    tables = ("learner", "enrolment", "case_record", "activity")
    db.session.execute(text(f"ANALYZE {', '.join(tables)}"))  # recorded as empty, as a new database's could be
    db.session.commit()

    def reltuples() -> dict[str, float]:
        return dict(db.session.execute(text("SELECT relname, reltuples FROM pg_class WHERE relname IN "
                                            "('learner', 'enrolment', 'case_record', 'activity')")).all())

    assert set(reltuples().values()) == {0}
    _build()  # build_national only: not the command's ANALYZE at the end
    after = reltuples()
    assert after["learner"] >= 900 and after["enrolment"] >= 1_500, after
    assert after["case_record"] > 0 and after["activity"] >= 1_000, after


def test_migrations_analyze_only_the_tables_that_hold_rows(app):
    """The migrations that add indexes ANALYZE their tables when autovacuum may be off, but not an empty table
    of a new database: that would record it as empty, and the first bulk load would then be planned as if its
    tables stayed as small as their first pages (see the test above)."""
    import re

    from sqlalchemy import text

    from ulr_app import MIGRATIONS
    from ulr_app.core.dbstats import analyze_tables_with_rows

    sources = {path.name: path.read_text() for path in Path(MIGRATIONS, "versions").glob("*.py")}
    using = sorted(name for name, source in sources.items() if "analyze_tables_with_rows(" in source)
    assert len(using) >= 4, using  # follow-up branch, list order, report period, workplace kind
    assert not [name for name, source in sources.items() if re.search(r"""execute\(\s*["']ANALYZE""", source)]
    if db.engine.dialect.name != "postgresql":
        with db.engine.begin() as connection:
            assert analyze_tables_with_rows(connection, "learner") == []  # nothing to do on SQLite
        return
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TEMPORARY TABLE mig_empty (id int) ON COMMIT DROP"))
        connection.execute(text("CREATE TEMPORARY TABLE mig_full (id int) ON COMMIT DROP"))
        connection.execute(text("INSERT INTO mig_full SELECT generate_series(1, 50)"))
        assert analyze_tables_with_rows(connection, "mig_empty", "mig_full") == ["mig_full"]
        found = dict(connection.execute(text(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN ('mig_empty', 'mig_full')")).all())
    assert found == {"mig_empty": -1, "mig_full": 50}, found


def test_bulk_learners_keep_their_stage_and_last_contact_and_the_load_is_vacuumed(app, national_file):
    """The bulk rows carry the stage and last contact the services keep (learners/standing.py), by the same
    rule (a case's contacts with a learner included); on PostgreSQL the build ends as autovacuum would have
    left it: vacuumed (visibility map, trigram pending lists) and analysed."""
    from sqlalchemy import text

    from ulr_app.demo.national import analyze
    from ulr_app.learners import standing
    from ulr_app.learners.models import Learner

    _build()
    assert standing.stale_learners(db.session.connection()) == []
    stages = dict(db.session.execute(select(Learner.stage, func.count()).group_by(Learner.stage)).all())
    assert {"no_enrolment", "needs_analysis", "in_progress", "achieved", "withdrawn"} <= set(stages), stages
    assert db.session.scalar(select(func.count()).where(Learner.last_contact_on.is_not(None))) >= 300
    analyze()
    if db.engine.dialect.name == "postgresql":
        vacuumed = db.session.scalar(text("SELECT last_vacuum IS NOT NULL AND last_analyze IS NOT NULL "
                                          "FROM pg_stat_user_tables WHERE relname = 'learner'"))
        assert vacuumed is True

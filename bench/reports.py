"""Benchmark: every report's page and API answer on the small demo world, then on a world with 50 times
its learners (SQLite), each against a hand-written SQL query for its headline figures.

    python bench/reports.py [--runs N] [--factor N]

For each report: median and worst time, SQL statements per request at both sizes, and the ratio of
the report's time to one hand-written aggregate query over the same records. Writes the figures to
bench/out/reports.txt.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

from _demo import demo_app, login_of, sign_in

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "reports.txt"


def _time(fn, runs, statements):
    times, counts, status = [], [], None
    for _ in range(runs):
        statements.clear()
        t0 = time.perf_counter()
        status = fn()
        times.append(time.perf_counter() - t0)
        counts.append(len(statements))
    return status, statistics.median(times) * 1000, max(times) * 1000, max(counts)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--factor", type=int, default=50)
    args = parser.parse_args()
    app, logins, demo_s = demo_app("reports")
    from sqlalchemy import event, func, insert, select, text

    from ulr_app.accounts import services as account_services
    from ulr_app.accounts.models import User
    from ulr_app.extensions import db
    from ulr_app.funding.models import Project
    from ulr_app.learners.models import Enrolment, Learner, NeedsAssessment
    from ulr_app.organisation.models import Employer

    statements: list[str] = []
    email, password = login_of(logins, "regional_organiser")
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: statements.append(a[2]))
        user = db.session.scalars(select(User).where(User.email == email)).one()
        region_id = user.region_id
        project = db.session.scalars(select(Project).where(Project.region_id == region_id, Project.branch_id.is_not(None))
                                     .order_by(Project.id)).first()
        employer_id = db.session.scalar(select(Employer.id).where(Employer.region_id == region_id)
                                        .where(Employer.kind == "local_authority").order_by(Employer.id))
        _token, secret = account_services.create_token(user, "bench")
        db.session.commit()
        project_id, period = project.id, "FY2026-Q2"
    client = sign_in(app, email, password)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    year = "from=2026-04-01&to=2027-03-31"
    reports = [
        ("quarterly return page", f"/projects/{project_id}/returns/{period}", None),
        ("quarterly return API", f"/api/v1/reports/funding?project_id={project_id}&period={period}", None),
        ("schools coverage page", f"/reports/schools-coverage?region_id={region_id}", None),
        ("schools coverage API", f"/api/v1/reports/schools-coverage?region_id={region_id}", None),
        ("time-off page", f"/reports/time-off?region_id={region_id}&period=FY2026", None),
        ("time-off API", f"/api/v1/reports/time-off?region_id={region_id}&{year}", None),
        ("Go Award page", f"/reports/go-award/{employer_id}", None),
        ("Go Award API", f"/api/v1/reports/go-award?employer_id={employer_id}", None),
        ("equality page", f"/reports/equality?region_id={region_id}&period=FY2026", None),
        ("equality API", f"/api/v1/reports/equality?region_id={region_id}&{year}", None),
        ("end-of-project summary page", f"/projects/{project_id}/summary", None),
        ("organiser home (coverage headline)", "/", None),
    ]
    # one hand-written aggregate query per report, over the same records as its headline figures
    hand_sql = {
        "quarterly return": text(
            "SELECT count(DISTINCT e.learner_id), sum(CASE WHEN e.status IN ('completed','achieved') AND "
            "coalesce(e.completed_on, e.achieved_on) BETWEEN '2026-07-01' AND '2026-09-30' THEN 1 ELSE 0 END) "
            "FROM enrolment e WHERE e.project_id = :p AND e.started_on <= '2026-09-30' AND "
            "(e.completed_on IS NULL OR e.completed_on >= '2026-07-01') AND (e.withdrawn_on IS NULL OR "
            "e.withdrawn_on >= '2026-07-01')").bindparams(p=project_id),
        "schools coverage": text(
            "SELECT w.kind = 'school', count(*), sum(CASE WHEN t.status = 'refused' THEN 1 ELSE 0 END) "
            "FROM time_off_request t JOIN workplace w ON w.id = t.workplace_id JOIN branch b ON b.id = t.branch_id "
            "WHERE b.region_id = :r AND t.requested_on > '2025-12-07' GROUP BY w.kind = 'school'").bindparams(r=region_id),
        "time-off": text(
            "SELECT t.kind, t.status, count(*) FROM time_off_request t JOIN branch b ON b.id = t.branch_id "
            "WHERE b.region_id = :r AND t.requested_on BETWEEN '2026-04-01' AND '2027-03-31' GROUP BY t.kind, t.status"
        ).bindparams(r=region_id),
        "Go Award": text(
            "SELECT c.subject, w.kind = 'school', count(DISTINCT e.learner_id) FROM enrolment e JOIN course c ON "
            "c.id = e.course_id JOIN learner l ON l.id = e.learner_id LEFT JOIN workplace w ON w.id = l.workplace_id "
            "WHERE l.employer_id = :e AND c.category IN ('skills_for_life','esol','ict') GROUP BY c.subject, "
            "w.kind = 'school'").bindparams(e=employer_id),
        "equality": text(
            "SELECT l.staff_category, count(*) FROM learner l JOIN branch b ON b.id = l.branch_id WHERE b.region_id = :r "
            "AND EXISTS (SELECT 1 FROM enrolment e WHERE e.learner_id = l.id AND e.started_on BETWEEN '2026-04-01' "
            "AND '2027-03-31') GROUP BY l.staff_category").bindparams(r=region_id),
    }
    results: dict[str, dict[str, tuple]] = {}

    def run(label):
        results[label] = {}
        for name, url, _ in reports:
            target = api if url.startswith("/api/") else client
            results[label][name] = _time(lambda: target.get(url, headers=headers if target is api else None).status_code,
                                         args.runs, statements)
        with app.app_context():
            from ulr_app.core import periods
            from ulr_app.reports import figures

            viewer = db.session.scalars(select(User).where(User.email == email)).one()
            proj = db.session.get(Project, project_id)
            employer = db.session.get(Employer, employer_id)
            fy = (date(2026, 4, 1), date(2027, 3, 31))
            calls = {
                "quarterly return": lambda: figures.funding_return(proj, periods.parse(period), viewer),
                "schools coverage": lambda: figures.schools_coverage(viewer, region_id=region_id, as_of=date.today()),
                "time-off": lambda: figures.time_off(viewer, region_id=region_id, start=fy[0], end=fy[1]),
                "Go Award": lambda: figures.go_award(viewer, employer),
                "equality": lambda: figures.equality(viewer, region_id=region_id, start=fy[0], end=fy[1]),
            }
            for name, call in calls.items():
                results[label][f"figures: {name}"] = _time(lambda: call() and 200, args.runs, statements)
            for name, stmt in hand_sql.items():
                results[label][f"SQL: {name}"] = _time(lambda: db.session.execute(stmt).all() and 200, args.runs,
                                                       statements)

    with app.app_context():
        n_learners = db.session.scalar(select(func.count()).select_from(Learner))
        n_enrolments = db.session.scalar(select(func.count()).select_from(Enrolment))
    run("small")
    # --- 50x the learners: copies of every learner with their enrolments and needs analyses -------------
    t0 = time.perf_counter()
    with app.app_context():
        learner_cols = [c.name for c in Learner.__table__.columns if c.name not in ("id", "version", "merged_into_id")]
        learners = [dict(r._mapping) for r in db.session.execute(select(*[Learner.__table__.c[c] for c in learner_cols],
                                                                          Learner.id.label("old_id")))]
        enrol_cols = [c.name for c in Enrolment.__table__.columns if c.name not in ("id", "version", "learner_id")]
        enrolments = [dict(r._mapping) for r in db.session.execute(
            select(*[Enrolment.__table__.c[c] for c in enrol_cols], Enrolment.learner_id))]
        needs_cols = [c.name for c in NeedsAssessment.__table__.columns if c.name not in ("id", "learner_id")]
        needs = [dict(r._mapping) for r in db.session.execute(
            select(*[NeedsAssessment.__table__.c[c] for c in needs_cols], NeedsAssessment.learner_id))]
        start_id = db.session.scalar(select(func.max(Learner.id))) + 1
        next_id = start_id
        for copy in range(1, args.factor):
            mapping, rows = {}, []
            for row in learners:
                data = {k: v for k, v in row.items() if k != "old_id"}
                data.update(id=next_id, name=f"{row['name']} {copy}", email=None, version=1)
                mapping[row["old_id"]] = next_id
                next_id += 1
                rows.append(data)
            db.session.execute(insert(Learner.__table__), rows)
            db.session.execute(insert(Enrolment.__table__), [
                {**{k: v for k, v in e.items() if k != "learner_id"}, "learner_id": mapping[e["learner_id"]], "version": 1,
                 "time_off_request_id": None} for e in enrolments])
            db.session.execute(insert(NeedsAssessment.__table__), [
                {**{k: v for k, v in n.items() if k != "learner_id"}, "learner_id": mapping[n["learner_id"]]}
                for n in needs])
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        big_learners = db.session.scalar(select(func.count()).select_from(Learner))
        big_enrolments = db.session.scalar(select(func.count()).select_from(Enrolment))
    load_s = time.perf_counter() - t0
    run("large")

    lines = [f"Reports benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, SQLite, signed in as the demo "
             f"regional organiser; {args.runs} runs each. Small demo world: {n_learners} learners, {n_enrolments} "
             f"enrolments (built in {demo_s:.1f} s). Large: {big_learners} learners, {big_enrolments} enrolments "
             f"({args.factor}x, copied in {load_s:.1f} s).",
             "", f"{'request':<38} {'small median':>13} {'large median':>13} {'large max':>10} "
                 f"{'statements small/large':>23} {'x SQL (large)':>14}"]
    sql_of = {"quarterly return": "quarterly return", "schools coverage": "schools coverage", "time-off": "time-off",
              "Go Award": "Go Award", "equality": "equality"}
    for name, _url, _ in reports:
        s, l_ = results["small"][name], results["large"][name]
        key = next((k for k in sql_of if name.startswith(k)), None)
        ratio = ""
        if key:
            sql_ms = results["large"][f"SQL: {key}"][1]
            ratio = f"{l_[1] / sql_ms:.0f}x ({sql_ms:.2f} ms)" if sql_ms else ""
        flag = "" if s[0] == l_[0] == 200 else f"  status {s[0]}/{l_[0]}"
        lines.append(f"{name:<38} {s[1]:>10.1f} ms {l_[1]:>10.1f} ms {l_[2]:>7.1f} ms {s[3]:>11} / {l_[3]:<10} "
                     f"{ratio:>14}{flag}")
    lines.append("")
    lines.append(f"{'figures alone (no page) vs hand-written SQL':<44} {'small':>9} {'large':>9} {'SQL small':>10} "
                 f"{'SQL large':>10} {'ratio large':>12} {'statements':>11}")
    for key in sql_of:
        f_s, f_l = results["small"][f"figures: {key}"], results["large"][f"figures: {key}"]
        s, l_ = results["small"][f"SQL: {key}"], results["large"][f"SQL: {key}"]
        lines.append(f"{key:<44} {f_s[1]:>6.1f} ms {f_l[1]:>6.1f} ms {s[1]:>7.2f} ms {l_[1]:>7.2f} ms "
                     f"{f_l[1] / l_[1] if l_[1] else 0:>11.1f}x {f_s[3]:>5} / {f_l[3]}")
    lines.append(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

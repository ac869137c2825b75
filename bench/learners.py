"""Benchmark: learner and case pages on the small demo world, then with a large caseload (SQLite).

    python bench/learners.py [--runs N] [--extra N]

The second part adds ``--extra`` learners (default 5,000) to one branch, each with a needs
analysis, two enrolments and a contact, all assigned to the demo ULR, to show how the lists, the
climbing frame and the ULR's caseload home scale. Writes the figures to bench/out/learners.txt.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from _demo import demo_app, login_of, sign_in

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "learners.txt"


def _time(client, url, runs, statements):
    times, counts = [], []
    for _ in range(runs):
        statements.clear()
        t0 = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - t0)
        counts.append(len(statements))
    return response.status_code, statistics.median(times) * 1000, max(times) * 1000, max(counts)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--extra", type=int, default=5000)
    args = parser.parse_args()
    app, logins, demo_s = demo_app("learners")
    from sqlalchemy import event, func, select

    from ulr_app.cases.models import Activity, Case
    from ulr_app.extensions import db
    from ulr_app.learners.models import Course, Enrolment, Learner, NeedsAssessment
    from ulr_app.reps.models import Rep

    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: statements.append(a[2]))
        n_learners = db.session.scalar(select(func.count()).select_from(Learner))
        n_cases = db.session.scalar(select(func.count()).select_from(Case))
        learner_id = db.session.scalar(select(Enrolment.learner_id).group_by(Enrolment.learner_id)
                                       .order_by(func.count().desc()).limit(1))
        case_id = db.session.scalar(select(Activity.case_id).where(Activity.case_id.is_not(None))
                                    .group_by(Activity.case_id).order_by(func.count().desc()).limit(1))
    convenor, ulr = login_of(logins, "branch_convenor"), login_of(logins, "learning_rep")
    lines = [f"Learners and cases benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, SQLite, small demo "
             f"world ({n_learners} learners, {n_cases} cases; demo build {demo_s:.1f} s with cheap password "
             f"hashing), {args.runs} runs each; figures: status, median, max, SQL statements"]
    pages = [("convenor", convenor, "learner list", "/learners"),
             ("convenor", convenor, "climbing frame", f"/learners/{learner_id}"),
             ("convenor", convenor, "case list", "/cases"),
             ("convenor", convenor, "a case", f"/cases/{case_id}"),
             ("ULR", ulr, "ULR home (caseload)", "/"),
             ("ULR", ulr, "learner list", "/learners"),
             ("API", convenor, "enrolments, 500 a page", "/api/v1/enrolments?per_page=500")]

    class TokenClient:
        """The convenor's API token on a test client (progressions worked out for the whole page)."""

        def __init__(self, email):
            from ulr_app.accounts import services as account_services
            from ulr_app.accounts.models import User

            with app.app_context():
                user = db.session.scalars(select(User).where(User.email == email)).one()
                _token, self.secret = account_services.create_token(user, "bench")
                db.session.commit()
            self.client = app.test_client()

        def get(self, url):
            return self.client.get(url, headers={"Authorization": f"Bearer {self.secret}"})

    def run(title):
        lines.append(title)
        clients = {}
        for who, creds, label, url in pages:
            client = clients.get(who) or clients.setdefault(
                who, TokenClient(creds[0]) if who == "API" else sign_in(app, *creds))
            status, med, worst, queries = _time(client, url, args.runs, statements)
            lines.append(f"  {who:<8} GET {url:<18} {label:<22} {status}  median {med:6.1f} ms  max {worst:6.1f} ms"
                         f"  {queries} statements")

    run("Small demo world")
    if args.extra:
        with app.app_context():
            from ulr_app.accounts.models import User

            rep = db.session.scalars(select(Rep).join(User, User.id == Rep.user_id).where(User.email == ulr[0])
                                     .order_by(Rep.id)).first()
            courses = list(db.session.scalars(select(Course).order_by(Course.id).limit(6)))
            today = date.today()
            t0 = time.perf_counter()
            for i in range(args.extra):
                learner = Learner(branch_id=rep.branch_id, employer_id=rep.employer_id, workplace_id=rep.workplace_id,
                                  name=f"Bench Learner {i:05d}", staff_category="learning_support",
                                  consent_on=today - timedelta(days=400), consent_scope="Bench", rep_id=rep.id,
                                  created_by_id=rep.user_id)
                db.session.add(learner)
                if i % 500 == 499:
                    db.session.flush()
            db.session.flush()
            new = list(db.session.scalars(select(Learner.id).where(Learner.name.like("Bench Learner %"))))
            for n, lid in enumerate(new):
                db.session.add(NeedsAssessment(learner_id=lid, assessed_on=today - timedelta(days=300),
                                               literacy_level="entry_3", barriers=["time_release", "cover"]))
                db.session.add(Enrolment(learner_id=lid, course_id=courses[n % 6].id, status="achieved",
                                         started_on=today - timedelta(days=290), completed_on=today - timedelta(days=200),
                                         achieved_on=today - timedelta(days=190)))
                db.session.add(Enrolment(learner_id=lid, course_id=courses[(n + 1) % 6].id, status="in_progress",
                                         started_on=today - timedelta(days=100), planned_end_on=today + timedelta(days=n % 90)))
                if n % 3:
                    db.session.add(Activity(learner_id=lid, kind="call", happened_on=today - timedelta(days=n % 200),
                                            text="Bench contact", by_label="bench"))
            db.session.commit()
            load_s = time.perf_counter() - t0
        run(f"With {args.extra} more learners in one ULR's caseload (loaded in {load_s:.1f} s)")
    lines.append(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

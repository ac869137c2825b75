"""Load: a bounded, headless locust run against gunicorn + PostgreSQL + Redis (issue 13, item 5).

    python bench/load.py [--url DATABASE_URL] [--users 50] [--minutes 2] [--redis redis://127.0.0.1:6379/9]

Uses the national demo database (default postgresql://postgres@127.0.0.1:5432/ulr_national; bench/
scale.py makes it). Picks 30 ULRs, 15 convenors and 5 organisers with work to do, gives each a
known password and an API token, starts gunicorn (2 workers) with Redis for rate limits and the job
queue and an RQ worker for the PDFs, and runs bench/locustfile.py: ULRs log contacts and add learners,
convenors record time-off decisions and edit agreements, organisers open reports and download PDFs.

Afterwards it checks the database holds every write a client saw succeed, and writes the figures
(requests, failures, 5xx, per-request medians and p95) to bench/results/<date>-load.md and .json.
Needs locust (pip install locust, or the bench extra).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PASSWORD = "bench-load-password-horse-battery"
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(app, per_role: dict[str, int]) -> dict:
    """Users with work to do, a known password each (hashed once) and an API token each."""
    from sqlalchemy import func, select, update

    from ulr_app.accounts import services as account_services
    from ulr_app.accounts.models import User
    from ulr_app.accounts.passwords import hash_password
    from ulr_app.agreements.models import Agreement
    from ulr_app.cases.models import Case
    from ulr_app.extensions import db
    from ulr_app.timeoff.models import TimeOffRequest

    plan: dict = {"password": PASSWORD, "ulr": [], "convenor": [], "organiser": []}
    with app.app_context():
        busy_branches = select(TimeOffRequest.branch_id).where(TimeOffRequest.status == "submitted") \
            .group_by(TimeOffRequest.branch_id).order_by(func.count().desc())
        with_agreements = select(Agreement.branch_id)
        convenors = db.session.scalars(
            select(User).where(User.role == "branch_convenor", User.active.is_(True),
                               User.branch_id.in_(busy_branches), User.branch_id.in_(with_agreements))
            .order_by(User.id).limit(per_role["convenor"])).all()
        owners = select(Case.owner_id).where(Case.status == "open")
        ulrs = db.session.scalars(select(User).where(User.role == "learning_rep", User.active.is_(True),
                                                     User.id.in_(owners)).order_by(User.id).limit(per_role["ulr"])).all()
        organisers = db.session.scalars(select(User).where(User.role == "regional_organiser", User.active.is_(True))
                                        .order_by(User.id).limit(per_role["organiser"])).all()
        password_hash = hash_password(PASSWORD)
        for role, users in (("ulr", ulrs), ("convenor", convenors), ("organiser", organisers)):
            for user in users:
                db.session.execute(update(User).where(User.id == user.id).values(password_hash=password_hash))
                _token, secret = account_services.create_token(user, "load test")
                plan[role].append({"email": user.email, "token": secret, "branch_id": user.branch_id,
                                   "region_id": user.region_id})
        db.session.commit()
    missing = [role for role in ("ulr", "convenor", "organiser") if not plan[role]]
    if missing:
        raise SystemExit(f"no users with work to do for: {', '.join(missing)}")
    return plan


def verify(app, log_path: Path) -> dict:
    """Every write a client saw succeed is in the database, and every learner's kept stage and last contact
    still match their records after the concurrent writes (learners/standing.py)."""
    from sqlalchemy import select

    from ulr_app.agreements.models import Agreement
    from ulr_app.cases.models import Activity
    from ulr_app.extensions import db
    from ulr_app.learners.models import Learner
    from ulr_app.timeoff.models import TimeOffRequest

    writes = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()] if log_path.exists() else []
    lost: list[dict] = []
    counts: dict[str, int] = {}
    latest_agreement: dict[int, dict] = {}
    with app.app_context():
        for w in writes:
            counts[w["type"]] = counts.get(w["type"], 0) + 1
            if w["type"] == "learner":
                ok = db.session.scalar(select(Learner.name).where(Learner.id == w["id"])) == w["name"]
            elif w["type"] == "activity":
                ok = db.session.scalar(select(Activity.id).where(Activity.case_id == w["case_id"],
                                                                 Activity.text == w["text"])) is not None
            elif w["type"] == "decision":
                ok = db.session.scalar(select(TimeOffRequest.status).where(TimeOffRequest.id == w["id"])) == w["status"]
            elif w["type"] == "agreement":
                if w["version"] > latest_agreement.get(w["id"], {}).get("version", 0):
                    latest_agreement[w["id"]] = w
                continue
            else:
                continue
            if not ok:
                lost.append(w)
        for agreement_id, w in latest_agreement.items():
            row = db.session.execute(select(Agreement.ulr_places, Agreement.version)
                                     .where(Agreement.id == agreement_id)).first()
            # the last successful write is there, unless a later version came from somewhere else
            if row is None or (row.version == w["version"] and row.ulr_places != w["ulr_places"]) \
                    or row.version < w["version"]:
                lost.append(w)
        from ulr_app.learners import standing

        stale = standing.stale_learners(db.session.connection())
        db.session.rollback()
    return {"writes_seen": len(writes), "by_kind": counts, "lost": lost, "stale_learners": stale}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/ulr_national")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=2)
    args = parser.parse_args()
    locust = shutil.which("locust") or str(Path(sys.executable).parent / "locust")
    if not Path(locust).exists():
        raise SystemExit("locust is not installed (pip install locust)")
    secret = "bench-" + "x" * 40
    os.environ.update({"ULR_SECRET_KEY": secret})
    tmp = Path(tempfile.mkdtemp(prefix="ulr-load-"))
    os.environ["ULR_INSTANCE_PATH"] = str(tmp / "instance")
    from ulr_app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "SECRET_KEY": secret, "REDIS_URL": None,
                      "TWO_FACTOR_REQUIRED_ROLES": ()})
    plan = prepare(app, {"ulr": 30, "convenor": 15, "organiser": 5})
    plan_path, log_path = tmp / "plan.json", tmp / "writes.jsonl"
    plan_path.write_text(json.dumps(plan))
    import redis

    redis.Redis.from_url(args.redis).flushdb()
    port = _free_port()
    env = {**os.environ, "ULR_DATABASE_URL": args.url, "ULR_REDIS_URL": args.redis, "ULR_SECRET_KEY": secret,
           "ULR_INSTANCE_PATH": str(tmp / "instance"), "ULR_LOGIN_LIMIT_PER_ADDRESS": "10000 per minute",
           "ULR_TWO_FACTOR_REQUIRED_ROLES": "none",  # the journeys sign in with a password only
           "LOAD_PLAN": str(plan_path), "LOAD_LOG": str(log_path)}
    gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen([gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                               "--timeout", "120", "ulr_app:create_app()"], cwd=ROOT, env=env, start_new_session=True)
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "ulr_app", "worker"], cwd=ROOT, env=env,
                              start_new_session=True)
    started = datetime.now(timezone.utc)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
                break
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.5)
        run = subprocess.run([locust, "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "-u", str(args.users),
                              "-r", "10", "-t", f"{int(args.minutes * 60)}s", "--host", f"http://127.0.0.1:{port}",
                              "--csv", str(tmp / "stats"), "--only-summary", "--stop-timeout", "30"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=int(args.minutes * 60) + 300,
                             check=False)
    finally:
        for process in (server, worker):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
    stats = list(csv.DictReader(open(tmp / "stats_stats.csv"))) if (tmp / "stats_stats.csv").exists() else []
    errors_5xx = [line for line in (Path(str(log_path) + ".5xx").read_text().splitlines()
                                    if Path(str(log_path) + ".5xx").exists() else []) if line]
    checked = verify(app, log_path)
    total = next((row for row in stats if row["Name"] == "Aggregated"), {})
    result = {"started": started.isoformat(timespec="seconds"), "users": args.users, "minutes": args.minutes,
              "database": args.url.rsplit("/", 1)[-1], "requests": int(total.get("Request Count", 0) or 0),
              "failures": int(total.get("Failure Count", 0) or 0), "server_errors_5xx": len(errors_5xx),
              "req_per_s": float(total.get("Requests/s", 0) or 0), "writes": checked,
              "locust_exit": run.returncode,
              "requests_by_name": [{"name": row["Name"], "type": row["Type"], "count": int(row["Request Count"]),
                                    "failures": int(row["Failure Count"]), "median_ms": row["Median Response Time"],
                                    "p95_ms": row.get("95%")} for row in stats if row["Name"] != "Aggregated"]}
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"{started:%Y-%m-%d}-load"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [f"# Load run, {result['started']}: {args.users} users for {args.minutes:g} minutes, gunicorn (2 workers) + "
             f"PostgreSQL ({result['database']}) + Redis + an RQ worker", "",
             f"- requests: {result['requests']:,} ({result['req_per_s']:.1f}/s), failures: {result['failures']}, "
             f"**5xx: {result['server_errors_5xx']}**",
             f"- writes the clients saw succeed: {checked['writes_seen']} ({checked['by_kind']}); "
             f"**missing from the database: {len(checked['lost'])}**",
             f"- learners whose kept stage or last contact differ from their records afterwards: "
             f"**{len(checked['stale_learners'])}**", "",
             "| request | count | failures | median ms | p95 ms |", "|---|---|---|---|---|"]
    for row in result["requests_by_name"]:
        lines.append(f"| {row['type']} {row['name']} | {row['count']} | {row['failures']} | {row['median_ms']} | "
                     f"{row['p95_ms']} |")
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if run.returncode not in (0, 1):
        print(run.stdout[-3000:], run.stderr[-3000:])
    return 0 if not errors_5xx and not checked["lost"] and not checked["stale_learners"] else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the ULR and time-off pages and letters on the small demo world (SQLite).

    python bench/time_off.py [--runs N]

Writes the figures to bench/out/time_off.txt and prints them.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from _demo import demo_app, login_of, sign_in

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "time_off.txt"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    app, logins, demo_s = demo_app("timeoff")
    from sqlalchemy import func, select

    from ulr_app.extensions import db
    from ulr_app.timeoff.models import TimeOffRequest

    with app.app_context():
        n_requests = db.session.scalar(select(func.count()).select_from(TimeOffRequest))
        refused = db.session.scalar(select(TimeOffRequest.id).where(TimeOffRequest.status == "refused"))

    lines = [f"Time-off benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, SQLite, small demo world "
             f"({n_requests} requests; demo build {demo_s:.1f} s with cheap password hashing), {args.runs} runs each"]
    client = sign_in(app, *login_of(logins, "branch_convenor"))
    for label, url in (("home (open refusals)", "/"), ("time-off list", "/time-off"), ("ULR list", "/reps"),
                       ("a refused request", f"/time-off/{refused}"), ("facility time", "/reps/facility-time")):
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t0)
        lines.append(f"  GET {url:<24} {label:<22} status {response.status_code}  median {statistics.median(times) * 1000:6.1f} ms")
    with app.app_context():
        from ulr_app.timeoff.letters import request_letter_pdf

        request = db.session.get(TimeOffRequest, refused)
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            pdf = request_letter_pdf(request, signed_by="Branch Secretary", signed_role="Branch education convenor")
            times.append(time.perf_counter() - t0)
        lines.append(f"  time-off request letter PDF (WeasyPrint): median {statistics.median(times) * 1000:.1f} ms, {len(pdf) / 1024:.0f} KiB")
    lines.append(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: build and render the Barnet demo agreement to PDF, and the agreements list page.

    python bench/agreement_pdf.py [--runs N]

Uses a fresh temporary SQLite database with the small demo world. Writes the figures to
bench/out/agreement_pdf.txt and prints them.
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
OUT = ROOT / "bench" / "out" / "agreement_pdf.txt"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    app, logins, _seconds = demo_app("pdf")
    from sqlalchemy import select

    from ulr_app.agreements.documents import build, draft_pdf
    from ulr_app.agreements.models import Agreement
    from ulr_app.extensions import db

    lines = [f"Agreement PDF benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {args.runs} runs each"]
    with app.app_context():
        agreement = db.session.scalars(select(Agreement).where(Agreement.title.like("%Barnet%"))).first()
        builds, renders, sizes = [], [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            build(agreement, "unison-model-2026")
            t1 = time.perf_counter()
            pdf, document = draft_pdf(agreement, "unison-model-2026")
            t2 = time.perf_counter()
            builds.append(t1 - t0)
            renders.append(t2 - t1)
            sizes.append(len(pdf))
        lines.append(f"  agreement: {agreement.title!r} ({len(document.clauses)} clauses, {len(document.flagged)} flagged)")
        lines.append(f"  build the document (clauses filled):   median {statistics.median(builds) * 1000:7.1f} ms")
        lines.append(f"  build + render the PDF (WeasyPrint):   median {statistics.median(renders) * 1000:7.1f} ms, "
                     f"max {max(renders) * 1000:.1f} ms, {sizes[-1] / 1024:.0f} KiB")

    client = sign_in(app, *login_of(logins, "branch_convenor"))
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        response = client.get("/agreements")
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200
    lines.append(f"  GET /agreements as a convenor:          median {statistics.median(times) * 1000:7.1f} ms")

    # the PDF is a background job (issue 10): the request only queues it; the job's page waits for it
    import re

    from ulr_app.core import jobs as core_jobs

    app.config["REDIS_URL"] = None  # the embedded default: a thread of this process
    with app.app_context():
        agreement_id = db.session.scalars(select(Agreement.id).where(Agreement.title.like("%Barnet%"))).first()
    draft = f"/agreements/{agreement_id}/draft"
    posts, totals = [], []
    for _ in range(args.runs):
        page = client.get(draft).get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        t0 = time.perf_counter()
        response = client.post(f"{draft}/pdf", data={"csrf_token": token, "clause_set": "unison-model-2026"})
        t1 = time.perf_counter()
        assert response.status_code == 302 and "/jobs/" in response.headers["Location"], response.status_code
        core_jobs.wait_for_threads()
        totals.append(time.perf_counter() - t0)
        posts.append(t1 - t0)
        assert client.get(response.headers["Location"] + "/download").status_code == 200
    lines.append(f"  POST .../draft/pdf (queues the job):    median {statistics.median(posts) * 1000:7.1f} ms, "
                 f"max {max(posts) * 1000:.1f} ms  <- what holds a web worker now")
    lines.append(f"  the job, from asking to the file ready: median {statistics.median(totals) * 1000:7.1f} ms")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"  peak RSS of the process: {rss:.0f} MB")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

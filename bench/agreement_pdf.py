"""Benchmark: build and render the Barnet demo agreement to PDF, and the agreements list page.

    python bench/agreement_pdf.py [--runs N]

Uses a fresh temporary SQLite database with the small demo world. Writes the figures to
bench/out/agreement_pdf.txt and prints them.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "agreement_pdf.txt"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    tmp = tempfile.mkdtemp(prefix="ulr-bench-pdf-")
    os.environ["ULR_INSTANCE_PATH"] = tmp

    from flask_migrate import upgrade
    from sqlalchemy import select

    from ulr_app import create_app
    from ulr_app.agreements.documents import build, draft_pdf
    from ulr_app.agreements.models import Agreement
    from ulr_app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "SECRET_KEY": "bench-" + "x" * 40,
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})
    lines = [f"Agreement PDF benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {args.runs} runs each"]
    with app.app_context():
        upgrade()
        from ulr_app.demo import build_demo
        from ulr_app.reference.loader import load_all

        load_all()
        logins = build_demo(scale="small", seed=2008)
        db.session.commit()
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

    client = app.test_client()
    convenor = next(email for role, email, _ in logins if role == "branch_convenor")
    password = next(p for role, email, p in logins if email == convenor)
    import re

    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/sign-in", data={"csrf_token": token, "email": convenor, "password": password})
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        response = client.get("/agreements")
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200
    lines.append(f"  GET /agreements as a convenor:          median {statistics.median(times) * 1000:7.1f} ms")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"  peak RSS of the process: {rss:.0f} MB")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

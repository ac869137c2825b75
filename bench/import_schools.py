"""Benchmark: import the 26,078-school GIAS file (create, re-import unchanged, re-import all changed).

    python bench/import_schools.py [--file PATH]

Runs on a fresh temporary SQLite database and, when ULR_BENCH_DATABASE_URL is set, on that
PostgreSQL database too. THE POSTGRESQL DATABASE IS EMPTIED (migrated down to nothing, then up):
point it at a scratch database. Each backend runs in its own process, so the peak-memory figure
(ru_maxrss, the process high-water mark) belongs to that backend alone.

Writes the figures to bench/out/import_schools.txt and prints them.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT.parent / "shared" / "data" / "schools_england_2018.csv"
OUT = ROOT / "bench" / "out" / "import_schools.txt"


def maxrss_mb() -> float:
    # Linux reports KiB, macOS bytes
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def child(backend: str, url: str, path: Path) -> dict:
    """One backend, in this process: fresh schema, LA employers, three timed imports."""
    sys.path.insert(0, str(ROOT))
    tmp = tempfile.mkdtemp(prefix="ulr-bench-import-")
    os.environ["ULR_INSTANCE_PATH"] = tmp
    if backend == "sqlite":
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"

    import logging

    from flask import g
    from flask_migrate import downgrade, upgrade

    from ulr_app import create_app
    from ulr_app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "x" * 40})
    figures: dict = {"backend": backend, "database": "temporary SQLite file" if backend == "sqlite" else _safe(url)}
    with app.app_context():
        from ulr_app.organisation import services as org
        from ulr_app.organisation.models import Region, Workplace
        from ulr_app.organisation.schools_import import import_schools
        from ulr_app.reference.loader import load_all, region_for_la_code
        from sqlalchemy import func, select

        if backend != "sqlite":
            downgrade(revision="base")
        upgrade()
        logging.getLogger("alembic").setLevel(logging.WARNING)
        load_all()
        g.audit_actor_label = "benchmark"

        with open(path, encoding="utf-8-sig", newline="") as fh:
            las = {}
            for row in csv.DictReader(fh):
                las.setdefault(row["LA (code)"].strip(), row["LA (name)"].strip())
        fallback = db.session.scalars(select(Region).order_by(Region.id)).first()
        for code, name in sorted(las.items()):
            region = region_for_la_code(code) or fallback
            org.create_employer({"name": f"{name} Council", "kind": "local_authority", "la_code": code,
                                 "region_id": region.id})
        db.session.commit()
        figures["la_employers"] = len(las)
        figures["rss_before_mb"] = round(maxrss_mb(), 1)

        changed = Path(tmp) / "changed.csv"
        with open(path, encoding="utf-8-sig", newline="") as src, open(changed, "w", encoding="utf-8", newline="") as dst:
            reader = csv.DictReader(src)
            writer = csv.DictWriter(dst, fieldnames=reader.fieldnames)
            writer.writeheader()
            for row in reader:
                row["EstablishmentName"] = row["EstablishmentName"][:190] + " (renamed)"
                writer.writerow(row)

        runs = []
        for label, file in (("first import (create)", path), ("same file again (unchanged)", path),
                            ("every name changed (update)", changed)):
            started = time.perf_counter()
            result = import_schools(str(file), match_la=True)
            db.session.commit()
            seconds = time.perf_counter() - started
            runs.append({"run": label, "seconds": round(seconds, 2), **result.counts(),
                         "rss_peak_mb": round(maxrss_mb(), 1)})
        figures["runs"] = runs
        figures["workplaces"] = db.session.scalar(select(func.count()).select_from(Workplace))
        db.session.remove()
        db.engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)
    return figures


def _safe(url: str) -> str:
    """The URL without a password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def render(all_figures: list[dict], path: Path) -> str:
    lines = [
        f"School import benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"File: {path.name} ({path.stat().st_size / 1e6:.1f} MB); Python {platform.python_version()} "
        f"on {platform.system()} {platform.machine()}",
        "Each import runs import_schools(--match-la) and commits, as `flask schools import` does.",
        "Peak memory is the process high-water mark (ru_maxrss), including the app and the driver.",
        "",
    ]
    for f in all_figures:
        lines.append(f"{f['backend']} ({f['database']}): {f['la_employers']} LA employers; "
                     f"peak RSS before importing {f['rss_before_mb']} MB")
        lines.append(f"  {'run':<30} {'seconds':>8} {'rows':>6} {'created':>8} {'updated':>8} "
                     f"{'unchanged':>9} {'skipped':>7} {'peak RSS MB':>11}")
        for r in f["runs"]:
            lines.append(f"  {r['run']:<30} {r['seconds']:>8.2f} {r['rows']:>6} {r['created']:>8} {r['updated']:>8} "
                         f"{r['unchanged']:>9} {r['skipped']:>7} {r['rss_peak_mb']:>11.1f}")
        lines.append(f"  workplaces in the database afterwards: {f['workplaces']}")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="GIAS CSV (default: %(default)s)")
    parser.add_argument("--child", nargs=2, metavar=("BACKEND", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("BENCH-JSON " + json.dumps(child(args.child[0], args.child[1], args.file)))
        return 0

    if not args.file.exists():
        print(f"No file at {args.file}; give one with --file", file=sys.stderr)
        return 1
    backends = [("sqlite", "")]
    if os.environ.get("ULR_BENCH_DATABASE_URL"):
        backends.append(("postgresql", os.environ["ULR_BENCH_DATABASE_URL"]))
    else:
        print("ULR_BENCH_DATABASE_URL is not set: SQLite only.", file=sys.stderr)
    all_figures = []
    for backend, url in backends:
        proc = subprocess.run([sys.executable, __file__, "--file", str(args.file), "--child", backend, url],
                              capture_output=True, text=True, cwd=ROOT)
        found = [line for line in proc.stdout.splitlines() if line.startswith("BENCH-JSON ")]
        if proc.returncode != 0 or not found:
            print(f"{backend} benchmark failed:\n{proc.stdout}\n{proc.stderr}", file=sys.stderr)
            return 1
        all_figures.append(json.loads(found[-1][len("BENCH-JSON "):]))
    text = render(all_figures, args.file)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"Written to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

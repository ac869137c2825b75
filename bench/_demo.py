"""What the benchmarks share: a fresh temporary SQLite instance with reference data and the small
demo world (cheap password hashing, so the build measures data, not argon2), and signing in.

Not a benchmark itself: bench/run.py skips files whose names start with an underscore.
"""
from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def demo_app(prefix: str, *, seed: int = 2008):
    """(app, demo logins as (role, e-mail, password), seconds the demo build took)."""
    sys.path.insert(0, str(ROOT))
    tmp = tempfile.mkdtemp(prefix=f"ulr-bench-{prefix}-")
    os.environ["ULR_INSTANCE_PATH"] = tmp
    from flask_migrate import upgrade

    from ulr_app import create_app
    from ulr_app.demo import build_demo
    from ulr_app.extensions import db
    from ulr_app.reference.loader import load_all

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "SECRET_KEY": "bench-" + "x" * 40,
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})
    with app.app_context():
        upgrade()
        load_all()
        t0 = time.perf_counter()
        logins = build_demo(scale="small", seed=seed)
        db.session.commit()
        seconds = time.perf_counter() - t0
    return app, logins, seconds


def login_of(logins, role: str) -> tuple[str, str]:
    """(e-mail, password) of the first demo user with ``role``."""
    return next((email, password) for r, email, password in logins if r == role)


def sign_in(app, email: str, password: str):
    """A test client signed in through the real form."""
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/sign-in", data={"csrf_token": token, "email": email, "password": password})
    return client

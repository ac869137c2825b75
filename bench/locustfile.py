"""Locust journeys for bench/load.py (issue 13): ULRs, convenors and organisers at work at once.

Not run on its own: bench/load.py prepares the users (LOAD_PLAN, a JSON file of logins and tokens),
starts gunicorn, PostgreSQL, Redis and a report worker, runs locust headless and then checks that
every write a client saw succeed (LOAD_LOG, one JSON line per write) is in the database.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
import uuid
from datetime import date

from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"]).read())
LOG_PATH = os.environ["LOAD_LOG"]
_lock = threading.Lock()
_next = {role: itertools.cycle(PLAN[role]) for role in ("ulr", "convenor", "organiser")}
SERVER_ERRORS: list[str] = []
TODAY = date.today().isoformat()


def _log(entry: dict) -> None:
    with _lock, open(LOG_PATH, "a") as out:
        out.write(json.dumps(entry) + "\n")


@events.request.add_listener
def _count_5xx(request_type, name, response_time, response_length, response=None, exception=None, **kw):
    if response is not None and getattr(response, "status_code", 0) >= 500:
        SERVER_ERRORS.append(f"{request_type} {name} {response.status_code}")


@events.quitting.add_listener
def _write_errors(environment, **kw):
    with open(LOG_PATH + ".5xx", "w") as out:
        out.write("\n".join(SERVER_ERRORS))


class _Person(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)
    role = ""

    def on_start(self):
        with _lock:
            self.me = next(_next[self.role])
        self.api = {"Authorization": f"Bearer {self.me['token']}"}
        page = self.client.get("/sign-in", name="/sign-in").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        self.client.post("/sign-in", data={"csrf_token": token, "email": self.me["email"],
                                           "password": PLAN["password"]}, name="/sign-in POST")

    def _json(self, method, url, name, **kw):
        with self.client.request(method, url, headers=self.api, name=name, catch_response=True, **kw) as answer:
            if answer.status_code in (409, 422):  # a conflict or a refused value is an answer, not a failure
                answer.success()
            return answer

    def _pick(self, url, name):
        """One item, at random, of an API list (None when the list is empty or did not answer)."""
        listing = self._json("GET", url, name)
        items = listing.json().get("items", []) if listing.status_code == 200 else []
        return random.choice(items) if items else None


class ULR(_Person):
    weight = 30
    role = "ulr"

    @task(3)
    def home_and_caseload(self):
        self.client.get("/", name="/ (ULR)")
        self.client.get("/learners", name="/learners (ULR)")

    @task(2)
    def add_learner(self):
        name = f"Load Learner {uuid.uuid4().hex[:10]}"
        answer = self._json("POST", "/api/v1/learners", "POST /api/v1/learners",
                            json={"branch_id": self.me["branch_id"], "name": name, "membership": "member",
                                  "staff_category": "learning_support", "consent_on": TODAY,
                                  "consent_scope": "Keeping learning records; contact about learning"})
        if answer.status_code == 201:
            _log({"type": "learner", "id": answer.json()["id"], "name": name})
        else:
            _log({"type": "refused", "request": "POST /api/v1/learners", "status": answer.status_code,
                  "body": answer.text[:300]})

    @task(3)
    def log_contact(self):
        case = self._pick("/api/v1/cases?per_page=20&status=open", "GET /api/v1/cases")
        if case is None:
            return
        text = f"Load contact {uuid.uuid4().hex}"
        answer = self._json("POST", f"/api/v1/cases/{case['id']}/activities", "POST /api/v1/cases/<id>/activities",
                            json={"kind": "call", "happened_on": TODAY, "text": text})
        if answer.status_code == 201:
            _log({"type": "activity", "case_id": case["id"], "text": text})


class Convenor(_Person):
    weight = 15
    role = "convenor"

    @task(2)
    def home(self):
        self.client.get("/", name="/ (convenor)")
        self.client.get("/time-off", name="/time-off (convenor)")

    @task(3)
    def record_decision(self):
        request = self._pick("/api/v1/time_off_requests?status=submitted&per_page=20", "GET /api/v1/time_off_requests")
        if request is None:
            return
        body = {"version": request["version"], "status": "granted", "decided_on": TODAY, "paid": True}
        answer = self._json("PATCH", f"/api/v1/time_off_requests/{request['id']}", "PATCH /api/v1/time_off_requests/<id>",
                            json=body)
        if answer.status_code == 200:
            _log({"type": "decision", "id": request["id"], "status": "granted"})

    @task(2)
    def edit_agreement(self):
        agreement = self._pick("/api/v1/agreements?per_page=20", "GET /api/v1/agreements")
        if agreement is None:
            return
        places = random.randint(1, 40)
        answer = self._json("PATCH", f"/api/v1/agreements/{agreement['id']}", "PATCH /api/v1/agreements/<id>",
                            json={"version": agreement["version"], "ulr_places": places})
        if answer.status_code == 200:
            _log({"type": "agreement", "id": agreement["id"], "ulr_places": places, "version": answer.json()["version"]})


class Organiser(_Person):
    weight = 5
    role = "organiser"

    @task(3)
    def reports(self):
        self.client.get("/reports/schools-coverage", name="/reports/schools-coverage")
        self.client.get("/reports/time-off?period=FY2026", name="/reports/time-off")
        self.client.get("/reports/equality?period=FY2026", name="/reports/equality")

    @task(1)
    def pdf(self):
        page = self.client.get("/reports/time-off?period=FY2026", name="/reports/time-off").text
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if not match:
            return
        answer = self.client.post("/reports/export", data={"csrf_token": match.group(1), "report": "time_off",
                                                            "format": "pdf", "from": "2026-04-01", "to": "2027-03-31"},
                                  name="POST /reports/export (PDF)", allow_redirects=False)
        location = answer.headers.get("Location", "")
        job = re.search(r"/jobs/(\d+)", location)
        if not job:
            return
        for _ in range(60):
            state = self.client.get(f"/jobs/{job.group(1)}/status.json", name="/jobs/<id>/status.json").json()
            if state.get("status") in ("done", "failed"):
                break
            time.sleep(1)
        if state.get("status") == "done":
            self.client.get(f"/jobs/{job.group(1)}/download", name="/jobs/<id>/download")

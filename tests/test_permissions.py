"""Every registered URL rule, requested as anonymous and as each role, in and out of scope.

A rule missing from ``EXPECTED`` fails the suite, so a new page cannot ship without a decision
about who may use it. Out-of-scope records must answer 404, exactly as missing ones do.
"""
from __future__ import annotations

import pytest

from ulr_app.accounts import services as account_services
from ulr_app.agreements import services as agreement_services
from ulr_app.extensions import db

ROLES = ("admin", "organiser_a", "convenor_a1", "ulr_a1")
ROLE_OF = {"admin": "admin", "organiser_a": "regional_organiser", "convenor_a1": "branch_convenor", "ulr_a1": "learning_rep"}
ALL = frozenset(ROLE_OF.values())
ADMIN = frozenset({"admin"})
EDITORS = frozenset({"admin", "branch_convenor"})


def _scoped(kind: str):
    """(in-scope, out-of-scope) record ids for each role, for a kind of record."""

    def resolve(w, role_key):
        u = getattr(w.users, role_key)
        if kind == "region":
            return ({"region_id": w.regions.a.id}, {"region_id": w.regions.b.id}) if role_key != "admin" else ({"region_id": w.regions.b.id}, None)
        if kind == "branch":
            table = {"organiser_a": (w.branches.a2, w.branches.b1), "convenor_a1": (w.branches.a1, w.branches.a2),
                     "ulr_a1": (w.branches.a1, w.branches.b1), "admin": (w.branches.b1, None)}
            inside, outside = table[role_key]
            return {"branch_id": inside.id}, ({"branch_id": outside.id} if outside else None)
        if kind == "employer":
            table = {"organiser_a": (w.employers.a2, w.employers.b1), "convenor_a1": (w.employers.a1, w.employers.a2),
                     "ulr_a1": (w.employers.a1, w.employers.b1), "admin": (w.employers.b1, None)}
            inside, outside = table[role_key]
            return {"employer_id": inside.id}, ({"employer_id": outside.id} if outside else None)
        if kind == "workplace":
            table = {"organiser_a": (w.workplaces.school_a2, w.workplaces.school_b1),
                     "convenor_a1": (w.workplaces.school_a1, w.workplaces.school_a2),
                     "ulr_a1": (w.workplaces.service_a1, w.workplaces.school_b1), "admin": (w.workplaces.school_b1, None)}
            inside, outside = table[role_key]
            return {"workplace_id": inside.id}, ({"workplace_id": outside.id} if outside else None)
        if kind in ("agreement", "agreement_document"):
            branches = {"organiser_a": (w.branches.a2, w.branches.b1), "convenor_a1": (w.branches.a1, w.branches.a2),
                        "ulr_a1": (w.branches.a1, w.branches.b1), "admin": (w.branches.b1, None)}
            employers = {w.branches.a1.id: w.employers.a1, w.branches.a2.id: w.employers.a2, w.branches.b1.id: w.employers.b1}
            out = []
            for branch in branches[role_key]:
                if branch is None:
                    out.append(None)
                    continue
                a = agreement_services.create_agreement(
                    {"title": f"{branch.name} learning agreement", "employer_id": employers[branch.id].id}, branch=branch)
                ids = {"agreement_id": a.id}
                if kind == "agreement_document":
                    ids["document_id"] = agreement_services.record_generated(a, b"%PDF-1.7 test", clause_set="test",
                                                                             flagged=[]).id
                out.append(ids)
            db.session.commit()
            return out[0], out[1]
        if kind == "user":
            # only admins manage users; for them every user is in scope
            return {"user_id": w.users.ulr_b1.id}, None
        if kind == "own_token":
            mine, _ = account_services.create_token(u, "mine")
            theirs, _ = account_services.create_token(w.users.convenor_b1, "theirs")
            db.session.commit()
            return {"token_id": mine.id}, {"token_id": theirs.id}
        if kind in ("time_off_request", "time_off_refusal"):
            return _time_off(w, role_key, refused=kind == "time_off_refusal")
        if kind in ("rep", "rep_document"):
            return _reps(w, role_key, document=kind == "rep_document")
        raise AssertionError(kind)

    return resolve


def _time_off(w, role_key, *, refused=False):
    """(in-scope, out-of-scope) time-off requests: a ULR sees only their own, not their branch's."""
    from datetime import date, timedelta

    from ulr_app.reps import services as rep_services
    from ulr_app.timeoff import services as timeoff_services

    places = {w.branches.a1.id: (w.employers.a1, w.workplaces.school_a1), w.branches.a2.id: (w.employers.a2, w.workplaces.school_a2),
              w.branches.b1.id: (w.employers.b1, w.workplaces.school_b1)}

    def make(branch, user=None):
        if branch is None:
            return None
        employer, workplace = places[branch.id]
        rep = rep_services.create_rep({"name": f"ULR of {branch.name}", "employer_id": employer.id, "workplace_id": workplace.id,
                                       "appointed_on": "2026-01-05", "training_route": "already_trained",
                                       "user_id": user.id if user else None}, branch=branch)
        r = timeoff_services.create_request({"kind": "ulr_duties", "purpose": "analysing_needs", "rep_id": rep.id,
                                             "workplace_id": workplace.id, "starts_at": "2026-03-20T09:30",
                                             "duration_hours": "3", "location": "Library"}, branch=branch)
        if refused:
            timeoff_services.record_decision(r, {"status": "refused", "refusal_reason": "cover",
                                                 "decided_on": date.today() - timedelta(days=10)})
        return {"request_id": r.id}

    table = {"organiser_a": ((w.branches.a2, None), (w.branches.b1, None)),
             "convenor_a1": ((w.branches.a1, None), (w.branches.a2, None)),
             "ulr_a1": ((w.branches.a1, w.users.ulr_a1), (w.branches.a1, None)),
             "admin": ((w.branches.b1, None), (None, None))}
    inside, outside = table[role_key]
    out = make(*inside), make(*outside)
    db.session.commit()
    return out


def _reps(w, role_key, *, document=False):
    """(in-scope, out-of-scope) ULR appointments (or a letter stored with one): a ULR sees only their own."""
    from ulr_app.core import documents
    from ulr_app.reps import services as rep_services

    employers = {w.branches.a1.id: w.employers.a1, w.branches.a2.id: w.employers.a2, w.branches.b1.id: w.employers.b1}

    def make(branch, user=None):
        if branch is None:
            return None
        rep = rep_services.create_rep({"name": f"Appointed ULR of {branch.name}", "employer_id": employers[branch.id].id,
                                       "appointed_on": "2026-01-05", "notice_given_on": "2026-01-06",
                                       "training_route": "already_trained", "user_id": user.id if user else None},
                                      branch=branch)
        if document:
            return {"document_id": documents.store(db.session, rep, "ulr_notice", "Notice", b"%PDF-1.7 test").id}
        return {"rep_id": rep.id}

    table = {"organiser_a": ((w.branches.a2, None), (w.branches.b1, None)),
             "convenor_a1": ((w.branches.a1, None), (w.branches.a2, None)),
             "ulr_a1": ((w.branches.a1, w.users.ulr_a1), (w.branches.a1, None)),
             "admin": ((w.branches.b1, None), (None, None))}
    inside, outside = table[role_key]
    out = make(*inside), make(*outside)
    db.session.commit()
    return out


# endpoint -> (methods to try, roles allowed, scope resolver or None, public?)
EXPECTED = {
    "static": None,  # files, checked separately
    "home.health": (("GET",), ALL, None, True),
    "home.index": (("GET",), ALL, None, False),
    "home.favicon": (("GET",), ALL, None, True),
    "accounts.login": (("GET",), ALL, None, True),
    "accounts.logout": (("POST",), ALL, None, False),
    "accounts.profile": (("GET",), ALL, None, False),
    "accounts.change_password": (("POST",), ALL, None, False),
    "accounts.create_token": (("POST",), ALL, None, False),
    "accounts.revoke_token": (("POST",), ALL, _scoped("own_token"), False),
    "organisation.regions": (("GET",), ALL, None, False),
    "organisation.region": (("GET",), ALL, _scoped("region"), False),
    "organisation.branches": (("GET",), ALL, None, False),
    "organisation.branch": (("GET",), ALL, _scoped("branch"), False),
    "organisation.new_branch": (("GET", "POST"), ADMIN, None, False),
    "organisation.edit_branch": (("GET", "POST"), ADMIN, _scoped("branch"), False),
    "organisation.employers": (("GET",), ALL, None, False),
    "organisation.employer": (("GET",), ALL, _scoped("employer"), False),
    "organisation.new_employer": (("GET", "POST"), EDITORS, None, False),
    "organisation.edit_employer": (("GET", "POST"), EDITORS, _scoped("employer"), False),
    "organisation.workplaces": (("GET",), ALL, None, False),
    "organisation.search_workplaces": (("GET",), ALL, None, False),
    "organisation.search_employers": (("GET",), ALL, None, False),
    "organisation.workplace": (("GET",), ALL, _scoped("workplace"), False),
    "organisation.new_workplace": (("GET", "POST"), EDITORS, None, False),
    "organisation.edit_workplace": (("GET", "POST"), EDITORS, _scoped("workplace"), False),
    "agreements.agreements": (("GET",), ALL, None, False),
    "agreements.new_agreement": (("GET", "POST"), EDITORS, None, False),
    "agreements.agreement": (("GET",), ALL, _scoped("agreement"), False),
    "agreements.edit_agreement": (("GET", "POST"), EDITORS, _scoped("agreement"), False),
    "agreements.change_status": (("GET", "POST"), EDITORS, _scoped("agreement"), False),
    "agreements.named_schools": (("GET", "POST"), EDITORS, _scoped("agreement"), False),
    "agreements.places": (("GET", "POST"), EDITORS, _scoped("agreement"), False),
    "agreements.coverage": (("GET",), ALL, _scoped("agreement"), False),
    "agreements.coverage_csv": (("GET",), ALL, _scoped("agreement"), False),
    "agreements.draft": (("GET",), ALL, _scoped("agreement"), False),
    "agreements.generate_pdf": (("POST",), EDITORS, _scoped("agreement"), False),
    "agreements.document": (("GET",), ALL, _scoped("agreement_document"), False),
    "agreements.upload_signed": (("GET", "POST"), EDITORS, _scoped("agreement"), False),
    "admin.users": (("GET",), ADMIN, None, False),
    "admin.new_user": (("GET", "POST"), ADMIN, None, False),
    "admin.user": (("GET",), ADMIN, _scoped("user"), False),
    "admin.edit_user": (("GET", "POST"), ADMIN, _scoped("user"), False),
    "admin.disable_user": (("GET",), ADMIN, _scoped("user"), False),
    "admin.reset_password": (("GET",), ADMIN, _scoped("user"), False),
    "admin.audit_log": (("GET",), ADMIN, None, False),
    "admin.audit_log_csv": (("GET",), ADMIN, None, False),
    "reps.reps": (("GET",), ALL, None, False),
    "reps.search_reps": (("GET",), ALL, None, False),
    "reps.new_rep": (("GET", "POST"), EDITORS, None, False),
    "reps.rep": (("GET",), ALL, _scoped("rep"), False),
    "reps.edit_rep": (("GET", "POST"), EDITORS, _scoped("rep"), False),
    "reps.stand_down": (("GET", "POST"), EDITORS, _scoped("rep"), False),
    "reps.notice_letter": (("POST",), EDITORS, _scoped("rep"), False),
    "reps.facility_time": (("GET",), ALL, None, False),
    "reps.facility_time_csv": (("GET",), ALL, None, False),
    "letters.time_off_letter": (("POST",), EDITORS, _scoped("time_off_request"), False),
    "documents.download": (("GET",), ALL, _scoped("rep_document"), False),
    "timeoff.requests": (("GET",), ALL, None, False),
    "timeoff.new_request": (("GET", "POST"), frozenset({"admin", "branch_convenor", "learning_rep"}), None, False),
    "timeoff.time_off_request": (("GET",), ALL, _scoped("time_off_request"), False),
    "timeoff.edit_request": (("GET", "POST"), frozenset({"admin", "branch_convenor", "learning_rep"}),
                             _scoped("time_off_request"), False),
    "timeoff.submit_request": (("POST",), frozenset({"admin", "branch_convenor", "learning_rep"}),
                               _scoped("time_off_request"), False),
    "timeoff.decision": (("GET", "POST"), EDITORS, _scoped("time_off_request"), False),
    "timeoff.acas": (("GET", "POST"), EDITORS, _scoped("time_off_refusal"), False),
}

# the learner and case pages keep their entries next to their own tests, in the same shape:
# endpoint -> (methods, roles allowed, resolver(world, role_key) -> (in-scope kwargs, out-of-scope kwargs or None), public?)
from tests.cases.permissions import PAGES as _CASE_PAGES  # noqa: E402
from tests.learners.permissions import PAGES as _LEARNER_PAGES  # noqa: E402
from tests.funding.permissions import PAGES as _FUNDING_PAGES  # noqa: E402
from tests.reports.permissions import PAGES as _REPORT_PAGES  # noqa: E402

EXPECTED.update(_LEARNER_PAGES)
EXPECTED.update(_CASE_PAGES)
EXPECTED.update(_FUNDING_PAGES)
EXPECTED.update(_REPORT_PAGES)
from tests.reports.jobs_permissions import PAGES as _JOBS; EXPECTED.update(_JOBS)  # noqa: E402,E702
from tests.funding.goaward_permissions import PAGES as _GO; EXPECTED.update(_GO)  # noqa: E402,E702
from tests.organisation.permissions import PAGES as _ORG; EXPECTED.update(_ORG)  # noqa: E402,E702
from tests.dataprotection.permissions import PAGES as _DP; EXPECTED.update(_DP)  # noqa: E402,E702
from tests.accounts.permissions import PAGES as _ACCOUNTS; EXPECTED.update(_ACCOUNTS)  # noqa: E402,E702
from tests.mail.permissions import PAGES as _MAIL; EXPECTED.update(_MAIL)  # noqa: E402,E702
from tests.surveys.permissions import PAGES as _SURVEYS; EXPECTED.update(_SURVEYS)  # noqa: E402,E702
from tests.imports.permissions import PAGES as _IMPORTS; EXPECTED.update(_IMPORTS)  # noqa: E402,E702


def page_rules(app):
    return [r for r in app.url_map.iter_rules() if not r.endpoint.startswith("api.")]


def test_every_page_rule_has_an_expectation(app):
    missing = sorted({r.endpoint for r in page_rules(app)} - set(EXPECTED))
    assert not missing, f"add these endpoints to EXPECTED in {__file__}: {missing}"


def _request(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": client.token("/sign-in" if not client.logged_in else "/")})


def _url(app, endpoint, kwargs):
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **kwargs)


@pytest.mark.parametrize("role_key", (None,) + ROLES)
def test_role_by_route(app, world, make_client, role_key):
    """One client per role walks every rule; a table of who got what is compared at the end."""
    client = make_client()
    client.logged_in = False
    if role_key:
        client.login(getattr(world.users, role_key).email)
        client.logged_in = True
    problems = []
    for rule in page_rules(app):
        spec = EXPECTED[rule.endpoint]
        if spec is None:
            continue
        methods, allowed, resolver, is_public = spec
        inside, outside = (resolver(world, role_key or "admin") if resolver else ({}, None))
        for method in methods:
            url = _url(app, rule.endpoint, inside)
            got = _request(client, method, url).status_code
            if role_key is None:
                want = "open" if is_public else "sign-in"
                ok = (got < 400 and got != 302) if is_public else got == 302
                if not is_public and method == "POST":
                    ok = got == 302
            elif ROLE_OF[role_key] in allowed:
                want, ok = "allowed", got not in (401, 403, 404) and got < 500
                if rule.endpoint == "accounts.logout":
                    client.login(getattr(world.users, role_key).email)
            else:
                want, ok = "403", got == 403
            if not ok:
                problems.append(f"{method} {url} as {role_key or 'anonymous'}: got {got}, want {want}")
            if role_key and outside is not None and ROLE_OF[role_key] in allowed:
                url_out = _url(app, rule.endpoint, outside)
                got = _request(client, method, url_out).status_code
                if got != 404:
                    problems.append(f"{method} {url_out} (out of scope) as {role_key}: got {got}, want 404")
    assert not problems, "\n".join(problems)


def test_missing_records_answer_404(login_as):
    c = login_as("admin")
    for url in ("/regions/999999", "/branches/999999", "/employers/999999", "/workplaces/999999", "/admin/users/999999",
                "/agreements/999999", "/agreements/999999/coverage.csv", "/agreements/999999/documents/1"):
        assert c.get(url).status_code == 404, url


def test_static_files_are_public(client):
    response = client.get("/static/govuk/app.min.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()

"""Every page and API list is O(page), not O(scope): the same number of SQL statements per request
whatever the size of the user's scope.

A small data set is built, each page is requested by each role and its statements counted; then
the scope grows (three times the workplaces, ULRs, learners with equality monitoring, enrolments,
needs analyses, contacts, follow-ups, cases, agreements, time-off requests and open refusals) and
every page must run exactly as many statements as before. API lists are asked for at per_page=100,
so the rows on the page grow too: per-row queries would show."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from flask import g

from ulr_app.agreements import services as agreement_services
from ulr_app.cases import services as case_services
from ulr_app.contacts.models import FollowUp
from ulr_app.extensions import db
from ulr_app.learners import services as learner_services
from ulr_app.organisation import services as org
from ulr_app.reps import services as rep_services
from ulr_app.timeoff import services as time_off

from .api.helpers import new_token

TODAY = date.today()
EQUALITY = {"gender": "female", "ethnicity": "Black British", "disability": "none declared", "age_band": "35-44"}


def day(n: int) -> str:
    """n days ago (negative: ahead), YYYY-MM-DD."""
    return (TODAY - timedelta(days=n)).isoformat()


def _rep(world, branch: str, workplace, name: str, user=None):
    return rep_services.create_rep({
        "name": name, "employer_id": workplace.employer_id, "workplace_id": workplace.id,
        "user_id": user.id if user else None, "appointed_on": day(60), "notice_given_on": day(59),
        "training_route": "already_trained"}, branch=getattr(world.branches, branch))


def _refusal(rep, n: int, workplace=None):
    """A ULR-duties request of ``rep`` (at ``workplace``, default the ULR's), refused for cover 10 days
    ago: an open refusal."""
    r = time_off.create_request({"kind": "ulr_duties", "purpose": "analysing_needs", "rep_id": rep.id,
                                 "workplace_id": (workplace or rep.workplace).id, "starts_at": f"{day(5)}T09:30",
                                 "duration_hours": "3", "location": f"Library {n}", "requested_on": day(20)},
                                branch=rep.branch)
    time_off.submit(r)
    time_off.record_decision(r, {"status": "refused", "decided_on": TODAY - timedelta(days=10),
                                 "refusal_reason": "cover"})
    return r


def grow(world, state: SimpleNamespace, times: int) -> None:
    """Add ``times`` rounds of records in region A (branch A1, with A2 for the organiser), each
    round reaching every list: a workplace, a ULR, learners (in ulr_a1's caseload and not), an
    enrolment, a needs analysis, a contact, an overdue follow-up, a case with an activity, an
    agreement, a submitted request and an open refusal."""
    g.audit_actor_label = "test set-up"
    for _ in range(times):
        n = state.rounds = state.rounds + 1
        for branch, employer in (("a1", world.employers.a1), ("a2", world.employers.a2)):
            w = org.create_workplace({"employer_id": employer.id, "name": f"Grove Primary School {branch} {n}",
                                      "kind": "school", "urn": 900000 + n * 10 + (branch == "a2"),
                                      "establishment_type": "Community school", "phase": "Primary",
                                      "postcode": f"N{n} 1AA"})
            rep = _rep(world, branch, w, f"Rep {branch} {n}")
            own = state.own_rep if branch == "a1" else rep
            for k, assigned in enumerate((own, rep)):
                learner = learner_services.create_learner({
                    "name": f"Learner {branch} {n} {k}", "workplace_id": w.id, "rep_id": assigned.id,
                    "staff_category": "learning_support", "consent_on": day(200),
                    "consent_scope": "Records of learning and contact by the ULR and the branch", **EQUALITY},
                    branch=getattr(world.branches, branch), not_duplicate=True)
                learner_services.enrol(learner, {"course_id": state.course.id, "status": "enquiry"})
                learner_services.record_needs_assessment(learner, {"assessed_on": day(100), "literacy_level": "entry_3"})
                if k:
                    learner_services.log_contact(learner, {"kind": "call", "happened_on": day(120), "text": "Rang"})
                    db.session.add(FollowUp(learner_id=learner.id, title=f"Call {n}", due_on=TODAY - timedelta(days=3)))
            case = case_services.create_case({"kind": "other", "summary": f"Case {branch} {n}"},
                                             getattr(world.branches, branch),
                                             world.users.convenor_a1 if branch == "a1" else world.users.convenor_a2)
            case_services.add_activity(case, {"kind": "note", "happened_on": day(2), "text": "Spoke to the head"})
            db.session.add(FollowUp(case_id=case.id, title=f"Chase {n}", due_on=TODAY - timedelta(days=2)))
            agreement_services.create_agreement({"title": f"Agreement {branch} {n}", "employer_id": employer.id},
                                                branch=getattr(world.branches, branch))
            _refusal(rep, n, world.workplaces.school_a1 if branch == "a1" else world.workplaces.school_a2)
            if branch == "a1":
                _refusal(state.own_rep, n, w)  # at another workplace than the ULR's own
        db.session.commit()


@pytest.fixture
def grown(world):
    """The world with ulr_a1's own appointment, a course, and a first (small) round of records."""
    from tests.learners.helpers import course

    g.audit_actor_label = "test set-up"
    state = SimpleNamespace(rounds=0)
    state.own_rep = _rep(world, "a1", world.workplaces.service_a1, "Ulr Barnet", user=world.users.ulr_a1)
    db.session.commit()
    state.course = course("Query count literacy Entry 3")
    grow(world, state, 1)
    state.learner_id = db.session.scalar(db.select(db.text("min(id)")).select_from(db.text("learner")))
    return state


#: (role, page) for the pages
PAGES = [
    *[(role, "/") for role in ("admin", "organiser_a", "convenor_a1", "ulr_a1")],
    *[(role, url) for role in ("admin", "organiser_a", "convenor_a1", "ulr_a1") for url in (
        "/learners", "/learners?q=learner", "/learners?per_page=100", "/learners?stage=enquiry",
        "/learners?no_contact=1", "/learners?workplace=grove&rep=rep", "/cases?per_page=100", "/time-off?per_page=100", "/agreements?per_page=100",
        "/workplaces?q=primary", "/workplaces/search.json?q=primary", "/reps/search.json?q=rep",
        "/cases/owners.json?q=co", "/cases?owner=co&per_page=100", "/employers/search.json?q=bo",
        "/agreements?employer=borough&per_page=100",
        "{learner}")],
]
#: (role, API list) at per_page=100
API_LISTS = [(role, f"/api/v1/{resource}?per_page=100")
             for role in ("admin", "organiser_a", "convenor_a1", "ulr_a1")
             for resource in ("learners", "cases", "time_off_requests", "agreements")]


def _measure(count_queries, clients, apis, state, items):
    out = {}
    for role, url in items:
        target = url.replace("{learner}", f"/learners/{state.learner_id}")
        if target.startswith("/api/"):
            with count_queries() as q:
                response = clients[role].get(target, headers={"Authorization": f"Bearer {apis[role]}"})
        else:
            with count_queries() as q:
                response = clients[role].get(target)
        assert response.status_code == 200, (role, target, response.status_code)
        out[(role, url)] = q
    return out


def test_statements_per_request_do_not_grow_with_the_scope(login_as, world, grown, count_queries):
    roles = ("admin", "organiser_a", "convenor_a1", "ulr_a1")
    clients = {role: login_as(role) for role in roles}
    apis = {role: new_token(getattr(world.users, role)) for role in roles}
    items = PAGES + API_LISTS
    _measure(count_queries, clients, apis, grown, items)  # first requests warm caches (reference data, ...)
    from ulr_app.reports import cache as report_cache

    report_cache.clear()  # both measured as first requests: figures worked out, not kept ones read
    small = _measure(count_queries, clients, apis, grown, items)
    grow(world, grown, 2)
    report_cache.clear()
    big = _measure(count_queries, clients, apis, grown, items)
    differ = {key: (small[key].count, big[key].count) for key in items if small[key].count != big[key].count}
    detail = "\n\n".join(f"{key}: {small[key].count} -> {big[key].count}\n" +
                         "\n".join(s[:200] for s in big[key].statements) for key in differ)
    assert not differ, f"{differ}\n{detail}"


# --- text search uses an index (PostgreSQL) ------------------------------------------------------

def _plan(stmt) -> str:
    compiled = stmt.compile(dialect=db.engine.dialect)
    connection = db.session.connection()
    return "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled.string}", compiled.params))


def test_the_workplace_search_uses_the_trigram_index(world):
    """On PostgreSQL the 'contains' search on workplace names (``lower(name) LIKE '%...%'``) is served by
    the GIN trigram index of the pg_trgm migration, for an administrator (no scope) and a regional
    organiser (their region's employers). A few thousand workplaces, ANALYZEd. At this size a sequential
    scan of the table is cheaper and the planner rightly picks it, so the test sets enable_seqscan=off
    (for its own transaction only) to prove the index can serve the query as written: the expression
    indexed must be the one the query uses, or no plan could use it. On a national-size table the
    planner's own choice is what EXPLAIN after ANALYZE on the national data set shows (bench/)."""
    from sqlalchemy import insert, text

    from ulr_app.organisation import queries as organisation
    from ulr_app.organisation.models import Employer, Workplace

    if db.engine.dialect.name != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's (the migration does nothing on SQLite)")
    words = ("Primary", "Infant", "Junior", "Academy", "Nursery", "Library", "Depot", "Leisure Centre", "Housing")
    places = ("Barnet", "Camden", "Hendon", "Finchley", "Totteridge", "Mill Hill", "Edgware", "Whetstone")
    # like the country: many employers (councils, trusts) in each region, a few dozen workplaces each
    made = db.session.execute(insert(Employer).returning(Employer.id), [
        {"name": f"Employer {n}", "kind": "other", "region_id": (world.regions.a if n % 2 else world.regions.b).id}
        for n in range(100)]).scalars().all()
    employers = (world.employers.a1.id, world.employers.a2.id, world.employers.b1.id, *made)
    rows = [{"employer_id": employers[n % len(employers)], "name": f"{places[n % 8]} {n} {words[n % 9]}", "kind": "service",
             "postcode": f"N{n % 20} {n % 9}AB"} for n in range(4000)]
    rows.append({"employer_id": employers[0], "name": "Zebra Crossing Nursery School", "kind": "school",
                 "postcode": "N3 1ZZ"})
    db.session.execute(insert(Workplace), rows)
    db.session.commit()
    # new rows wait in a GIN index's pending list until (auto)vacuum merges them, and the planner
    # prices a long pending list high: merge it now, as autovacuum would
    for index in ("ix_workplace_name_trgm", "ix_workplace_postcode_trgm"):
        db.session.execute(text(f"SELECT gin_clean_pending_list('{index}'::regclass)"))
    db.session.execute(text("ANALYZE employer"))
    db.session.execute(text("ANALYZE workplace"))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    for user in (world.users.admin, world.users.organiser_a):
        stmt = organisation.workplaces(user, "zebra cross").with_only_columns(
            Workplace.id, Workplace.name, Workplace.postcode).limit(20)
        plan = _plan(stmt)
        assert "Bitmap Index Scan on ix_workplace_name_trgm" in plan, plan
        assert "Seq Scan on workplace" not in plan, plan
        found = db.session.execute(stmt).all()
        assert [name for _i, name, _p in found] == ["Zebra Crossing Nursery School"]


# --- filters with hundreds of choices search on the server -----------------------------------------

def test_the_workplace_search_answers_20_names_in_scope(login_as, world):
    from ulr_app.organisation.models import Workplace

    for n in range(25):
        db.session.add(Workplace(employer_id=world.employers.a1.id, name=f"Oak Primary {n:02d}", kind="school"))
    db.session.add(Workplace(employer_id=world.employers.b1.id, name="Oak Primary Newcastle", kind="school"))
    db.session.commit()
    found = login_as("convenor_a1").get("/workplaces/search.json?q=oak%20PRIM").json["results"]
    assert [r["name"] for r in found] == [f"Oak Primary {n:02d}" for n in range(20)]  # by name, at most 20
    assert set(found[0]) == {"id", "name", "postcode"}
    everyone = login_as("admin").get("/workplaces/search.json?q=newcastle").json["results"]
    assert [r["name"] for r in everyone] == ["Oak Primary Newcastle"]
    assert login_as("organiser_a").get("/workplaces/search.json?q=newcastle").json["results"] == []  # region B's
    assert login_as("convenor_a1").get("/workplaces/search.json?q=o").json["results"] == []  # type 2 letters or more
    assert login_as("convenor_a1").get("/workplaces/search.json?q=100%25").json["results"] == []  # % is a character


def test_the_ulr_search_answers_names_in_scope(login_as, world):
    from tests.learners.helpers import rep

    rep(world, name="Quentin Barnet")
    rep(world, "b1", name="Quentin Newcastle", workplace="school_b1")
    assert [r["name"] for r in login_as("convenor_a1").get("/reps/search.json?q=quen").json["results"]] == [
        "Quentin Barnet"]
    assert [r["name"] for r in login_as("admin").get("/reps/search.json?q=quen").json["results"]] == [
        "Quentin Barnet", "Quentin Newcastle"]
    assert login_as("ulr_a1").get("/reps/search.json?q=quen").json["results"] == []


def test_the_learner_list_filters_by_typed_workplace_and_ulr(login_as, world):
    from tests.learners.helpers import learner, rep, text

    pat = rep(world, name="Pat Jones")
    rep(world, name="Robin Other")
    at_school = learner(world, name="At School", workplace="school_a1", rep=pat)
    at_housing = learner(world, name="At Housing", workplace="service_a1")
    c = login_as("convenor_a1")
    page = text(c.get("/learners?workplace=brunswick"))
    assert f'/learners/{at_school.id}"' in page and f'/learners/{at_housing.id}"' not in page
    assert 'data-module="app-search-box"' in page and 'data-source="/workplaces/search.json"' in page
    assert 'value="brunswick"' in page
    page = text(c.get("/learners?rep=PAT"))
    assert f'/learners/{at_school.id}"' in page and f'/learners/{at_housing.id}"' not in page
    assert 'data-source="/reps/search.json"' in page
    # a link naming the workplace by id shows its name in the box (no drop-down of every workplace)
    page = text(c.get(f"/learners?workplace_id={world.workplaces.service_a1.id}"))
    assert f'/learners/{at_housing.id}"' in page and f'/learners/{at_school.id}"' not in page
    assert 'value="Barnet Housing"' in page and 'id="workplace_id"' not in page and 'id="rep_id"' not in page
    # a ULR gets no ULR box (their list is their own caseload)
    assert 'id="rep"' not in text(login_as("ulr_a1").get("/learners"))


def test_the_case_list_filters_by_who_works_it_typed(login_as, world):
    from tests.cases.helpers import case

    mine = case(world, "Barnet convenor's case")
    theirs = case(world, "Camden convenor's case", branch="a2")
    c = login_as("organiser_a")
    suggested = c.get("/cases/owners.json?q=CONVENOR").json["results"]
    assert sorted(r["name"] for r in suggested) == sorted([world.users.convenor_a1.name, world.users.convenor_a2.name])
    assert c.get("/cases/owners.json?q=c").json["results"] == []
    assert login_as("convenor_a1").get("/cases/owners.json?q=camden").json["results"] == []  # not their cases
    page = c.get(f"/cases?owner={world.users.convenor_a2.name.split()[-1]}").get_data(as_text=True)
    assert f'/cases/{theirs.id}"' in page and f'/cases/{mine.id}"' not in page
    assert 'data-source="/cases/owners.json"' in page
    page = c.get(f"/cases?owner_id={world.users.convenor_a1.id}").get_data(as_text=True)
    assert f'/cases/{mine.id}"' in page and f'/cases/{theirs.id}"' not in page
    assert f'value="{world.users.convenor_a1.name}"' in page


def test_the_agreement_list_filters_by_typed_employer(login_as, world):
    from tests.api.helpers import agreements_of

    made = agreements_of(world)
    c = login_as("organiser_a")
    assert [r["name"] for r in c.get("/employers/search.json?q=camden").json["results"]] == ["London Borough of Camden"]
    assert c.get("/employers/search.json?q=newcastle").json["results"] == []  # region B's
    page = c.get("/agreements?employer=camden").get_data(as_text=True)
    assert f'/agreements/{made.a2.id}"' in page and f'/agreements/{made.a1.id}"' not in page
    assert 'data-source="/employers/search.json"' in page and 'id="employer_id"' not in page
    page = c.get(f"/agreements?employer_id={world.employers.a1.id}").get_data(as_text=True)
    assert f'/agreements/{made.a1.id}"' in page and f'/agreements/{made.a2.id}"' not in page
    assert 'value="London Borough of Barnet"' in page


# --- the same statements whether a page's lists are empty or full ---------------------------------

def test_a_learner_page_runs_the_same_statements_whatever_the_record_holds(login_as, world, grown, count_queries):
    """A learner with no workplace, ULR, consent, contact, case or follow-up, and one with all of them:
    the page's places, ULR, consents' takers and contacts' cases are joined, never loaded one by one
    only when present (the national bench counted 20 statements for one learner and 19 for another)."""
    g.audit_actor_label = "test set-up"
    bare = learner_services.create_learner({"name": "Bare Record"}, branch=world.branches.a1, not_duplicate=True)
    db.session.commit()
    full_page, bare_page = f"/learners/{grown.learner_id}", f"/learners/{bare.id}"
    for role in ("admin", "organiser_a", "convenor_a1"):
        client = login_as(role)
        client.get(full_page)
        with count_queries() as full:
            assert client.get(full_page).status_code == 200
        with count_queries() as empty:
            assert client.get(bare_page).status_code == 200
        assert full.count == empty.count, (role, full.statements, empty.statements)


def test_a_ulrs_home_page_runs_the_same_statements_with_an_empty_caseload(login_as, world, count_queries):
    """A new ULR (no learners, requests or follow-ups yet) and the same ULR with a caseload: the lists'
    ULRs, workplaces, learners and cases are joined (selectin loads ran only when there were rows)."""
    from tests.learners.helpers import course

    g.audit_actor_label = "test set-up"
    state = SimpleNamespace(rounds=0)
    state.own_rep = _rep(world, "a1", world.workplaces.service_a1, "Ulr Barnet", user=world.users.ulr_a1)
    db.session.commit()
    state.course = course("Query count literacy Entry 3")
    client = login_as("ulr_a1")
    client.get("/")
    with count_queries() as empty:
        assert client.get("/").status_code == 200
    grow(world, state, 2)
    with count_queries() as busy:
        page = client.get("/")
    assert page.status_code == 200 and "Learner a1 1 0" in page.get_data(as_text=True)
    assert empty.count == busy.count, (empty.statements, busy.statements)

"""The branch's contact details for its letters (address, phone, e-mail: changed by the branch's
convenor or an administrator on the branch page) and the person a workplace's letters go to (the
head teacher or manager and their job title, on the workplace form), on the pages and the API."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from ulr_app.core.audit import AuditEntry
from ulr_app.core.errors import ValidationFailed
from ulr_app.extensions import db
from ulr_app.organisation import services
from ulr_app.organisation.models import Branch, Workplace

from tests.api.conftest import api_as, token_for  # noqa: F401 (fixtures)
from tests.api.helpers import assert_error

ADDRESS = "UNISON Barnet Branch\r\n  Building 4,   North London Business Park\r\n\r\nLondon N11 1NP"


def _fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


# --- the branch's contact details: pages ----------------------------------------------------

def test_convenor_changes_their_branch_contact_details(login_as, world):
    c = login_as("convenor_a1")
    branch_id = world.branches.a1.id
    page = c.get(f"/branches/{branch_id}").get_data(as_text=True)
    assert "Contact details for letters" in page and f'href="/branches/{branch_id}/contact-details"' in page
    form = c.get(f"/branches/{branch_id}/contact-details").get_data(as_text=True)
    for words in ('<label class="govuk-label" for="address">', 'for="phone"', 'for="email"', 'autocomplete="street-address"',
                  'name="version" value="1"'):
        assert words in form, words
    response = c.submit(f"/branches/{branch_id}/contact-details",
                        {"address": ADDRESS, "phone": "020 8359 2000", "email": "learning@barnet.example.org", "version": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/branches/{branch_id}#contact-details")
    branch = _fresh(Branch, branch_id)
    assert branch.address == "UNISON Barnet Branch\nBuilding 4, North London Business Park\nLondon N11 1NP"
    assert (branch.phone, branch.email, branch.version) == ("020 8359 2000", "learning@barnet.example.org", 2)
    page = c.get(f"/branches/{branch_id}").get_data(as_text=True)
    assert "UNISON Barnet Branch<br>Building 4, North London Business Park<br>London N11 1NP" in page
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "branch",
                                                        AuditEntry.action == "update")).one()
    assert "contact details" in entry.summary and set(entry.changes) == {"address", "phone", "email"}


@pytest.mark.parametrize("data,field,message", [
    ({"phone": "call me maybe"}, "phone", "Enter a phone number, like 020 7121 5555"),
    ({"email": "not-an-address"}, "email", "Enter an e-mail address in the correct format"),
    ({"address": "\n".join(f"Line {n}" for n in range(9))}, "address", "Address must be 8 lines or fewer"),
    ({"address": "x" * 101}, "address", "Each line of the address must be 100 characters or fewer"),
    ({"address": "x" * 501}, "address", "Address must be 500 characters or fewer"),
    ({"phone": "1" * 41}, "phone", "Phone number must be 40 characters or fewer"),
])
def test_bad_contact_details_are_refused(login_as, world, data, field, message):
    c = login_as("convenor_a1")
    url = f"/branches/{world.branches.a1.id}/contact-details"
    response = c.submit(url, {"version": "1", **data})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in text
    assert message in text and f'href="#{field}"' in text
    branch = _fresh(Branch, world.branches.a1.id)
    assert (branch.address, branch.phone, branch.email, branch.version) == (None, None, None, 1)


def test_who_may_change_contact_details(login_as, world):
    url = f"/branches/{world.branches.a1.id}/contact-details"
    assert login_as("ulr_a1").get(url).status_code == 403
    assert login_as("organiser_a").get(url).status_code == 403
    assert login_as("convenor_a2").get(url).status_code == 404
    assert "Change the contact details" not in login_as("ulr_a1").get(f"/branches/{world.branches.a1.id}").get_data(as_text=True)
    admin = login_as("admin")
    assert admin.submit(url, {"phone": "0191 123 4567", "version": "1"}).status_code == 302
    assert _fresh(Branch, world.branches.a1.id).phone == "0191 123 4567"


def test_a_stale_form_is_not_saved(login_as, world):
    services.update_branch_contact(world.branches.a1, {"phone": "020 1111 2222"})
    db.session.commit()
    response = login_as("convenor_a1").submit(f"/branches/{world.branches.a1.id}/contact-details",
                                              {"phone": "020 3333 4444", "version": "1"})
    assert response.status_code == 409
    assert _fresh(Branch, world.branches.a1.id).phone == "020 1111 2222"


def test_service_cleans_and_clears(world):
    branch = world.branches.a1
    services.update_branch_contact(branch, {"address": "  1 High St \n\n Barnet  EN5 1AA ", "email": " a@b.org "})
    assert (branch.address, branch.email) == ("1 High St\nBarnet EN5 1AA", "a@b.org")
    services.update_branch_contact(branch, {"address": "", "email": None})
    assert branch.address is None and branch.email is None
    with pytest.raises(ValidationFailed) as failed:
        services.update_branch_contact(branch, {"address": 12, "phone": "+44 (0)20 7121-5555", "email": "x@y"})
    assert set(failed.value.fields) == {"address", "email"}


# --- the workplace's named recipient ---------------------------------------------------------

def test_workplace_form_records_the_head_teacher(login_as, world):
    c = login_as("convenor_a1")
    w = world.workplaces.school_a1
    url = f"/workplaces/{w.id}/edit"
    form = c.get(url).get_data(as_text=True)
    assert "Name of the head teacher or manager" in form and "Their job title" in form
    data = {"employer_id": str(w.employer_id), "name": w.name, "kind": "school", "urn": str(w.urn),
            "contact_name": "  Ms Priya Shah ", "contact_role": "Head teacher", "version": str(w.version)}
    assert c.submit(url, data).status_code == 302
    w = _fresh(Workplace, w.id)
    assert (w.contact_name, w.contact_role) == ("Ms Priya Shah", "Head teacher")
    assert "Ms Priya Shah, Head teacher" in c.get(f"/workplaces/{w.id}").get_data(as_text=True)
    response = c.submit(url, {**data, "contact_name": "x" * 121, "version": str(w.version)})
    assert response.status_code == 400 and "Name must be 120 characters or fewer" in response.get_data(as_text=True)
    assert _fresh(Workplace, w.id).contact_name == "Ms Priya Shah"


# --- the API --------------------------------------------------------------------------------

def test_api_branch_and_workplace_fields(api_as, world):
    admin = api_as("admin")
    item = admin.get(f"/branches/{world.branches.a1.id}").get_json()
    assert {"address", "phone", "email"} <= set(item) and item["address"] is None
    response = admin.patch(f"/branches/{world.branches.a1.id}",
                           json={"version": item["version"], "address": "1 High St\nBarnet EN5 1AA", "email": "a@b.org"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["address"] == "1 High St\nBarnet EN5 1AA" and response.get_json()["version"] == item["version"] + 1
    assert_error(admin.patch(f"/branches/{world.branches.a1.id}", json={"version": item["version"] + 1, "email": "nope"}),
                 422, "validation_failed", fields=("email",))
    assert _fresh(Branch, world.branches.a1.id).email == "a@b.org"
    created = admin.post("/branches", json={"name": "Enfield", "region_id": world.regions.a.id, "phone": "020 8379 1000"})
    assert created.status_code == 201 and created.get_json()["phone"] == "020 8379 1000"
    assert_error(admin.post("/branches", json={"name": "Haringey", "region_id": world.regions.a.id, "phone": "??"}),
                 422, "validation_failed", fields=("phone",))
    assert db.session.scalar(select(Branch).where(Branch.name == "Haringey")) is None

    convenor = api_as("convenor_a1")
    w = convenor.get(f"/workplaces/{world.workplaces.school_a1.id}").get_json()
    response = convenor.patch(f"/workplaces/{w['id']}", json={"version": w["version"], "contact_name": "Mr Tom Okafor",
                                                              "contact_role": "Head teacher"})
    assert response.status_code == 200 and response.get_json()["contact_name"] == "Mr Tom Okafor"
    assert_error(convenor.patch(f"/workplaces/{w['id']}", json={"version": w["version"] + 1, "contact_role": "x" * 121}),
                 422, "validation_failed", fields=("contact_role",))

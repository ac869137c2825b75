"""API: users (administrators only), through the same services as the admin pages."""
from __future__ import annotations

from typing import Any

from flask_login import current_user

from ..api.common import Field, Id, Resource, api_route, change, get_or_404, list_response, parse_body, resource
from ..core.permissions import ADMIN
from . import queries, services
from .models import ROLES, User
from .passwords import password_problems

USERS = resource(Resource(
    name="users", title="User", label="user", model=User,
    fields={
        "id": Id(),
        "version": Field("integer", "Goes up by one on each change; send it back on PATCH.", minimum=1),
        "email": Field("string", "Unique, stored in lower case.", max_length=254, writable=True, required=True),
        "name": Field("string", max_length=120, writable=True, required=True),
        "role": Field("string", enum=tuple(ROLES), writable=True, required=True),
        "region_id": Id("Regional organisers: their region. Set from the branch for convenors and ULRs; "
                        "null for administrators.", nullable=True, writable=True),
        "branch_id": Id("Branch convenors and ULRs: their branch.", nullable=True, writable=True),
        "active": Field("boolean", "false: the user cannot sign in and their tokens are revoked.", writable=True),
    },
    filters={
        "role": Field("string", enum=tuple(ROLES)),
        "active": Field("boolean", "true or false."),
        "q": Field("string", "Search by name or e-mail address.", max_length=200),
    },
    description="Someone who signs in. Only administrators manage users.",
))

ADMIN_ONLY = (ADMIN,)
#: the fields create_user must always see, so a missing one gets its message rather than a database error
CREATE_FIELDS = ("email", "name", "role", "region_id", "branch_id")


def _new_password(email: Any) -> str:
    email = services.normalise_email(email) if isinstance(email, str) else ""
    for _ in range(20):
        password = services.generate_password()
        if not password_problems(password, email=email):
            return password
    raise RuntimeError("could not generate an acceptable password")  # pragma: no cover


@api_route("/users", "GET", summary="List users", resource=USERS, action="list", roles=ADMIN_ONLY)
def list_users() -> Any:
    def stmt(f: dict) -> Any:
        active = {True: "yes", False: "no"}.get(f.get("active"), "")
        return queries.user_list(current_user, q=f.get("q", ""), role=f.get("role", ""), active=active)

    return list_response(USERS, stmt)


@api_route("/users/<int:user_id>", "GET", summary="Get a user", resource=USERS, action="get", roles=ADMIN_ONLY)
def get_user(user_id: int) -> Any:
    return USERS.item(get_or_404(USERS, user_id))


@api_route("/users", "POST", summary="Add a user", resource=USERS, action="create", roles=ADMIN_ONLY,
           description="The answer carries a generated `password`, shown this once; pass it on safely. "
                       "The user should change it on their profile page.",
           extra_response={"password": Field("string", "The generated first password. Shown only in this answer.")})
def create_user() -> Any:
    data, _ = parse_body(USERS)
    fields = {**{k: data.get(k) for k in CREATE_FIELDS}, **data}
    password = _new_password(fields.get("email"))
    user = services.create_user(fields, password=password)
    return {**USERS.item(user), "password": password}, 201


@api_route("/users/<int:user_id>", "PATCH", summary="Change a user", resource=USERS, action="update",
           roles=ADMIN_ONLY,
           description="Disabling a user (active: false) ends their sessions and revokes their API tokens. "
                       "You cannot disable yourself or change your own role.")
def update_user(user_id: int) -> Any:
    user = get_or_404(USERS, user_id)
    data, version = parse_body(USERS, path_id=user_id, versioned=True)
    change(services.update_user, user, data, version, actor=current_user._get_current_object())
    return USERS.item(user)

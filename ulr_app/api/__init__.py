"""The JSON API (/api/v1): token auth, error shape, OpenAPI. Resources live in each domain's api.py.

Every request under /api/v1 authenticates with ``Authorization: Bearer <token>`` and nothing
else: a browser's session cookie is ignored, so the API needs no CSRF token (it is exempt) and
a page's signed-in user can never act through it by accident. The token's user is made the
current user for this one request only, without touching the cookie session. The only route
open without a token is the OpenAPI document.

This package is the API's toolkit and knows no domain: who a token belongs to is answered by
accounts (the ``api.token_user`` hook), each domain's ``api.py`` declares its resources with
:mod:`.common`, and the app factory imports those modules (``API_MODULES``) so their routes are on
``bp`` before it is registered.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, current_app, g, jsonify, request

from ..core import hooks
from ..extensions import csrf, login_manager

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

REALM = "ULR Case Manager API"


def _in_api() -> bool:
    prefix = bp.url_prefix or ""
    return request.path == prefix or request.path.startswith(prefix + "/")


def _bearer_token() -> Optional[str]:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    secret = secret.strip()
    return secret if 0 < len(secret) <= 200 else None


def _unauthorised(message: str, *, token_given: bool) -> Any:
    body = {"error": {"code": "unauthorised", "message": message, "fields": {}}}
    response = jsonify(body)
    response.status_code = 401
    challenge = f'Bearer realm="{REALM}"'
    if token_given:
        challenge += ', error="invalid_token"'
    response.headers["WWW-Authenticate"] = challenge
    return response


@bp.before_app_request
def authenticate() -> Any:
    """Before anything else under /api/v1 (unknown paths too): who is this token?"""
    if not _in_api():
        return None
    # nobody, until a token says otherwise: never fall back to the cookie session
    g._login_user = login_manager.anonymous_user()
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if getattr(view, "is_public", False):
        return None
    if request.method == "OPTIONS":
        return None  # CORS-style probes and Allow: carry no data
    header = request.headers.get("Authorization")
    secret = _bearer_token()
    if secret is None:
        if header:
            return _unauthorised("The Authorization header must be 'Bearer <token>'.", token_given=True)
        return _unauthorised("Send an API token in the header Authorization: Bearer <token>. "
                             "Create one on your profile page.", token_given=False)
    user = hooks.first("api.token_user", secret)
    if user is None:
        return _unauthorised("This API token is not valid: it may have been revoked, or its user disabled.",
                             token_given=True)
    g._login_user = user  # Flask-Login's current_user for this request only (no cookie, no session)
    return None


@bp.before_app_request
def refuse_hostile_query() -> Any:
    """A query parameter holding a control character or a broken one (a lone surrogate): 400 naming it, for
    every route under /api/v1 (those that read their parameters themselves too), before any view runs."""
    if not _in_api() or not request.args:
        return None
    from .common import text_problem

    bad = sorted({key for key, values in request.args.lists()
                  if text_problem(key, multiline=False) or any(text_problem(v, multiline=False) for v in values)})
    if not bad:
        return None
    named = [key for key in bad if not text_problem(key, multiline=False)]
    body = {"error": {"code": "bad_request",
                      "message": "A query parameter holds a control character or a broken one: "
                                 + (", ".join(named) if named else "a parameter's name"),
                      "fields": {key: ["Remove the control character (an invisible character such as NUL)"]
                                 for key in named}}}
    response = jsonify(body)
    response.status_code = 400
    return response


@bp.teardown_app_request
def forget_user(_exc: Optional[BaseException]) -> None:
    """Drop the token's user at the end of the request (g can outlive it, e.g. in tests)."""
    if _in_api():
        g.pop("_login_user", None)


from . import openapi  # noqa: E402,F401  (the OpenAPI document's route)

"""ULR Case Manager: the application factory."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Optional

from flask import Flask, current_app, jsonify, render_template, request
from flask_login import current_user
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from . import config as config_module
from .core.errors import ERROR_TITLES
from .extensions import csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = PROJECT_ROOT / "templates"
MIGRATIONS = PROJECT_ROOT / "migrations"

#: every blueprint, in one explicit list (module path, attribute)
BLUEPRINTS = (
    ("ulr_app.accounts.views", "bp"),
    ("ulr_app.organisation.views", "bp"),
    ("ulr_app.agreements.views", "bp"),
    ("ulr_app.home.views", "bp"),
    ("ulr_app.admin.views", "bp"),
    ("ulr_app.timeoff.views", "bp"),
    ("ulr_app.reps.views", "bp"),
    ("ulr_app.timeoff.letters_views", "bp"),
    ("ulr_app.reps.letters_views", "documents_bp"),
    ("ulr_app.learners.views", "bp"),
    ("ulr_app.cases.views", "bp"),
    ("ulr_app.funding.views", "bp"),
    ("ulr_app.funding.goaward_views", "bp"),
    ("ulr_app.reports.views", "bp"),
    ("ulr_app.reports.jobs_views", "bp"),
    ("ulr_app.api", "bp"),
)

#: each domain's API resources, put on the API blueprint before it is registered
API_MODULES = (
    "ulr_app.organisation.api", "ulr_app.agreements.api", "ulr_app.accounts.api", "ulr_app.reps.api",
    "ulr_app.timeoff.api", "ulr_app.learners.api", "ulr_app.cases.api", "ulr_app.funding.api", "ulr_app.reports.api",
)



def create_app(config: Optional[Mapping[str, Any]] = None) -> Flask:
    """Build the app. Pure: reads settings, binds extensions, registers blueprints and CLI."""
    instance_path = os.environ.get("ULR_INSTANCE_PATH") or None
    app = Flask(
        __name__,
        template_folder=str(TEMPLATES),
        instance_path=instance_path,
        instance_relative_config=True,
    )
    settings = config_module.defaults()
    settings.update(config_module.from_environment(os.environ))
    settings.update(config or {})
    settings = config_module.finalise(settings, Path(app.instance_path))
    app.config.update(settings)
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)

    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(TEMPLATES)),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    _import_models()
    app.url_map.converters["int"] = _IdConverter  # before the routes are added
    for module_name in API_MODULES:
        __import__(module_name)
    for module_name, attr in BLUEPRINTS:
        module = __import__(module_name, fromlist=[attr])
        app.register_blueprint(getattr(module, attr))

    from .core import templating
    from .accounts import sessions
    from .cli import register_cli

    templating.init_app(app)
    sessions.init_app(app)
    register_cli(app)
    from .demo.cli import register_cli as register_demo_cli

    register_demo_cli(app)
    _register_request_boundary(app)
    _register_error_handlers(app)
    return app


def _import_models() -> None:
    """Import every domain's models so metadata (and Alembic) sees all tables."""
    from .accounts import models as _a  # noqa: F401
    from .core import audit_models as _c  # noqa: F401
    from .organisation import models as _o  # noqa: F401
    from .reference import models as _r  # noqa: F401
    from .core import timeline as _t  # noqa: F401
    from .agreements import models as _ag  # noqa: F401
    from .agreements import queries as _agq  # noqa: F401  (scope rules)
    from .core import documents as _d  # noqa: F401
    from .reps import models as _rp  # noqa: F401
    from .timeoff import models as _to  # noqa: F401
    from .reps import queries as _rpq  # noqa: F401  (scope rules)
    from .timeoff import queries as _toq  # noqa: F401
    from .organisation import queries as _oq  # noqa: F401  (scope rules)
    from .accounts import queries as _aq  # noqa: F401
    from .learners import models as _lm  # noqa: F401
    from .learners import catalogue as _lc  # noqa: F401  (reference data: the course catalogue)
    from .learners import queries as _lq  # noqa: F401  (scope rules)
    from .cases import models as _cm  # noqa: F401
    from .cases import queries as _cq  # noqa: F401  (scope rules)
    from .core import jobs as _j  # noqa: F401  (job models, and starting jobs after commit)
    from .funding import models as _fm  # noqa: F401
    from .funding import catalogue as _fc  # noqa: F401  (reference data: the built-in programmes)
    from .reports import models as _rm  # noqa: F401


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _register_request_boundary(app: Flask) -> None:
    @app.before_request
    def refuse_nul_bytes() -> Any:
        """No text field may hold a NUL character (PostgreSQL cannot store one): 400 at the door."""
        from flask import abort

        if _is_api():
            return None  # the API names the offending parameter itself
        for source in (request.args, request.form):
            for values in source.listvalues():
                if any("\x00" in v for v in values):
                    abort(400, "Text must not contain NUL characters.")
        return None

    @app.before_request
    def require_login() -> Any:
        """Login by default: only views marked @public (and static files) are open."""
        if request.endpoint is None or request.endpoint == "static" or _is_api():
            return None
        view = app.view_functions.get(request.endpoint)
        if getattr(view, "is_public", False) or current_user.is_authenticated:
            return None
        return login_manager.unauthorized()

    @app.after_request
    def commit_or_roll_back(response: Any) -> Any:
        """One commit per request, after the handler succeeded; otherwise roll back."""
        from .core import audit

        if response.status_code < 400:
            db.session.commit()
            audit.forget_kept()
        else:
            db.session.rollback()
            if response.status_code < 500:  # a 4xx page was shown: what it showed was read
                audit.write_kept(db.session)
        return response

    @app.after_request
    def security_headers(response: Any) -> Any:
        h = response.headers
        h.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'",
        )
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint != "static":
            # pages and API answers may hold personal data: never store them
            h["Cache-Control"] = "no-store"
            h.setdefault("Pragma", "no-cache")
        return response


def _at_most(limit: int) -> str:
    """A regular expression for the whole numbers 0 to ``limit`` (no leading zeros)."""
    digits = str(limit)
    if len(digits) == 1:
        return f"[0-{digits}]"
    parts = [r"0", r"[1-9]\d{0,%d}" % (len(digits) - 2)]  # every number with fewer digits
    for i, d in enumerate(digits):
        if i == 0 and d == "1":
            continue
        low = "1" if i == 0 else "0"
        if int(d) > int(low):
            rest = len(digits) - i - 1
            parts.append(digits[:i] + f"[{low}-{int(d) - 1}]" + (r"\d{%d}" % rest if rest else ""))
    parts.append(digits)
    return "(?:" + "|".join(parts) + ")"


class _IdConverter(IntegerConverter):
    """``<int:...>`` in every route is a record id. Its pattern cannot match a number past the largest
    id, so such a URL is a plain 404 from the URL map (for every method), and no view ever sends the
    database a number it cannot hold."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        from .core.validation import MAX_ID

        super().__init__(map, *args, **kwargs)
        self.regex = _at_most(MAX_ID)


def _register_error_handlers(app: Flask) -> None:
    from .core.errors import ServiceError

    def render_error(code: int, message: Optional[str] = None, fields: Optional[dict] = None,
                     api_code: Optional[str] = None) -> Any:
        title, advice = ERROR_TITLES.get(code, ERROR_TITLES[500])
        if _is_api():
            api_codes = {400: "bad_request", 401: "unauthorised", 403: "forbidden", 404: "not_found",
                         405: "method_not_allowed", 409: "conflict", 413: "too_large",
                         422: "validation_failed", 429: "too_many_requests", 500: "server_error"}
            body = {"error": {"code": api_code or api_codes.get(code, "error"), "message": message or title, "fields": fields or {}}}
            return jsonify(body), code
        return render_template("errors/error.html", code=code, title=title, advice=advice), code

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        code = exc.code or 500
        if code == 429 and request.endpoint == "accounts.login":
            from .accounts.views import throttled_login_page

            return throttled_login_page()
        if code == 401 and not _is_api():
            return login_manager.unauthorized()
        message = exc.description if _is_api() and code in (400, 409, 422) else None
        response, status = render_error(code, message)
        if code == 405 and getattr(exc, "valid_methods", None):
            from flask import make_response

            response = make_response(response, status)
            response.headers["Allow"] = ", ".join(exc.valid_methods)
            return response
        return response, status

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError) -> Any:
        return render_error(exc.status, exc.message, exc.fields, exc.code)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        db.session.rollback()
        current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if app.config.get("TESTING") and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise exc
        return render_error(500)

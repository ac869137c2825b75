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
from .core.models import known_to_models
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
    ("ulr_app.dataprotection.views", "bp"),
    ("ulr_app.mail.views", "bp"),
    ("ulr_app.surveys.views", "bp"),
    ("ulr_app.reports.survey_results", "bp"),
    ("ulr_app.imports.views", "bp"),
    ("ulr_app.api", "bp"),
)

#: each domain's API resources, put on the API blueprint before it is registered
API_MODULES = (
    "ulr_app.organisation.api", "ulr_app.agreements.api", "ulr_app.accounts.api", "ulr_app.reps.api",
    "ulr_app.timeoff.api", "ulr_app.learners.api", "ulr_app.cases.api", "ulr_app.funding.api", "ulr_app.reports.api",
    "ulr_app.dataprotection.api",
)

#: pages a higher domain puts on a lower domain's blueprint, imported before the blueprints are registered
PAGE_EXTENSIONS = ("ulr_app.dataprotection.erase_views",)



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
    # Redis down: limits keep working in this process's memory (flask-limiter logs the switch)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1})

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
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True, compare_type=True,
                     include_object=known_to_models)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    _import_models()
    app.url_map.converters["int"] = _IdConverter  # before the routes are added
    for module_name in (*API_MODULES, *PAGE_EXTENSIONS):
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
    from .dataprotection import models as _dpm  # noqa: F401
    from .dataprotection import queries as _dpq  # noqa: F401  (scope rules)
    from .mail import models as _mm  # noqa: F401
    from .mail import services as _ms  # noqa: F401  (the outbox's background task)
    from .surveys import models as _sm  # noqa: F401
    from .surveys import queries as _sq  # noqa: F401  (scope rules)
    from .imports import models as _im  # noqa: F401


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _register_request_boundary(app: Flask) -> None:
    from sqlalchemy.orm import Session

    from .core.validation import install_flush_guard, text_problem

    install_flush_guard(Session)  # no record is ever stored holding a control or broken character
    from .learners import standing

    standing.install(Session)  # learners' stage and last contact kept up to date with their records
    from .core import generation

    generation.install(Session)  # the data generation moves on with each commit that changed a record

    @app.before_request
    def refuse_hostile_text() -> Any:
        """No query string may hold a control character or a broken one (a lone surrogate): 400 at the door,
        before any view reads it. Page forms' fields and uploaded files' names get a message beside the field
        (core.forms.Form); the API names the offending parameter itself."""
        from flask import g

        if _is_api():
            return None

        def refuse(advice: str) -> Any:
            return render_template("errors/error.html", code=400, title=ERROR_TITLES[400][0], advice=advice), 400

        for key, values in request.args.lists():
            if text_problem(key, multiline=False) or any(text_problem(v) for v in values):
                return refuse("The web address holds a control character (an invisible character such as NUL) "
                              "or a broken one. Check the address, or go back and search again.")
        # form fields and uploads' names: the form puts the message beside the field (core.forms.Form), and
        # its view saves nothing, no file either (the services check the names again)
        g.hostile_form_fields = {key for key, values in request.form.lists()
                                 if text_problem(key, multiline=False) or any(text_problem(v) for v in values)}
        g.hostile_form_fields |= {key for key, uploads in request.files.lists()
                                  if text_problem(key, multiline=False)
                                  or any(text_problem(u.filename or "", multiline=False) for u in uploads)}
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

        audit.write_reads(db.session)  # special-category reads: one entry per request, kept on a 4xx
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
    from sqlalchemy import exc as sa_exc
    from sqlalchemy.orm.exc import StaleDataError

    from .core.errors import (
        ServiceError,
        conflict_details,
        database_unavailable,
        stale_write,
    )

    def render_error(code: int, message: Optional[str] = None, fields: Optional[dict] = None,
                     api_code: Optional[str] = None) -> Any:
        title, advice = ERROR_TITLES.get(code, ERROR_TITLES[500])
        if _is_api():
            api_codes = {400: "bad_request", 401: "unauthorised", 403: "forbidden", 404: "not_found",
                         405: "method_not_allowed", 409: "conflict", 413: "too_large",
                         422: "validation_failed", 429: "too_many_requests", 500: "server_error",
                         503: "unavailable"}
            body = {"error": {"code": api_code or api_codes.get(code, "error"), "message": message or title, "fields": fields or {}}}
            return jsonify(body), code
        return render_template("errors/error.html", code=code, title=title, advice=advice), code

    def unavailable(exc: BaseException) -> Any:
        """The database cannot be reached: 503 (a styled page, or the API's JSON), never a bare 500.
        Nothing here touches the database, so the page renders during the outage; the pool's
        pre-ping replaces the dead connections once the database is back, with no restart."""
        from flask import g, make_response

        current_app.logger.warning("Database unavailable on %s %s: %s", request.method, request.path,
                                   exc.__class__.__name__)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001, S110 - the connection is gone; the session is reset below
            pass
        db.session.remove()
        g._login_user = login_manager.anonymous_user()  # the page header must not load the user
        response = make_response(*render_error(503))
        response.headers["Retry-After"] = "30"
        return response

    def conflict(message: str, *, stale_flush: bool) -> Any:
        """Someone else saved first: the API's 409, or the conflict page with both versions and what
        the user typed (the session is rolled back: nothing of this request is saved)."""
        if _is_api():
            db.session.rollback()
            return render_error(409, message, api_code="conflict")
        details = conflict_details(db.session, request.form, request.view_args, stale_flush=stale_flush)
        methods = next((r.methods for r in app.url_map.iter_rules(request.endpoint)), set()) if request.endpoint else set()
        reload_url = request.path if "GET" in (methods or set()) else None
        if reload_url is None:
            from urllib.parse import urlsplit

            ref = urlsplit(request.referrer or "")
            reload_url = (ref.path + ("?" + ref.query if ref.query else "")) if ref.path and ref.netloc in ("", request.host) else "/"
        title, _advice = ERROR_TITLES[409]
        return render_template("errors/conflict.html", title=title, message=message, reload_url=reload_url,
                               **details), 409

    STALE = "This record was changed by someone else while you were working on it."

    @app.errorhandler(StaleDataError)
    def stale_data(exc: StaleDataError) -> Any:
        return conflict(STALE, stale_flush=True)

    @app.errorhandler(sa_exc.DBAPIError)
    @app.errorhandler(sa_exc.TimeoutError)
    def database_error(exc: Exception) -> Any:
        if database_unavailable(exc):
            return unavailable(exc)
        return unexpected(exc)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        code = exc.code or 500
        original = getattr(exc, "original_exception", None)  # an error after the view, e.g. at commit
        if code == 500 and database_unavailable(original):
            return unavailable(original)
        if code == 500 and stale_write(original):
            return conflict(STALE, stale_flush=True)
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
        if exc.status == 409 and not _is_api() and request.method == "POST":
            return conflict(exc.message, stale_flush=False)
        return render_error(exc.status, exc.message, exc.fields, exc.code)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        db.session.rollback()
        current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if app.config.get("TESTING") and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise exc
        return render_error(500)

"""The app factory, configuration, security headers and error pages."""
from __future__ import annotations

import pytest

from ulr_app import create_app
from ulr_app.config import ConfigError


def test_create_app_is_pure(tmp_path, monkeypatch):
    monkeypatch.setenv("ULR_INSTANCE_PATH", str(tmp_path / "inst"))
    app = create_app({"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert not (tmp_path / "inst").exists()  # no I/O when everything is configured
    assert app.debug is False


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ULR_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("ULR_SECRET_KEY", raising=False)
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"]
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"]
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_production_refuses_a_missing_or_weak_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("ULR_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("ULR_ENV", "production")
    monkeypatch.delenv("ULR_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="ULR_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(ConfigError, match="too short"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "short"})
    with pytest.raises(ConfigError, match="ULR_DATABASE_URL"):
        create_app({"SECRET_KEY": "k" * 40})


def test_settings_come_from_ulr_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("ULR_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("ULR_DATABASE_URL", "postgres://u@h/db")
    monkeypatch.setenv("ULR_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("ULR_SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("ULR_REDIS_URL", "redis://127.0.0.1:6379/3")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert app.config["SESSION_IDLE_MINUTES"] == 5
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    monkeypatch.setenv("ULR_SESSION_IDLE_MINUTES", "soon")
    with pytest.raises(ConfigError, match="ULR_SESSION_IDLE_MINUTES"):
        create_app()


def test_security_headers_on_pages(client):
    response = client.get("/sign-in")
    h = response.headers
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
    assert "script-src 'self'" in h["Content-Security-Policy"]
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    assert h["Cache-Control"] == "no-store"
    assert "HttpOnly" in response.headers.get("Set-Cookie", "HttpOnly")


def test_no_inline_scripts_or_styles_in_pages(login_as):
    page = login_as("admin").get("/").get_data(as_text=True)
    assert "<script>" not in page and "style=" not in page and "<style" not in page


@pytest.mark.parametrize("url,code,text", [
    ("/no-such-page", 404, "Page not found"),
    ("/employers/abc", 404, "Page not found"),
])
def test_error_pages_are_friendly(login_as, url, code, text):
    response = login_as("convenor_a1").get(url)
    assert response.status_code == code and text in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_403_page(login_as):
    response = login_as("ulr_a1").get("/admin/users")
    assert response.status_code == 403 and "You cannot do that" in response.get_data(as_text=True)


def test_405_and_409_pages(login_as, world):
    c = login_as("admin")
    assert c.get("/sign-out").status_code == 405


def test_500_page_is_generic(session_app, world, make_client, monkeypatch):
    c = make_client()
    c.login(world.users.admin.email)
    from ulr_app.organisation import queries

    def boom(*a, **k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(queries, "regions", boom)
    monkeypatch.setitem(session_app.config, "PROPAGATE_TEST_ERRORS", False)
    response = c.get("/regions")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page and "secret internals" not in page


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code in (401, 404)
    assert response.is_json and "error" in response.json


def test_debug_is_off_by_default(app):
    assert app.debug is False


def test_nul_characters_are_refused_cleanly(login_as, world):
    c = login_as("admin")
    for url in ("/regions?q=%00", "/employers?q=a%00b", "/workplaces?q=%00", "/admin/users?q=%00"):
        response = c.get(url)
        assert response.status_code == 400, url
    response = c.submit("/employers/new", {"name": "Bad\x00Name", "kind": "other", "region_id": world.regions.a.id})
    assert response.status_code == 400


def test_405_keeps_the_allow_header(login_as):
    response = login_as("admin").get("/sign-out")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]


def test_create_user_service_validates_missing_and_wrong_types(app):
    import pytest as _pytest

    from ulr_app.accounts import services
    from ulr_app.core.errors import ValidationFailed

    for data, field in [({"name": "X", "role": "admin"}, "email"), ({"email": "x@example.org", "role": "admin"}, "name"),
                        ({"email": 5, "name": "X", "role": "admin"}, "email"),
                        ({"email": "x@example.org", "name": ["X"], "role": "admin"}, "name"),
                        ({"email": "x@example.org", "name": "X"}, "role")]:
        with _pytest.raises(ValidationFailed) as info:
            services.create_user(data)
        assert field in info.value.fields, (data, info.value.fields)

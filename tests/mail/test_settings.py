"""E-mail settings (ULR_SMTP_*, ULR_MAIL_FROM, ULR_BASE_URL): read like every ULR_* setting, and the app
refuses to start with settings that cannot work, saying which one is wrong."""
from __future__ import annotations

import pytest

from ulr_app import create_app
from ulr_app.config import ConfigError

BASE = {"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"}


@pytest.fixture(autouse=True)
def _instance(tmp_path, monkeypatch):
    monkeypatch.setenv("ULR_INSTANCE_PATH", str(tmp_path))
    for var in ("ULR_SMTP_HOST", "ULR_SMTP_PORT", "ULR_SMTP_USER", "ULR_SMTP_PASSWORD", "ULR_SMTP_TLS",
                "ULR_MAIL_FROM", "ULR_BASE_URL"):
        monkeypatch.delenv(var, raising=False)


def test_no_settings_means_no_server_and_the_embedded_default_works():
    app = create_app(BASE)
    assert app.config["SMTP_HOST"] is None and app.config["SMTP_TLS"] == "starttls"
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000"


def test_settings_come_from_the_environment(monkeypatch):
    for var, value in {"ULR_SMTP_HOST": "smtp.example.org", "ULR_SMTP_PORT": "2525", "ULR_SMTP_USER": "ulr",
                       "ULR_SMTP_PASSWORD": "pw-from-env", "ULR_SMTP_TLS": "SSL",
                       "ULR_MAIL_FROM": "ULR <ulr@example.org>", "ULR_BASE_URL": "https://ulr.example.org/"}.items():
        monkeypatch.setenv(var, value)
    config = create_app(BASE).config
    assert (config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_USER"], config["SMTP_PASSWORD"]) == \
        ("smtp.example.org", 2525, "ulr", "pw-from-env")
    assert config["SMTP_TLS"] == "ssl" and config["MAIL_FROM"] == "ULR <ulr@example.org>"
    assert config["BASE_URL"] == "https://ulr.example.org"


@pytest.mark.parametrize("env, message", [
    ({"ULR_SMTP_TLS": "bogus"}, "ULR_SMTP_TLS must be one of starttls, ssl, none (not 'bogus')"),
    ({"ULR_SMTP_PORT": "twenty-five"}, "ULR_SMTP_PORT is not valid"),
    ({"ULR_SMTP_PORT": "70000"}, "ULR_SMTP_PORT must be a port number from 1 to 65535"),
    ({"ULR_SMTP_HOST": "smtp.example.org"}, "ULR_MAIL_FROM must be set"),
    ({"ULR_SMTP_HOST": "smtp.example.org", "ULR_MAIL_FROM": "nobody"}, "ULR_MAIL_FROM must be set"),
    ({"ULR_SMTP_HOST": "smtp.example.org", "ULR_MAIL_FROM": "u@example.org", "ULR_SMTP_USER": "u"},
     "Set both ULR_SMTP_USER and ULR_SMTP_PASSWORD, or neither"),
    ({"ULR_BASE_URL": "ulr.example.org"}, "ULR_BASE_URL must start with http:// or https://"),
])
def test_bad_settings_stop_the_app_at_start_up_with_a_clear_message(monkeypatch, env, message):
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as raised:
        create_app(BASE)
    assert message in str(raised.value)


def test_production_refuses_a_password_sent_unencrypted(monkeypatch):
    monkeypatch.setenv("ULR_ENV", "production")
    settings = dict(BASE, SMTP_HOST="smtp.example.org", MAIL_FROM="u@example.org", SMTP_USER="u",
                    SMTP_PASSWORD="p", SMTP_TLS="none")
    with pytest.raises(ConfigError, match="unencrypted"):
        create_app(settings)
    assert create_app(dict(settings, SMTP_TLS="starttls")).config["SMTP_TLS"] == "starttls"

"""`make run` prints little: one demo login per role with the branch or region it belongs to (the full
list stays in the instance file), and the project's own packaging raises no build-backend warning."""
from __future__ import annotations

import configparser
import re
from pathlib import Path


def test_demo_data_prints_one_login_per_role_first(runner, tmp_path):
    logins = tmp_path / "demo-logins.txt"
    result = runner.invoke(args=["demo-data", "--scale", "small", "--logins-file", str(logins)])
    assert result.exit_code == 0, result.output
    text = logins.read_text()
    short = text.split("\n\n", 1)[0].splitlines()  # what the Makefile shows: up to the first blank line
    assert short[0].startswith("Demo logins, one per role")
    rows = short[1:]
    assert [r.split(":")[0].strip() for r in rows] == ["Administrator", "Regional organiser", "Branch convenor", "ULR"]
    assert re.search(r"\(.+ region\)$", rows[1]) and re.search(r"\(.+ branch\)$", rows[2])
    assert "Demo logins (role, e-mail, password):" in text.split("\n\n", 1)[1]  # the full list follows
    assert len(text.split("\n\n", 1)[1].splitlines()) > len(rows)


def test_packaging_is_a_plain_top_level_layout():
    """An editable install of a top-level package is a plain path entry (no setuptools warnings)."""
    cfg = configparser.ConfigParser()
    cfg.read(Path(__file__).resolve().parent.parent / "setup.cfg")
    assert cfg["options"]["packages"].strip() == "find_namespace:"
    assert cfg["options"]["package_dir"].split() == ["=", "."]
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    assert "sed '/^$$/q' instance/demo-logins.txt" in makefile


def test_a_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.headers["Location"].endswith("/static/favicon.svg")
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    icon.close()
    assert b'rel="icon"' in client.get("/sign-in").data

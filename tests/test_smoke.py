def test_health_is_public(client):
    r = client.get("/health")
    assert r.status_code == 200 and r.json == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_home_requires_login(client):
    r = client.get("/")
    assert r.status_code == 302 and "/sign-in" in r.headers["Location"]


def test_login_and_home(login_as):
    c = login_as("convenor_a1")
    r = c.get("/")
    assert r.status_code == 200

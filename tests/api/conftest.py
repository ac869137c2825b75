"""Fixtures for the JSON API tests: tokens for the world's users and a client that sends them."""
from __future__ import annotations

import pytest

from .helpers import Api, new_token


@pytest.fixture
def token_for(app, world):
    """``token_for('admin')`` -> a new API token for that world user (committed)."""
    return lambda key: new_token(getattr(world.users, key))


@pytest.fixture
def api_as(make_client, token_for):
    """``api_as('convenor_a1')`` -> an Api client acting with a new token of that world user."""
    return lambda key: Api(make_client(), token_for(key))


@pytest.fixture
def anonymous(make_client):
    return Api(make_client(), None)

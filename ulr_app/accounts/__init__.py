"""Accounts: users, passwords, server-side sessions, sign-in limits and API tokens (it answers the
``api.token_user`` hook). May use: core, api, organisation."""

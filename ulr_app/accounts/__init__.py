"""Accounts: users, passwords, server-side sessions, sign-in limits and API tokens (it answers the
``api.token_user`` and ``organisation.branch_moved`` hooks). May use: core, api, organisation."""

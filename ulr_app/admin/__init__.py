"""Administrators' pages: users (create, change, disable, reset a password) and the audit log.
May use: core, organisation, accounts."""

"""Core: what every domain builds on and that knows no domain: the models base, the audit log and
timeline, permissions (roles, scope through ``visible()``), errors, forms and pagination helpers,
dates and periods, PDF and CSV rendering, stored documents, reminders' registry, background jobs and
the named hooks (``core.hooks``) through which a higher domain answers a lower one.
May use: nothing of the app but ``ulr_app.extensions``."""

"""Reference data: UNISON's regions, English local authorities and the controlled vocabularies,
loaded by ``flask reference load``, which also runs each domain's own loader (``reference.loaders``
hook: the course catalogue, the built-in funding programmes).
May use: core, api, organisation, accounts."""

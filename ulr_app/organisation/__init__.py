"""Organisation: regions, branches, employers and their workplaces (schools from GIAS, council
services), the school import, the scope rules for them, and the branch a new record belongs to
(``forms.branch_for_new`` for pages, ``queries.branch_for_new_record`` for the API). A branch moved to
another region says so through the ``organisation.branch_moved`` hook (accounts moves its users).
May use: core, api (the API toolkit)."""

"""Cases: the convenor's case log, its timeline and follow-ups (contacts), dispute cases from
refusals, moving a ULR's caseload. Answers ``learner.cases``, ``learner.merge_movers`` and
``timeoff.case_visible``. May use: every domain below it (up to learners and contacts)."""

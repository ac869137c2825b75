"""Learners and their ladder: consent, equality monitoring (special-category data), needs analyses,
the course catalogue, enrolments through the status rules, progression, the ULR's caseload, merging
duplicates. Answers ``timeoff.learner_in_branch``; asks ``learner.cases`` and ``learner.merge_movers``.
May use: core, api, organisation, accounts, reference, agreements, reps, timeoff, funding, contacts."""

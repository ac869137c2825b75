"""Time off under the Acas Code: requests of the four kinds, notice, the employer's decision, the
tribunal deadline, Acas dates, request letters and facility time (its pages sit on the ULRs'
blueprint). Answers ``rep.time_off``; asks ``timeoff.case_visible`` and ``timeoff.learner_in_branch``.
May use: core, api, organisation, accounts, reference, agreements, reps."""

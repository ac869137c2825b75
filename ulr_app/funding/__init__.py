"""Funding: programmes (the funders' schemes and their measures), projects with their profiles of
targets and spend per financial-year quarter, the history of re-profiles, and the Go Award evidence
kept per employer; answers ``reference.loaders`` (the built-in programmes). The figures are worked out
in ``reports``. May use: core, api, organisation, accounts, reference, agreements, reps, timeoff."""

"""Funding: programmes (the funders' schemes and their measures), projects with their profiles of
targets and spend per financial-year quarter, the history of re-profiles, and the Go Award evidence
kept per employer. Uses organisation, accounts and agreements; the figures are worked out in
``reports``."""

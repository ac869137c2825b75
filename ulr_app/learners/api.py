"""API: learners, needs_assessments, courses and enrolments, through the same queries and services as the pages."""

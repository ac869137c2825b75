"""Contacts: activities (notes, calls, meetings, e-mails, letters, visits) and follow-ups, on a
learner or on a case. Owns the Activity and FollowUp records; uses only core (learners and cases are
named, not imported). Learners use it for their contacts, cases for their timelines and follow-ups."""

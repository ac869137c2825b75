"""Bulk import of a branch's learners (with their enrolment history), ULR appointments and learning
agreements from CSV or XLSX, through the same services as the pages and the API (issue 15 item 5)."""

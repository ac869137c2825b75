"""API: cases and their activities (``/api/v1/cases``), through the same queries and services as the pages."""

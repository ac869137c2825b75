"""API routes (registered on the shared api blueprint)."""

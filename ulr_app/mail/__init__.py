"""E-mail: the outbox every message goes through, and the daily reminder digests."""

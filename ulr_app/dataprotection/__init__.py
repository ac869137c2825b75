"""Data protection: subject access requests (UK GDPR Art 15) and the bank holidays their due dates count."""

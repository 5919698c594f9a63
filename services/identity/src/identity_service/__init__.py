"""authgate identity service."""

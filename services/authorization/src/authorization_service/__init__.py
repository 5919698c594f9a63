"""authgate authorization service."""

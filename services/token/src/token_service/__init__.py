"""authgate token service."""

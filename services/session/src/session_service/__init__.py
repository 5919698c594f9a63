"""authgate session service."""

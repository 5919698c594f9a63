"""Storage adapters of the session service: SQL record and key-value presence."""

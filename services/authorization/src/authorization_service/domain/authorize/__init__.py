"""The authorization endpoint as an ordered list of small checks (RFC 6749 §4.1.1)."""

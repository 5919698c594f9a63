"""The device authorization grant (RFC 8628): start (§3.1-3.2), the verification page's
lookup and decision (§3.3), the token endpoint's poll (§3.4-3.5)."""

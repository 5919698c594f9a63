"""A tiny resource API protected by authgate through Envoy's ext_authz filter."""

"""Transports of the session service: gRPC (internal) and HTTP (public, via the gateway)."""

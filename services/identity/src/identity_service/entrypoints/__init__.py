"""Transports: the gRPC servicer (internal) and the login page (public HTTP)."""

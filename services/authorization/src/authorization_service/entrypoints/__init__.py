"""Thin transports: the gRPC servicer and the public HTTP routes."""

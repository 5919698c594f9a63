"""Thin transports: the public FastAPI app and the internal gRPC servicer."""

"""SQL storage of users and the gRPC client of the session service."""

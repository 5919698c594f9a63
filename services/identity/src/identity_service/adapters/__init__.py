"""SQL storage of users and the gRPC clients of the session and token services."""

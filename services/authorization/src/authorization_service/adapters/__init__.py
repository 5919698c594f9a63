"""SQL repositories and gRPC clients of other services."""

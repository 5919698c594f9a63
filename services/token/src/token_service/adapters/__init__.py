"""SQL repositories, the key-value guard and gRPC clients of the other services."""

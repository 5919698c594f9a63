"""Local process stack for make up and the integration tests."""

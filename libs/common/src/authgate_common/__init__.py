"""Shared building blocks of the authgate services."""

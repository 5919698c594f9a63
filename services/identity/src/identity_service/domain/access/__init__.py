"""Roles, groups and user attributes: what the `roles`, `groups` and custom claims say.

A role is a name an application checks; a group gathers users and holds roles; a user holds
roles directly and through their groups (the effective roles: their union, sorted). A user's
attributes are custom claims, released by name (domain/claims.py).
"""

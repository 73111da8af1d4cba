"""Gatekeeper: access control and closed management for chemical and logistics parks."""

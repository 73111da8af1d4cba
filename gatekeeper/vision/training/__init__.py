"""Offline training of the vision models on generated images (never on benchmark sets)."""

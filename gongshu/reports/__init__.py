"""Shared building blocks of the platform's report files (no models, no app imports)."""

"""Reusable widgets (the verdict panel)."""

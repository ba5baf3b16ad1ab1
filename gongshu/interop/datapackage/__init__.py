"""Frictionless Data Packages (v1, read by v2 tools too) for each version of a resource:
its Table Schema, licence and sources, and the CSV export as the resource's path."""

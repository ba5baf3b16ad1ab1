"""Gongshu (公数): an open-source platform for public data."""

__version__ = "0.1.0"

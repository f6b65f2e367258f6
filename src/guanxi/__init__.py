"""Guanxi (关系): one customer database for a car maker, its dealers and service stations."""

__version__ = "0.1.0"
